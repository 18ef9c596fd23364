"""The HTML report's lineage picture: the data it is drawn from, and the script that lays
it out and draws it in the page.

Layout is ELK's layered algorithm (elkjs, vendored in `render/assets/`, inlined into the
report so it works offline), not a hand-written one: on generated catalogs it gets within
the crossings Graphviz `dot` gets (measured by `tests/render/test_picture_browser.py`).
revtrace decides the columns: revenue on the right, every other metric in the column of
its distance to revenue (ELK's interactive layering keeps them, and its cycle breaking
routes back and loop links around the boxes). The metrics without a path — the
candidates to drop — are a band of their own, laid out apart, with the views of revenue
(profit, growth) last: the script puts it beside the other band when the whole picture
then fits the window, else under it, ending on the right too (as a column on the left
they made the picture several columns wider than a laptop's screen, and the first view,
on the revenue side, left them out of sight). ELK orders each column to avoid crossings,
places the boxes and routes every link within a band; the few links between the bands
(revenue to its views, mostly) are routed by the script, through the gaps between columns
or round the right edge. Many metrics that no link joins (an imported project's) are a
grid under everything, placed by the script: there is nothing for ELK to route.

The contract a test (or anyone) can measure: each metric is an SVG `g` with
`data-metric="<id>"` and `data-status` (`revenue`, `reaches`, `no-path`, `kept`,
`deprecated`, `view`) holding its label as SVG `text`; each link is an SVG `path` with
`data-from` and `data-to` and an arrowhead. Strings are set with `textContent`, never as
markup.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from revtrace.analysis import AuditReport, GraphView
from revtrace.model.catalog import DERIVATIONS
from revtrace.model.wording import caveat_words, kept_words
from revtrace.render.escape import visible
from revtrace.render.grid import grid, gridded

ELK_VERSION = "0.12.1"
#: Above this many metrics the picture starts with the metrics nearest to revenue only
#: (ELK lays out 2,000 boxes in about 7 s; 300 take well under one).
FOCUS_LIMIT = 300


@cache
def asset(name: str) -> str:
    """A file shipped in `render/assets/`: the picture's script and style sheet."""
    return resources.files("revtrace.render").joinpath(f"assets/{name}").read_text("utf-8")


@cache
def elk_script() -> str:
    """elkjs's bundle, as shipped in the package, with its licence notice in front."""
    source = resources.files("revtrace.render").joinpath("assets/elk.bundled.js")
    code = source.read_text(encoding="utf-8")
    notice = (
        f"/* elkjs {ELK_VERSION} (Eclipse Layout Kernel), https://github.com/kieler/elkjs,"
        " EPL-2.0 OR GPL-3.0-or-later; used under the EPL-2.0, unmodified. */\n"
    )
    # Inlined in a <script>: tests/render/test_picture.py checks that the bundle never
    # closes or comments out the element.
    return notice + code


