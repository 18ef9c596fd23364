"""The first use case of every command: load a catalog, build its graph, run the rules.

Nothing in this layer prints or decides how things look: it returns values that the
renderers format, and the CLI picks a renderer and an exit code.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from revtrace.graph import RevenueGraph
from revtrace.load import LoadResult, first_declarations, load_sources, read_catalog_bytes
from revtrace.load.cache import FileCache
from revtrace.model.catalog import Catalog
from revtrace.model.findings import Finding, Severity, count_by_severity
from revtrace.rules import ALL_RULES, run_graph_checks
from revtrace.values.reader import ValueTable

#: The metrics with errors a verdict's caveats name, at most (each with its errors).
CAVEAT_LIMIT = 5


@dataclass(frozen=True)
class Summary:
    """The counts of a catalog, or of a selection of its metrics."""

    metrics: int
    revenue_metrics: int
    reaching_revenue: int
    no_path: int
    #: Metrics without a path that a `keep` exception keeps.
    kept: int
    errors: int
    warnings: int
    infos: int
    #: Metrics in the whole catalog (the same as `metrics` without a selection).
    catalog_metrics: int = 0
    #: Metrics without a path that are views of revenue (computed from it).
    views: int = 0


@dataclass(frozen=True)
class Analysis:
    """A loaded catalog, its graph, and every finding about it, sorted by location."""

    catalog: Catalog
    graph: RevenueGraph
    findings: tuple[Finding, ...]
    #: The catalog could not be read completely (a YAML error): graph rules did not run.
    incomplete: bool
    #: The values file the rules checked the links against, if one was given.
    values: ValueTable | None = None

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def untraceable(self) -> bool:
        """Nothing can be traced yet: no revenue metric, or a file that could not be read
        whole. Then no command names a candidate to drop, and none says a metric traces."""
        return self.incomplete or not self.graph.revenue_metrics

    def is_kept(self, metric_id: str) -> bool:
        """Whether a `keep` exception keeps the metric without a path to revenue. A view
        of revenue is one whatever its `keep` says (never a candidate either way), so
        that no count says it twice."""
        metric = self.catalog.metrics.get(metric_id)
        return (
            metric is not None
            and metric.keep is not None
            and not self.graph.reaches_revenue(metric_id)
            and self.graph.view_of(metric_id) is None
        )

    def is_candidate(self, metric_id: str) -> bool:
        """The audit's verdict (RT001): no path to revenue, no `keep` exception, not a view
        of revenue; never where nothing can be traced. Every command says it of the same
        metrics (`tests/test_verdicts.py`); the JSON rows, written by the hundred
        thousand, say it inline."""
        metric = self.catalog.metrics.get(metric_id)
        return (
            metric is not None
            and not self.untraceable
            and metric.keep is None
            and metric_id not in self.graph.distance
            and self.graph.view_of(metric_id) is None
        )

    def caveats(self, metrics: Iterable[str]) -> dict[str, tuple[Finding, ...]]:
        """For each of the `metrics` without a path that has one, the errors that may have
        cut a link (`Rule.cuts_links`) about it or about the metrics its chains pass
        through (at most CAVEAT_LIMIT of them, nearest first): the likely root cause of
        its verdict, said with it by every command and format. A typo in one link makes
        every metric upstream of it "a candidate to drop"; only the errors where chains
        ended were said, and a rejected link half-way down was not. An error that leaves
        every link in place (an invalid elasticity) is no cause, and not said as one."""
        cutting: dict[str, list[Finding]] = {}
        for finding in self.findings:
            rule = ALL_RULES.get(finding.code)
            if finding.metric is not None and rule is not None and rule.cuts_links:
                cutting.setdefault(finding.metric, []).append(finding)
        if not cutting:
            return {}
        below = self.graph.marked_below(cutting, CAVEAT_LIMIT)
        caveats: dict[str, tuple[Finding, ...]] = {}
        for metric in metrics:
            found = tuple(f for suspect in below.get(metric, ()) for f in cutting[suspect])
            if found:
                caveats[metric] = found
        return caveats

    def summary(
        self, findings: Sequence[Finding] | None = None, metrics: Collection[str] | None = None
    ) -> Summary:
        """The counts of the catalog (or of the `metrics` selected from it), with the
        severities of `findings` (default: all)."""
        counts = count_by_severity(self.findings if findings is None else findings)
        graph = self.graph
        catalog = self.catalog.metrics
        if metrics is None:
            chosen: Collection[str] = catalog
            reaching = len(graph.distance)
            revenue = len(graph.revenue_metrics)
        else:
            chosen = metrics
            reaching = sum(1 for m in metrics if m in graph.distance)
            revenue = sum(1 for m in metrics if graph.is_revenue(m))
        return Summary(
            metrics=len(chosen),
            revenue_metrics=revenue,
            reaching_revenue=reaching,
            no_path=len(chosen) - reaching,
            kept=sum(
                1
                for m in chosen
                if catalog[m].keep is not None and m not in graph.distance and m not in graph.views
            ),
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            infos=counts[Severity.INFO],
            catalog_metrics=len(catalog),
            # A view that also drives revenue (a loop through it) has a path: not counted.
            views=sum(1 for m in chosen if m in graph.views and m not in graph.distance),
        )


def analyse(
    paths: Sequence[str | os.PathLike[str]],
    today: date | None = None,
    minimum: Severity = Severity.INFO,
    values: str | os.PathLike[str] | None = None,
    *,
    cache: FileCache | None = None,
) -> Analysis:
    """Load the catalog files and run every rule (or only those that can report at
    `minimum` or above); with `values`, the rules about the numbers too; with `cache`,
    each file's reading is kept between runs. Raises `CatalogUnreadable`,
    `ValuesUnreadable`."""
    sources = [(os.fspath(p), read_catalog_bytes(os.fspath(p))) for p in paths]
    return analyse_read(sources, today, minimum, values, cache=cache)


def analyse_read(
    sources: Sequence[tuple[str, bytes]],
    today: date | None = None,
    minimum: Severity = Severity.INFO,
    values: str | os.PathLike[str] | None = None,
    *,
    cache: FileCache | None = None,
    release: bool = False,
) -> Analysis:
    """`analyse`, for catalog files already read (display name, bytes). With `release`,
    the list is emptied once read: its bytes (150 MB at 1,000,000 metrics) are not
    needed for the analysis, which needs the memory."""
    loaded = load_sources(sources, cache=cache)
    if release and isinstance(sources, list):
        sources.clear()
    if values is None:
        return analyse_loaded(loaded, today, minimum)
    from revtrace.values import read_values

    table, problems = read_values(values, loaded.catalog.metrics)
    return analyse_loaded(loaded, today, minimum, table, problems)


def analyse_sources(
    sources: Sequence[tuple[str, bytes]],
    today: date | None = None,
    values: ValueTable | None = None,
    value_problems: Sequence[Finding] = (),
) -> Analysis:
    """Like `analyse`, for catalog files already in memory (e.g. read from git); with the
    values file of the run it is compared with, so that only what changed is new."""
    return analyse_loaded(load_sources(sources), today, Severity.INFO, values, value_problems)


def analyse_loaded(
    loaded: LoadResult,
    today: date | None = None,
    minimum: Severity = Severity.INFO,
    values: ValueTable | None = None,
    value_problems: Sequence[Finding] = (),
) -> Analysis:
    """Build the graph of a loaded catalog and run the rules on it (with `values`, the
    values file's problems and the rules about the numbers too)."""
    graph = RevenueGraph(loaded.catalog)
    if graph.repeated_links:
        # A pair linked twice in one `drives` list, found as the graph was built: the
        # catalog keeps the first declaration only, and the graph is built again (rare,
        # so a catalog without one pays nothing).
        loaded = first_declarations(loaded, graph.repeated_links)
        graph = RevenueGraph(loaded.catalog)
    findings = list(loaded.findings)
    findings.extend(f for f in value_problems if f.severity >= minimum)
    if not loaded.fatal:
        findings.extend(run_graph_checks(graph, today, minimum, loaded.findings, values))
    findings.sort(key=Finding.sort_key)
    return Analysis(loaded.catalog, graph, tuple(findings), loaded.fatal, values)
