"""A self-contained HTML report: the lineage picture as inline SVG, laid out by revtrace,
the audit summary, the candidates to drop, the team scorecard, and a search box.

One file, nothing fetched: no CDN, no web font, no external script. Every catalog string
is HTML-escaped; the data the script reads is JSON with `<`, `>` and `&` escaped, so a
metric named `</script><script>…` stays text.

Layout: revenue metrics in the right-most column, every other metric in a column by its
distance to revenue (one column per link), metrics with no path in a column of their own
on the left. Within a column, metrics are ordered by the average position of what they
drive (a barycenter pass), which keeps most links from crossing; links are curves from
the right edge of a box to the left edge of the next, so they never cross a box's text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from revtrace import __version__
from revtrace.analysis import AuditReport, Candidate, GraphView, ScoreRow
from revtrace.analysis.report import Report
from revtrace.model.catalog import DERIVATIONS
from revtrace.model.findings import Finding
from revtrace.render import figures
from revtrace.render.escape import html_text, visible

BOX_WIDTH = 200
BOX_HEIGHT = 30
ROW_GAP = 10
COLUMN_GAP = 90
MARGIN = 20
LABEL_CHARACTERS = 28


def _layout(
    report: AuditReport, metrics: Sequence[str]
) -> tuple[dict[str, tuple[int, int]], int, int]:
    """(x, y) of each metric's box, and the picture's width and height."""
    graph = report.analysis.graph
    chosen = set(metrics)
    farthest = max((graph.distance[m] for m in metrics if m in graph.distance), default=0)
    has_unlinked = any(m not in graph.distance for m in metrics)
    columns: dict[int, list[str]] = {}
    for metric in metrics:
        # Column 0 holds metrics without a path; then distance farthest … 0 (revenue).
        distance = graph.distance.get(metric)
        column = 0 if distance is None else (farthest - distance) + (1 if has_unlinked else 0)
        columns.setdefault(column, []).append(metric)
    # Barycenter ordering, from the revenue side leftwards: each metric sits near the
    # average position of the metrics it drives in the column to its right.
    position: dict[str, float] = {}
    last = max(columns, default=0)  # once: a 100,000-link chain has 100,000 columns
    for column in sorted(columns, reverse=True):
        members = columns[column]
        if column < last:

            def weight(metric: str, members: list[str] = members) -> float:
                targets = [
                    position[t] for t in graph.successors(metric) if t in position and t in chosen
                ]
                return sum(targets) / len(targets) if targets else float(len(members))

            members.sort(key=weight)
        for index, metric in enumerate(members):
            position[metric] = float(index)
    coordinates = {}
    for column, members in columns.items():
        for index, metric in enumerate(members):
            x = MARGIN + column * (BOX_WIDTH + COLUMN_GAP)
            y = MARGIN + 24 + index * (BOX_HEIGHT + ROW_GAP)
            coordinates[metric] = (x, y)
    width = MARGIN * 2 + (max(columns, default=0) + 1) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP
    tallest = max((len(m) for m in columns.values()), default=1)
    height = MARGIN * 2 + 24 + tallest * (BOX_HEIGHT + ROW_GAP)
    return coordinates, width, height


def _svg(report: AuditReport, metrics: Sequence[str]) -> str:
    analysis = report.analysis
    graph = analysis.graph
    catalog = analysis.catalog
    coordinates, width, height = _layout(report, metrics)
    index = {metric: number for number, metric in enumerate(metrics)}
    view = GraphView(analysis, metrics)
    parts = [
        f'<svg id="lineage" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="Lineage of every metric to revenue">'
    ]
    # Column headings.
    headings: dict[int, str] = {}
    for metric, (x, _) in coordinates.items():
        distance = graph.distance.get(metric)
        if distance is None:
            headings[x] = "no path to revenue"
        elif distance == 0:
            headings[x] = "revenue"
        else:
            headings[x] = f"{distance} link{'s' if distance > 1 else ''} from revenue"
    for x, heading in sorted(headings.items()):
        parts.append(f'<text class="heading" x="{x}" y="{MARGIN + 10}">{html_text(heading)}</text>')
    parts.append('<g class="links">')
    for metric in metrics:
        for target in graph.successors(metric):
            if target not in coordinates:
                continue
            path = _link_path(coordinates[metric], coordinates[target])
            css = "link cycle" if graph.in_cycle(metric, target) else "link"
            link = graph.link_between(metric, target)
            kind = link.kind if link is not None else "drives"
            if kind in DERIVATIONS:
                css += " derived"
            evidence = []
            if link is not None and link.elasticity is not None:
                evidence.append(f"elasticity {link.elasticity:g}")
            elif link is not None and link.sign is not None:
                evidence.append(link.sign)
            title = html_text(f"{metric} → {target} ({', '.join([kind, *evidence])})")
            parts.append(
                f'<path class="{css}" d="{path}" data-s="{index[metric]}" data-t="{index[target]}"'
                f' data-kind="{kind}"><title>{title}</title></path>'
            )
    parts.append('</g><g class="nodes">')
    for metric_id in metrics:
        entry = catalog.metrics[metric_id]
        x, y = coordinates[metric_id]
        status = view.status(metric_id)
        kind = _NODE_CLASS[status]
        label = entry.name
        if len(label) > LABEL_CHARACTERS:
            label = label[: LABEL_CHARACTERS - 1] + "…"
        title = f"{entry.name} ({entry.id})" + (f" · owner {entry.owner}" if entry.owner else "")
        parts.append(
            f'<g class="node {kind}" id="n{index[metric_id]}" data-metric="{html_text(metric_id)}"'
            f' data-status="{status}" transform="translate({x},{y})">'
            f"<title>{html_text(title)}</title>"
            f'<rect width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6"/>'
            f'<text x="10" y="{BOX_HEIGHT / 2 + 4:.0f}">{html_text(label)}</text></g>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


#: A metric's status in the picture → the CSS class of its box.
_NODE_CLASS = {
    "revenue": "revenue",
    "no-path": "nopath",
    "kept": "kept",
    "view": "view",
    "deprecated": "deprecated",
    "reaches": "plain",
}


def _link_path(source: tuple[int, int], target: tuple[int, int]) -> str:
    """An SVG path from the right edge of the source's box to the left edge of the target's."""
    (x1, y1), (x2, y2) = source, target
    start_x, start_y = x1 + BOX_WIDTH, y1 + BOX_HEIGHT / 2
    end_x, end_y = x2, y2 + BOX_HEIGHT / 2
    bend = max(40.0, abs(end_x - start_x) / 2)
    if end_x == x1:
        # Within one column (metrics without a path): a bracket on the right side.
        return (
            f"M{start_x:.0f},{start_y:.0f} C{start_x + 45:.0f},{start_y:.0f}"
            f" {start_x + 45:.0f},{end_y:.0f} {start_x:.0f},{end_y:.0f}"
        )
    if end_x < x1:
        # Back toward the left (a loop): an arc above the boxes.
        return (
            f"M{start_x:.0f},{start_y:.0f} C{start_x + 60:.0f},{start_y - 60:.0f}"
            f" {end_x - 60:.0f},{end_y - 60:.0f} {end_x:.0f},{end_y:.0f}"
        )
    return (
        f"M{start_x:.0f},{start_y:.0f} C{start_x + bend:.0f},{start_y:.0f}"
        f" {end_x - bend:.0f},{end_y:.0f} {end_x:.0f},{end_y:.0f}"
    )


def _data(report: AuditReport, metrics: Sequence[str]) -> str:
    graph = report.analysis.graph
    catalog = report.analysis.catalog
    index = {metric: number for number, metric in enumerate(metrics)}
    rows: list[dict[str, Any]] = []
    for metric_id in metrics:
        metric = catalog.metrics[metric_id]
        following = graph.next_hop.get(metric_id)
        rows.append(
            {
                # Shown by the script as text: control and bidi characters as escapes.
                "id": visible(metric.id),
                "name": visible(metric.name),
                "next": index.get(following) if following is not None else None,
            }
        )
    text = json.dumps({"metrics": rows}, ensure_ascii=False, separators=(",", ":"))
    # Inside <script>, "</script>" or "<!--" in a name would end or change the element.
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


STYLE = """
:root { color-scheme: light; --ink:#1d2939; --muted:#667085; --line:#98a2b3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f9fafb; }
header { padding: 16px 24px; background: #fff; border-bottom: 1px solid #eaecf0; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
h1 { font-size: 18px; margin: 0; } h2 { font-size: 16px; margin: 24px 0 8px; }
main { padding: 0 24px 40px; }
table.explain td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.explain td.bar { width: 30%; min-width: 120px; }
table.explain td.bar i { display: block; height: 12px; border-radius: 2px; }
table.explain td.bar i.up { background: #32d583; } table.explain td.bar i.down { background: #f97066; }
.counts { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.count { background: #fff; border: 1px solid #eaecf0; border-radius: 8px; padding: 8px 14px; }
.count b { display: block; font-size: 20px; }
#viewport { overflow: auto; background: #fff; border: 1px solid #eaecf0; border-radius: 8px; max-height: 75vh; }
#lineage { display: block; transform-origin: 0 0; }
.heading { font-size: 12px; fill: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.node rect { fill: #fff; stroke: var(--line); }
.node text { font-size: 12px; fill: var(--ink); pointer-events: none; }
.node.revenue rect { fill: #d1fadf; stroke: #12b76a; stroke-width: 2; }
.node.nopath rect { fill: #fef0c7; stroke: #f79009; }
.node.deprecated rect { fill: #f2f4f7; stroke-dasharray: 4 3; }
.node.kept rect { fill: #f4f3ff; stroke: #7a5af8; }
.link.derived { stroke-dasharray: 2 3; }
.node.view rect { fill: #ecfdf3; stroke: #12b76a; stroke-dasharray: 2 2; }
.caveat, .warning { color: #b42318; }
.link { fill: none; stroke: #d0d5dd; stroke-width: 1.2; }
.link.cycle { stroke: #f04438; stroke-dasharray: 5 4; }
.dim .node, .dim .link { opacity: .18; }
.dim .node.on, .dim .link.on { opacity: 1; }
.node.on rect { stroke: #1570ef; stroke-width: 3; }
.link.on { stroke: #1570ef; stroke-width: 2.5; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { border-bottom: 1px solid #eaecf0; padding: 6px 10px; text-align: left; vertical-align: top; }
th { font-size: 12px; color: var(--muted); text-transform: uppercase; }
input[type=search] { padding: 6px 10px; border: 1px solid #d0d5dd; border-radius: 6px; min-width: 280px; }
button { padding: 5px 10px; border: 1px solid #d0d5dd; border-radius: 6px; background: #fff; cursor: pointer; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -1px; margin-right: 4px; border: 1px solid var(--line); }
#status { color: var(--muted); }
"""

SCRIPT = """
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); document.body.dataset.errors = errors.length; });
  var original = console.error;
  console.error = function () { errors.push(Array.prototype.join.call(arguments, ' ')); document.body.dataset.errors = errors.length; original.apply(console, arguments); };
  var data = JSON.parse(document.getElementById('revtrace-data').textContent);
  var svg = document.getElementById('lineage');
  var viewport = document.getElementById('viewport');
  var status = document.getElementById('status');
  var scale = 1;
  function zoom(factor) {
    scale = Math.min(4, Math.max(0.2, scale * factor));
    svg.style.width = (svg.viewBox.baseVal.width * scale) + 'px';
    svg.style.height = (svg.viewBox.baseVal.height * scale) + 'px';
  }
  document.getElementById('zoom-in').addEventListener('click', function () { zoom(1.25); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(0.8); });
  function clear() {
    svg.classList.remove('dim');
    Array.prototype.forEach.call(svg.querySelectorAll('.on'), function (el) { el.classList.remove('on'); });
  }
  function highlight(index) {
    clear();
    svg.classList.add('dim');
    var path = [];
    for (var i = index, guard = 0; i !== null && i !== undefined && guard <= data.metrics.length; guard++) {
      path.push(i); i = data.metrics[i].next;
    }
    path.forEach(function (i, k) {
      var node = document.getElementById('n' + i);
      if (node) node.classList.add('on');
      if (k + 1 < path.length) {
        var link = svg.querySelector('.link[data-s="' + i + '"][data-t="' + path[k + 1] + '"]');
        if (link) link.classList.add('on');
      }
    });
    var first = document.getElementById('n' + index);
    if (first && first.scrollIntoView) first.scrollIntoView({block: 'center', inline: 'center'});
    var m = data.metrics[index];
    status.textContent = m.id + (path.length > 1 ? ': ' + (path.length - 1) + ' link(s) to revenue' : (m.next === null && path.length === 1 ? '' : ''));
    return path;
  }
  document.getElementById('search').addEventListener('input', function (e) {
    var query = e.target.value.trim().toLowerCase();
    if (!query) { clear(); status.textContent = ''; return; }
    for (var i = 0; i < data.metrics.length; i++) {
      var m = data.metrics[i];
      if (m.id.toLowerCase().indexOf(query) >= 0 || m.name.toLowerCase().indexOf(query) >= 0) { highlight(i); return; }
    }
    clear(); status.textContent = 'no metric matches';
  });
  window.revtraceHighlight = highlight;
  // Fit a wide picture to the window at first; + and - zoom from there.
  var fit = viewport.clientWidth / svg.viewBox.baseVal.width;
  if (fit < 1) zoom(Math.max(0.5, fit));
  // report.html#metric_id opens with that metric's path to revenue lit up.
  if (location.hash.length > 1) {
    var wanted = decodeURIComponent(location.hash.slice(1));
    for (var j = 0; j < data.metrics.length; j++) {
      if (data.metrics[j].id === wanted) { document.getElementById('search').value = wanted; highlight(j); break; }
    }
  }
  document.body.dataset.ready = '1';
})();
"""


def report(view: Report) -> str:
    report, rows, metrics = view.audit, view.scorecard.rows, view.metrics
    analysis = report.analysis
    catalog = analysis.catalog
    summary = report.summary()
    files = ", ".join(catalog.files)
    counts = [
        ("metrics", summary.metrics),
        ("revenue metrics", summary.revenue_metrics),
        ("reach revenue", summary.reaching_revenue),
        ("no path", summary.no_path),
        ("errors", summary.errors),
        ("warnings", summary.warnings),
    ]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>revtrace report · {html_text(files)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<header><h1>revtrace report</h1><span>{html_text(files)}</span>",
        '<input id="search" type="search" placeholder="Find a metric: its path to revenue lights up" aria-label="Find a metric">',
        '<button id="zoom-out" type="button" aria-label="Zoom out">&minus;</button>',
        '<button id="zoom-in" type="button" aria-label="Zoom in">+</button>',
        '<span id="status" aria-live="polite"></span></header><main>',
        '<div class="counts">'
        + "".join(
            f'<div class="count"><b>{value}</b>{html_text(label)}</div>' for label, value in counts
        )
        + "</div>",
        '<p class="legend"><span><i class="swatch" style="background:#d1fadf"></i>revenue metric</span>'
        '<span><i class="swatch" style="background:#fef0c7"></i>no path to revenue</span>'
        '<span><i class="swatch" style="background:#f4f3ff"></i>kept by exception</span>'
        '<span><i class="swatch" style="background:#ecfdf3"></i>view of revenue</span>'
        '<span><i class="swatch" style="background:#f2f4f7"></i>deprecated</span>'
        '<span><i class="swatch" style="background:#fff;border-color:#f04438"></i>link in a loop (dashed)</span></p>',
        f'<div id="viewport">{_svg(report, metrics)}</div>',
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
            " consequence and are incomplete until they are fixed.</p>",
        )
    out += _findings_table("Errors: fix these first", report.errors)
    out += _explain_section(view)
    out += _candidates_table(report)
    out += _kept_table(report)
    out += _scorecard_table(rows)
    out += _findings_table("Other findings", report.other_findings)
    out.append(f'<p style="color:#667085">Generated by revtrace {__version__}.</p></main>')
    out.append(
        f'<script type="application/json" id="revtrace-data">{_data(report, metrics)}</script>'
    )
    out.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(out) + "\n"


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
        out.append(f"<h3>{html_text(e.metric)}: {html_text(head)}</h3>")
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
                f"<td>{html_text(metric_id)}</td>"
                f"<td>{html_text((metric.owner if metric else None) or '')}</td>"
                f"<td>{html_text((metric.team if metric else None) or '')}</td></tr>"
            )
        out.append("</table>")
        if e.not_attributed:
            listed = "; ".join(f"{m} ({why})" for m, why in e.not_attributed[:20])
            out.append(f"<p>Not attributed: {html_text(listed)}</p>")
    out.append(
        '<p style="color:#667085">Contributions are the catalog\'s links applied to the change'
        " (an exact log-point decomposition: they and the unexplained rest add up to the"
        " change). Correlational evidence for the links: <code>revtrace fit</code>.</p>"
    )
    return out


def _candidates_table(report: AuditReport) -> list[str]:
    out: list[str] = []
    candidates = report.candidates
    out.append(f"<h2>Candidates to drop ({len(candidates)})</h2>")
    if candidates:
        out.append(
            "<table><tr><th>Metric</th><th>Owner</th><th>Team</th><th>Why</th><th>Where</th></tr>"
        )
        for candidate in candidates:
            metric, finding = candidate.metric, candidate.finding
            out.append(
                "<tr>"
                f"<td><b>{html_text(candidate.id)}</b><br>{html_text(metric.name if metric else '')}</td>"
                f"<td>{html_text((metric.owner if metric else None) or '—')}</td>"
                f"<td>{html_text((metric.team if metric else None) or '—')}</td>"
                f"<td>{html_text(candidate.reason)}{_caveats(candidate)}</td>"
                f"<td>{html_text(str(finding.location) if finding.location else '')}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p>Every metric traces to revenue.</p>")
    return out


def _scorecard_table(rows: Sequence[ScoreRow]) -> list[str]:
    out: list[str] = []
    out.append("<h2>Scorecard by team, worst first</h2>")
    out.append(
        "<table><tr><th>Team</th><th>Metrics</th><th>Reach revenue</th><th>Share</th>"
        "<th>Median distance</th><th>Candidates to drop</th></tr>"
    )
    for row in rows:
        median = "—" if row.median_distance is None else f"{row.median_distance:g}"
        out.append(
            f"<tr><td>{html_text(row.key)}</td><td>{row.metrics}</td><td>{row.reaching}</td>"
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
