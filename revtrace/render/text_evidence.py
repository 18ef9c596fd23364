"""The text of `explain` and `fit` (re-exported by render.text, the text format): aligned
columns at full width, on a terminal or in a file alike, so that what the README shows is
what a user sees."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from revtrace.analysis.evidence import FitView, unlisted_line
from revtrace.analysis.explain import ExplainReport, Explanation
from revtrace.model.wording import plural
from revtrace.render import figures
from revtrace.render.columns import aligned
from revtrace.render.escape import visible as safe
from revtrace.values.fit import ASSUMPTIONS

#: The widest bar of the waterfall column, in characters.
BAR = 16
#: Metrics listed as not attributed before "and N more".
SHOWN = 8


def explain(console: Console, report: ExplainReport) -> None:
    """Each explained metric: its change, then a waterfall of contributions, biggest first,
    each with its owner and team, the unexplained rest, and what is not attributed."""
    for number, explanation in enumerate(report.explanations):
        if number:
            console.file.write("\n")
        console.file.write("\n".join(explanation_lines(report, explanation)) + "\n")
    if report.derived:
        console.file.write(
            f"Computed from their formulas (not in {safe(report.table.file)}): "
            f"{', '.join(safe(m) for m in report.derived)}.\n"
        )
    console.print(
        Text(
            "Contributions are the catalog's links applied to the change (exact log-point"
            " decomposition); they and the unexplained rest add up to the change.",
            style="dim",
        ),
        soft_wrap=True,
    )


def explanation_lines(report: ExplainReport, explanation: Explanation) -> list[str]:
    metrics = report.analysis.catalog.metrics
    name = safe(explanation.metric)
    head = f"{name}: {figures.value(explanation.before)} → {figures.value(explanation.after)}"
    if explanation.amount is not None:
        head += f", {figures.amount(explanation.amount)} ({figures.percent(explanation.pct)})"
    head += f" from {safe(report.start)} to {safe(report.end)}"
    if explanation.reason is not None:
        return [head, f"  not explained: {safe(explanation.reason)}"]
    total = explanation.amount or 0.0
    largest = max(
        [abs(c.amount) for c in explanation.contributions] + [abs(explanation.unexplained_amount)],
        default=0.0,
    )
    rows = []
    for c in explanation.contributions:
        metric = metrics[c.metric]
        rows.append(
            [
                figures.amount(c.amount),
                figures.share(c.share),
                _bar(c.amount, largest),
                safe(c.metric),
                safe(metric.owner or "—"),
                safe(metric.team or "—"),
                f"{figures.value(c.before)} → {figures.value(c.after)}",
                figures.percent(c.pct),
                figures.coefficient(c.leverage),
            ]
        )
    unexplained = explanation.unexplained_amount
    rows.append(
        [
            figures.amount(unexplained),
            figures.share(unexplained / total if total else None),
            _bar(unexplained, largest),
            "(unexplained)",
            "",
            "",
            _by_metric(explanation),
            "",
            "",
        ]
    )
    rows.append(
        [figures.amount(total), figures.share(1.0 if total else None), "", "(total change)"]
        + [""] * 5
    )
    heads = [
        "Contribution",
        "Share",
        "",
        "Metric",
        "Owner",
        "Team",
        "From → to",
        "Change",
        "Leverage",
    ]
    lines = [head, *aligned(heads, rows, {0, 1, 7, 8}, indent="  ")]
    for part in explanation.unexplained:
        if part.reasons:
            lines.append(f"  Unexplained in {safe(part.metric)}: {safe('; '.join(part.reasons))}")
    missing = explanation.not_attributed
    if missing:
        shown = "; ".join(f"{safe(m)} ({safe(why)})" for m, why in missing[:SHOWN])
        more = f"; and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
        lines.append(f"  Not attributed ({len(missing)}): {shown}{more}")
    if explanation.next_step is not None:
        lines.append(f"  Next: {safe(explanation.next_step)}.")
    return lines


def _bar(amount: float, largest: float) -> str:
    if largest <= 0.0 or amount == 0.0:
        return ""
    length = max(1, round(abs(amount) / largest * BAR))
    return ("+" if amount > 0 else "-") * length


def _by_metric(explanation: Explanation) -> str:
    parts = [
        f"{safe(u.metric)} {figures.amount(u.amount)}"
        for u in explanation.unexplained
        if figures.amount(u.amount) != "0.0"
    ]
    return ", ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")


def fit(console: Console, view: FitView) -> None:
    """Every link's verdict, what needs attention first; then the metrics with no path
    that move with revenue, and the assumptions."""
    table = view.report.table
    console.file.write(
        f"Links checked against {safe(table.file)}: {safe(view.report.first)} … "
        f"{safe(view.report.last)} ({plural(len(table.periods), 'period')}, "
        f"{table.granularity}s)\n"
    )
    rows = []
    for result in view.listed:
        link = result.link
        declared = (
            figures.coefficient(link.elasticity)
            if link.elasticity is not None
            else (link.sign or "—")
        )
        interval = (
            f"{result.interval[0]:+.2f} … {result.interval[1]:+.2f}"
            if result.interval is not None
            else ""
        )
        rows.append(
            [
                result.verdict,
                f"{safe(link.source)} → {safe(link.target)}",
                link.kind,
                declared if link.kind != "formula" else "identity",
                figures.coefficient(result.estimate) if result.estimate is not None else "",
                interval,
                str(result.periods) if result.periods else "",
                safe(result.detail or ""),
            ]
        )
    if rows:
        heads = ["Verdict", "Link", "Kind", "Declared", "Estimate", "95% interval", "Periods", ""]
        console.file.write("\n".join(aligned(heads, rows, {4, 5, 6}, indent="  ")) + "\n")
    elif not view.without_data:
        console.file.write("  No metric in the catalog has a driver: nothing to fit.\n")
    if view.without_data:
        console.file.write(f"  {safe(unlisted_line(view))}\n")
    counts = ", ".join(f"{n} {verdict}" for verdict, n in view.counts().items())
    if counts:
        console.file.write(f"{counts}.\n")
    for tracked in view.tracking:
        console.file.write(
            f"'{safe(tracked.metric)}' has no path to revenue, but its changes track "
            f"{safe(tracked.revenue)}'s (r = {tracked.correlation:+.2f} over {tracked.changes}"
            " changes): a missing link?\n"
        )
    console.print(Text(f"Assumptions: {ASSUMPTIONS}", style="dim"), soft_wrap=True)
