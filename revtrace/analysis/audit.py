"""The audit use case: which findings are reported, and what they mean for each metric.

This is where revtrace decides what a candidate to drop is; renderers only format it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

from revtrace.analysis.baseline import Key
from revtrace.analysis.baseline import apply as apply_baseline
from revtrace.analysis.core import Analysis, Summary
from revtrace.analysis.diff import CatalogChange, compare
from revtrace.analysis.policy import Policy
from revtrace.model.catalog import Metric
from revtrace.model.findings import Finding, Severity
from revtrace.model.wording import COUNTED_FROM, all_traced, caveat_words, plural
from revtrace.rules.data import MOVES_WITH_REVENUE
from revtrace.rules.exceptions import KEEP_EXPIRED
from revtrace.rules.ownership import MISSING_OWNER
from revtrace.rules.revenue import NO_PATH_MESSAGE_PREFIX, NO_PATH_TO_REVENUE, NO_REVENUE_METRIC

#: The findings a candidate's entry says itself (its owner, the numbers' evidence).
_SAID_WITH_CANDIDATES = frozenset({MISSING_OWNER.code, MOVES_WITH_REVENUE.code})


@dataclass(frozen=True)
class Candidate:
    """A metric with no path to revenue and no `keep` exception: a candidate to drop."""

    metric: Metric | None
    finding: Finding
    #: Errors about this metric or about where its chains end (a rejected `drive:`, a
    #: second definition that was ignored, …): its verdict may be their consequence.
    caveats: tuple[Finding, ...] = ()
    #: What the numbers say against dropping it (RT024, with a values file): its changes
    #: track revenue's, so a link may be missing.
    evidence: tuple[Finding, ...] = ()

    @property
    def id(self) -> str:
        return self.finding.metric or "?"

    @property
    def reason(self) -> str:
        """Why it has no path, without the rule's own words ("its chains dead-end at …")."""
        return self.finding.message.removeprefix(NO_PATH_MESSAGE_PREFIX)


