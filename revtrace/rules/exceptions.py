"""Rules about deliberate exceptions: `keep:` on a metric kept without a path to revenue.

A team may knowingly keep a metric that traces to nothing yet (a new channel being
measured, a regulatory figure). `keep` records why, until when, and who decided, so the
exception is visible in review and expires instead of living forever:

    brand_awareness:
      keep: {reason: "Board asked for it through FY2027", until: 2027-03-31, by: cmo}

A kept metric is not reported as RT001. These rules report keeps that are not doing
their job.
"""

from __future__ import annotations

from collections.abc import Iterator

from revtrace.model.findings import Finding, Rule, Severity
from revtrace.rules.base import RuleContext

KEEP_WITHOUT_REASON = Rule(
    code="RT012",
    name="keep-without-reason",
    severity=Severity.ERROR,
    summary="A `keep` exception gives no reason.",
    doc="""\
An exception nobody can explain is one nobody can review. Say why the metric is kept.

Fails:

    metrics:
      revenue: {revenue: true}
      brand_awareness: {keep: {until: 2099-12-31}}

Passes:

    metrics:
      revenue: {revenue: true}
      brand_awareness: {keep: {reason: "Board request", until: 2099-12-31}}
""",
)

KEEP_EXPIRED = Rule(
    code="RT013",
    name="keep-expired",
    severity=Severity.WARNING,
    summary="A `keep` exception's `until` date has passed.",
    doc="""\
The metric was kept without a path to revenue until a date that has now passed: link it
to a metric that moves revenue, drop it, or renew the exception with a new date.

Fails:

    metrics:
      revenue: {revenue: true}
      brand_awareness: {keep: {reason: "Board request", until: 2020-01-31}}

Passes:

    metrics:
      revenue: {revenue: true}
      brand_awareness: {keep: {reason: "Board request", until: 2099-12-31}}
""",
)

STALE_KEEP = Rule(
    code="RT014",
    name="stale-keep",
    severity=Severity.WARNING,
    summary="A metric has a `keep` exception but does reach revenue, or is a view of it.",
    doc="""\
The exception is no longer needed (someone wrote down the link): remove it, so that the
metric is checked again if it ever loses its path. A view of revenue (computed from it:
profit, growth) is never a candidate to drop, so a `keep` on one keeps nothing either.

Fails:

    metrics:
      revenue: {revenue: true}
      sessions: {drives: [revenue], keep: {reason: "new channel"}}
      profit: {computed_from: [revenue], keep: {reason: "the board reads it"}}

Passes:

    metrics:
      revenue: {revenue: true}
      sessions: {drives: [revenue]}
""",
)

RULES = (KEEP_WITHOUT_REASON, KEEP_EXPIRED, STALE_KEEP)


def check(context: RuleContext) -> Iterator[Finding]:
    graph = context.graph
    if not graph.revenue_metrics:
        return
    for metric in graph.catalog.metrics.values():
        keep = metric.keep
        if keep is None:
            continue
        if graph.is_revenue(metric.id):
            yield STALE_KEEP.finding(
                f"'{metric.id}' is a revenue metric, never a candidate to drop, so its 'keep'"
                " exception keeps nothing; remove it",
                keep.location,
                metric.id,
            )
        elif graph.reaches_revenue(metric.id):
            yield STALE_KEEP.finding(
                f"'{metric.id}' reaches revenue, so its 'keep' exception is no longer needed;"
                " remove it",
                keep.location,
                metric.id,
            )
        elif (view_of := graph.view_of(metric.id)) is not None:
            yield STALE_KEEP.finding(
                f"'{metric.id}' is a view of revenue (computed from '{view_of}'), never a"
                " candidate to drop, so its 'keep' exception keeps nothing; remove it",
                keep.location,
                metric.id,
            )
        elif not keep.reason:
            yield KEEP_WITHOUT_REASON.finding(
                f"the 'keep' exception of '{metric.id}' gives no reason; add 'reason:'",
                keep.location,
                metric.id,
            )
        elif keep.until is not None and keep.until < context.today:
            by = f" (decided by {keep.by})" if keep.by else ""
            yield KEEP_EXPIRED.finding(
                f"'{metric.id}' was kept without a path to revenue until"
                f" {keep.until.isoformat()}{by}; link it, drop it, or renew the exception",
                keep.location,
                metric.id,
            )
