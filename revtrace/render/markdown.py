"""Markdown for a pull-request comment: the counts, the candidates to drop with owner and
reason, the other findings, and a Mermaid picture of the metrics concerned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from revtrace.analysis import (
    AuditReport,
    CatalogChange,
    DiffReport,
    GraphView,
    ImpactView,
    Scorecard,
)
from revtrace.analysis.policy import RuleDocs
from revtrace.model.findings import Finding, Rule
from revtrace.render import figures, json, mermaid
from revtrace.render.escape import markdown_cell, markdown_text

#: The lineage snippet stays small enough to read in a comment.
MAX_DIAGRAM_METRICS = 40
#: GitHub refuses a comment longer than 65,536 characters. The tables' rows stop within
#: this many, which leaves room for the counts, the headings and the diagram (40 metrics,
#: at most about 18,000 characters with 200-character ids); what is left out is counted.
TABLE_CHARACTERS = 40_000


class _Room:
    """What is left of TABLE_CHARACTERS, shared by the tables in order of importance."""

    def __init__(self) -> None:
        self.left = TABLE_CHARACTERS

    def take(self, lines: Sequence[str]) -> int:
        """How many of `lines`, from the first, fit; the room they take is spent."""
        count = 0
        for line in lines:
            if len(line) + 1 > self.left:
                break
            self.left -= len(line) + 1
            count += 1
        return count

    def table(self, header: Sequence[str], rows: Sequence[str], noun: str) -> list[str]:
        """The header and the rows that fit (no header when none does), then a line
        counting the rest."""
        shown = self.take(rows)
        out = [*header, *rows[:shown]] if shown else []
        return out + _left_out(len(rows) - shown, noun)

    def bullets(self, lines: Sequence[str], noun: str) -> list[str]:
        shown = self.take(lines)
        return [*lines[:shown], *_left_out(len(lines) - shown, noun)]

    def inline(self, label: str, items: Sequence[str]) -> str:
        """`- label: a, b, …` with the items that fit, and how many did not."""
        shown = self.take(items)
        if not shown:
            return f"- {label}: {len(items)} (no room left to list them)"
        more = f", … and {len(items) - shown} more" if shown < len(items) else ""
        return f"- {label}: " + ", ".join(items[:shown]) + more


def _left_out(count: int, noun: str) -> list[str]:
    if not count:
        return []
    return [
        "",
        f"… and {count} more {noun}, not shown: a pull-request comment holds 65,536"
        " characters. `revtrace audit` (or `diff`) lists them all.",
    ]


if TYPE_CHECKING:
    from revtrace.analysis.evidence import FitView
    from revtrace.analysis.explain import ExplainReport


def audit(report: AuditReport) -> str:
    catalog = report.analysis.catalog
    summary = report.summary()
    out: list[str] = []
    # Not a tick over a catalog with errors, even when none is reported (not new since
    # the revision, or baselined): its verdicts are incomplete, as the line below says.
    clean = not (summary.errors or summary.warnings or report.has_errors)
    status = "✅" if clean else "⚠️"
    out.append(f"### {status} revtrace audit\n")
    if report.selection is not None:
        selectors = markdown_text(" ".join(report.selection.selectors))
        out.append(
            f"{summary.metrics} of {summary.catalog_metrics} metrics selected ({selectors}).\n"
        )
    # The metrics without a path, split as the report's counts are: 'no path 3, kept 1'
    # read as 2 candidates where the other 2 were views of revenue.
    out.append(
        "| metrics | revenue metrics | reach revenue | no path | kept | views of revenue"
        " | errors | warnings | infos |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    out.append(
        f"| {summary.metrics} | {summary.revenue_metrics} | {summary.reaching_revenue} "
        f"| {summary.no_path} | {summary.kept} | {summary.views} | {summary.errors} "
        f"| {summary.warnings} | {summary.infos} |\n"
    )
    if report.has_errors:
        out.append(
            "> **The catalog has errors**: the verdicts below may be their consequence and are"
            " incomplete until they are fixed."
            + (f" {markdown_text(report.errors_not_listed)}" if report.errors_not_listed else "")
            + "\n"
        )
    room = _Room()
    if report.since is not None and report.change is not None:
        title = f"Changes since {markdown_text(report.since)}"
        out.extend(change_section(report.change, title, room))
    out += _findings_table("Errors: fix these first", report.errors, room)
    out += _candidates_table(report, room)
    if report.unlisted_line is not None:
        out.append(markdown_text(report.unlisted_line) + "\n")
    out += _findings_table("Other findings", report.other_findings, room)
    if report.said_line is not None:
        out.append(markdown_text(report.said_line) + "\n")
    if report.not_new:
        out.append(markdown_text(report.not_new_line) + "\n")
    if report.baselined:
        out.append(f"{report.baselined} known findings are accepted by the baseline.\n")
    affected = [f.metric for f in report.findings if f.metric in catalog.metrics]
    if affected:
        out.append("<details><summary>Lineage of the metrics concerned</summary>\n")
        out.append("```mermaid")
        out.append(lineage_snippet(report, [m for m in affected if m is not None]).rstrip())
        out.append("```\n")
        out.append("</details>\n")
    if not report.findings and report.every_metric_traces:
        out.append(f"{report.all_traced_line} No findings.\n")
    elif not report.findings:
        # Findings left out (a baseline, --since, --ignore RT001): a metric without a path
        # may be among them, and "every metric traces" would be false.
        out.append("No findings.\n")
    return "\n".join(out)


def _candidates_table(report: AuditReport, room: _Room) -> list[str]:
    candidates = report.candidates
    if not candidates:
        return []
    header = ["| metric | name | owner | team | why | where |", "|---|---|---|---|---|---|"]
    rows = []
    for candidate in candidates:
        metric, finding = candidate.metric, candidate.finding
        where = f"{finding.location.file}:{finding.location.line}" if finding.location else ""
        why = (
            candidate.reason
            + "".join(
                f" ⚠️ maybe a consequence of the error at {caveat.location} ({caveat.code}"
                f" {caveat.rule}): fix it first"
                for caveat in candidate.caveats
            )
            + "".join(f" ❓ before dropping it: {e.message}" for e in candidate.evidence)
        )
        cells = [
            f"**{markdown_cell(candidate.id)}**",
            markdown_cell(metric.name if metric else ""),
            markdown_cell((metric.owner if metric else None) or "—"),
            markdown_cell((metric.team if metric else None) or "—"),
            markdown_cell(why),
            markdown_cell(where),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return [
        f"#### Candidates to drop ({len(candidates)})\n",
        *room.table(header, rows, "candidates"),
        "",
    ]


def _findings_table(title: str, findings: Sequence[Finding], room: _Room) -> list[str]:
    if not findings:
        return []
    header = ["| severity | rule | metric | message | where |", "|---|---|---|---|---|"]
    rows = []
    for finding in findings:
        where = str(finding.location) if finding.location else ""
        rows.append(
            f"| {finding.severity} | {finding.code} {finding.rule} "
            f"| {markdown_cell(finding.metric or '')} | {markdown_cell(finding.message)} "
            f"| {markdown_cell(where)} |"
        )
    return [f"#### {title} ({len(findings)})\n", *room.table(header, rows, "findings"), ""]


def lineage_snippet(report: AuditReport, metrics: list[str]) -> str:
    """The metrics concerned, what they drive, and each next hop toward revenue."""
    graph = report.analysis.graph
    catalog = report.analysis.catalog
    chosen: list[str] = []
    for metric in dict.fromkeys(metrics):
        for node in [metric, *graph.successors(metric), *(graph.shortest_path(metric) or [])]:
            if node not in chosen and len(chosen) < MAX_DIAGRAM_METRICS:
                chosen.append(node)
    keep = set(chosen)
    edges = [(a, b) for a, b in graph.edges() if a in keep and b in keep]
    nodes = [(n, catalog.metrics[n].name) for n in chosen]
    return mermaid.flowchart(nodes, edges, mermaid.classes_of(GraphView(report.analysis, chosen)))


def change_section(change: CatalogChange, title: str, room: _Room | None = None) -> list[str]:
    """The change as a list; within `room` (a fresh one for `diff`), so it fits a comment."""
    room = room or _Room()
    out = [f"#### {title}\n"]
    if change.is_empty:
        out.append("No metric or link changed.\n")
        return out
    cuts = []
    for cut in change.lost_paths:
        names = ", ".join(f"**{markdown_cell(m)}**" for m in cut.metrics)
        causes = " and ".join(markdown_cell(c) for c in cut.causes) or "the change"
        cuts.append(f"- ❌ {causes} cut every path to revenue of {names}")
    cuts += [
        f"- ⚠️ **{markdown_cell(metric)}** was added without a path to revenue"
        for metric in change.added_without_path
    ]
    out += room.bullets(cuts, "changes")
    rows = [
        ("metrics added", [markdown_cell(m) for m in change.added]),
        ("metrics removed", [markdown_cell(m) for m in change.removed]),
        (
            "links added",
            [f"{markdown_cell(a)} → {markdown_cell(b)}" for a, b in change.links_added],
        ),
        (
            "links removed",
            [f"{markdown_cell(a)} → {markdown_cell(b)}" for a, b in change.links_removed],
        ),
    ]
    for label, items in rows:
        if items:
            out.append(room.inline(label, items))
    if change.new_findings:
        out.append(f"- new findings: {len(change.new_findings)}")
        lines = []
        for finding in change.new_findings:
            where = str(finding.location) if finding.location else ""
            lines.append(
                f"  - {finding.code} {finding.rule}: {markdown_cell(finding.message)}"
                f" ({markdown_cell(where)})"
            )
        out += room.bullets(lines, "new findings")
    out.append("")
    return out


def diff(report: DiffReport) -> str:
    title = f"revtrace diff: {markdown_text(report.old)} → {markdown_text(report.new)}"
    return "\n".join(change_section(report.change, title))


def scorecard(card: Scorecard) -> str:
    by, rows = card.by, card.rows
    out = [
        f"### {markdown_text(card.title)}\n",
        f"| {by} | metrics | traced | share | median distance | candidates to drop |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        median = "—" if row.median_distance is None else f"{row.median_distance:g}"
        candidates = ", ".join(markdown_cell(c) for c in row.candidates) or "—"
        out.append(
            f"| {markdown_cell(row.label)} | {row.metrics} | {row.traced} | {row.share:.0%} "
            f"| {median} | {candidates} |"
        )
    return "\n".join(out) + "\n"


def impact(view: ImpactView) -> str:
    report, what_if = view.report, view.what_if
    heads = " | ".join(f"→ {markdown_cell(r)}" for r in report.revenue_metrics)
    out = [
        "### Revenue leverage\n",
        f"| metric | owner | team | {heads} | total | quantified | weakest link |",
        "|---|---|---|" + "---:|" * len(report.revenue_metrics) + "---:|---|---|",
    ]
    for ranked in view.ranked:
        metric = view.analysis.catalog.metrics[ranked.id]
        effects = " | ".join(
            figures.effect(ranked.effects.get(r)) if ranked.total is not None else "—"
            for r in report.revenue_metrics
        )
        out.append(
            f"| {markdown_cell(ranked.id)} | {markdown_cell(metric.owner or '—')}"
            f" | {markdown_cell(metric.team or '—')} | {effects} | {figures.effect(ranked.total)}"
            f" | {view.quantified(ranked)} | {ranked.confidence or '—'} |"
        )
    if view.next_step is not None:
        out += ["", f"Next: {markdown_text(view.next_step)}."]
    if what_if:
        out.append("\n**What if** (first order):\n")
        for revenue, (percent, amount) in what_if.items():
            money = f" ({amount:+,.0f} per period)" if amount is not None else ""
            out.append(f"- {markdown_cell(revenue)}: {percent:+.3g}%{money}")
    return "\n".join(out) + "\n"


# -- evidence ----------------------------------------------------------------------------------


def explain(report: ExplainReport) -> str:
    """For a pull request or a weekly report: each metric's change and who moved it."""
    metrics = report.analysis.catalog.metrics
    out: list[str] = []
    for e in report.explanations:
        head = (
            f"### {markdown_cell(e.metric)}: {figures.value(e.before)} → {figures.value(e.after)}"
        )
        if e.amount is not None:
            head += f" ({figures.amount(e.amount)}, {figures.percent(e.pct)})"
        out += [head, "", f"From {markdown_cell(report.start)} to {markdown_cell(report.end)}.", ""]
        if e.reason is not None:
            out += [f"Not explained: {markdown_text(e.reason)}", ""]
            continue
        out += [
            "| contribution | share | metric | owner | team | from → to | change | leverage |",
            "|---:|---:|---|---|---|---|---:|---:|",
        ]
        for c in e.contributions:
            metric = metrics[c.metric]
            out.append(
                f"| {figures.amount(c.amount)} | {figures.share(c.share)}"
                f" | {markdown_cell(c.metric)} | {markdown_cell(metric.owner or '—')}"
                f" | {markdown_cell(metric.team or '—')}"
                f" | {figures.value(c.before)} → {figures.value(c.after)}"
                f" | {figures.percent(c.pct)} | {figures.coefficient(c.leverage)} |"
            )
        total = e.amount or 0.0
        rest = e.unexplained_amount
        by = ", ".join(
            f"{markdown_cell(u.metric)} {figures.amount(u.amount)}" for u in e.unexplained[:5]
        )
        out.append(
            f"| {figures.amount(rest)} | {figures.share(rest / total if total else None)}"
            f" | *unexplained* |  |  | {by} |  |  |"
        )
        if e.not_attributed:
            out += ["", f"Not attributed ({len(e.not_attributed)}):", ""]
            out += [
                f"- {markdown_cell(m)}: {markdown_text(why)}" for m, why in e.not_attributed[:20]
            ]
            if len(e.not_attributed) > 20:
                out.append(f"- and {len(e.not_attributed) - 20} more")
        if e.next_step is not None:
            out += ["", f"Next: {markdown_text(e.next_step)}."]
        out.append("")
    if report.derived:
        names = ", ".join(markdown_cell(m) for m in report.derived)
        out += [f"Computed from their formulas (not in the values file): {names}.", ""]
    return "\n".join(out)


