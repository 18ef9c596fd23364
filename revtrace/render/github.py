"""GitHub Actions workflow commands: one annotation per finding, on the catalog's line.

::warning file=metrics.yaml,line=12,col=3,title=revtrace (RT001)::no path to revenue…
"""

from __future__ import annotations

from revtrace.analysis import AuditReport
from revtrace.model.findings import Severity
from revtrace.model.wording import plural
from revtrace.render.escape import github_data, github_property

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def audit(report: AuditReport) -> str:
    lines = []
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
        message = f"{finding.message} [{finding.rule}]"
        lines.append(f"::{LEVEL[finding.severity]} {','.join(properties)}::{github_data(message)}")
    summary = report.summary()
    # A plain line for the job log, where workflow commands themselves are not shown.
    lines.append(
        f"revtrace: {plural(summary.metrics, 'metric')}, {summary.reaching_revenue} reach"
        f" revenue, {summary.no_path} without a path; {plural(summary.errors, 'error')},"
        f" {plural(summary.warnings, 'warning')}, {plural(summary.infos, 'info')}"
    )
    return "\n".join(lines) + "\n"
