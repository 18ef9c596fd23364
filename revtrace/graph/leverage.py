"""Revenue leverage: how much a 1% change in each metric moves revenue.

A link may carry an `elasticity` e: a 1% change in the source changes the target by e%.
Under a log-linear driver model the chain rule gives the effect of metric X on revenue
metric R as the sum, over every walk X → … → R, of the product of the elasticities along
it; with loops, the sum over all walks: the entries of (I − E)⁻¹ − I for the elasticity
matrix E. It is solved exactly, never by a fixed number of iterations: strongly connected
groups in topological order (sinks first), each solved as one linear system. A loop whose
gain makes the sum diverge (spectral radius ≥ 1) is reported (RT016), never truncated.

Worked example (examples/b2b-referral-flywheel.yaml): sessions → mql (0.5), mql → sql
(0.8), sql → revenue (0.9): effect of sessions = 0.5 × 0.8 × 0.9 = 0.36, so +10% sessions
predicts +3.6% revenue.

Links without an elasticity are unquantified: effects are computed over quantified walks
only, and a metric is labelled `full` (every route to revenue quantified), `partial` or
`none`.
"""

from __future__ import annotations

import math
import weakref
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from revtrace.graph import spectral
from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.graph.walks import backward_search, reverse_adjacency, tarjan, walk_to_loop

CONFIDENCE_ORDER = {"measured": 3, "estimated": 2, "assumed": 1}


@dataclass(frozen=True)
class MetricImpact:
    id: str
    #: Effect of a 1% change in this metric on each revenue metric, in % (quantified walks).
    effects: dict[str, float]
    #: Total revenue elasticity (weighted by revenue metrics' values); None: unquantified.
    total: float | None
    #: "full", "partial" or "none".
    quantified: str
    #: Weakest confidence on the metric's shortest quantified path (None: unrated).
    confidence: str | None


@dataclass(frozen=True)
class DivergentLoop:
    members: tuple[str, ...]
    #: One loop through the group, and the product of its elasticities.
    loop: tuple[str, ...]
    gain: float
    #: The group is too large to decide within the work budget: treated as divergent
    #: (no effect is computed through it), and reported as undecided.
    undecided: bool = False
    #: The group is this one loop (no other link between its members): its gain alone
    #: decides; else the loops together do, whatever the gain of the one shown.
    alone: bool = True


@dataclass(frozen=True)
class ImpactReport:
    revenue_metrics: list[str]
    #: revenue metric → its weight in the total (value share, or equal shares).
    weights: dict[str, float]
    #: Ranked by absolute total elasticity, unquantified metrics last.
    metrics: list[MetricImpact]
    divergent: list[DivergentLoop]

    def of(self, metric: str) -> MetricImpact | None:
        return next((m for m in self.metrics if m.id == metric), None)


def quantified_links(
    graph: RevenueGraph, within: Collection[str] | None = None
) -> dict[str, dict[str, float]]:
    """source → target → elasticity; with `within`, only the links between those
    metrics. Each pair once: an analysed catalog keeps a pair's first declaration
    (`load.first_declarations`), and a graph built from a catalog with a pair twice adds
    the two up, as two mechanisms would."""
    metrics = graph.catalog.metrics
    chosen: Collection[str] = metrics if within is None else within
    links: dict[str, dict[str, float]] = {m: {} for m in chosen}
    for metric_id in chosen:
        for link in metrics[metric_id].drives:
            if link.elasticity is not None and link.target in chosen:
                row = links[metric_id]
                row[link.target] = row.get(link.target, 0.0) + link.elasticity
    return links


@dataclass(frozen=True)
class LoopAnalysis:
    """The quantified links, their strongly connected groups, and which loops diverge:
    all the divergent-loop rule needs, and where the full solve starts."""

    links: dict[str, dict[str, float]]
    #: Strongly connected groups over quantified links, sinks first.
    groups: list[list[str]]
    #: Group index → the loop that makes it diverge.
    divergent: dict[int, DivergentLoop]


#: Each graph's loop analysis, computed once: the divergent-loop rule and `impact` both
#: need it. Weak keys, so a graph's analysis goes when the graph does.
_LOOP_ANALYSES: weakref.WeakKeyDictionary[RevenueGraph, LoopAnalysis] = weakref.WeakKeyDictionary()


