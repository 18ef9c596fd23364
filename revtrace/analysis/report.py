"""The HTML report's use case: the audit, the team scorecard and the picture, together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from revtrace.analysis.audit import AuditReport, audit
from revtrace.analysis.core import Analysis
from revtrace.analysis.policy import Policy
from revtrace.analysis.scorecard import Scorecard, scorecard

if TYPE_CHECKING:
    from revtrace.analysis.explain import ExplainReport


@dataclass(frozen=True)
class Report:
    audit: AuditReport
    scorecard: Scorecard
    #: The metrics shown (all, or a selection), in catalog order.
    metrics: Sequence[str]
    #: Why each revenue metric moved over the last two periods, with a values file.
    explain: ExplainReport | None = None
    #: Why it could not be explained (a catalog without revenue metrics, …).
    explain_error: str | None = None


def report(
    analysis: Analysis, policy: Policy, metrics: Sequence[str], selectors: Sequence[str] = ()
) -> Report:
    """Everything the report shows about the chosen metrics (`selectors`: how `-m` chose
    them; none, all of them)."""
    audited = audit(analysis, policy, selected=metrics if selectors else None, selectors=selectors)
    card = scorecard(analysis, metrics)
    if analysis.values is None:
        return Report(audited, card, list(metrics))
    from revtrace.analysis.explain import ExplainError, explain

    try:
        explained = explain(analysis, analysis.values)
    except ExplainError as exc:
        return Report(audited, card, list(metrics), explain_error=str(exc))
    return Report(audited, card, list(metrics), explained)
