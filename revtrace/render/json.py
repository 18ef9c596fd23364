"""JSON output: stable keys, one document on stdout, strings exactly as in the catalog."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from itertools import pairwise
from json.encoder import encode_basestring as _string  # what ensure_ascii=False uses
from typing import TYPE_CHECKING, Any, TypeVar

from revtrace import __version__
from revtrace.analysis import (
    Analysis,
    AuditReport,
    CatalogChange,
    DiffReport,
    GraphView,
    ImpactView,
    RuleCount,
    Scorecard,
    TraceResult,
    TreeResult,
)
from revtrace.analysis.policy import RuleDocs
from revtrace.graph import TreeNode
from revtrace.model.catalog import Keep, Link, Metric
from revtrace.model.findings import Finding

if TYPE_CHECKING:
    from revtrace.analysis.evidence import FitView
    from revtrace.analysis.explain import ExplainReport, Explanation


def dumps(document: Any) -> str:
    # allow_nan=False: NaN and Infinity are not JSON; one would be a bug, never output.
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), allow_nan=False)


def _compact(value: Any) -> str:
    return _COMPACT.encode(value)


T = TypeVar("T")


class EncodedRows(list[str]):
    """Rows already encoded as JSON objects, one per item, for `dumps_with_rows`."""


class LazyRows:
    """Rows encoded as JSON objects one at a time, as the document is written: a
    1,000,000-metric audit's rows are 400 MB as a list, and never need to be one."""

    def __init__(self, count: int, rows: Callable[[], Iterator[str]]) -> None:
        self.count = count
        self.rows = rows

    def __iter__(self) -> Iterator[str]:
        return self.rows()


#: A streamed document is written in pieces of about this many characters.
PIECE_CHARS = 1 << 20
#: Rows encoded at once by `rows_in_batches`.
ROWS_PER_BATCH = 2048


def dumps_with_rows(document: dict[str, Any], rows: tuple[str, ...]) -> str:
    """Like `dumps`, but each item of the `rows` lists on one line of its own.

    Still one JSON document, and still readable, but encoded by the json module's C
    encoder (or given already encoded, as `EncodedRows` or `LazyRows`): indenting 100,000
    metrics the usual way takes seconds.
    """
    return "".join(dumps_in_pieces(document, rows))


def _rows(value: list[dict[str, Any]]) -> str:
    """Dicts encoded one per line (without the brackets): one C-encoder call for the whole
    list, then a line break before each item. Safe: every item is a dict whose first key
    is the same, and `}, {"key": ` cannot occur inside an encoded string, where every quote
    is escaped."""
    first = _compact(next(iter(value[0])))
    return _compact(value)[1:-1].replace("}, {" + first + ": ", "},\n    {" + first + ": ")


def rows_in_batches(items: Sequence[T], as_dict: Callable[[T], dict[str, Any]]) -> LazyRows:
    """`items` as rows of dicts with the same first key, encoded a few thousand at a time
    as the document is written (each batch is rows joined as `dumps_in_pieces` joins them)."""

    def batches() -> Iterator[str]:
        for start in range(0, len(items), ROWS_PER_BATCH):
            yield _rows([as_dict(item) for item in items[start : start + ROWS_PER_BATCH]])

    return LazyRows(len(items), batches)


def dumps_in_pieces(document: dict[str, Any], rows: tuple[str, ...]) -> Iterator[str]:
    """`dumps_with_rows`, in pieces of a few thousand rows, to be written as they come."""
    yield "{"
    keys = list(document)
    for position, key in enumerate(keys):
        value = document[key]
        comma = "," if position < len(keys) - 1 else ""
        if isinstance(value, LazyRows) and value.count:
            yield f"\n  {_compact(key)}: [\n    "
            piece: list[str] = []
            size = 0
            for row in value:
                piece.append(row)
                size += len(row)
                if size >= PIECE_CHARS:
                    yield ",\n    ".join(piece) + ",\n    "
                    piece = []
                    size = 0
            yield ",\n    ".join(piece)  # never empty: `count` rows, and the last piece
            yield f"\n  ]{comma}"
        elif key in rows and isinstance(value, list) and value:
            encoded = ",\n    ".join(value) if isinstance(value, EncodedRows) else _rows(value)
            yield f"\n  {_compact(key)}: [\n    {encoded}\n  ]{comma}"
        else:
            if isinstance(value, LazyRows):
                value = []
            encoded = json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)
            encoded = encoded.replace("\n", "\n  ")
            yield f"\n  {_compact(key)}: {encoded}{comma}"
    yield "\n}\n"


