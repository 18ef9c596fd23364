"""The rule registry: every rule revtrace reports, and the checks that run on the graph.

Each rule family is a module with a `RULES` tuple; the graph-level families also have a
`check(graph)` that yields findings. Loader rules (`loading`) are reported while reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.load import rules as loading
from revtrace.model.findings import Finding, Rule, Severity
from revtrace.rules import cycles, data, evidence, exceptions, links, ownership, revenue
from revtrace.rules.base import RuleContext
from revtrace.values import problems as values_file
from revtrace.values.reader import ValueTable

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
            *evidence.RULES,
            *values_file.RULES,
            *data.RULES,
        ),
        key=lambda r: r.code,
    )
}

#: Each graph-level check, with the rules it can report.
GRAPH_CHECKS: tuple[tuple[Check, tuple[Rule, ...]], ...] = (
    (revenue.check_revenue_marked, (revenue.NO_REVENUE_METRIC,)),
    (revenue.check, (revenue.NO_PATH_TO_REVENUE, revenue.DEPRECATED_ONLY_PATH)),
    (links.check, (links.UNKNOWN_METRIC, links.SELF_LINK)),
    (links.check_formulas, (links.FORMULA_LOOP,)),
    (ownership.check, ownership.RULES),
    (cycles.check, cycles.RULES),
    (exceptions.check, exceptions.RULES),
    (evidence.check, evidence.RULES),
    (data.check, data.RULES),
)


def run_graph_checks(
    graph: RevenueGraph,
    today: date | None = None,
    minimum: Severity = Severity.INFO,
    loading: Sequence[Finding] = (),
    values: ValueTable | None = None,
) -> list[Finding]:
    """Every finding of the graph-level rules; with `minimum`, only the checks whose rules
    can report at that severity run (tree and trace need only the errors)."""
    context = RuleContext(graph, today or date.today(), tuple(loading), values)
    return [
        finding
        for check, rules in GRAPH_CHECKS
        if any(rule.severity >= minimum for rule in rules)
        for finding in check(context)
        if finding.severity >= minimum
    ]
