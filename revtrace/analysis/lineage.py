"""The lineage use cases: `tree` (what drives what, up to revenue) and `trace` (one
metric's paths to revenue, or where its chains end)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from revtrace.analysis.core import Analysis
from revtrace.analysis.select import Selector, named_metrics, resolve
from revtrace.graph import RevenueGraph, TreeNode, grow_tree
from revtrace.model.catalog import Keep
from revtrace.model.findings import Finding


@dataclass(frozen=True)
class TreeResult:
    analysis: Analysis
    roots: list[TreeNode]
    #: Metrics with no path to revenue, listed after the tree.
    unlinked: list[str]
    #: A heading per root, when a selector draws both ways (`@ID`): what drives the
    #: metric, then what it drives; None for a plain tree.
    titles: list[str | None] = field(default_factory=list)

    def kept(self, metric_id: str) -> Keep | None:
        """The `keep` exception that keeps an unlinked metric, if any (none for a view of
        revenue, which is one whatever its `keep` says: `Analysis.is_kept`)."""
        metric = self.analysis.catalog.metrics.get(metric_id)
        return metric.keep if metric is not None and self.analysis.is_kept(metric_id) else None

    def title(self, index: int) -> str | None:
        return self.titles[index] if index < len(self.titles) else None


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

    def toward_revenue(roots: Collection[str]) -> Callable[[str], Iterable[str]]:
        def children(node: str) -> Iterator[str]:
            if graph.is_revenue(node) and node not in roots:
                return
            yield from (t for t in graph.driven_toward_revenue(node) if t in graph.distance)

        return children

    # Roots drawn the same way share one expansion, as the revenue metrics' trees do: each
    # metric is expanded once in the whole output, and `seen` where it is met again. One
    # tree per root on its own grew with roots × lineage (`tree --reverse` of 10,000
    # metrics: 103 MB, `tree -m '*'` 228 MB); shared, it grows with the graph.
    if not selectors:
        if reverse:
            sources = [m for m in graph.sources() if graph.reaches_revenue(m)]
            roots = grow_tree(sources, toward_revenue(set(sources)), depth)
        else:
            roots = grow_tree(graph.revenue_metrics, graph.drivers_of, depth)
        return TreeResult(analysis, roots, graph.without_revenue_path())

    plans: list[tuple[str, bool, int | None]] = []  # (root, show drivers?, depth)
    for selector in selectors:
        if selector.metric is None:
            for metric in resolve([selector], graph):
                plans.append((metric, reverse, depth))
            continue
        for metric in named_metrics(selector, graph):  # one, or each a pattern matches
            if selector.drivers or not selector.driven:
                if selector.drivers:
                    plans.append((metric, not reverse, selector.drivers_depth or depth))
                else:
                    plans.append((metric, reverse, depth))
            if selector.driven:
                plans.append((metric, reverse, selector.driven_depth or depth))
    planned = list(dict.fromkeys(plans))
    directions: dict[str, set[bool]] = {}
    for root, drivers, _ in planned:
        directions.setdefault(root, set()).add(drivers)
    both_ways = {root for root, drawn in directions.items() if len(drawn) == 2}
    # Grown in groups of roots drawn alike, shown in the order asked for (`@ID` draws what
    # drives it first, then what it drives).
    alike: dict[tuple[bool, int | None], list[int]] = {}
    for place, (_, drivers, root_depth) in enumerate(planned):
        alike.setdefault((drivers, root_depth), []).append(place)
    grown: dict[int, TreeNode] = {}
    for (drivers, root_depth), places in alike.items():
        starts = [planned[place][0] for place in places]
        step = graph.drivers_of if drivers else toward_revenue(set(starts))
        # grow_tree gives one tree per root, in order
        grown.update(zip(places, grow_tree(starts, step, root_depth), strict=True))
    trees = [grown[place] for place in range(len(planned))]
    titles: list[str | None] = []
    for root, drivers, _ in planned:
        title = None
        if root in both_ways:
            title = f"What drives {root}:" if drivers else f"What {root} drives, up to revenue:"
        titles.append(title)
    unlinked = [p[0] for p in planned if not graph.reaches_revenue(p[0])]
    return TreeResult(analysis, trees, list(dict.fromkeys(unlinked)), titles)


@dataclass(frozen=True)
class TraceResult:
    analysis: Analysis
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
    #: The product of the elasticities along each path (None: a link has none).
    effects: list[float | None]
    #: The exception that keeps the metric without a path to revenue, if any.
    kept: Keep | None = None
    #: When every path to revenue goes through a deprecated metric (RT006): those on the
    #: paths shown, in order. The metric loses its path when they are dropped.
    only_through_deprecated: list[str] = field(default_factory=list)
    #: Errors about the metric or where its chains end, when it has no path: its verdict
    #: may be their consequence (`Analysis.caveats`, as the audit says them).
    caveats: tuple[Finding, ...] = ()
    #: What the metric is computed from (`formula`, `computed_from`): a view of them, no
    #: path through them.
    computed_from: list[str] = field(default_factory=list)

    @property
    def traceable(self) -> bool:
        """Whether anything can be traced: a revenue metric, and every file read whole."""
        return not self.analysis.untraceable

    @property
    def candidate(self) -> bool:
        """The audit's verdict on the metric: a candidate to drop (RT001). Never where
        nothing can be traced: `trace` called every metric of a catalog without a revenue
        metric a candidate, where the audit names none and says why (RT004)."""
        return self.analysis.is_candidate(self.metric)


def trace(analysis: Analysis, metric: str, max_paths: int) -> TraceResult:
    graph = analysis.graph
    paths, truncated = graph.paths_to_revenue(metric, max_paths)
    targets = [link.target for link in analysis.catalog.metrics[metric].drives]
    return TraceResult(
        analysis=analysis,
        metric=metric,
        reaches_revenue=graph.reaches_revenue(metric),
        paths=paths,
        truncated=truncated,
        dead_ends=graph.dead_ends_from(metric),
        closed_loops=graph.closed_loops_from(metric),
        drives=[t for t in targets if t in analysis.catalog],
        undefined=graph.undefined_targets(metric),
        effects=[path_effect(graph, path) if len(path) > 1 else None for path in paths],
        kept=analysis.catalog.metrics[metric].keep if analysis.is_kept(metric) else None,
        only_through_deprecated=_only_through_deprecated(analysis, metric, paths),
        caveats=()
        if graph.view_of(metric) is not None
        else analysis.caveats([metric]).get(metric, ()),
        computed_from=graph.derived_from(metric),
    )


def _only_through_deprecated(analysis: Analysis, metric: str, paths: list[list[str]]) -> list[str]:
    """The deprecated metrics on the paths shown, when no path avoids them, decided as
    RT006 decides it: `trace` said "reaches revenue by 1 path" of a metric the audit
    warned loses its path when the deprecated metric on it is dropped."""
    metrics = analysis.catalog.metrics
    if not paths or metrics[metric].deprecated:
        return []
    on_paths = [[m for m in path[1:] if metrics[m].deprecated] for path in paths]
    if not all(on_paths):
        return []  # a path shown avoids them
    deprecated = [m.id for m in metrics.values() if m.deprecated]
    if metric not in set(analysis.graph.reaching_only_through(deprecated)):
        return []  # a path not shown (past --max-paths) avoids them
    return list(dict.fromkeys(m for found in on_paths for m in found))


def path_effect(graph: RevenueGraph, path: Sequence[str]) -> float | None:
    """The product of the elasticities along a path; None when a link has none."""
    product = 1.0
    for source, target in pairwise(path):
        link = graph.link_between(source, target)
        if link is None or link.elasticity is None:
            return None
        product *= link.elasticity
    return product
