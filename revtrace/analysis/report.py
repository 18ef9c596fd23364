"""The HTML report's use case: the audit, the team scorecard and the picture, together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from revtrace.analysis.audit import AuditReport, audit
from revtrace.analysis.core import Analysis
from revtrace.analysis.policy import Policy
from revtrace.analysis.scorecard import Scorecard, scorecard


@dataclass(frozen=True)
class Report:
    audit: AuditReport
    scorecard: Scorecard
    #: The metrics shown (all, or a selection), in catalog order.
    metrics: Sequence[str]


def report(analysis: Analysis, policy: Policy, metrics: Sequence[str]) -> Report:
    """Everything the report shows about the chosen metrics."""
    return Report(
        audit(analysis, policy, selected=metrics), scorecard(analysis, metrics), list(metrics)
    )
