"""Rules about loops of links."""

from __future__ import annotations

from collections.abc import Iterator

from revtrace.model.findings import Finding, Rule, Severity
from revtrace.rules.base import RuleContext

#: How many members of a large loop group a message names.
NAMED_MEMBERS = 8

CYCLE = Rule(
    code="RT008",
    name="cycle",
    severity=Severity.INFO,
    summary="Metrics drive each other in a loop.",
    doc="""\
Loops are legitimate (a referral flywheel: customers bring referrals that bring customers)
and never break revtrace, but they are worth knowing about. Reported once per strongly
connected group, naming its members and one loop through them; never one finding per
cycle, whose number can be exponential.

Fails (reported):

    metrics:
      customers: {drives: [referrals, revenue]}
      referrals: {drives: [customers]}
      revenue: {revenue: true}

Passes (not reported):

    metrics:
      referrals: {drives: [customers]}
      customers: {drives: [revenue]}
      revenue: {revenue: true}
""",
)

RULES = (CYCLE,)


def check(context: RuleContext) -> Iterator[Finding]:
    graph = context.graph
    for group in graph.cycle_groups():
        first = group.members[0]
        loop = " → ".join(group.loop)
        if len(group.members) == len(group.loop) - 1:
            message = f"loop: {loop}"
        else:
            named = ", ".join(group.members[:NAMED_MEMBERS])
            extra = len(group.members) - NAMED_MEMBERS
            if extra > 0:
                named += f" and {extra} more"
            message = f"{len(group.members)} metrics drive each other ({named}); one loop: {loop}"
        yield CYCLE.finding(message, graph.catalog.metrics[first].location, first)