def metric_fields(metric: Metric) -> dict[str, Any]:
    """What every JSON document says about a metric itself, in one order."""
    return {
        "id": metric.id,
        "name": metric.name,
        "owner": metric.owner,
        "team": metric.team,
        "revenue": metric.revenue,
        "status": metric.status,
    }


def audit_metric_rows(analysis: Analysis, chosen: Collection[str] | None = None) -> LazyRows:
    """One row per metric: its fields, whether and how it reaches revenue, and where it
    is defined.

    Each row gives the next hop, not the whole path: following `next` gives the shortest
    path, and the document stays linear in the catalog (whole paths made a 20,000-metric
    chain's document 1.8 GB; `revtrace trace` prints paths).

    Written out as text rather than built as dicts for the encoder: this runs for every
    metric, and takes a third of the time that way. The text is exactly what the json
    module gives for the same fields (a test in test_formats checks it on any text).
    Encoded as the document is written (`LazyRows`).
    """
    catalog = analysis.catalog.metrics
    count = len(catalog) if chosen is None else len(chosen)
    return LazyRows(count, lambda: _metric_rows(analysis, chosen))


def _metric_rows(analysis: Analysis, chosen: Collection[str] | None) -> Iterator[str]:
    distance = analysis.graph.distance
    next_hop = analysis.graph.next_hop
    views = analysis.graph.views
    files: dict[str, str] = {}
    catalog = analysis.catalog.metrics
    # The audit's verdict, given outright: rows that derived it from `reaches_revenue`,
    # `kept` and `view_of` called every metric a candidate where nothing can be traced.
    traceable = not analysis.untraceable
    for metric in catalog.values() if chosen is None else (catalog[m] for m in chosen):
        metric_id = metric.id
        steps = distance.get(metric_id)
        following = next_hop.get(metric_id)
        where = metric.location
        file = files.get(where.file)
        if file is None:
            file = files[where.file] = _string(where.file)
        view = views.get(metric_id)
        kept, candidate = _verdict(metric, steps, view, traceable)
        yield (
            f'{{"id": {_string(metric_id)}, "name": {_string(metric.name)}, '
            f'"owner": {"null" if metric.owner is None else _string(metric.owner)}, '
            f'"team": {"null" if metric.team is None else _string(metric.team)}, '
            f'"revenue": {"true" if metric.revenue else "false"}, '
            f'"status": {_string(metric.status)}, '
            f'"reaches_revenue": {"false" if steps is None else "true"}, '
            f'"kept": {"true" if kept else "false"}, '
            f'"candidate": {"true" if candidate else "false"}, '
            f'"distance": {"null" if steps is None else steps}, '
            f'"next": {"null" if following is None else _string(following)}, '
            f'"view_of": {"null" if view is None else _string(view)}, '
            f'"file": {file}, "line": {where.line}}}'
        )


def _verdict(
    metric: Metric, steps: int | None, view: str | None, traceable: bool
) -> tuple[bool, bool]:
    """(kept, candidate): `Analysis.is_kept` and `Analysis.is_candidate` from what a row
    has looked up already, for the documents that say them of every metric. A view of
    revenue is neither, whatever its `keep` says."""
    without_path = steps is None and view is None
    return (
        without_path and metric.keep is not None,
        without_path and metric.keep is None and traceable,
    )


