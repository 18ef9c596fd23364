"""The audit use case: which findings are reported, and what they mean for each metric.

This is where revtrace decides what a candidate to drop is; renderers only format it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from revtrace.analysis.baseline import Key
from revtrace.analysis.baseline import apply as apply_baseline
from revtrace.analysis.core import Analysis, Summary
from revtrace.analysis.diff import CatalogChange, compare
from revtrace.analysis.policy import Policy
from revtrace.model.catalog import Metric
from revtrace.model.findings import Finding, Severity
from revtrace.rules.revenue import NO_PATH_MESSAGE_PREFIX, NO_PATH_TO_REVENUE


@dataclass(frozen=True)
class Candidate:
    """A metric with no path to revenue and no `keep` exception: a candidate to drop."""

    metric: Metric | None
    finding: Finding

    @property
    def id(self) -> str:
        return self.finding.metric or "?"

    @property
    def reason(self) -> str:
        """Why it has no path, without the rule's own words ("its chains dead-end at …")."""
        return self.finding.message.removeprefix(NO_PATH_MESSAGE_PREFIX)


@dataclass(frozen=True)
class AuditReport:
    """What `audit` reports: the analysis, and the findings left after the rule policy
    and the baseline, which decide the exit code."""

    analysis: Analysis
    findings: list[Finding]
    #: Findings accepted by the baseline (not reported).
    baselined: int = 0
    #: Baseline entries that no longer occur, as (code, metric, count).
    stale_baseline: list[tuple[str, str, int]] = field(default_factory=list)
    #: With `--since`: the revision compared with, and what changed.
    since: str | None = None
    change: CatalogChange | None = None

    def summary(self) -> Summary:
        """The catalog's counts, with the severities of the reported findings."""
        return self.analysis.summary(self.findings)

    @property
    def candidates(self) -> list[Candidate]:
        """The reported candidates to drop, in finding order."""
        metrics = self.analysis.catalog.metrics
        return [
            Candidate(metrics.get(f.metric or ""), f)
            for f in self.findings
            if f.code == NO_PATH_TO_REVENUE.code
        ]

    @property
    def other_findings(self) -> list[Finding]:
        """Every reported finding that is not a candidate to drop."""
        return [f for f in self.findings if f.code != NO_PATH_TO_REVENUE.code]

    @property
    def every_metric_traces(self) -> bool:
        """Every metric reaches revenue or is kept by exception, and that is certain."""
        summary = self.analysis.summary()
        return (
            summary.no_path == summary.kept
            and summary.revenue_metrics > 0
            and not self.analysis.incomplete
        )


def audit(
    analysis: Analysis,
    policy: Policy,
    *,
    selected: Collection[str] | None = None,
    before: Analysis | None = None,
    since: str | None = None,
    baseline: Counter[Key] | None = None,
) -> AuditReport:
    """What `audit` reports: the findings the rule policy keeps (about the selected
    metrics, when a selection is given; findings about a file always stay), then, with
    `before` (the catalog at `since`), only those the change added, then only those the
    baseline does not accept."""
    findings = policy.apply(analysis.findings)
    if selected is not None:
        chosen = set(selected)
        findings = [f for f in findings if f.metric is None or f.metric in chosen]
    report = AuditReport(analysis, findings)
    if before is not None:
        before_reported = replace(before, findings=tuple(policy.apply(before.findings)))
        change = compare(before_reported, analysis, findings)
        report = AuditReport(analysis, change.new_findings, since=since, change=change)
    if baseline is not None:
        result = apply_baseline(report.findings, baseline)
        report = replace(
            report,
            findings=result.new,
            baselined=result.matched,
            stale_baseline=[(s.code, s.metric, s.count) for s in result.stale],
        )
    return report


class RuleCount(NamedTuple):
    code: str
    rule: str
    #: The highest severity among the rule's findings.
    severity: Severity
    total: int


def rule_counts(findings: Collection[Finding]) -> list[RuleCount]:
    """The findings per rule, most frequent first, as `ruff --statistics` counts them."""
    counts: dict[str, RuleCount] = {}
    for f in findings:
        known = counts.get(f.code)
        counts[f.code] = (
            RuleCount(f.code, f.rule, f.severity, 1)
            if known is None
            else known._replace(severity=max(known.severity, f.severity), total=known.total + 1)
        )
    return sorted(counts.values(), key=lambda row: (-row.total, row.code))
