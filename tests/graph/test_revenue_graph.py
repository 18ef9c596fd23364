"""The revenue graph, checked against plain brute-force references on random catalogs."""

from __future__ import annotations

import sys
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from revtrace.graph.revenue_graph import RevenueGraph, TreeNode
from revtrace.model.catalog import Catalog, Link, Location, Metric

HERE = Location("t.yaml", 1, 1)


def make_catalog(
    n: int, edges: set[tuple[int, int]], revenue: set[int], deprecated: frozenset[int] = frozenset()
) -> Catalog:
    metrics = {}
    for i in range(n):
        drives = tuple(Link(f"m{i}", f"m{j}", HERE) for (s, j) in sorted(edges) if s == i)
        metrics[f"m{i}"] = Metric(
            id=f"m{i}",
            location=HERE,
            name=f"m{i}",
            revenue=i in revenue,
            status="deprecated" if i in deprecated else "active",
            drives=drives,
        )
    return Catalog(metrics, ("t.yaml",))


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    n = draw(st.integers(1, 8))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    edges = draw(st.sets(pairs, max_size=n * 3))
    revenue = draw(st.sets(st.integers(0, n - 1), max_size=3))
    deprecated = draw(st.frozensets(st.integers(0, n - 1), max_size=2))
    return make_catalog(n, edges, revenue, deprecated)


# -- brute-force references, written as plainly as possible --------------------------------


def successors(catalog: Catalog, metric: str) -> list[str]:
    return [link.target for link in catalog.metrics[metric].drives]


def all_simple_paths_to_revenue(catalog: Catalog, start: str) -> list[list[str]]:
    """Every simple path from `start` that ends at the first revenue metric it meets."""
    found: list[list[str]] = []

    def walk(path: list[str]) -> None:
        node = path[-1]
        if catalog.metrics[node].revenue:
            found.append(list(path))
            return
        for nxt in successors(catalog, node):
            if nxt not in path:
                walk([*path, nxt])

    walk([start])
    return found


def reaches(catalog: Catalog, start: str, allowed: set[str] | None = None) -> bool:
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if catalog.metrics[node].revenue:
            return True
        for nxt in successors(catalog, node):
            if nxt not in seen and (allowed is None or nxt in allowed):
                seen.add(nxt)
                stack.append(nxt)
    return False


def walk_tree(nodes: list[TreeNode]) -> list[TreeNode]:
    out, stack = [], list(nodes)
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


# -- properties ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_metrics_without_revenue_path_match_brute_force(catalog: Catalog) -> None:
    graph = RevenueGraph(catalog)
    expected = [m for m in catalog.metrics if not reaches(catalog, m)]
    assert graph.without_revenue_path() == expected


@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_shortest_path_is_real_and_minimal(catalog: Catalog) -> None:
    graph = RevenueGraph(catalog)
    for metric in catalog.metrics:
        path = graph.shortest_path(metric)
        every = all_simple_paths_to_revenue(catalog, metric)
        if not every:
            assert path is None
            continue
        assert path is not None
        assert path[0] == metric and catalog.metrics[path[-1]].revenue
        assert all(b in successors(catalog, a) for a, b in pairwise(path))
        assert len(path) == min(len(p) for p in every)
        assert graph.distance[metric] == len(path) - 1


@settings(max_examples=300, deadline=None)
@given(catalogs(), st.integers(1, 6))
def test_trace_paths_are_simple_real_sorted_and_complete(catalog: Catalog, limit: int) -> None:
    graph = RevenueGraph(catalog)
    for metric in catalog.metrics:
        paths, truncated = graph.paths_to_revenue(metric, limit)
        every = all_simple_paths_to_revenue(catalog, metric)
        for path in paths:
            assert path in every
        assert [len(p) for p in paths] == sorted(len(p) for p in paths)
        assert len({tuple(p) for p in paths}) == len(paths)
        assert truncated == (len(every) > limit)
        assert len(paths) == min(limit, len(every))
        if paths:
            # Shortest first: the first path is as short as any path there is.
            assert len(paths[0]) == min(len(p) for p in every)


@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_tree_expands_each_reaching_metric_exactly_once_and_stays_linear(catalog: Catalog) -> None:
    graph = RevenueGraph(catalog)
    nodes = walk_tree(graph.revenue_tree())
    expanded = [n.id for n in nodes if not n.seen and not n.cycle]
    reaching = {m for m in catalog.metrics if reaches(catalog, m)}
    assert sorted(expanded) == sorted(reaching)
    assert len(nodes) <= len(graph.revenue_metrics) + graph.link_count()
    for node in nodes:
        if node.seen or node.cycle:
            assert node.children == []


@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_deprecated_only_paths_match_brute_force(catalog: Catalog) -> None:
    graph = RevenueGraph(catalog)
    deprecated = {m.id for m in catalog.metrics.values() if m.deprecated}
    active = set(catalog.metrics) - deprecated
    expected = [
        m
        for m in catalog.metrics
        if m in active and reaches(catalog, m) and not _reaches_within(catalog, m, active)
    ]
    assert graph.reaching_only_through(deprecated) == expected


def _reaches_within(catalog: Catalog, start: str, allowed: set[str]) -> bool:
    return start in allowed and reaches(catalog, start, allowed)


