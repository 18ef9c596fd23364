"""The rule a values file's problems are reported under, like a catalog's."""

from __future__ import annotations

from revtrace.model.findings import Rule, Severity

VALUES_PROBLEM = Rule(
    code="RT020",
    name="values-problem",
    severity=Severity.WARNING,
    summary=(
        "A value in the values file cannot be used: not a number, given twice, for a metric"
        " the catalog does not define, in a period that cannot be read, or after a gap."
    ),
    doc="""\
A values file (`--values FILE`, or the `values` setting) gives each metric's value per
period, for `explain`, `fit` and `audit --values`. A value that cannot be trusted is left
out and reported at its line and column, never guessed: a value given twice is used
neither time, `1,234` or `12%` is not read as a number, and an id that is not in the
catalog (a typo, or a metric since renamed) is named with the closest id. A missing period
(`2026-01`, `2026-02`, `2026-04`) is reported because `fit` only uses changes between
consecutive periods. An empty cell is simply no value for that period.

Fails:

    metrics:
      revenue: {revenue: true}
      sqls: {owner: sales, drives: [revenue]}

    period,metric,value
    2026-09,sqls,100
    2026-09,sqls,104
    2026-10,sql,120
    2026-11,sqls,130

Passes:

    metrics:
      revenue: {revenue: true}
      sqls: {owner: sales, drives: [revenue]}

    period,metric,value
    2026-09,sqls,100
    2026-10,sqls,120
""",
)

RULES = (VALUES_PROBLEM,)
