"""Rules about who answers for a metric."""

from __future__ import annotations

from collections.abc import Iterator

from revtrace.model.findings import Finding, Rule, Severity
from revtrace.rules.base import RuleContext, imported_by

MISSING_OWNER = Rule(
    code="RT007",
    name="missing-owner",
    severity=Severity.INFO,
    summary="A metric has no owner.",
    doc="""\
A metric nobody owns is a metric nobody will defend or drop; the revenue team needs a
name to ask.

Fails:

    metrics:
      page_views: {drives: [sessions]}

Passes:

    metrics:
      page_views: {owner: web-team, drives: [sessions]}
""",
)

RULES = (MISSING_OWNER,)


#: Where an imported metric's owner is written, by importer.
_OWNER_IN_SOURCE = {
    "dbt": "'meta: {owner: …}' on the metric (or an owner on its group)",
    "lightdash": "'spotlight: {owner: …}' on the metric",
}


def check(context: RuleContext) -> Iterator[Finding]:
    graph = context.graph
    for metric in graph.catalog.metrics.values():
        if not metric.owner:
            importer = imported_by(metric)
            where = (
                "add 'owner:'"
                if importer is None
                else f"add {_OWNER_IN_SOURCE[importer]} in {metric.source} and import again,"
            )
            yield MISSING_OWNER.finding(
                f"'{metric.id}' has no owner; {where} so someone answers for it",
                metric.location,
                metric.id,
            )
