"""Terminal output with rich.

Every string that comes from a catalog goes through `safe()` into a `rich.text.Text`:
it is never read as markup, and control characters (an ANSI escape in a metric name, a
carriage return, a bidi override) are shown as escapes instead of reaching the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from revtrace.analysis import (
    AuditReport,
    Candidate,
    CatalogChange,
    DiffReport,
    ImpactView,
    RuleCount,
    Scorecard,
)
from revtrace.analysis.policy import RuleDocs
from revtrace.model.findings import Finding, Severity
from revtrace.model.wording import apart, plural
from revtrace.render import figures
from revtrace.render.columns import aligned
from revtrace.render.escape import visible as safe

if TYPE_CHECKING:
    from revtrace.graph.leverage import DivergentLoop

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def location_text(finding: Finding) -> str:
    return safe(str(finding.location)) if finding.location else "<catalog>"


def caveat_line(caveat: Finding, indent: str) -> Text:
    """An error a verdict may be the consequence of: fix it before dropping anything."""
    line = Text(f"{indent}! maybe a consequence of the error at ", style="red")
    line.append(location_text(caveat), style="bold")
    line.append(f" ({caveat.code} {caveat.rule}): fix it first", style="red")
    return line


def finding_line(finding: Finding) -> Text:
    """One finding as ruff prints one: `file:line:col: CODE severity rule message`."""
    line = Text()
    line.append(location_text(finding), style="bold")
    line.append(": ")
    line.append(finding.code, style=SEVERITY_STYLE[finding.severity])
    line.append(f" {finding.severity} ", style=SEVERITY_STYLE[finding.severity])
    line.append(f"[{finding.rule}] ", style="dim")
    line.append(safe(finding.message))
    return line


def print_lines(console: Console, lines: Iterable[Text]) -> None:
    """Print many lines at once, unwrapped. Piped or redirected output gets the plain text
    in one write: printing line by line through rich costs seconds at 100,000 metrics."""
    if console.is_terminal:
        console.print(Text("\n").join(lines), soft_wrap=True)
    else:
        console.file.write("".join(line.plain + "\n" for line in lines))


def print_findings(console: Console, findings: Iterable[Finding]) -> None:
    print_lines(console, [finding_line(finding) for finding in findings])


def count_line(summary_errors: int, warnings: int, infos: int) -> Text:
    parts = []
    if summary_errors:
        parts.append(Text(plural(summary_errors, "error"), style=SEVERITY_STYLE[Severity.ERROR]))
    if warnings:
        parts.append(Text(plural(warnings, "warning"), style=SEVERITY_STYLE[Severity.WARNING]))
    if infos:
        parts.append(Text(plural(infos, "info"), style=SEVERITY_STYLE[Severity.INFO]))
    if not parts:
        return Text("No findings.", style="green")
    return Text("Found ").append(Text(", ").join(parts)).append(".")


def audit(console: Console, report: AuditReport, *, quiet: bool = False) -> None:
    """The readable report; with `quiet`, only the finding lines."""
    if quiet:
        print_findings(console, report.findings)
        return
    _audit_headline(console, report)
    if report.since is not None and report.change is not None:
        _change(console, report.change, f"Changes since {safe(report.since)}")
    errors = report.errors
    if errors:
        # First: they make the verdicts below unreliable, and are what to fix first.
        console.print()
        console.print(
            Text(f"Errors ({len(errors)}): fix these first", style="bold red"), soft_wrap=True
        )
        print_findings(console, errors)
    candidates = report.candidates
    if candidates:
        _candidates(console, candidates)
    elif report.every_metric_traces:
        console.print()
        console.print(Text(report.all_traced_line, style="green"), soft_wrap=True)
    unlisted = report.unlisted_line
    if unlisted is not None:
        console.print()
        console.print(Text(unlisted, style="yellow"), soft_wrap=True)
    others = report.other_findings
    if others:
        console.print()
        console.print(
            Text("Other findings" if candidates or errors else "Findings", style="bold"),
            soft_wrap=True,
        )
        print_findings(console, others)
    said = report.said_line
    if said is not None:
        console.print()
        console.print(Text(said, style="dim"), soft_wrap=True)
    _audit_footer(console, report)
    if errors and len(candidates) + len(others) > ERRORS_SCROLLED_AWAY:
        # The errors are listed first, and a long listing scrolls them out of sight: the
        # first audit of an imported project showed 110 missing owners under its one
        # error (no revenue metric), the one thing to do next.
        console.print(Text(_errors_reminder(errors), style="red"), soft_wrap=True)


#: Above this many findings listed after the errors, the report ends by pointing back to
#: them (they are out of sight on a screen).
ERRORS_SCROLLED_AWAY = 10


def _errors_reminder(errors: Sequence[Finding]) -> str:
    if len(errors) == 1:
        (error,) = errors
        return (
            f"Start with the error listed first, at the top ({location_text(error)},"
            f" {error.code} {error.rule})."
        )
    return f"Start with the {len(errors)} errors listed first, at the top."


def _audit_headline(console: Console, report: AuditReport) -> None:
    """The files, and how many metrics reach revenue."""
    analysis = report.analysis
    summary = report.summary()
    files = ", ".join(safe(f) for f in analysis.catalog.files)
    console.print(Text.assemble(("revtrace audit", "bold"), " · ", files), soft_wrap=True)
    share = f" ({summary.reaching_revenue * 100 // summary.metrics}%)" if summary.metrics else ""
    selection = report.selection
    counts = Text.assemble(
        f"{summary.metrics} of {plural(summary.catalog_metrics, 'metric')} selected"
        f" ({safe(' '.join(selection.selectors))})"
        if selection is not None
        else plural(summary.metrics, "metric"),
        " · ",
        plural(summary.revenue_metrics, "revenue metric"),
        " · ",
        (f"{summary.reaching_revenue} reach revenue{share}", "green"),
        " · ",
        (f"{summary.no_path} without a path", "yellow" if summary.no_path else "green"),
    )
    counts.append(apart(kept=summary.kept, views=summary.views), style="dim")
    console.print(counts, soft_wrap=True)
    if analysis.incomplete:
        console.print(
            Text("The catalog could not be read completely, so no metric was traced.", style="red"),
            soft_wrap=True,
        )
    elif report.has_errors:
        console.print(
            Text(
                "The catalog has errors: the verdicts below may be their consequence"
                " and are incomplete until they are fixed."
                + (f" {report.errors_not_listed}" if report.errors_not_listed else ""),
                style="red",
            ),
            soft_wrap=True,
        )


def _candidates(console: Console, candidates: Sequence[Candidate]) -> None:
    """Each candidate to drop: who owns it, and why it has no path."""
    console.print()
    console.print(
        Text(
            f"Candidates to drop: {plural(len(candidates), 'metric')} with no path to revenue",
            style="bold yellow",
        ),
        soft_wrap=True,
    )
    lines: list[Text] = []
    for candidate in candidates:
        metric = candidate.metric
        head = Text("  ")
        head.append(safe(candidate.id), style="bold")
        if metric is not None:
            if metric.name != metric.id:
                head.append(f" · {safe(metric.name)}")
            head.append(
                f" · owner {safe(metric.owner)}" if metric.owner else " · no owner", style="dim"
            )
            if metric.team:
                head.append(f" · team {safe(metric.team)}", style="dim")
        reason = Text("    ")
        reason.append(location_text(candidate.finding), style="dim")
        reason.append("  " + safe(candidate.reason))
        lines += (head, reason)
        lines += [caveat_line(caveat, "    ") for caveat in candidate.caveats]
        for evidence in candidate.evidence:
            # The numbers tie it to revenue: "drop it" needs a second look.
            lines.append(
                Text(f"    ? before dropping it: {safe(evidence.message)}", style="yellow")
            )
    print_lines(console, lines)


def _audit_footer(console: Console, report: AuditReport) -> None:
    """The baseline's part, and the counts."""
    summary = report.summary()
    console.print()
    if report.not_new:
        console.print(Text(report.not_new_line, style="dim"), soft_wrap=True)
    if report.baselined:
        console.print(
            Text(f"{plural(report.baselined, 'finding')} accepted by the baseline.", style="dim"),
            soft_wrap=True,
        )
    if report.stale_baseline:
        console.print(
            Text(
                f"{plural(len(report.stale_baseline), 'baseline entry', 'baseline entries')}"
                " no longer occur: refresh the baseline with --write-baseline --force.",
                style="dim",
            ),
            soft_wrap=True,
        )
    console.print(count_line(summary.errors, summary.warnings, summary.infos), soft_wrap=True)


