"""The use cases behind the commands: load → graph → rules → a report the renderers read.

Nothing here prints or decides how things look; the CLI picks a renderer and an exit code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from revtrace.catalog import Catalog
from revtrace.diff import CatalogChange
from revtrace.findings import Finding, Severity, count_by_severity
from revtrace.graph import RevenueGraph, TreeNode
from revtrace.loader import LoadResult, load_catalog, load_sources
from revtrace.rules import run_graph_checks


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

    def no_path_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.code == "RT001"]


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


def lineage(analysis: Analysis, metric: str | None = None, depth: int | None = None) -> TreeResult:
    """The revenue-lineage tree, or with `metric`, that metric's lineage up to revenue."""
    graph = analysis.graph
    if metric is None:
        return TreeResult(graph.revenue_tree(depth), graph.without_revenue_path())
    unlinked = [] if graph.reaches_revenue(metric) else [metric]
    return TreeResult([graph.lineage_tree(metric, depth)], unlinked)


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
