"""GitHub Actions workflow commands: one annotation per finding, on the catalog's line.

::warning file=metrics.yaml,line=12,col=3,title=revtrace (RT001)::no path to revenue…
"""

from __future__ import annotations

from collections import Counter

from revtrace.analysis import AuditReport
from revtrace.model.findings import Severity
from revtrace.model.wording import apart, plural
from revtrace.render.escape import github_data, github_property

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
#: GitHub shows at most this many annotations of each level per step, and drops the rest
#: without a word (actions/toolkit, docs/problem-matchers.md, "Limitations").
SHOWN_PER_LEVEL = 10


def audit(report: AuditReport) -> str:
    lines = []
    counts = Counter(finding.severity for finding in report.findings)
    over = [
        plural(counts[severity], str(severity))
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[severity] > SHOWN_PER_LEVEL
    ]
    if over:
        # First, so that it is itself shown: the pull request would otherwise look as if
        # the findings it shows were all there are.
        lines.append(
            f"::notice title={github_property('revtrace: more findings than annotations')}::"
            + github_data(
                f"{' and '.join(over)}: GitHub shows {SHOWN_PER_LEVEL} annotations of each"
                " kind per step; every finding is in this step's log (and in SARIF, for"
                " code scanning)"
            )
        )
    for finding in report.findings:
        properties = []
        if finding.location is not None:
            loc = finding.location
            properties += [
                f"file={github_property(loc.file)}",
                f"line={loc.line}",
                f"col={loc.column}",
            ]
        properties.append(f"title={github_property(f'revtrace ({finding.code})')}")
        message = f"{report.message_of(finding)} [{finding.rule}]"
        lines.append(f"::{LEVEL[finding.severity]} {','.join(properties)}::{github_data(message)}")
    summary = report.summary()
    # A plain line for the job log, where workflow commands themselves are not shown.
    aside = apart(kept=summary.kept, views=summary.views)
    lines.append(
        f"revtrace: {plural(summary.metrics, 'metric')}, {summary.reaching_revenue} reach"
        f" revenue, {summary.no_path} without a path{aside};"
        f" {plural(summary.errors, 'error')},"
        f" {plural(summary.warnings, 'warning')}, {plural(summary.infos, 'info')}"
    )
    return "\n".join(lines) + "\n"
