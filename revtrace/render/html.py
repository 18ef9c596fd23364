"""A self-contained HTML report: the lineage picture, the audit summary, the candidates
to drop, the team scorecard, why revenue moved (with a values file), and a search box.

One file, nothing fetched: no CDN, no web font, no external script. Every catalog string
is HTML-escaped; the data the script reads is JSON with `<`, `>` and `&` escaped, so a
metric named `</script><script>…` stays text. The picture (its data, its layout by elkjs
and its drawing) is `render/picture.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

from revtrace import __version__
from revtrace.analysis import AuditReport, Candidate, Scorecard
from revtrace.analysis.report import Report
from revtrace.model.catalog import Metric
from revtrace.model.findings import Finding
from revtrace.model.wording import NOT_YET
from revtrace.render import figures, picture
from revtrace.render.escape import html_text

STYLE = """
:root { color-scheme: light; --ink:#1d2939; --muted:#667085; --line:#98a2b3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f9fafb; }
header { padding: 16px 24px; background: #fff; border-bottom: 1px solid #eaecf0; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
header .files { flex: 1 1 0; min-width: 120px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
header .controls { display: flex; gap: 8px; align-items: center; }
h1 { font-size: 18px; margin: 0; } h2 { font-size: 16px; margin: 24px 0 8px; }
main { padding: 0 24px 40px; }
table.explain td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.explain td.bar { width: 30%; min-width: 120px; }
table.explain td.bar i { display: block; height: 12px; border-radius: 2px; }
table.explain td.bar i.up { background: #32d583; } table.explain td.bar i.down { background: #f97066; }
.counts { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.count { background: #fff; border: 1px solid #eaecf0; border-radius: 8px; padding: 8px 14px; }
.count b { display: block; font-size: 20px; }
.caveat, .warning { color: #b42318; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { border-bottom: 1px solid #eaecf0; padding: 6px 10px; text-align: left; vertical-align: top; }
th { font-size: 12px; color: var(--muted); text-transform: uppercase; }
input[type=search] { padding: 6px 10px; border: 1px solid #d0d5dd; border-radius: 6px; min-width: 280px; }
button { padding: 5px 10px; border: 1px solid #d0d5dd; border-radius: 6px; background: #fff; cursor: pointer; }
#status { color: var(--muted); }
"""


def report(view: Report) -> str:
    report, metrics = view.audit, view.metrics
    analysis = report.analysis
    catalog = analysis.catalog
    summary = report.summary()
    files = ", ".join(catalog.files)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>revtrace report · {html_text(files)}</title>",
        f"<style>{STYLE}{picture.asset('picture.css')}</style></head><body>",
        # The files' names take the room the controls leave, cut with an ellipsis (all of
        # them in the tooltip): a long list pushed the zoom buttons onto a line of their
        # own. The controls stay together, and wrap as one when the window is narrow.
        "<header><h1>revtrace report</h1>"
        f'<span class="files" title="{html_text(files)}">{html_text(files)}</span>',
        '<div class="controls">'
        '<input id="search" type="search" placeholder="Find a metric: its path to revenue lights up" aria-label="Find a metric">',
        '<button id="zoom-out" type="button" aria-label="Zoom out">&minus;</button>',
        '<button id="zoom-in" type="button" aria-label="Zoom in">+</button>',
        '<button id="zoom-fit" type="button" aria-label="Fit the picture to the window">fit</button>',
        # Shown by the picture's script when the metrics without a path are out of view.
        '<button id="to-off-path" type="button" hidden></button></div>',
        '<span id="status" aria-live="polite"></span></header><main>',
        '<div class="counts">'
        + "".join(
            f'<div class="count"><b>{value}</b>{html_text(label)}</div>'
            for label, value in _counts(report)
        )
        + "</div>",
        picture.LEGEND,
        '<div id="viewport"><div id="headings" aria-hidden="true"></div><svg id="lineage" xmlns="http://www.w3.org/2000/svg"'
        ' viewBox="0 0 10 10" role="img" aria-label="Lineage of every metric to revenue"></svg></div>',
        '<section id="details" hidden aria-live="polite"></section>',
        f'<p id="focus-note">{html_text(picture.focus_note(metrics, analysis.graph.distance))}</p>',
    ]
    if report.selection is not None:
        selectors = " ".join(report.selection.selectors)
        out.insert(
            -3,
            f"<p>{summary.metrics} of {summary.catalog_metrics} metrics selected"
            f" ({html_text(selectors)}).</p>",
        )
    if report.has_errors:
        # Under the counts, where a reader looks first: the verdicts depend on it.
        out.insert(
            -2,
            '<p class="warning"><b>The catalog has errors</b>: the verdicts below may be their'
            " consequence and are incomplete until they are fixed."
            + (f" {html_text(report.errors_not_listed)}" if report.errors_not_listed else "")
            + "</p>",
        )
    out += _findings_table("Errors: fix these first", report.errors)
    out += _explain_section(view)
    out += _candidates_table(report)
    out += _kept_table(report)
    out += _scorecard_table(view.scorecard)
    out += _other_findings(report)
    out.append(f'<p style="color:#667085">Generated by revtrace {__version__}.</p></main>')
    out.append(
        '<script type="application/json" id="revtrace-picture">'
        f"{picture.picture_data(report, metrics)}</script>"
    )
    out.append(f"<script>{picture.elk_script()}</script>")
    out.append(f"<script>{picture.asset('picture.js')}</script></body></html>")
    return "\n".join(out) + "\n"


def _counts(report: AuditReport) -> list[tuple[str, int]]:
    """The cards above the picture. Those without a path are split as the tables below
    are: a card saying '7 no path' over a table of 4 candidates to drop read as 3 missing
    (views of revenue and kept ones); and those whose RT001 this run leaves out have a
    card of their own, so that '0 candidates to drop' never hides one."""
    summary = report.summary()
    return [
        ("metrics", summary.metrics),
        ("revenue metrics", summary.revenue_metrics),
        ("reach revenue", summary.reaching_revenue),
        ("candidates to drop", len(report.candidates)),
        *[("no path, not listed", report.unlisted)] * bool(report.unlisted),
        *[("views of revenue", summary.views)] * bool(summary.views),
        *[("kept by exception", summary.kept)] * bool(summary.kept),
        ("errors", summary.errors),
        ("warnings", summary.warnings),
    ]


def _explain_section(view: Report) -> list[str]:
    """Why revenue moved over the last two periods of the values file: each metric's
    contribution as a bar, biggest first, with its owner and team."""
    if view.explain_error is not None:
        return [f"<h2>Why revenue moved</h2><p>{html_text(view.explain_error)}</p>"]
    if view.explain is None:
        return []
    explained = view.explain
    metrics = explained.analysis.catalog.metrics
    out = [f"<h2>Why revenue moved, {html_text(explained.start)} → {html_text(explained.end)}</h2>"]
    for e in explained.explanations:
        head = f"{figures.value(e.before)} → {figures.value(e.after)}"
        if e.amount is not None:
            head += f" ({figures.amount(e.amount)}, {figures.percent(e.pct)})"
        shown = metrics[e.metric].label if e.metric in metrics else e.metric
        out.append(f"<h3>{html_text(shown)}: {html_text(head)}</h3>")
        if e.reason is not None:
            out.append(f"<p>Not explained: {html_text(e.reason)}</p>")
            continue
        rows = [(c.metric, c.amount, c.share) for c in e.contributions]
        total = e.amount or 0.0
        rest = e.unexplained_amount
        rows.append(("(unexplained)", rest, rest / total if total else None))
        largest = max((abs(amount) for _, amount, _ in rows), default=0.0) or 1.0
        out.append(
            '<table class="explain"><tr><th>Contribution</th><th>Share</th><th></th>'
            "<th>Metric</th><th>Owner</th><th>Team</th></tr>"
        )
        for metric_id, amount, share in rows:
            metric = metrics.get(metric_id)
            width = round(abs(amount) / largest * 100)
            side = "up" if amount >= 0 else "down"
            out.append(
                f'<tr><td class="num">{figures.amount(amount)}</td>'
                f'<td class="num">{figures.share(share)}</td>'
                f'<td class="bar"><i class="{side}" style="width:{width}%"></i></td>'
                f"<td>{_metric_cell(metric_id, metric)}</td>"
                f"<td>{html_text((metric.owner if metric else None) or '')}</td>"
                f"<td>{html_text((metric.team if metric else None) or '')}</td></tr>"
            )
        out.append("</table>")
        if e.not_attributed:
            listed = "; ".join(f"{m} ({why})" for m, why in e.not_attributed[:20])
            out.append(f"<p>Not attributed: {html_text(listed)}</p>")
        if e.next_step is not None:
            out.append(f"<p>Next: {html_text(e.next_step)}.</p>")
    out.append(
        '<p style="color:#667085">Contributions are the catalog\'s links applied to the change'
        " (an exact log-point decomposition: they and the unexplained rest add up to the"
        " change). Correlational evidence for the links: <code>revtrace fit</code>.</p>"
    )
    return out


def _metric_cell(metric_id: str, metric: Metric | None) -> str:
    """A metric as the report's tables show it: its id in bold, its name under it."""
    if metric is None:
        return html_text(metric_id)
    name = f"<br>{html_text(metric.name)}" if metric.name != metric.id else ""
    return f"<b>{html_text(metric_id)}</b>{name}"


def _candidates_table(report: AuditReport) -> list[str]:
    out: list[str] = []
    candidates = report.candidates
    out.append(f"<h2>Candidates to drop ({len(candidates)})</h2>")
    if report.unlisted_line is not None:
        out.append(f'<p class="warning">{html_text(report.unlisted_line)}</p>')
    if candidates:
        out.append(
            "<table><tr><th>Metric</th><th>Owner</th><th>Team</th><th>Why</th><th>Where</th></tr>"
        )
        for candidate in candidates:
            metric, finding = candidate.metric, candidate.finding
            out.append(
                "<tr>"
                f"<td>{_metric_cell(candidate.id, metric)}</td>"
                f"<td>{html_text((metric.owner if metric else None) or '—')}</td>"
                f"<td>{html_text((metric.team if metric else None) or '—')}</td>"
                f"<td>{html_text(candidate.reason)}{_caveats(candidate)}</td>"
                f"<td>{html_text(str(finding.location) if finding.location else '')}</td></tr>"
            )
        out.append("</table>")
    elif report.every_metric_traces:
        out.append(f"<p>{html_text(report.all_traced_line)}</p>")
    elif report.untraceable:
        out.append(f'<p class="warning">{html_text(NOT_YET)}</p>')
    return out


def _scorecard_table(card: Scorecard) -> list[str]:
    rows = card.rows
    out: list[str] = []
    out.append(f"<h2>{html_text(card.title)}</h2>")
    out.append(
        f"<table><tr><th>{html_text(card.by.capitalize())}</th><th>Metrics</th><th>Traced</th>"
        "<th>Share</th><th>Median distance</th><th>Candidates to drop</th></tr>"
    )
    for row in rows:
        median = "—" if row.median_distance is None else f"{row.median_distance:g}"
        out.append(
            f"<tr><td>{html_text(row.label)}</td><td>{row.metrics}</td><td>{row.traced}</td>"
            f"<td>{row.share:.0%}</td><td>{median}</td>"
            f"<td>{html_text(', '.join(row.candidates)) or '—'}</td></tr>"
        )
    out.append("</table>")
    return out


def _caveats(candidate: Candidate) -> str:
    return "".join(
        f'<br><span class="caveat">maybe a consequence of the error at'
        f" {html_text(str(caveat.location))} ({caveat.code} {caveat.rule}): fix it first</span>"
        for caveat in candidate.caveats
    ) + "".join(
        f'<br><span class="caveat">before dropping it: {html_text(e.message)}</span>'
        for e in candidate.evidence
    )


def _other_findings(report: AuditReport) -> list[str]:
    """The other findings, and a line for those the candidates' rows say already."""
    out = _findings_table("Other findings", report.other_findings)
    if report.said_line is not None:
        out.append(f"<p>{html_text(report.said_line)}</p>")
    return out


def _findings_table(title: str, findings: Sequence[Finding]) -> list[str]:
    out: list[str] = []
    if findings:
        out.append(f"<h2>{html_text(title)} ({len(findings)})</h2><table>")
        out.append("<tr><th>Rule</th><th>Severity</th><th>Message</th><th>Where</th></tr>")
        for finding in findings:
            out.append(
                f"<tr><td>{finding.code} {finding.rule}</td><td>{finding.severity}</td>"
                f"<td>{html_text(finding.message)}</td>"
                f"<td>{html_text(str(finding.location) if finding.location else '')}</td></tr>"
            )
        out.append("</table>")
    return out


def _kept_table(report: AuditReport) -> list[str]:
    kept = [
        m
        for m in report.analysis.catalog.metrics.values()
        if m.id in report.metrics and report.analysis.is_kept(m.id) and m.keep is not None
    ]
    if not kept:
        return []
    out = [f"<h2>Kept by exception ({len(kept)})</h2>"]
    out.append("<table><tr><th>Metric</th><th>Why</th><th>Until</th><th>Decided by</th></tr>")
    for metric in kept:
        keep = metric.keep
        assert keep is not None
        until = keep.until.isoformat() if keep.until else "—"
        out.append(
            f"<tr><td><b>{html_text(metric.id)}</b><br>{html_text(metric.name)}</td>"
            f"<td>{html_text(keep.reason or '—')}</td><td>{until}</td>"
            f"<td>{html_text(keep.by or '—')}</td></tr>"
        )
    out.append("</table>")
    return out