def loops(graph: RevenueGraph) -> LoopAnalysis:
    """The loop analysis of a graph, computed once (the divergent-loop rule needs only
    this, `impact` goes on to solve every group)."""
    cached = _LOOP_ANALYSES.get(graph)
    if cached is not None:
        return cached
    links = quantified_links(graph)
    groups = tarjan(list(graph.catalog.metrics), lambda m: links[m])
    divergent: dict[int, DivergentLoop] = {}
    budget = [TOTAL_LOOP_SEARCH_STEPS]
    for index, members in enumerate(groups):
        found = _divergent(graph, links, members, budget)
        if found is not None:
            divergent[index] = found
    analysis = LoopAnalysis(links, groups, divergent)
    _LOOP_ANALYSES[graph] = analysis
    return analysis


def divergent_loops(graph: RevenueGraph) -> list[DivergentLoop]:
    """The loops of quantified links whose effect diverges: all the divergent-loop rule
    needs. Such a loop is a loop of the graph's own, so only the metrics in the graph's
    loops (and those linked to themselves) are searched, not the whole catalog: at
    100,000 metrics this took 0.58 s of a quantified audit's 1.2 s of rules."""
    cached = _LOOP_ANALYSES.get(graph)
    if cached is not None:
        return list(cached.divergent.values())
    looped = [m for group in graph.strongly_connected_groups() if len(group) > 1 for m in group]
    looped += [
        link.source
        for link in graph.irregular_links
        if link.source == link.target and link.elasticity is not None
    ]
    members = dict.fromkeys(looped)
    links = quantified_links(graph, members)
    groups = tarjan(list(members), lambda m: links[m])
    budget = [TOTAL_LOOP_SEARCH_STEPS]
    return [
        loop for group in groups if (loop := _divergent(graph, links, group, budget)) is not None
    ]


def _divergent(
    graph: RevenueGraph,
    links: Mapping[str, Mapping[str, float]],
    members: Sequence[str],
    budget: list[int],
) -> DivergentLoop | None:
    """The group's loop when its effect diverges (or cannot be decided); None when it is
    bounded, or no loop. `budget`: the steps left for the search of every loop, shared by
    the catalog's groups."""
    if len(members) == 1 and members[0] not in links[members[0]]:
        return None  # not a loop
    ordered = graph.in_catalog_order(members)
    verdict = spectral.decide(_rows(links, ordered))
    if verdict is spectral.Verdict.BOUNDED:
        return None
    searched = _strongest_of_every_loop(links, ordered, budget)
    if searched is not None:
        loop, gain = searched
    else:  # too many loops to go through: the walk along the strongest links
        loop = _strongest_loop(links, ordered)
        gain = _gain(links[a].get(b, 0.0) for a, b in pairwise(loop))
        # A member's link to itself is a loop too, which the walk does not take.
        selfish = [m for m in ordered if m in links[m]]
        strongest = max(selfish, key=lambda m: abs(links[m][m]), default=None)
        if strongest is not None and abs(links[strongest][strongest]) > abs(gain):
            loop, gain = [strongest, strongest], links[strongest][strongest]
    undecided = verdict is spectral.Verdict.UNDECIDED
    inside = set(ordered)
    alone = sum(1 for x in ordered for y in links[x] if y in inside) == len(ordered)
    return DivergentLoop(tuple(ordered), tuple(loop), gain, undecided, alone)


#: How many steps the search of a group's every loop may take (a few milliseconds): a
#: dense group has more loops than atoms in the universe, and is walked instead. And how
#: many all the groups of a catalog may take together (a catalog of thousands of small
#: dense groups would otherwise take minutes): past it, every group is walked.
LOOP_SEARCH_STEPS = 20_000
TOTAL_LOOP_SEARCH_STEPS = 1_000_000


def _strongest_of_every_loop(
    links: Mapping[str, Mapping[str, float]], ordered: Sequence[str], budget: list[int]
) -> tuple[list[str], float] | None:
    """The loop of the group with the largest gain in absolute value (the first in
    catalog order of equals), going through every simple loop once (each from its first
    member in catalog order, depth first); None past LOOP_SEARCH_STEPS or the `budget`
    left (which the steps taken are counted against)."""
    inside = {metric: i for i, metric in enumerate(ordered)}
    best: tuple[list[str], float] | None = None
    steps = 0
    limit = min(LOOP_SEARCH_STEPS, budget[0])
    for first, start in enumerate(ordered):
        path, on_path = [start], {start}
        products = [1.0]
        pending = [iter(sorted(links[start], key=lambda t: inside.get(t, -1)))]
        while pending:
            target = next(pending[-1], None)
            if target is None:
                pending.pop()
                on_path.discard(path.pop())
                products.pop()
                continue
            steps += 1
            if steps > limit:
                budget[0] -= limit
                return None
            position = inside.get(target)
            if position is None or position < first:
                continue  # outside the group, or a loop found from an earlier member
            product = products[-1] * links[path[-1]][target]
            if target == start:
                if best is None or abs(product) > abs(best[1]):
                    best = ([*path, start], product)
            elif target not in on_path:
                path.append(target)
                on_path.add(target)
                products.append(product)
                pending.append(iter(sorted(links[target], key=lambda t: inside.get(t, -1))))
    budget[0] -= steps
    return best


