"""Algorithms over plain adjacency (a node's successors or drivers as a function), with
nothing of the catalog: the strongly connected groups, a search backwards from targets,
the loop a walk comes round to. Iterative throughout: graphs here are user input, and a
long chain must not overflow Python's stack."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


def walk_to_loop(start: str, step: Callable[[str], str]) -> list[str]:
    """From `start`, take `step` until a metric comes round again: the loop from there,
    its first metric repeated at its end. (`step` must always lead somewhere: inside a
    strongly connected group, it does.)"""
    node = start
    walk: list[str] = []
    place: dict[str, int] = {}
    while node not in place:
        place[node] = len(walk)
        walk.append(node)
        node = step(node)
    return [*walk[place[node] :], node]


def tarjan(nodes: Iterable[str], successors: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """Strongly connected groups, sinks first (reverse topological order).

    Tarjan's algorithm, written iteratively: graphs here are user input, and a long chain
    must not overflow Python's stack.
    """
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index_of:
            continue
        index_of[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work: list[tuple[str, Iterator[str]]] = [(root, iter(successors(root)))]
        while work:
            node, pending = work[-1]
            advanced = False
            for target in pending:
                if target not in index_of:
                    index_of[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(successors(target))))
                    advanced = True
                    break
                if target in on_stack and index_of[target] < low[node]:
                    low[node] = index_of[target]
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index_of[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def backward_search(
    targets: Iterable[str], drivers_of: Callable[[str], Iterable[str]]
) -> tuple[dict[str, int], dict[str, str]]:
    """Breadth-first from `targets` against the links: every node that reaches a target,
    with its distance to the nearest one and the next hop on a shortest path there.
    Level by level (the same order a queue gives, with less work per node)."""
    distance = dict.fromkeys(targets, 0)
    next_hop: dict[str, str] = {}
    frontier = list(distance)
    step = 0
    while frontier:
        step += 1
        following: list[str] = []
        for target in frontier:
            for driver in drivers_of(target):
                if driver not in distance:
                    distance[driver] = step
                    next_hop[driver] = target
                    following.append(driver)
        frontier = following
    return distance, next_hop


def reverse_adjacency(links: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """target → the sources of `links` that point to it."""
    reverse: dict[str, list[str]] = {}
    for source, target in links:
        reverse.setdefault(target, []).append(source)
    return reverse
