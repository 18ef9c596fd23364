"""The revenue leverage table (`revtrace impact`) in text, JSON and Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.graph.leverage import ImpactReport, MetricImpact
from revtrace.render.escape import markdown_cell, visible
from revtrace.render.json import dumps

WhatIf = Mapping[str, tuple[float, float | None]]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


def _ranked(report: ImpactReport, top: int | None) -> list[MetricImpact]:
    ranked = [m for m in report.metrics if m.id not in report.revenue_metrics]
    return ranked[:top] if top else ranked


#: Above this many rows, even a terminal gets the plain table: rich lays out a table
#: row by row (about 0.6 ms each), and nobody scrolls through thousands of boxed rows.
MAX_RICH_ROWS = 500


def text(
    console: Console,
    report: ImpactReport,
    graph: RevenueGraph,
    top: int | None,
    what_if: WhatIf | None,
) -> None:
    title = "Revenue leverage: % change in revenue for a 1% change in the metric"
    heads = ["Metric", "Owner", "Team", *(f"→ {visible(r)}" for r in report.revenue_metrics)]
    heads += ["Total", "Quantified", "Weakest link"]
    numbers = range(3, 4 + len(report.revenue_metrics))
    rows = []
    for impact in _ranked(report, top):
        metric = graph.catalog.metrics[impact.id]
        rows.append(
            [
                visible(impact.id),
                visible(metric.owner or "—"),
                visible(metric.team or "—"),
                *[
                    _number(impact.effects.get(r)) if impact.total is not None else "—"
                    for r in report.revenue_metrics
                ],
                _number(impact.total),
                impact.quantified,
                impact.confidence or "—",
            ]
        )
    if console.is_terminal and len(rows) <= MAX_RICH_ROWS:
        table = Table(title=title, title_justify="left")
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
        console.print(table)
    else:
        # Piped, redirected or long: aligned columns at full width, nothing folded or
        # cut, one line per metric (for files, grep and diff).
        widths = [max(len(cell) for cell in column) for column in zip(heads, *rows, strict=True)]
        lines = [title]
        for row in [heads, *rows]:
            padded = [
                cell.rjust(width) if index in numbers else cell.ljust(width)
                for index, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(padded).rstrip())
        console.file.write("\n".join(lines) + "\n")
    if len(report.revenue_metrics) > 1:
        weights = ", ".join(f"{visible(r)} {w:.0%}" for r, w in report.weights.items())
        console.print(
            Text(f"Total = weighted by revenue metric: {weights}.", style="dim"), soft_wrap=True
        )
    for loop in report.divergent:
        console.print(
            Text(
                f"Divergent loop {' → '.join(visible(m) for m in loop.loop)} (gain {loop.gain:g}): its metrics have no finite effect.",
                style="red",
            ),
            soft_wrap=True,
        )
    if what_if:
        console.print()
        console.print(Text("What if: first-order predicted change", style="bold"))
        for revenue, (percent, amount) in what_if.items():
            line = Text(f"  {visible(revenue)}: {percent:+.3g}%")
            if amount is not None:
                line.append(f"  ({amount:+,.0f} per period)")
            console.print(line, soft_wrap=True)


def json(report: ImpactReport, top: int | None, what_if: WhatIf | None) -> str:
    document: dict[str, object] = {
        "revenue_metrics": report.revenue_metrics,
        "weights": report.weights,
        "metrics": [
            {
                "id": m.id,
                "effects": m.effects,
                "total": m.total,
                "quantified": m.quantified,
                "confidence": m.confidence,
            }
            for m in _ranked(report, top)
        ],
        "divergent_loops": [
            {"members": list(loop.members), "loop": list(loop.loop), "gain": loop.gain}
            for loop in report.divergent
        ],
    }
    if what_if:
        document["what_if"] = {
            revenue: {"percent": percent, "amount": amount}
            for revenue, (percent, amount) in what_if.items()
        }
    return dumps(document)


def markdown(
    report: ImpactReport, graph: RevenueGraph, top: int | None, what_if: WhatIf | None
) -> str:
    heads = " | ".join(f"→ {markdown_cell(r)}" for r in report.revenue_metrics)
    out = [
        "### Revenue leverage\n",
        f"| metric | owner | team | {heads} | total | quantified | weakest link |",
        "|---|---|---|" + "---:|" * len(report.revenue_metrics) + "---:|---|---|",
    ]
    for impact in _ranked(report, top):
        metric = graph.catalog.metrics[impact.id]
        effects = " | ".join(
            _number(impact.effects.get(r)) if impact.total is not None else "—"
            for r in report.revenue_metrics
        )
        out.append(
            f"| {markdown_cell(impact.id)} | {markdown_cell(metric.owner or '—')} | {markdown_cell(metric.team or '—')}"
            f" | {effects} | {_number(impact.total)} | {impact.quantified} | {impact.confidence or '—'} |"
        )
    if what_if:
        out.append("\n**What if** (first order):\n")
        for revenue, (percent, amount) in what_if.items():
            money = f" ({amount:+,.0f} per period)" if amount is not None else ""
            out.append(f"- {markdown_cell(revenue)}: {percent:+.3g}%{money}")
    return "\n".join(out) + "\n"
