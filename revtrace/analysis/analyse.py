"""The use cases behind the commands: load → graph → rules → a report the renderers read.

Nothing here prints or decides how things look; the CLI picks a renderer and an exit code.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from revtrace.analysis.baseline import Key
from revtrace.analysis.baseline import apply as apply_baseline
from revtrace.model.catalog import Catalog
from revtrace.analysis.diff import CatalogChange, compare
from revtrace.model.findings import Finding, Severity, count_by_severity
from revtrace.graph.revenue_graph import RevenueGraph, TreeNode, grow_tree
from revtrace.load import LoadResult, load_catalog, load_sources
from revtrace.analysis.policy import Policy
from revtrace.rules import run_graph_checks
from revtrace.analysis.select import Selector, resolve


@dataclass(frozen=True)
class Summary:
    metrics: int
    revenue_metrics: int
    reaching_revenue: int
    no_path: int
    #: Metrics without a path that a `keep` exception keeps.
    kept: int
    errors: int
    warnings: int
    infos: int


@dataclass(frozen=True)
class Analysis:
    """A loaded catalog, its graph, and every finding about it, sorted by location."""

    catalog: Catalog
    graph: RevenueGraph
    findings: tuple[Finding, ...]
    #: The catalog could not be read completely (a YAML error): graph rules did not run.
    incomplete: bool

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def summary(self) -> Summary:
        counts = count_by_severity(self.findings)
        metrics = len(self.catalog.metrics)
        reaching = len(self.graph.distance)
        return Summary(
            metrics=metrics,
            revenue_metrics=len(self.graph.revenue_metrics),
            reaching_revenue=reaching,
            no_path=metrics - reaching,
            kept=sum(
                1
                for m in self.catalog.metrics.values()
                if m.keep is not None and m.id not in self.graph.distance
            ),
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            infos=counts[Severity.INFO],
        )


def analyse(
    paths: Sequence[str | os.PathLike[str]],
    today: date | None = None,
    minimum: Severity = Severity.INFO,
) -> Analysis:
    """Load the catalog files and run every rule (or only those that can report at
    `minimum` or above). Raises `CatalogUnreadable`."""
    return _analyse_loaded(load_catalog(paths), today, minimum)


def analyse_sources(sources: Sequence[tuple[str, bytes]], today: date | None = None) -> Analysis:
    """Like `analyse`, for catalog files already in memory (e.g. read from git)."""
    return _analyse_loaded(load_sources(sources), today)


def _analyse_loaded(
    loaded: LoadResult, today: date | None, minimum: Severity = Severity.INFO
) -> Analysis:
    graph = RevenueGraph(loaded.catalog)
    findings = list(loaded.findings)
    if not loaded.fatal:
        findings.extend(run_graph_checks(graph, today, minimum))
    findings.sort(key=Finding.sort_key)
    return Analysis(loaded.catalog, graph, tuple(findings), loaded.fatal)


@dataclass(frozen=True)
class AuditReport:
    """What `audit` reports: the analysis, and the findings left after the rule policy
    and the baseline, which decide the exit code."""

    analysis: Analysis
    findings: list[Finding]
    #: Findings accepted by the baseline (not reported).
    baselined: int = 0
    #: Baseline entries that no longer occur, as (code, metric, count).
    stale_baseline: list[tuple[str, str, int]] = field(default_factory=list)
    #: With `--since`: the revision compared with, and what changed.
    since: str | None = None
    change: CatalogChange | None = None

    def summary(self) -> Summary:
        base = self.analysis.summary()
        counts = count_by_severity(self.findings)
        return Summary(
            metrics=base.metrics,
            revenue_metrics=base.revenue_metrics,
            reaching_revenue=base.reaching_revenue,
            no_path=base.no_path,
            kept=base.kept,
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            infos=counts[Severity.INFO],
        )


@dataclass(frozen=True)
class TreeResult:
    roots: list[TreeNode]
    #: Metrics with no path to revenue, listed after the tree.
    unlinked: list[str]


def lineage(
    analysis: Analysis,
    selectors: Sequence[Selector] = (),
    depth: int | None = None,
    reverse: bool = False,
) -> TreeResult:
    """Lineage trees.

    Without selectors: each revenue metric, and what drives it (with `reverse`: each metric
    nothing drives, and what it drives up to revenue). With selectors: each selected
    metric's lineage up to revenue (`ID`, `ID+`, `team:…`), or what drives it (`+ID`),
    or both (`@ID`); `reverse` swaps the two; `N+`/`+N` limit the depth.
    Metrics with no path to revenue are listed as unlinked.
    """
    graph = analysis.graph

    def toward_revenue(root: str) -> Callable[[str], Iterable[str]]:
        def children(node: str) -> Iterator[str]:
            if graph.is_revenue(node) and node != root:
                return
            yield from (t for t in graph.driven_toward_revenue(node) if t in graph.distance)

        return children

    if not selectors:
        if reverse:
            sources = [m for m in graph.sources() if graph.reaches_revenue(m)]
            roots = [n for m in sources for n in grow_tree([m], toward_revenue(m), depth)]
        else:
            roots = grow_tree(graph.revenue_metrics, graph.drivers_of, depth)
        return TreeResult(roots, graph.without_revenue_path())

    plans: list[tuple[str, bool, int | None]] = []  # (root, show drivers?, depth)
    for selector in selectors:
        if selector.metric is None:
            for metric in resolve([selector], graph):
                plans.append((metric, reverse, depth))
            continue
        resolve([selector], graph)  # raises for an unknown id
        if selector.drivers or not selector.driven:
            if selector.drivers:
                plans.append((selector.metric, not reverse, selector.drivers_depth or depth))
            else:
                plans.append((selector.metric, reverse, depth))
        if selector.driven:
            plans.append((selector.metric, reverse, selector.driven_depth or depth))
    trees: list[TreeNode] = []
    for root, drivers, root_depth in dict.fromkeys(plans):
        step = graph.drivers_of if drivers else toward_revenue(root)
        trees.extend(grow_tree([root], step, root_depth))
    unlinked = [p[0] for p in dict.fromkeys(plans) if not graph.reaches_revenue(p[0])]
    return TreeResult(trees, list(dict.fromkeys(unlinked)))


@dataclass(frozen=True)
class TraceResult:
    metric: str
    reaches_revenue: bool
    paths: list[list[str]]
    truncated: bool
    #: Non-revenue metrics reachable from the metric (itself included) that drive nothing.
    dead_ends: list[str]
    #: Loops reachable from the metric that no link leaves.
    closed_loops: list[list[str]]
    #: What the metric drives directly: defined ids, then undefined ones.
    drives: list[str]
    undefined: list[str]


def trace(analysis: Analysis, metric: str, max_paths: int) -> TraceResult:
    graph = analysis.graph
    paths, truncated = graph.paths_to_revenue(metric, max_paths)
    targets = [link.target for link in analysis.catalog.metrics[metric].drives]
    return TraceResult(
        metric=metric,
        reaches_revenue=graph.reaches_revenue(metric),
        paths=paths,
        truncated=truncated,
        dead_ends=graph.dead_ends_from(metric),
        closed_loops=graph.closed_loops_from(metric),
        drives=[t for t in targets if t in analysis.catalog],
        undefined=[t for t in targets if t not in analysis.catalog],
    )


@dataclass(frozen=True)
class ScoreRow:
    """How much of what one team (or owner) tracks reaches revenue."""

    key: str
    metrics: int
    reaching: int
    median_distance: float | None
    #: Metrics without a path to revenue and without a `keep` exception.
    candidates: list[str]

    @property
    def share(self) -> float:
        return self.reaching / self.metrics if self.metrics else 0.0


def scorecard(analysis: Analysis, metrics: Sequence[str], by: str = "team") -> list[ScoreRow]:
    """One row per team (or owner), worst first: lowest share reaching revenue, then most
    candidates to drop."""
    graph = analysis.graph
    groups: dict[str, list[str]] = {}
    for metric_id in metrics:
        metric = analysis.catalog.metrics[metric_id]
        key = (metric.team if by == "team" else metric.owner) or "(none)"
        groups.setdefault(key, []).append(metric_id)
    rows = []
    for key, members in groups.items():
        distances = sorted(graph.distance[m] for m in members if m in graph.distance)
        rows.append(
            ScoreRow(
                key=key,
                metrics=len(members),
                reaching=len(distances),
                median_distance=statistics.median(distances) if distances else None,
                candidates=[
                    m
                    for m in members
                    if m not in graph.distance and analysis.catalog.metrics[m].keep is None
                ],
            )
        )
    return sorted(rows, key=lambda r: (r.share, -len(r.candidates), r.key))


def audit(
    analysis: Analysis,
    policy: Policy,
    *,
    selected: Collection[str] | None = None,
    before: Analysis | None = None,
    since: str | None = None,
    baseline: Counter[Key] | None = None,
) -> AuditReport:
    """What `audit` reports: the findings the rule policy keeps (about the selected
    metrics, when a selection is given; findings about a file always stay), then, with
    `before` (the catalog at `since`), only those the change added, then only those the
    baseline does not accept."""
    findings = policy.apply(analysis.findings)
    if selected is not None:
        chosen = set(selected)
        findings = [f for f in findings if f.metric is None or f.metric in chosen]
    report = AuditReport(analysis, findings)
    if before is not None:
        before_reported = replace(before, findings=tuple(policy.apply(before.findings)))
        change = compare(before_reported, analysis, findings)
        report = AuditReport(analysis, change.new_findings, since=since, change=change)
    if baseline is not None:
        result = apply_baseline(report.findings, baseline)
        report = replace(
            report,
            findings=result.new,
            baselined=result.matched,
            stale_baseline=[(s.code, s.metric, s.count) for s in result.stale],
        )
    return report
