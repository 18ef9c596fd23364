"""Rules about what the numbers say, run when audit is given a values file (`--values`).

The checks come from `revtrace fit` (revtrace.values.fit): a regression of each metric's
log changes on its drivers', and an identity check of each formula. They are evidence,
not proof, and the messages say how much evidence (the interval and the number of
changes), so that a reader can weigh them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from revtrace.model.findings import Finding, Rule, Severity
from revtrace.rules.base import RuleContext

if TYPE_CHECKING:
    from revtrace.values.fit import LinkFit

CONTRADICTED = Rule(
    code="RT021",
    name="contradicted-by-data",
    severity=Severity.WARNING,
    summary="The values file contradicts a link's declared elasticity or sign.",
    doc="""\
The regression of the target's log changes on its drivers' (`revtrace fit`) puts the
link's elasticity in a 95% interval that excludes the declared value, or that lies
entirely on the other side of zero from a declared `sign`. `impact` ranks on the declared
number, so a contradicted one ranks on fiction: re-estimate it (`revtrace fit --diff`
writes the estimate as a patch) or find out why the history disagrees. Correlational
evidence: a common cause can move two metrics together. An example gives the catalog, then
the values file (13 months: 12 changes is the least `fit` uses).

Fails:

    metrics:
      revenue: {revenue: true}
      mqls: {owner: demand-gen, drives: [revenue]}
      paid_clicks: {owner: ads, drives: [{to: mqls, elasticity: -0.3}]}

    period,paid_clicks,mqls
    2025-10,1000,200
    2025-11,1078,205
    2025-12,1021,200
    2026-01,941,192
    2026-02,955,192
    2026-03,860,182
    2026-04,931,188
    2026-05,907,189
    2026-06,867,184
    2026-07,1051,199
    2026-08,1120,202
    2026-09,1068,200
    2026-10,1177,208

Passes (the same values):

    metrics:
      revenue: {revenue: true}
      mqls: {owner: demand-gen, drives: [revenue]}
      paid_clicks: {owner: ads, drives: [{to: mqls, elasticity: 0.4}]}

    period,paid_clicks,mqls
    2025-10,1000,200
    2025-11,1078,205
    2025-12,1021,200
    2026-01,941,192
    2026-02,955,192
    2026-03,860,182
    2026-04,931,188
    2026-05,907,189
    2026-06,867,184
    2026-07,1051,199
    2026-08,1120,202
    2026-09,1068,200
    2026-10,1177,208
""",
)

NO_EVIDENCE = Rule(
    code="RT022",
    name="no-evidence-in-data",
    severity=Severity.INFO,
    summary="The values file shows no effect of a link that declares no elasticity.",
    doc="""\
The link's 95% interval includes zero: over the history given, the target did not move
with the driver. The link may still be real (an effect with a lag, or too small to see in
the noise), but it is unproven; say so with `confidence: assumed`, or measure it.
A link with a declared elasticity inside the interval is consistent, and not reported.

Fails:

    metrics:
      revenue: {revenue: true}
      sqls: {owner: sales, drives: [revenue]}
      webinar_attendees: {owner: events, drives: [sqls]}

    period,webinar_attendees,sqls
    2025-10,300,120
    2025-11,362,116
    2025-12,373,117
    2026-01,399,109
    2026-02,386,105
    2026-03,354,101
    2026-04,340,99
    2026-05,316,101
    2026-06,303,86
    2026-07,333,85
    2026-08,314,86
    2026-09,320,86
    2026-10,298,87

Passes (the same values):

    metrics:
      revenue: {revenue: true}
      sqls: {owner: sales, drives: [revenue]}
      webinar_attendees:
        owner: events
        drives: [{to: sqls, elasticity: 0.05, confidence: assumed}]

    period,webinar_attendees,sqls
    2025-10,300,120
    2025-11,362,116
    2025-12,373,117
    2026-01,399,109
    2026-02,386,105
    2026-03,354,101
    2026-04,340,99
    2026-05,316,101
    2026-06,303,86
    2026-07,333,85
    2026-08,314,86
    2026-09,320,86
    2026-10,298,87
""",
)

FORMULA_MISMATCH = Rule(
    code="RT023",
    name="formula-mismatch",
    severity=Severity.WARNING,
    summary="The values file breaks a metric's formula in some periods.",
    doc="""\
A `formula:` is an identity: revenue *is* deals × deal size. When the values differ from
the formula by more than 0.5% in a period, either the formula or the data is wrong (a
late-booked deal, a currency mix-up, a definition that changed), and `explain` cannot
split that period's change exactly. The finding names the periods.