@dataclass(frozen=True)
class Selection:
    """The metrics `-m` chose, and how they were named."""

    selectors: tuple[str, ...]
    metrics: tuple[str, ...]


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
    #: With `--since`: the findings that were there already at that revision (not
    #: reported), so that "No findings." is never read as a clean catalog.
    not_new: int = 0
    #: With `-m`: the metrics the summary, the rows and the findings are about.
    selection: Selection | None = None
    #: Whether the rule policy reports RT001 at all (`unlisted_line` says why not).
    no_path_selected: bool = True

    @property
    def metrics(self) -> Collection[str]:
        """The metrics reported on: the selection, or the whole catalog."""
        if self.selection is not None:
            return self.selection.metrics
        return self.analysis.catalog.metrics.keys()

    def summary(self) -> Summary:
        """The counts of the metrics reported on, with the reported findings' severities."""
        chosen = None if self.selection is None else self.selection.metrics
        return self.analysis.summary(self.findings, chosen)

    @property
    def has_errors(self) -> bool:
        """The catalog has errors: the verdicts (candidates to drop above all) may be
        their consequence, whatever was selected or baselined."""
        return self.analysis.has_errors

    @cached_property
    def errors_not_listed(self) -> str | None:
        """What the line about the catalog's errors adds when some are not listed (left
        out by the rule selection, a baseline or `--since`): "The catalog has errors" over
        a report that lists none sent the reader looking for them."""
        if not self.has_errors:
            return None
        listed = set(map(_identity, self.findings))
        count = sum(1 for f in self.analysis.errors if _identity(f) not in listed)
        if not count:
            return None
        total = len(self.analysis.errors)
        if total == 1:
            which = "The error is"
        elif count == total:
            which = f"The {total} errors are"
        else:
            which = f"{count} of the {total} errors {'is' if count == 1 else 'are'}"
        return f"{which} not listed here: left out by the rule selection, a baseline or --since."

    @property
    def errors(self) -> list[Finding]:
        """The reported errors: shown first, as they make the rest unreliable."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @cached_property
    def caveats(self) -> dict[str, tuple[Finding, ...]]:
        """For each reported candidate to drop that has any, the errors that may have
        caused its verdict (`Analysis.caveats`): every format says them with it."""
        return self.analysis.caveats(
            f.metric for f in self.findings if f.code == NO_PATH_TO_REVENUE.code and f.metric
        )

    def caveats_of(self, finding: Finding) -> tuple[Finding, ...]:
        """The caveats of a reported finding: those of its metric for RT001, else none."""
        if finding.code != NO_PATH_TO_REVENUE.code or finding.metric is None:
            return ()
        return self.caveats.get(finding.metric, ())

    def message_of(self, finding: Finding) -> str:
        """A finding's message as a one-line format gives it: a candidate to drop's with
        the errors that may have caused it ("…; maybe a consequence of the error at
        m.yaml:10:14 (RT002 unknown-metric): fix it first"). An annotation or a log line
        that said "drives nothing" alone sent a reviewer to drop a metric one typo away
        from revenue."""
        caveats = self.caveats_of(finding)
        return f"{finding.message}; {caveat_words(caveats)}" if caveats else finding.message

    @property
    def candidates(self) -> list[Candidate]:
        """The reported candidates to drop, in finding order, each with the errors that
        may have caused its verdict."""
        metrics = self.analysis.catalog.metrics
        found = [f for f in self.findings if f.code == NO_PATH_TO_REVENUE.code]
        if not found:
            return []
        caveats = self.caveats
        tracking: dict[str, tuple[Finding, ...]] = {}
        for finding in self.findings:
            if finding.code == MOVES_WITH_REVENUE.code and finding.metric is not None:
                tracking[finding.metric] = (*tracking.get(finding.metric, ()), finding)
        return [
            Candidate(
                metrics.get(f.metric or ""),
                f,
                caveats.get(f.metric or "", ()),
                tracking.get(f.metric or "", ()),
            )
            for f in found
        ]

    @cached_property
    def unlisted(self) -> int:
        """Metrics reported on that no path leads from to revenue, neither kept nor views
        of revenue, and yet not among the candidates: their RT001 was left out (the rule
        not selected, a baseline, `--since`). Counted so that "0 candidates to drop" is
        never read as every metric tracing to revenue."""
        if self.untraceable:
            return 0
        graph, metrics = self.analysis.graph, self.analysis.catalog.metrics
        chosen = None if self.selection is None else set(self.selection.metrics)
        listed = {f.metric for f in self.findings if f.code == NO_PATH_TO_REVENUE.code}
        return sum(
            1
            for m in graph.without_revenue_path()
            if (chosen is None or m in chosen)
            and metrics[m].keep is None
            and graph.view_of(m) is None
            and m not in listed
        )

    @cached_property
    def unlisted_line(self) -> str | None:
        """What the count of `unlisted` metrics says, and why, when there are any."""
        count = self.unlisted
        if not count:
            return None
        rule = f"{NO_PATH_TO_REVENUE.code} ({NO_PATH_TO_REVENUE.name})"
        its = "its" if count == 1 else "their"
        if not self.no_path_selected:
            why = f"{rule} is not selected (--select, --ignore or the configuration)"
        elif self.since is not None:
            why = f"{its} {rule} finding was there already at {self.since}"
        else:
            why = f"{its} {rule} finding is accepted by the baseline"
        listed = any(f.code == NO_PATH_TO_REVENUE.code for f in self.findings)
        more = "more " if listed else ""
        return (
            f"{plural(count, more + 'metric')} without a path to revenue"
            f" {'is' if count == 1 else 'are'} not listed as"
            f" {'a candidate' if count == 1 else 'candidates'} to drop: {why}."
        )

    @property
    def other_findings(self) -> list[Finding]:
        """The reported findings that are neither errors nor candidates to drop, nor said
        in a candidate's entry already (`said_with_candidates`)."""
        said = set(map(id, self.said_with_candidates))
        return [
            f
            for f in self.findings
            if f.code != NO_PATH_TO_REVENUE.code
            and f.severity is not Severity.ERROR
            and id(f) not in said
        ]

    @property
    def said_with_candidates(self) -> list[Finding]:
        """Findings about a candidate to drop that its entry says already, in every
        readable format: that it has no owner (RT007), and what the numbers say against
        dropping it (RT024). After an import, every candidate has no owner: listed again
        below the candidates, they were as many lines more, saying nothing new. A few
        (under `COUNTED_FROM`) are listed all the same: their own words say more than a count."""
        candidates = {f.metric for f in self.findings if f.code == NO_PATH_TO_REVENUE.code}
        if len(candidates) < COUNTED_FROM:
            return []
        said = [
            f for f in self.findings if f.code in _SAID_WITH_CANDIDATES and f.metric in candidates
        ]
        return said if len(said) >= COUNTED_FROM else []

    @property
    def said_line(self) -> str | None:
        """The line that counts the findings said in the candidates' entries, by rule,
        when there are any (`said_with_candidates`)."""
        said = self.said_with_candidates
        if not said:
            return None
        counts = ", ".join(f"{row.total} {row.rule} ({row.code})" for row in rule_counts(said))
        return f"Said with the candidates above, not repeated here: {counts}."

    @property
    def not_new_line(self) -> str:
        """What `--since` left out, for the end of the report."""
        were = "was" if self.not_new == 1 else "were"
        return (
            f"{plural(self.not_new, 'finding')} {were} there already at {self.since}: not"
            " shown, as only new findings are; without --since, audit reports them all."
        )

    @property
    def all_traced_line(self) -> str:
        """What a clean audit says (`every_metric_traces`), of the selection if there is one."""
        summary = self.summary()
        chosen = None if self.selection is None else set(self.selection.metrics)
        expired = sum(
            1
            for f in self.analysis.findings
            if f.code == KEEP_EXPIRED.code and (chosen is None or f.metric in chosen)
        )
        return all_traced(
            kept=summary.kept,
            views=summary.views,
            selected=self.selection is not None,
            expired=expired,
        )

    @property
    def every_metric_traces(self) -> bool:
        """Every metric reported on reaches revenue or is kept, and that is certain."""
        summary = self.summary()
        return summary.no_path == summary.kept + summary.views and not self.untraceable

    @property
    def untraceable(self) -> bool:
        """Nothing can be traced yet (`Analysis.untraceable`)."""
        return self.analysis.untraceable


def audit(
    analysis: Analysis,
    policy: Policy,
    *,
    selected: Collection[str] | None = None,
    selectors: Sequence[str] = (),
    before: Analysis | None = None,
    since: str | None = None,
    baseline: Counter[Key] | None = None,
) -> AuditReport:
    """What `audit` reports: the findings the rule policy keeps (about the selected
    metrics, when a selection is given; findings about a file always stay), then, with
    `before` (the catalog at `since`), only those the change added, then only those the
    baseline does not accept."""
    findings = policy.apply(analysis.findings)
    selection = None
    if selected is not None:
        chosen = set(selected)
        findings = [f for f in findings if f.metric is None or f.metric in chosen]
        selection = Selection(
            tuple(selectors), tuple(m for m in analysis.catalog.metrics if m in chosen)
        )
    reports_no_path = NO_PATH_TO_REVENUE.code in policy.selected
    report = AuditReport(analysis, findings, selection=selection, no_path_selected=reports_no_path)
    if before is not None:
        before_reported = replace(before, findings=tuple(policy.apply(before.findings)))
        change = compare(before_reported, analysis, findings)
        report = AuditReport(
            analysis,
            change.new_findings,
            since=since,
            change=change,
            selection=selection,
            no_path_selected=reports_no_path,
            not_new=len(findings) - len(change.new_findings),
        )
    if baseline is not None:
        result = apply_baseline(report.findings, baseline)
        report = replace(
            report,
            findings=result.new,
            baselined=result.matched,
            stale_baseline=[(s.code, s.metric, s.count) for s in result.stale],
        )
    reported = set(map(_identity, report.findings))
    missing = [f for f in _blocking(analysis) if _identity(f) not in reported]
    if missing:
        report = replace(
            report, findings=sorted([*report.findings, *missing], key=Finding.sort_key)
        )
    return report


def _identity(finding: Finding) -> tuple[object, ...]:
    """A finding whatever severity the policy gave it."""
    return finding.code, finding.location, finding.message


def _blocking(analysis: Analysis) -> list[Finding]:
    """The findings that say why nothing could be checked: the errors of a catalog that
    could not be read whole, or RT004 when no metric is marked revenue. Reported whatever
    the rule selection, baseline or `--since`, as ruff reports syntax errors: `--select
    RT001` on a broken file passed (exit 0, "No findings."), a gate that checked nothing."""
    if analysis.incomplete:
        return [f for f in analysis.findings if f.severity is Severity.ERROR]
    if not analysis.graph.revenue_metrics:
        return [f for f in analysis.findings if f.code == NO_REVENUE_METRIC.code]
    return []


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