def picture_data(report: AuditReport, metrics: Sequence[str]) -> str:
    """The JSON the picture is drawn from, safe inside a <script> element."""
    analysis = report.analysis
    graph = analysis.graph
    catalog = analysis.catalog
    view = GraphView(analysis, metrics)
    index = {metric: number for number, metric in enumerate(metrics)}
    places = _places(graph, metrics, gridded(view))
    # The details panel says, as the audit does, the error a verdict may come from.
    why = {
        c.id: f"{c.reason}; {caveat_words(c.caveats)}" if c.caveats else c.reason
        for c in report.candidates
    }
    # Two metrics drawn under one name (Lightdash's "Total Services" of two models) are
    # told apart by their ids under it.
    names = Counter(catalog.metrics[m].name for m in metrics)
    nodes: list[dict[str, Any]] = []
    for metric_id in metrics:
        metric = catalog.metrics[metric_id]
        distance = graph.distance.get(metric_id)
        band, column = places[metric_id]
        keep = metric.keep
        nodes.append(
            {
                "id": visible(metric.id),
                "name": visible(metric.name),
                "twin": names[metric.name] > 1,
                "owner": visible(metric.owner or ""),
                "team": visible(metric.team or ""),
                "status": view.status(metric_id),
                "band": band,
                "column": column,
                "distance": distance,
                "reaches": distance is not None,
                "revenue": graph.is_revenue(metric_id),
                "where": visible(f"{metric.location.file}:{metric.location.line}"),
                "description": visible(metric.description or ""),
                "why": visible(why.get(metric_id, "")),
                "keep": visible(kept_words(keep)) if keep is not None else "",
                "view_of": visible(graph.view_of(metric_id) or ""),
            }
        )
    edges = _edges(graph, view, index)
    headings: tuple[dict[int, str], ...] = ({}, {}, {})
    for node in nodes:
        distance = node["distance"]
        if distance == 0:
            text = "revenue"
        elif distance is not None:
            text = f"{distance} link{'s' if distance > 1 else ''} from revenue"
        elif node["view_of"]:
            text = "views of revenue"
        elif node["band"] == LOOSE:
            text = "no path: linked to nothing"
        else:
            text = "no path to revenue"
        headings[node["band"]][node["column"]] = text
    shown, note = _focus(metrics, graph.distance)
    document = {
        "nodes": nodes,
        "edges": edges,
        "headings": headings,
        "shown": shown,
        "note": note,
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Inside <script>, "</script>" or "<!--" in a name would end or change the element.
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


#: The picture's bands: the metrics on a path to revenue; the others (without a path, and
#: the views of revenue with the metrics they are computed from); and, set by hand in a
#: grid (no link to route), the metrics without a path that no link joins to any other.
ON_PATH, OFF_PATH, LOOSE = 0, 1, 2


def _places(
    graph: Any, metrics: Sequence[str], loose: Sequence[str] = ()
) -> dict[str, tuple[int, int]]:
    """Each metric's band and column in it, left to right. In the first band, the metrics
    by distance to revenue, farthest first, revenue last; in the second, the metrics
    without a path, then the views of revenue (under revenue: a view's inputs are mostly
    metrics without a path, such as costs, and its links from revenue go round the right
    edge); in the third, those linked to nothing (`loose`), in a grid (`render.grid`). A link
    between two metrics of one group would run inside a column (and through its boxes),
    so each group takes as many columns as its longest chain of such links."""
    views = -1  # after the metrics without a path, in the sort below
    apart = set(loose)
    groups: dict[tuple[int, int], list[str]] = {}
    for metric in metrics:
        distance = graph.distance.get(metric)
        if distance is not None:
            key = (ON_PATH, distance)
        elif graph.view_of(metric) is not None:
            key = (OFF_PATH, views)
        elif metric in apart:
            key = (LOOSE, 0)
        else:
            key = (OFF_PATH, 0)
        groups.setdefault(key, []).append(metric)
    places: dict[str, tuple[int, int]] = {}
    start = [0, 0, 0]
    for band, distance in sorted(groups, key=lambda k: (k[0], -k[1])):
        members = groups[band, distance]
        local = (
            {m: c for c, column in enumerate(grid(members)) for m in column}
            if band == LOOSE
            else _local_columns(graph, members)
        )
        for metric, column in local.items():
            places[metric] = (band, start[band] + column)
        start[band] += max(local.values(), default=0) + 1
    return places


def _local_columns(graph: Any, unlinked: Sequence[str]) -> dict[str, int]:
    """Columns within one group: each metric by the longest chain of links from it to a
    metric that links to no other in the group, so that those links run left to right
    (a loop among them has one link back)."""
    members = set(unlinked)
    depth: dict[str, int] = {}
    for start in unlinked:
        if start in depth:
            continue
        # Iterative depth-first search; a metric on the stack counts 0 (a loop's way back).
        stack = [(start, iter([t for t in graph.successors(start) if t in members]))]
        on_stack = {start}
        while stack:
            node, pending = stack[-1]
            target = next(pending, None)
            if target is None:
                stack.pop()
                on_stack.discard(node)
                depth[node] = max(
                    (
                        depth.get(t, 0) + 1
                        for t in graph.successors(node)
                        if t in members and t not in on_stack
                    ),
                    default=0,
                )
            elif target not in depth and target not in on_stack:
                on_stack.add(target)
                stack.append((target, iter([t for t in graph.successors(target) if t in members])))
    deepest = max(depth.values(), default=0)
    return {metric: deepest - depth[metric] for metric in unlinked}


def _edges(graph: Any, view: GraphView, index: dict[str, int]) -> list[dict[str, Any]]:
    """Each drawn link, with what its style and its hover text need."""
    edges: list[dict[str, Any]] = []
    for source, target in view.links():
        link = graph.link_between(source, target)
        kind = link.kind if link is not None else "drives"
        elasticity = link.elasticity if link is not None else None
        edges.append(
            {
                "s": index[source],
                "t": index[target],
                "kind": kind,
                "cycle": graph.in_cycle(source, target),
                "derived": kind in DERIVATIONS,
                "elasticity": elasticity,
                "confidence": link.confidence if link is not None else None,
                "sign": link.sign if link is not None else None,
                "note": visible(link.note or "") if link is not None else "",
                "quantified": elasticity is not None or kind in DERIVATIONS,
            }
        )
    return edges


def focus_note(metrics: Sequence[str], distance: dict[str, int]) -> str:
    """What the picture leaves out at first, and how to see it ('' when it shows all)."""
    return _focus(metrics, distance)[1]


def _focus(metrics: Sequence[str], distance: dict[str, int]) -> tuple[list[int] | None, str]:
    """Which metrics are drawn at first: all, or above FOCUS_LIMIT the ones nearest to
    revenue (whole columns, as many as fit), with a note on how to see the rest."""
    if len(metrics) <= FOCUS_LIMIT:
        return None, ""
    counts: dict[int, int] = {}
    for metric in metrics:
        if metric in distance:
            counts[distance[metric]] = counts.get(distance[metric], 0) + 1
    reach, total = 0, 0
    for d in sorted(counts):
        if total + counts[d] > FOCUS_LIMIT and total > 0:
            break
        reach, total = d, total + counts[d]
    shown = [i for i, m in enumerate(metrics) if distance.get(m, reach + 1) <= reach]
    note = (
        f"Showing the {len(shown):,} metrics within {reach} link{'s' if reach != 1 else ''} of"
        f" revenue, of {len(metrics):,}. Focus the picture on a part of the catalog with"
        " `revtrace report -m +ID` (what drives ID), `-m team:NAME` or `-m ID+` (what ID"
        " drives); search still finds every metric."
    )
    return shown, note


LEGEND = (
    '<p class="legend" aria-label="Legend">'
    + "".join(
        f'<span><svg width="26" height="16" aria-hidden="true">'
        f'<g class="node" data-status="{status}">'
        f'<rect x="1" y="1" width="24" height="14" rx="4"/></g></svg> {label}</span>'
        for status, label in (
            ("revenue", "revenue metric"),
            ("reaches", "reaches revenue"),
            ("no-path", "no path to revenue"),
            ("kept", "kept by exception (no path)"),
            ("deprecated", "deprecated"),
            ("view", "view of revenue (computed from it)"),
        )
    )
    + "".join(
        f'<span><svg width="34" height="10" aria-hidden="true"><path class="edge {css}"'
        f' d="M1,5 H33"/></svg> {label}</span>'
        for css, label in (
            ("", "link with an elasticity"),
            ("assumed", "assumed elasticity"),
            ("unquantified", "no elasticity"),
            ("derived", "computed from"),
            ("cycle", "link in a loop"),
        )
    )
    + "</p>"
)