@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_dead_end_explanations_name_real_dead_ends(catalog: Catalog) -> None:
    graph = RevenueGraph(catalog)
    without = graph.without_revenue_path()
    explained = graph.explain_dead_ends(without)
    for metric in without:
        reachable = _reachable(catalog, metric)
        dead = {m for m in reachable if not successors(catalog, m)}
        summary = explained[metric]
        assert set(summary.ends) <= dead
        assert summary.ends or summary.loops
        if not summary.more:
            assert set(summary.ends) == dead
        assert set(graph.dead_ends_from(metric)) == dead


def _reachable(catalog: Catalog, start: str) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for nxt in successors(catalog, stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def test_tree_marks_repeats_and_cycles() -> None:
    # r <- a <- b, r <- c <- b, b <- a (a loop a <-> b)
    catalog = make_catalog(4, {(1, 0), (2, 1), (2, 3), (3, 0), (1, 2)}, {0})
    (root,) = RevenueGraph(catalog).revenue_tree()
    assert root.id == "m0"
    m1, m3 = root.children
    assert (m1.id, m3.id) == ("m1", "m3")
    (m2,) = m1.children
    (back,) = m2.children
    assert back.id == "m1" and back.cycle
    (m2_again,) = m3.children
    assert m2_again.id == "m2" and m2_again.seen and m2_again.children == []


def test_depth_limits_the_tree_and_marks_truncated_nodes() -> None:
    catalog = make_catalog(3, {(1, 0), (2, 1)}, {0})
    (root,) = RevenueGraph(catalog).revenue_tree(depth=1)
    (child,) = root.children
    assert child.id == "m1" and child.truncated and child.children == []


def test_a_chain_deeper_than_the_recursion_limit() -> None:
    n = sys.getrecursionlimit() * 3
    catalog = make_catalog(n, {(i + 1, i) for i in range(n - 1)}, {0})
    graph = RevenueGraph(catalog)
    assert graph.distance[f"m{n - 1}"] == n - 1
    assert len(walk_tree(graph.revenue_tree())) == n
    paths, truncated = graph.paths_to_revenue(f"m{n - 1}", 3)
    assert len(paths) == 1 and len(paths[0]) == n and not truncated


def test_cycle_groups_name_one_real_loop() -> None:
    catalog = make_catalog(5, {(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 3)}, set())
    groups = RevenueGraph(catalog).cycle_groups()
    assert [g.members for g in groups] == [("m0", "m1", "m2"), ("m3", "m4")]
    for group in groups:
        loop = group.loop
        assert loop[0] == loop[-1]
        assert all(b in successors(catalog, a) for a, b in pairwise(loop))


@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_strongly_connected_groups_match_networkx_sinks_first(catalog: Catalog) -> None:
    import networkx as nx

    graph = RevenueGraph(catalog)
    groups = graph.strongly_connected_groups()
    assert sorted(sorted(g) for g in groups) == sorted(
        sorted(c) for c in nx.strongly_connected_components(graph.to_networkx())
    )
    position = {m: i for i, group in enumerate(groups) for m in group}
    for a, b in graph.to_networkx().edges:
        assert position[b] <= position[a]  # a link never points to a later group


@settings(max_examples=200, deadline=None)
@given(catalogs())
def test_the_graph_equals_the_one_networkx_builds_itself(catalog: Catalog) -> None:
    import networkx as nx

    from revtrace.graph.revenue_graph import build_digraph

    expected = nx.DiGraph()
    expected.add_nodes_from(catalog.metrics)
    expected.add_edges_from(
        (link.source, link.target)
        for metric in catalog.metrics.values()
        for link in metric.drives
        if link.target in catalog.metrics
    )
    built = build_digraph(catalog)
    assert nx.utils.graphs_equal(built, expected)
    assert list(built.nodes) == list(expected.nodes)
    assert list(built.edges) == list(expected.edges)
    assert {n: list(built.pred[n]) for n in built} == {n: list(expected.pred[n]) for n in expected}
    built.add_edge("m0", "extra")  # still a working, mutable networkx graph
    assert built.has_edge("m0", "extra") and "m0" in built.pred["extra"]


@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_the_loop_through_a_group_is_the_one_networkx_finds(catalog: Catalog) -> None:
    """`loop_through` walks the group as networkx's `find_cycle` does, without networkx,
    through the group's other metrics (a self-link is a loop of one, not the group's)."""
    import networkx as nx

    graph = RevenueGraph(catalog)
    whole = graph.to_networkx()
    for members in graph.strongly_connected_groups():
        if len(members) < 2:
            continue
        ordered = graph.in_catalog_order(members)
        group = nx.DiGraph(whole.subgraph(ordered))
        group.remove_edges_from(list(nx.selfloop_edges(group)))
        edges = nx.find_cycle(group, source=ordered[0])
        expected = [edges[0][0]] + [edge[1] for edge in edges]
        assert graph.loop_through(members) == expected


@given(catalogs(), st.sets(st.integers(0, 7), max_size=5), st.integers(1, 3))
def test_the_marked_metrics_below_a_metric_without_a_path_match_brute_force(
    catalog: Catalog, picked: set[int], limit: int
) -> None:
    """What the caveats of a verdict come from: the metrics with errors a chain passes
    through, anywhere down it, the metric itself first."""
    graph = RevenueGraph(catalog)
    marked = {f"m{i}" for i in picked if f"m{i}" in catalog.metrics}
    below = graph.marked_below(marked, limit)
    assert set(below) == set(graph.without_revenue_path())
    for metric, found in below.items():
        everything = _reachable(catalog, metric) & marked
        assert len(found) == len(set(found)) == min(limit, len(everything))
        assert set(found) <= everything
        if metric in marked:
            assert found[0] == metric
