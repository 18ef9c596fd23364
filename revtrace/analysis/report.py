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


def report(
    analysis: Analysis, policy: Policy, metrics: Sequence[str], selectors: Sequence[str] = ()
) -> Report:
    """Everything the report shows about the chosen metrics (`selectors`: how `-m` chose
    them; none, all of them)."""
    audited = audit(analysis, policy, selected=metrics if selectors else None, selectors=selectors)
    return Report(audited, scorecard(analysis, metrics), list(metrics))