def _strongest_loop(links: Mapping[str, Mapping[str, float]], ordered: Sequence[str]) -> list[str]:
    """A loop of quantified links through the group, from its first member, each step
    the strongest link inside it (the first, in catalog order, of equals; to another
    member in a group of several): the graph's first loop could run through unquantified
    links, and said "gain 0" of a loop whose effect diverges."""
    inside = {metric: i for i, metric in enumerate(ordered)}
    several = len(ordered) > 1

    def strongest(here: str) -> str:
        return min(
            (t for t in links[here] if t in inside and (t != here or not several)),
            key=lambda t: (-abs(links[here][t]), inside[t]),
        )

    return walk_to_loop(ordered[0], strongest)


def _rows(
    links: Mapping[str, Mapping[str, float]], ordered: Sequence[str]
) -> list[dict[int, float]]:
    """The group's elasticity matrix as sparse rows (a dense one is n² for a 20,000-metric
    ring)."""
    position = {metric: i for i, metric in enumerate(ordered)}
    return [{position[y]: e for y, e in links[x].items() if y in position} for x in ordered]


def _gain(elasticities: Iterable[float]) -> float:
    """The product of a loop's elasticities, saturating at ±inf rather than failing."""
    product = 1.0
    for value in elasticities:
        product *= value
    return product


def compute(graph: RevenueGraph) -> ImpactReport:
    """The impact report of a graph.

    Each metric's effects are kept sparse, {revenue metric's column: effect}: with 5,000
    revenue metrics in a 100,000-metric catalog, a dense row per metric needed 16 GB.
    """
    catalog = graph.catalog
    revenue = graph.revenue_metrics
    column = {r: i for i, r in enumerate(revenue)}
    analysis = loops(graph)
    links = analysis.links
    effect: dict[str, dict[int, float] | None] = {}
    for index, members in enumerate(analysis.groups):  # sinks first
        member_set = set(members)
        looped = len(members) > 1 or members[0] in links[members[0]]
        # b[x] = Σ_y e(x,y)·(δ(y,R) + f[y]) over y outside the group (and δ for all y).
        right = {x: _right_side(x, links[x], member_set, column, effect) for x in members}
        if not looped:
            effect[members[0]] = right[members[0]]
            continue
        ordered = graph.in_catalog_order(members)
        if index in analysis.divergent or any(right[x] is None for x in ordered):
            for x in members:
                effect[x] = None
            continue
        columns = sorted({c for x in ordered for c in right[x] or {}})
        if not columns:  # the loop reaches no revenue metric through quantified links
            for x in members:
                effect[x] = {}
            continue
        rhs = [[(right[x] or {}).get(c, 0.0) for c in columns] for x in ordered]
        solution = spectral.solve_identity_minus(_rows(links, ordered), rhs)
        for position, x in enumerate(ordered):
            effect[x] = (
                None
                if solution is None
                else {c: v for c, v in zip(columns, solution[position], strict=True) if v != 0.0}
            )

    weights = _weights(graph)
    not_full = _ancestors(graph, _unquantified_heads(graph, links))
    next_hop = _next_quantified_hop(graph, links)
    quantified_reach = set(next_hop)  # revenue metrics themselves have no next hop
    weakest = _weakest_confidences(graph, next_hop)
    results: list[MetricImpact] = []
    for metric_id in catalog.metrics:
        values = effect.get(metric_id)
        if (
            not graph.reaches_revenue(metric_id)
            or graph.is_revenue(metric_id)
            or metric_id not in quantified_reach
        ):
            label = "none"
        elif metric_id in not_full:
            label = "partial"
        else:
            label = "full"
        if graph.is_revenue(metric_id) or label == "none" or values is None:
            effects: dict[str, float] = {}
            total = None
            if values is None and label != "none":
                label = "none"  # upstream of a divergent loop: no finite effect
        else:
            effects = {revenue[c]: v for c, v in sorted(values.items()) if v != 0.0}
            total = sum(weights[revenue[c]] * v for c, v in values.items())
        results.append(MetricImpact(metric_id, effects, total, label, weakest.get(metric_id)))
    results.sort(key=lambda m: (m.total is None, -abs(m.total or 0.0)))
    return ImpactReport(list(revenue), weights, results, list(analysis.divergent.values()))