Fails:

    metrics:
      revenue: {revenue: true, formula: "deals * deal_size"}
      deals: {owner: sales}
      deal_size: {owner: pricing}

    period,deals,deal_size,revenue
    2026-09,20,1000,20000
    2026-10,30,900,30000

Passes:

    metrics:
      revenue: {revenue: true, formula: "deals * deal_size"}
      deals: {owner: sales}
      deal_size: {owner: pricing}

    period,deals,deal_size,revenue
    2026-09,20,1000,20000
    2026-10,30,900,27000
""",
)

MOVES_WITH_REVENUE = Rule(
    code="RT024",
    name="moves-with-revenue",
    severity=Severity.INFO,
    summary="A metric with no path to revenue moves closely with a revenue metric.",
    doc="""\
Its period-over-period log changes correlate with a revenue metric's (|r| ≥ 0.8 over at
least 12 changes). Before dropping it as a candidate, check for a missing link: the
numbers tie it to revenue even though the catalog does not. Correlation is not a link
either; it may only share a cause (seasonality).

Fails:

    metrics:
      revenue: {revenue: true}
      demo_requests: {owner: web}

    period,demo_requests,revenue
    2025-10,400,50000
    2025-11,371,46115
    2025-12,353,43816
    2026-01,374,45630
    2026-02,364,44201
    2026-03,339,41137
    2026-04,339,42166
    2026-05,348,43194
    2026-06,373,45817
    2026-07,355,43908
    2026-08,341,41767
    2026-09,326,39345
    2026-10,357,43674

Passes (the same values):

    metrics:
      revenue: {revenue: true}
      demo_requests: {owner: web, drives: [revenue]}

    period,demo_requests,revenue
    2025-10,400,50000
    2025-11,371,46115
    2025-12,353,43816
    2026-01,374,45630
    2026-02,364,44201
    2026-03,339,41137
    2026-04,339,42166
    2026-05,348,43194
    2026-06,373,45817
    2026-07,355,43908
    2026-08,341,41767
    2026-09,326,39345
    2026-10,357,43674
""",
)

RULES = (CONTRADICTED, NO_EVIDENCE, FORMULA_MISMATCH, MOVES_WITH_REVENUE)


def check(context: RuleContext) -> Iterator[Finding]:
    table = context.values
    if table is None:
        return
    # Imported here: an audit without a values file loads none of the fitting code.
    from revtrace.values.fit import fit, moves_with

    graph = context.graph
    catalog = graph.catalog
    mismatched: set[str] = set()
    for result in fit(catalog, table).links:
        link = result.link
        if result.verdict == "contradicted":
            yield CONTRADICTED.finding(
                f"the numbers contradict {link.source} → {link.target}: declared "
                f"{_declared(result)}, estimated {describe(result)}",
                link.location,
                link.source,
            )
        elif result.verdict == "no-evidence" and link.elasticity is None:
            yield NO_EVIDENCE.finding(
                f"the numbers show no effect of {link.source} on {link.target}: estimated "
                f"{describe(result)}",
                link.location,
                link.source,
            )
        elif result.verdict == "formula-mismatch" and link.target not in mismatched:
            mismatched.add(link.target)
            target = catalog.metrics[link.target]
            yield FORMULA_MISMATCH.finding(
                f"{result.detail} (by more than 0.5%, in {table.file})",
                target.formula_at or target.location,
                link.target,
            )
    revenue = graph.revenue_metrics
    for metric in graph.without_revenue_path():
        if catalog.metrics[metric].keep is not None or metric in graph.views:
            continue  # kept on purpose, or computed from revenue: never a candidate
        found = moves_with(table, metric, revenue)
        if found is not None:
            revenue_metric, r, n = found
            yield MOVES_WITH_REVENUE.finding(
                f"'{metric}' has no path to revenue, but its changes track {revenue_metric}'s"
                f" (r = {r:+.2f} over {n} changes): a missing link?",
                catalog.metrics[metric].location,
                metric,
            )


def _declared(result: LinkFit) -> str:
    link = result.link
    if link.elasticity is not None:
        return f"elasticity {link.elasticity:+g}"
    return f"a {link.sign} effect"


def describe(result: LinkFit) -> str:
    """`+0.21 (95% interval +0.12 … +0.30, 34 changes)`."""
    if result.estimate is None or result.interval is None:
        return "nothing"
    low, high = result.interval
    return (
        f"{result.estimate:+.2f} (95% interval {low:+.2f} … {high:+.2f}, {result.periods} changes)"
    )