def rules(console: Console, docs: RuleDocs) -> None:
    """Every rule: code, name, default severity and what it checks; or the named rules'
    whole documentation, examples included (indented, as the rules' docs write them)."""
    if not docs.detailed:
        table = Table(box=None, show_header=True, pad_edge=False)
        for column in ("Code", "Name", "Severity", "What it checks"):
            table.add_column(column, overflow="fold")
        for rule in docs.rules:
            table.add_row(rule.code, rule.name, str(rule.severity), rule.summary)
        console.print(table)
        return
    for index, rule in enumerate(docs.rules):
        if index:
            console.print()
        head = Text(f"{rule.code} {rule.name}", style="bold")
        head.append(f" ({rule.severity})", style=SEVERITY_STYLE[rule.severity])
        console.print(head, soft_wrap=True)
        console.print()
        console.print(Text(rule.summary), soft_wrap=True)
        console.print()
        console.print(_rule_doc(rule.doc), soft_wrap=True)


def _rule_doc(doc: str) -> Text:
    """A rule's documentation with its examples set apart in colour: "Fails" red,
    "Passes" green, the indented catalog lines cyan (plain text when piped)."""
    text = Text()
    for line in doc.rstrip().split("\n"):
        style = (
            "bold red"
            if line.startswith("Fails")
            else "bold green"
            if line.startswith("Passes")
            else "cyan"
            if line.startswith("    ")
            else ""
        )
        text.append(line + "\n", style=style)
    text.rstrip()
    return text