def fit(view: FitView) -> str:
    """Every link's verdict as a table, for a pull request."""
    from revtrace.analysis.evidence import unlisted_line

    report = view.report
    out = [
        f"### Links checked against {markdown_cell(report.table.file)}",
        "",
        f"{markdown_cell(report.first)} … {markdown_cell(report.last)},"
        f" {len(report.table.periods)} periods. {markdown_text(json.assumptions())}",
        "",
        "| verdict | link | kind | declared | estimate | 95% interval | periods |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in view.listed:
        link = r.link
        declared = (
            figures.coefficient(link.elasticity)
            if link.elasticity is not None
            else link.sign or "—"
        )
        interval = f"{r.interval[0]:+.2f} … {r.interval[1]:+.2f}" if r.interval else ""
        estimate = figures.coefficient(r.estimate) if r.estimate is not None else ""
        out.append(
            f"| {r.verdict} | {markdown_cell(link.source)} → {markdown_cell(link.target)}"
            f" | {link.kind} | {markdown_cell(declared)} | {estimate} | {interval}"
            f" | {r.periods or ''} |"
        )
    if view.without_data:
        out += ["", markdown_text(unlisted_line(view))]
    for t in view.tracking:
        out.append(
            f"\n{markdown_cell(t.metric)} has no path to revenue, but its changes track"
            f" {markdown_cell(t.revenue)}'s (r = {t.correlation:+.2f} over {t.changes}"
            " changes): a missing link?"
        )
    return "\n".join(out) + "\n"


# -- rules -------------------------------------------------------------------------------------


def rules(docs: RuleDocs) -> str:
    """The rule table, as the README shows it (a test keeps the README equal to this); or
    the named rules' sections of docs/rules.md."""
    if docs.detailed:
        return "\n\n".join(_rule_section(rule) for rule in docs.rules) + "\n"
    return rule_table(docs.rules)


def rule_table(catalog_rules: Sequence[Rule]) -> str:
    out = ["| code | name | severity | reported when |", "|---|---|---|---|"]
    out += [
        f"| {rule.code} | `{rule.name}` | {rule.severity} | {markdown_cell(rule.summary)} |"
        for rule in catalog_rules
    ]
    return "\n".join(out) + "\n"


def _rule_section(rule: Rule) -> str:
    """A rule's heading, summary and documentation, its examples fenced."""
    head = f"## {rule.code} `{rule.name}` ({rule.severity})\n\n{rule.summary}\n\n"
    return head + _fenced(rule.doc).rstrip()


def rule_reference(catalog_rules: Sequence[Rule]) -> str:
    """Every rule's documentation, with its failing and passing examples: docs/rules.md."""
    out = [
        "# Rules",
        "",
        "Generated from each rule's documentation, which lives next to its code in"
        " `revtrace/rules/` and `revtrace/load/rules.py`; tests/cli/test_docs.py keeps this file"
        " and the README's table equal to it, and the test suite runs every example below.",
        "",
        rule_table(catalog_rules).rstrip(),
    ]
    for rule in catalog_rules:
        out += ["", _rule_section(rule)]
    return "\n".join(out) + "\n"


def _fenced(doc: str) -> str:
    """A rule's doc with its indented YAML examples as fenced code blocks."""
    out: list[str] = []
    block: list[str] = []

    def close() -> None:
        while block and not block[-1].strip():
            block.pop()
        if block:
            lines = [line[4:] for line in block]
            # A rule about the numbers shows the catalog, then its values file (CSV).
            cut = next((i for i, line in enumerate(lines) if line.startswith("period,")), None)
            if cut is None:
                out.extend(["```yaml", *lines, "```", ""])
            else:
                yaml_part = lines[:cut]
                while yaml_part and not yaml_part[-1].strip():
                    yaml_part.pop()
                if yaml_part:
                    out.extend(["```yaml", *yaml_part, "```", ""])
                out.extend(["```csv", *lines[cut:], "```", ""])
            block.clear()

    for line in doc.splitlines():
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line)
        else:
            close()
            out.append(line)
    close()
    return "\n".join(out) + "\n"