def keep_dict(keep: Keep) -> dict[str, Any]:
    """A `keep` exception: why, until when, decided by whom."""
    return {
        "reason": keep.reason,
        "until": keep.until.isoformat() if keep.until else None,
        "by": keep.by,
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "code": finding.code,
        "rule": finding.rule,
        "severity": str(finding.severity),
        "metric": finding.metric,
        "message": finding.message,
        "file": loc.file if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
    }


def audit(report: AuditReport) -> str:
    return "".join(audit_parts(report))


def audit_parts(report: AuditReport) -> Iterator[str]:
    """The audit document in pieces, to be written as they come (see `LazyRows`)."""
    analysis = report.analysis
    summary = report.summary()
    selection = report.selection
    metrics = audit_metric_rows(analysis, None if selection is None else selection.metrics)
    yield from dumps_in_pieces(
        {
            "tool": "revtrace",
            "version": __version__,
            **(
                {
                    "selection": {
                        "selectors": list(selection.selectors),
                        "metrics": summary.metrics,
                        "of": summary.catalog_metrics,
                    }
                }
                if selection is not None
                else {}
            ),
            "summary": {
                # False when the catalog has errors: the verdicts may be their consequence.
                "complete": not report.has_errors,
                "metrics": summary.metrics,
                "revenue_metrics": summary.revenue_metrics,
                "reaching_revenue": summary.reaching_revenue,
                "no_path": summary.no_path,
                "errors": summary.errors,
                "warnings": summary.warnings,
                "infos": summary.infos,
                "kept": summary.kept,
                "views": summary.views,
                "baselined": report.baselined,
            },
            "metrics": metrics,
            "findings": rows_in_batches(report.findings, finding_dict),
            # Each listed candidate to drop whose verdict may be the consequence of errors
            # (about it, or a metric its chains pass through): those errors, to fix first.
            "caveats": {
                metric: [finding_dict(caveat) for caveat in caveats]
                for metric, caveats in report.caveats.items()
            },
            **(
                {
                    "since": report.since,
                    "not_new": report.not_new,
                    "change": change_dict(report.change),
                }
                if report.change
                else {}
            ),
        },
        rows=("metrics", "findings"),
    )


def change_dict(change: CatalogChange) -> dict[str, Any]:
    return {
        "metrics_added": change.added,
        "metrics_removed": change.removed,
        "added_without_path": change.added_without_path,
        "lost_path": [{"metrics": c.metrics, "causes": c.causes} for c in change.lost_paths],
        "links_added": [list(edge) for edge in change.links_added],
        "links_removed": [list(edge) for edge in change.links_removed],
        "new_findings": [finding_dict(f) for f in change.new_findings],
        "resolved": [
            {"code": code, "metric": metric or None, **({"file": file} if file else {})}
            for code, metric, file in change.resolved
        ],
    }


def diff(report: DiffReport) -> str:
    return dumps(
        {
            "tool": "revtrace",
            "version": __version__,
            "old": report.old,
            "new": report.new,
            **change_dict(report.change),
        }
    )


def statistics(rows: Sequence[RuleCount]) -> str:
    return dumps([{"code": c, "rule": n, "severity": str(s), "count": k} for c, n, s, k in rows])