def statistics(console: Console, rows: Sequence[RuleCount]) -> None:
    """Counts per rule, most frequent first, as `ruff --statistics` prints them."""
    for code, name, severity, count in rows:
        line = Text(f"{count:>6}  ")
        line.append(code, style=SEVERITY_STYLE[severity])
        line.append(f"  {name}  ")
        line.append(f"[{severity}]", style="dim")
        console.print(line, soft_wrap=True)


def _change(console: Console, change: CatalogChange, title: str) -> None:
    console.print()
    console.print(Text(title, style="bold"), soft_wrap=True)
    if change.is_empty:
        console.print(Text("  No metric or link changed."), soft_wrap=True)
        return
    for cut in change.lost_paths:
        causes = " and ".join(cut.causes) or "the change"
        line = Text("  ✗ ", style="red")
        line.append(safe(causes), style="bold")
        line.append(" cut every path to revenue of ")
        line.append(safe(", ".join(cut.metrics)), style="bold")
        console.print(line, soft_wrap=True)
    for metric in change.added_without_path:
        line = Text("  ! ", style="yellow")
        line.append(safe(metric), style="bold")
        line.append(" was added without a path to revenue")
        console.print(line, soft_wrap=True)
    for label, items in (
        ("metrics added", change.added),
        ("metrics removed", change.removed),
        ("links added", [f"{a} → {b}" for a, b in change.links_added]),
        ("links removed", [f"{a} → {b}" for a, b in change.links_removed]),
    ):
        if items:
            console.print(
                Text(f"  {label}: ", style="dim").append(safe(", ".join(items))), soft_wrap=True
            )


def diff(console: Console, report: DiffReport) -> None:
    change = report.change
    _change(console, change, f"revtrace diff · {safe(report.old)} → {safe(report.new)}")
    if change.new_findings:
        console.print()
        console.print(
            Text(f"New findings ({len(change.new_findings)})", style="bold"), soft_wrap=True
        )
        print_findings(console, change.new_findings)
    if change.resolved:
        which = ", ".join(
            f"{code} {metric or file}".strip() for code, metric, file in change.resolved[:10]
        )
        more = len(change.resolved) - 10
        console.print()
        console.print(
            Text(
                f"{plural(len(change.resolved), 'finding')} resolved by the change: {safe(which)}"
                + (f" and {more} more." if more > 0 else "."),
                style="green",
            ),
            soft_wrap=True,
        )
    console.print()
    console.print(
        Text(
            f"The change adds {plural(len(change.new_findings), 'finding')}.",
            style="yellow" if change.new_findings else "green",
        ),
        soft_wrap=True,
    )


