"""The rule registry: every rule revtrace reports, and the checks that run on the graph.

Each rule family is a module with a `RULES` tuple; the graph-level families also have a
`check(graph)` that yields findings. Loader rules (`loading`) are reported while reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from revtrace.findings import Finding, Rule
from revtrace.graph import RevenueGraph
from revtrace.rules import cycles, exceptions, links, loading, ownership, revenue
from revtrace.rules.base import RuleContext

Check = Callable[[RuleContext], Iterable[Finding]]

#: Every rule, by code, in code order.
ALL_RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in sorted(
        (
            *loading.RULES,
            *links.RULES,
            *revenue.RULES,
            *ownership.RULES,
            *cycles.RULES,
            *exceptions.RULES,
        ),
        key=lambda r: r.code,
    )
}

GRAPH_CHECKS: tuple[Check, ...] = (
    revenue.check,
    links.check,
    ownership.check,
    cycles.check,
    exceptions.check,
)


def run_graph_checks(graph: RevenueGraph, today: date | None = None) -> list[Finding]:
    context = RuleContext(graph, today or date.today())
    return [finding for check in GRAPH_CHECKS for finding in check(context)]