def tree(result: TreeResult) -> str:
    analysis = result.analysis
    # Written by hand, iteratively: a lineage can be thousands of levels deep, deeper than
    # the json module's recursion allows.
    names = analysis.catalog.metrics
    parts: list[str] = ['{\n  "roots": [']
    stack: list[tuple[list[TreeNode], int, int]] = [(result.roots, 0, 2)]
    while stack:
        nodes, index, indent = stack.pop()
        if index >= len(nodes):
            if indent > 2:
                parts.append("]}")
            continue
        if index:
            parts.append(", ")
        node = nodes[index]
        stack.append((nodes, index + 1, indent))
        name = names[node.id].name if node.id in names else node.id
        parts.append(
            "{"
            f'"id": {json.dumps(node.id, ensure_ascii=False)}, '
            f'"name": {json.dumps(name, ensure_ascii=False)}, '
            f'"seen": {_bool(node.seen)}, "cycle": {_bool(node.cycle)}, '
            f'"truncated": {_bool(node.truncated)}, "children": ['
        )
        stack.append((node.children, 0, indent + 1))
    parts.append('],\n  "unlinked": ')
    parts.append(json.dumps(result.unlinked, ensure_ascii=False))
    kept = {m: keep_dict(keep) for m in result.unlinked if (keep := result.kept(m)) is not None}
    parts.append(',\n  "kept": ' + json.dumps(kept, ensure_ascii=False))
    views = {m: v for m in result.unlinked if (v := analysis.graph.view_of(m)) is not None}
    parts.append(',\n  "views": ' + json.dumps(views, ensure_ascii=False))
    if any(title is not None for title in result.titles):
        parts.append(',\n  "titles": ' + json.dumps(result.titles, ensure_ascii=False))
    parts.append("\n}\n")
    return "".join(parts)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def trace(result: TraceResult) -> str:
    return dumps(
        {
            "metric": result.metric,
            "reaches_revenue": result.reaches_revenue,
            "paths": result.paths,
            # links[i][j] is the link from paths[i][j] to paths[i][j + 1].
            "links": [
                [_hop(result.analysis.graph.link_between(a, b)) for a, b in pairwise(path)]
                for path in result.paths
            ],
            "effects": result.effects,
            "truncated": result.truncated,
            "kept": None if result.kept is None else keep_dict(result.kept),
            "view_of": result.analysis.graph.view_of(result.metric),
            "dead_ends": result.dead_ends,
            "loops": result.closed_loops,
            "only_through_deprecated": result.only_through_deprecated,
            "computed_from": result.computed_from,
            # The errors its verdict may be the consequence of (as the audit's `caveats`).
            "caveats": [finding_dict(caveat) for caveat in result.caveats],
            # The audit's verdict: a candidate to drop (never where nothing can be traced).
            "candidate": result.candidate,
        }
    )


def _hop(link: Link | None) -> dict[str, object]:
    if link is None:  # cannot happen on a path the graph found; kept total for safety
        return {"kind": None, "elasticity": None, "sign": None, "confidence": None}
    return {
        "kind": link.kind,
        "elasticity": link.elasticity,
        "sign": link.sign,
        "confidence": link.confidence,
    }


def graph(view: GraphView) -> str:
    """Node-link JSON, as networkx's `node_link_data` shapes it."""
    analysis, metrics = view.analysis, view.metrics
    catalog = analysis.catalog
    graph_ = analysis.graph
    chosen = set(metrics)
    nodes = []
    links = []
    traceable = not analysis.untraceable
    for metric_id in metrics:
        metric = catalog.metrics[metric_id]
        steps = graph_.distance.get(metric_id)
        view_of = graph_.views.get(metric_id)
        kept, candidate = _verdict(metric, steps, view_of, traceable)
        nodes.append(
            {
                **metric_fields(metric),
                "reaches_revenue": steps is not None,
                "distance": steps,
                # The audit's verdict, and why a metric without a path is none, as the
                # audit's rows say them: for a drawing made elsewhere.
                "candidate": candidate,
                "kept": kept,
                "view_of": view_of,
            }
        )
        for link in metric.drives:
            if link.target in chosen:
                links.append(
                    {
                        "source": link.source,
                        "target": link.target,
                        "kind": link.kind,
                        "elasticity": link.elasticity,
                        "sign": link.sign,
                        "note": link.note,
                        "cycle": graph_.in_cycle(link.source, link.target),
                    }
                )
    return dumps_with_rows(
        {"directed": True, "multigraph": False, "nodes": nodes, "links": links},
        rows=("nodes", "links"),
    )


def scorecard(card: Scorecard) -> str:
    by, rows = card.by, card.rows
    return dumps(
        {
            "by": by,
            "rows": [
                {
                    by: row.key,
                    "metrics": row.metrics,
                    "reaching_revenue": row.reaching,
                    "share_reaching_revenue": round(row.reaching / row.metrics, 4),
                    "views_of_revenue": row.views,
                    "traced": row.traced,
                    "share_traced": round(row.share, 4),
                    "median_distance": row.median_distance,
                    "candidates_to_drop": row.candidates,
                }
                for row in rows
            ],
            # Why the rows are by owner, or why no candidate is named (no revenue metric).
            "note": card.note,
        }
    )