def scorecard(console: Console, card: Scorecard) -> None:
    by, rows = card.by, card.rows
    table = Table(title=safe(card.title), title_justify="left")
    # Names and numbers never wrap; the candidates column takes the rest of the width
    # and wraps between ids (never inside one), listing as many as the width allows.
    widest = min(max((len(safe(row.label)) for row in rows), default=4), 40)
    table.add_column(by.capitalize(), no_wrap=True, min_width=widest)
    for column in ("Metrics", "Traced", "Share", "Median distance"):
        table.add_column(column, justify="right", no_wrap=True)
    # What the candidates column is left of the width (borders and padding: 19), and
    # whether an id fits in it: imported ids (`model.metric`) in an 80-column terminal
    # were folded a few letters a line. Then the table leaves them for the lines under it.
    left = console.width - widest - len("MetricsTracedShareMedian distance") - 19
    longest = max((len(safe(m)) for row in rows for m in row.candidates[:3]), default=0)
    inline = left >= max(len("Candidates to drop"), longest + 1)
    if inline:
        table.add_column("Candidates to drop", overflow="fold", ratio=1)
    room = max(3, (console.width - widest - 60) // 18 * 2)
    for row in rows:
        share_style = "green" if row.share >= 0.9 else "yellow" if row.share >= 0.6 else "red"
        median = "—" if row.median_distance is None else f"{row.median_distance:g}"
        cells: list[Text | str] = [
            Text(safe(row.label), style="bold"),
            str(row.metrics),
            str(row.traced),
            Text(f"{row.share:.0%}", style=share_style),
            median,
        ]
        table.add_row(*cells, *([Text(_first_few(row.candidates, room))] if inline else []))
    console.print(table)
    if not inline and any(row.candidates for row in rows):
        under = Table.grid(padding=(0, 1))
        under.add_column(no_wrap=True)
        under.add_column(ratio=1)
        for row in rows:
            if row.candidates:
                label = Text(f"  {safe(row.label)}:", style="bold")
                under.add_row(label, Text(_first_few(row.candidates, 5)))
        console.print(Text("Candidates to drop", style="bold"))
        console.print(under)


def _first_few(ids: Sequence[str], shown: int = 3) -> str:
    if not ids:
        return "—"
    text = ", ".join(safe(i) for i in ids[:shown])
    more = len(ids) - shown
    return f"{len(ids)}: {text}" + (f" and {more} more" if more > 0 else "")


# -- impact ----------------------------------------------------------------------------------


#: Above this many rows, even a terminal gets the plain table: rich lays out a table
#: row by row (about 0.6 ms each), and nobody scrolls through thousands of boxed rows.
MAX_RICH_ROWS = 500


def impact(console: Console, view: ImpactView) -> None:
    """The revenue leverage table, most leverage first, and any what-if prediction."""
    report, what_if = view.report, view.what_if
    title = "Revenue leverage: % change in revenue for a 1% change in the metric"
    heads = ["Metric", "Owner", "Team", *(f"→ {safe(r)}" for r in report.revenue_metrics)]
    heads += ["Total", "Quantified", "Weakest link"]
    numbers = range(3, 4 + len(report.revenue_metrics))
    rows = []
    for ranked in view.ranked:
        metric = view.analysis.catalog.metrics[ranked.id]
        rows.append(
            [
                safe(ranked.id),
                safe(metric.owner or "—"),
                safe(metric.team or "—"),
                *[
                    figures.effect(ranked.effects.get(r)) if ranked.total is not None else "—"
                    for r in report.revenue_metrics
                ],
                figures.effect(ranked.total),
                view.quantified(ranked),
                ranked.confidence or "—",
            ]
        )
    table = Table(title=title, title_justify="left")
    if console.is_terminal and len(rows) <= MAX_RICH_ROWS:
        for index, head in enumerate(heads):
            justify: Literal["left", "right"] = "right" if index in numbers else "left"
            table.add_column(Text(head), justify=justify, overflow="fold")
        styles = {"full": "green", "partial": "yellow"}
        for row in rows:
            cells = [Text(cell) for cell in row]
            cells[0].stylize("bold")
            cells[-3].stylize("bold")
            cells[-2].stylize(styles.get(row[-2], "dim"))
            table.add_row(*cells)
    # A table wider than the terminal would fold every cell, ids included (an imported
    # project's `model.metric` ids in 80 columns: a few letters a line): then the plain
    # columns too, which the terminal wraps whole.
    unbounded = console.options.update(width=1 << 20)  # measured, not clamped to the width
    if table.rows and Measurement.get(console, unbounded, table).maximum <= console.width:
        console.print(table)
    else:
        # Piped, redirected, long or too wide: aligned columns at full width, nothing
        # folded or cut, one line per metric (for files, grep and diff).
        lines = [title, *aligned(heads, rows, set(numbers))]
        console.file.write("\n".join(lines) + "\n")
    if len(report.revenue_metrics) > 1:
        weights = ", ".join(f"{safe(r)} {w:.0%}" for r, w in report.weights.items())
        console.print(
            Text(f"Total = weighted by revenue metric: {weights}.", style="dim"), soft_wrap=True
        )
    for loop in report.divergent:
        console.print(Text(_divergent_words(loop), style="red"), soft_wrap=True)
    if view.next_step is not None:
        console.print(Text(f"Next: {view.next_step}.", style="yellow"), soft_wrap=True)
    if what_if:
        console.print()
        console.print(Text("What if: first-order predicted change", style="bold"), soft_wrap=True)
        for revenue, (percent, amount) in what_if.items():
            line = Text(f"  {safe(revenue)}: {percent:+.3g}%")
            if amount is not None:
                line.append(f"  ({amount:+,.0f} per period)")
            console.print(line, soft_wrap=True)


def _divergent_words(loop: DivergentLoop) -> str:
    """What `impact` says of a group of metrics whose loops diverge: its loop and gain,
    or, where several loops do it together, the group (the loop shown may be weak on its
    own, as RT016 says)."""
    shown = " → ".join(safe(m) for m in loop.loop)
    if loop.alone:
        return f"Divergent loop {shown} (gain {loop.gain:g}): its metrics have no finite effect."
    members = ", ".join(safe(m) for m in loop.members[:8])
    more = " and more" if len(loop.members) > 8 else ""
    return (
        f"Divergent loops through {members}{more} (the strongest found: {shown}, gain"
        f" {loop.gain:g}): their metrics have no finite effect."
    )