def _right_side(
    metric: str,
    targets: Mapping[str, float],
    group: set[str],
    column: Mapping[str, int],
    effect: Mapping[str, dict[int, float] | None],
) -> dict[int, float] | None:
    """Σ over the metric's quantified links of e·(1 if the target is revenue) + e·(the
    target's effects, for targets outside its group); None when a target's effect is
    unknown (downstream of a divergent loop) or too large for a float."""
    row: dict[int, float] = {}
    for target, elasticity in targets.items():
        if target in column:
            row[column[target]] = row.get(column[target], 0.0) + elasticity
        if target not in group:
            below = effect[target]
            if below is None:
                return None
            for c, value in below.items():
                row[c] = row.get(c, 0.0) + elasticity * value
    # A product too large for a float (elasticities near the bound along a very long
    # chain): no effect rather than an infinite one.
    return row if all(math.isfinite(v) for v in row.values()) else None


def _weights(graph: RevenueGraph) -> dict[str, float]:
    revenue = graph.revenue_metrics
    values = [graph.catalog.metrics[r].value for r in revenue]
    if revenue and all(v is not None and v > 0 for v in values):
        total = sum(v for v in values if v is not None)
        return {r: (v or 0.0) / total for r, v in zip(revenue, values, strict=True)}
    return {r: 1.0 / len(revenue) for r in revenue}


def _unquantified_heads(graph: RevenueGraph, links: Mapping[str, Mapping[str, float]]) -> set[str]:
    """Metrics with a link toward revenue that has no elasticity."""
    heads = set()
    for metric in graph.catalog.metrics.values():
        for link in metric.drives:
            if link.elasticity is None and graph.reaches_revenue(link.target):
                heads.add(metric.id)
    return heads


def _ancestors(graph: RevenueGraph, starts: Iterable[str]) -> set[str]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for driver in graph.drivers_of(queue.popleft()):
            if driver not in seen:
                seen.add(driver)
                queue.append(driver)
    return seen


def _next_quantified_hop(
    graph: RevenueGraph, links: Mapping[str, Mapping[str, float]]
) -> dict[str, str]:
    """For each metric with a quantified walk to revenue, the next hop on its shortest."""
    reverse = reverse_adjacency((s, t) for s, row in links.items() for t in row)
    _, next_hop = backward_search(graph.revenue_metrics, lambda node: reverse.get(node, ()))
    return next_hop


def _weakest_confidences(graph: RevenueGraph, next_hop: Mapping[str, str]) -> dict[str, str | None]:
    """The weakest rated confidence on each metric's shortest quantified path, built from
    the revenue side: a metric's is the weaker of its first link's and its next hop's."""
    weakest: dict[str, str | None] = {r: None for r in graph.revenue_metrics}
    pending = [m for m in next_hop if m not in weakest]
    # Nearest first, so every next hop is known before the metrics that lead to it.
    depth: dict[str, int] = {}
    for metric in pending:
        chain = []
        node = metric
        while node not in depth and node in next_hop:
            chain.append(node)
            node = next_hop[node]
        base = depth.get(node, 0)
        for offset, member in enumerate(reversed(chain), 1):
            depth[member] = base + offset
    for metric in sorted(pending, key=depth.__getitem__):
        target = next_hop[metric]
        link = graph.link_between(metric, target)
        own = link.confidence if link is not None and link.elasticity is not None else None
        below = weakest.get(target)
        candidates = [c for c in (own, below) if c is not None]
        weakest[metric] = min(candidates, key=CONFIDENCE_ORDER.__getitem__) if candidates else None
    return weakest


def what_if(
    report: ImpactReport, graph: RevenueGraph, changes: Mapping[str, float]
) -> dict[str, tuple[float, float | None]]:
    """First-order predicted change of each revenue metric, in % and (with `value`) in
    currency units, for % changes to metrics; several changes add up."""
    predicted = {r: 0.0 for r in report.revenue_metrics}
    for metric, percent in changes.items():
        impact = report.of(metric)
        if impact is None:
            continue
        if graph.is_revenue(metric):
            predicted[metric] += percent
        for revenue, effect in impact.effects.items():
            predicted[revenue] += effect * percent
    return {
        r: (
            pct,
            (graph.catalog.metrics[r].value or 0.0) * pct / 100
            if graph.catalog.metrics[r].value is not None
            else None,
        )
        for r, pct in predicted.items()
    }