def impact(view: ImpactView) -> str:
    report, what_if = view.report, view.what_if
    document: dict[str, object] = {
        "revenue_metrics": report.revenue_metrics,
        "weights": report.weights,
        "metrics": [
            {
                "id": m.id,
                "effects": m.effects,
                "total": m.total,
                "quantified": m.quantified,
                "confidence": m.confidence,
                "reaches_revenue": view.analysis.graph.reaches_revenue(m.id),
            }
            for m in view.ranked
        ],
        "divergent_loops": [
            {
                "members": list(loop.members),
                "loop": list(loop.loop),
                "gain": loop.gain,
                # The group is this loop alone (its gain decides), or several together.
                "alone": loop.alone,
            }
            for loop in report.divergent
        ],
    }
    if view.next_step is not None:
        document["next_step"] = view.next_step
    if what_if:
        document["what_if"] = {
            revenue: {"percent": percent, "amount": amount}
            for revenue, (percent, amount) in what_if.items()
        }
    return dumps(document)


def explanation_dict(explanation: Explanation) -> dict[str, Any]:
    """One explained metric, as `explain --format json` and the report's data carry it."""
    return {
        "metric": explanation.metric,
        "change": {
            "from": explanation.before,
            "to": explanation.after,
            "amount": explanation.amount,
            "pct": explanation.pct,
        },
        "contributions": [
            {
                "metric": c.metric,
                "from": c.before,
                "to": c.after,
                "pct": c.pct,
                "leverage": c.leverage,
                "log_points": c.log_points,
                "amount": c.amount,
                "share": c.share,
            }
            for c in explanation.contributions
        ],
        "unexplained": {
            "amount": explanation.unexplained_amount,
            "log_points": explanation.unexplained_log_points,
            "by_metric": [
                {"metric": u.metric, "amount": u.amount, "reasons": list(u.reasons)}
                for u in explanation.unexplained
            ],
        },
        "not_attributed": [
            {"metric": metric, "reason": reason} for metric, reason in explanation.not_attributed
        ],
        "reason": explanation.reason,
    }


def explain(report: ExplainReport) -> str:
    return dumps(
        {
            "from": report.start,
            "to": report.end,
            "values": report.table.file,
            "derived": list(report.derived),
            "explanations": [explanation_dict(e) for e in report.explanations],
        }
    )


def fit(view: FitView) -> str:
    report = view.report
    return dumps(
        {
            "values": report.table.file,
            "periods": len(report.table.periods),
            "from": report.first,
            "to": report.last,
            "links": [
                {
                    "from": r.source,
                    "to": r.target,
                    "kind": r.link.kind,
                    "declared": r.link.elasticity,
                    "sign": r.link.sign,
                    "estimate": r.estimate,
                    "stderr": r.stderr,
                    "ci": list(r.interval) if r.interval is not None else None,
                    "periods": r.periods,
                    "verdict": r.verdict,
                    "detail": r.detail,
                    "location": str(r.location),
                }
                for r in view.links
            ],
            "moves_with_revenue": [
                {
                    "metric": t.metric,
                    "revenue": t.revenue,
                    "correlation": t.correlation,
                    "changes": t.changes,
                }
                for t in view.tracking
            ],
            "assumptions": assumptions(),
        }
    )


def assumptions() -> str:
    from revtrace.values.fit import ASSUMPTIONS

    return ASSUMPTIONS


def rules(docs: RuleDocs) -> str:
    """Every rule (or the named ones) with its whole documentation, for editors and tools."""
    return dumps(
        [
            {
                "code": rule.code,
                "name": rule.name,
                "severity": str(rule.severity),
                "summary": rule.summary,
                "doc": rule.doc,
            }
            for rule in docs.rules
        ]
    )
