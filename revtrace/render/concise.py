"""One line per finding, as ruff prints them: `file:line:col: CODE [severity] message`.

Plain text with no colour, for logs, editors' problem matchers and `grep`.
"""

from __future__ import annotations

from revtrace.analysis import AuditReport
from revtrace.render.escape import visible


def audit(report: AuditReport) -> str:
    lines = []
    for finding in report.findings:
        where = str(finding.location) if finding.location else "<catalog>"
        message = visible(report.message_of(finding))
        lines.append(f"{visible(where)}: {finding.code} [{finding.severity}] {message}")
    return "".join(line + "\n" for line in lines)
