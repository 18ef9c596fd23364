"""The commands that read a catalog. Each is thin: options → `open_catalog` → a use case
from `revtrace.analysis` → `show` (the renderer of the chosen format) → an exit code."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from revtrace.cli import runs, session
from revtrace.cli.app import app
from revtrace.cli.options import (
    BY_AUTO,
    CHANGE_PANEL,
    GATE_PANEL,
    MERMAID,
    OUTPUT_PANEL,
    TEXT_DIFF,
    TEXT_TABLE,
    TEXT_VIEW,
    AuditFormat,
    CatalogsArg,
    ConfigOption,
    DiffFormat,
    FailOn,
    ForceOption,
    GraphFormat,
    NoCacheOption,
    OutputOption,
    ScoreBy,
    SelectOption,
    TableFormat,
    ValuesOption,
    ViewFormat,
)
from revtrace.model.codes import EXIT_CLEAN

if TYPE_CHECKING:
    from revtrace.analysis import Analysis


@app.command(
    epilog=(
        "Examples:  revtrace audit  ·  revtrace audit metrics/ --format sarif -o revtrace.sarif"
        "  ·  revtrace audit --since origin/main  ·  revtrace audit --write-baseline"
        " .revtrace-baseline.json"
    )
)
def audit(
    catalogs: CatalogsArg = None,
    output_format: Annotated[
        Optional[AuditFormat],  # noqa: UP045
        typer.Option(
            "--format",
            "-f",
            help="Output format \\[default: $REVTRACE_FORMAT, else auto: github annotations"
            " when GITHUB_ACTIONS=true, else text].",
            show_default=False,
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = None,
    output: OutputOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Let -o and --write-baseline overwrite.", rich_help_panel=OUTPUT_PANEL
        ),
    ] = False,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics",
            help="Print the number of findings per rule instead.",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print the findings and nothing else.",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = False,
    fail_on: Annotated[
        Optional[FailOn],  # noqa: UP045
        typer.Option(
            "--fail-on",
            help="Lowest severity that exits 1 \\[default: warning].",
            show_default=False,
            rich_help_panel=GATE_PANEL,
        ),
    ] = None,
    exit_zero: Annotated[
        bool,
        typer.Option(
            "--exit-zero", help="Exit 0 even when there are findings.", rich_help_panel=GATE_PANEL
        ),
    ] = False,
    select: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--select",
            help="Report only these rules (codes, prefixes, names; comma-separated).",
            metavar="RULES",
            rich_help_panel=GATE_PANEL,
        ),
    ] = None,
    ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--ignore",
            help="Do not report these rules.",
            metavar="RULES",
            rich_help_panel=GATE_PANEL,
        ),
    ] = None,
    baseline: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--baseline",
            help="Report only findings not accepted in this baseline.",
            metavar="FILE",
            rich_help_panel=CHANGE_PANEL,
        ),
    ] = None,
    write_baseline: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--write-baseline",
            help="Record today's findings as the baseline.",
            metavar="FILE",
            rich_help_panel=CHANGE_PANEL,
        ),
    ] = None,
    since: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--since",
            help="Compare with the catalog at this git revision; report only new findings.",
            metavar="REF",
            rich_help_panel=CHANGE_PANEL,
        ),
    ] = None,
    values: ValuesOption = None,
    metric: SelectOption = None,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Report every metric with no path to revenue, and every other problem in the catalog.

    Exits 1 when a finding is at or above --fail-on (warning by default), so it can gate CI.
    """
    run = session.open_catalog(
        catalogs,
        config,
        no_cache=no_cache,
        view=False,
        selectors=metric,
        format=output_format.value if output_format else None,
        fail_on=fail_on.value if fail_on else None,
        select=select,
        ignore=ignore,
        baseline=str(baseline) if baseline else None,
        values=str(values) if values else None,
    )
    metric, format_name = run.selectors, _audit_format(run.settings.format, statistics)
    kept = None  # a comparison with git, a baseline written: never from the cache
    if since is None and write_baseline is None:
        kept = _replay_or_key(run, format_name, statistics, quiet, output, force, exit_zero)
    # Imported here: a run answered from the cache loads neither the graph nor the rules.
    from revtrace.analysis import audit as run_audit
    from revtrace.analysis import baseline as baselines

    policy = session.policy_of(run.settings)

    chosen = session.selected(metric, run) if metric else None
    if write_baseline is not None:
        recorded = run_audit(
            run.analysis, policy, selected=chosen, selectors=session.selector_texts(metric)
        ).findings
        session.emit(baselines.dumps(recorded), write_baseline, force, run.files)
        if not quiet:
            session.note(
                f"revtrace: wrote {len(recorded)} findings to the baseline {write_baseline}"
            )
        raise typer.Exit(EXIT_CLEAN)

    before = _catalog_at(since, run) if since is not None else None
    report = run_audit(
        run.analysis,
        policy,
        selected=chosen,
        selectors=session.selector_texts(metric),
        before=before,
        since=since,
        baseline=_accepted(run.settings.baseline),
    )

    if statistics:
        from revtrace.analysis import rule_counts

        value: object = rule_counts(report.findings)
        view, options = "statistics", {}
    else:
        value, view = report, "audit"
        options = {"quiet": quiet} if format_name == "text" else {}
    code = policy.exit_code(report.findings)
    with (
        session.answering(EXIT_CLEAN if exit_zero else code),
        runs.recording(run, kept, code) as sink,
    ):
        session.show(
            view,
            format_name,
            value,
            output=output,
            force=force,
            protected=run.files,
            sink=sink,
            **options,
        )
    raise typer.Exit(EXIT_CLEAN if exit_zero else code)


def _accepted(path: str | None) -> Counter[tuple[str, str, str]] | None:
    """The findings the baseline accepts (exit 2 when it cannot be read)."""
    from revtrace.analysis import baseline as baselines

    if path is None:
        return None
    try:
        return baselines.read(path)
    except baselines.BaselineError as exc:
        session.fail(str(exc))


def _replay_or_key(
    run: session.Session,
    format_name: str,
    statistics: bool,
    quiet: bool,
    output: Path | None,
    force: bool,
    exit_zero: bool,
) -> str | None:
    """When a run with exactly these inputs left its output in the cache, print it again
    and exit as it did; else the key to keep this run's output under."""
    options = {"format": format_name, "statistics": statistics, "quiet": quiet}
    options["selectors"] = session.selector_texts(run.selectors)
    kept, code = runs.answer(run, "audit", options, output, force)
    if code is not None:
        raise typer.Exit(EXIT_CLEAN if exit_zero else code)
    return kept


def _audit_format(setting: str, statistics: bool) -> str:
    """The format audit prints in: `auto` is GitHub annotations in GitHub Actions, else
    text; the statistics come as JSON or text."""
    format_name = setting
    if format_name == "auto":
        format_name = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if statistics:
        format_name = "json" if format_name == "json" else "text"
    return format_name


def _catalog_at(revision: str, run: session.Session) -> Analysis:
    """The catalog as it was at a git revision, analysed."""
    from revtrace.analysis import analyse_sources
    from revtrace.load.git import GitError, read_at_revision
    from revtrace.values.problems import VALUES_PROBLEM

    try:
        sources = read_at_revision(revision, run.arguments, run.files)
    except GitError as exc:
        session.fail(str(exc))
    if not sources and run.analysis.catalog.metrics:
        # Said, not silent: "every metric was added" may be a catalog moved without git.
        session.note(
            f"revtrace: none of the catalog's files existed at {revision}"
            " (or git did not see them renamed): every metric counts as added"
        )
    # The same values file on both sides: a data finding is new only if the catalog made it.
    problems = [f for f in run.analysis.findings if f.code == VALUES_PROBLEM.code]
    return analyse_sources(sources, session.today(), run.analysis.values, problems)


@app.command(epilog="Example:  revtrace diff old/metrics.yaml metrics.yaml --format markdown")
def diff(
    old: Annotated[
        str, typer.Argument(help="The catalog before: a file or a directory.", metavar="OLD")
    ],
    new: Annotated[
        str, typer.Argument(help="The catalog after: a file or a directory.", metavar="NEW")
    ],
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_DIFF,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Compare two catalogs: which change cut which path to revenue.

    Reports metrics added without a path, metrics that lost theirs (naming the removed link
    that cut it), and metrics and links added or removed. Exits 1 when the change adds
    findings.
    """
    from dataclasses import replace

    from revtrace.analysis import DiffReport, compare

    before = session.open_catalog([old], config, view=False, no_cache=no_cache)
    after = session.open_catalog([new], config, view=False, no_cache=no_cache)
    policy = session.policy_of(after.settings)
    before_reported = replace(
        before.analysis, findings=tuple(policy.apply(before.analysis.findings))
    )
    change = compare(before_reported, after.analysis, policy.apply(after.analysis.findings))
    code = policy.exit_code(change.new_findings)
    with session.answering(code):
        session.show("diff", output_format.value, DiffReport(change, old, new))
    raise typer.Exit(code)


@app.command(
    epilog=(
        "Examples:  revtrace tree  ·  revtrace tree --depth 1"
        "  ·  revtrace tree --metric website_sessions --format json"
    )
)
def tree(
    catalogs: CatalogsArg = None,
    metric: SelectOption = None,
    depth: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--depth", "-d", min=0, help="Levels below each root (1: direct drivers)."),
    ] = None,
    reverse: Annotated[
        bool,
        typer.Option(
            "--reverse", "-r", help="Show what a metric drives instead of what drives it."
        ),
    ] = False,
    output_format: Annotated[
        ViewFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_VIEW,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Print the revenue-lineage tree: each revenue metric, what drives it, and so on down.

    Each metric is expanded once, under its shortest route to revenue; met again it is
    marked (*), and a link back to a metric above it is marked as a cycle. With -m, each
    selected metric's lineage up to revenue (`+ID`: what drives it). Metrics with no path
    to revenue are listed after the tree.
    """
    parameters = dict(locals())  # every option is in the cache's key
    run = session.open_catalog(catalogs, config, view=True, selectors=metric, no_cache=no_cache)

    def show(out: runs.Output) -> None:
        from revtrace.analysis import lineage

        chosen = session.selectors(run.selectors, run)
        result = session.or_fail(lambda: lineage(run.analysis, chosen, depth, reverse))
        out.show("tree", result)

    runs.serve(run, "tree", parameters, show, output_format.value)


@app.command(
    epilog="Examples:  revtrace trace website_sessions  ·  revtrace trace bounce_rate --format json"
)
def trace(
    metric: Annotated[
        str,
        typer.Argument(help="The id of the metric to trace.", show_default=False, metavar="METRIC"),
    ],
    catalogs: CatalogsArg = None,
    max_paths: Annotated[
        int,
        typer.Option("--max-paths", "-n", min=1, max=100_000, help="Show at most this many paths."),
    ] = 20,
    output_format: Annotated[
        ViewFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_VIEW,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Show why a metric is kept (its paths to revenue) or why not (where its chains end).

    Paths are listed shortest first; a path ends at the first revenue metric it reaches.
    """
    parameters = dict(locals())  # every option is in the cache's key
    run = session.open_catalog(catalogs, config, view=True, no_cache=no_cache)

    def show(out: runs.Output) -> None:
        from revtrace.analysis import trace as trace_metric

        if metric not in run.analysis.catalog:
            session.unknown_metric(run, metric)
        result = trace_metric(run.analysis, metric, max_paths)
        out.show("trace", result)

    runs.serve(run, "trace", parameters, show, output_format.value)


@app.command(
    epilog=(
        "Examples:  revtrace graph --format mermaid  ·  revtrace graph --format dot | dot -Tsvg"
        " > lineage.svg  ·  revtrace graph -m +revenue -m team:marketing --format json"
    )
)
def graph(
    catalogs: CatalogsArg = None,
    metric: SelectOption = None,
    output_format: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="Output format.")
    ] = MERMAID,
    output: OutputOption = None,
    force: ForceOption = False,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Export the lineage graph as Mermaid, Graphviz DOT or node-link JSON.

    Mermaid renders in GitHub Markdown. Revenue metrics, metrics without a path,
    deprecated metrics and links in loops are styled apart, with a legend.
    """
    parameters = dict(locals())  # every option is in the cache's key
    run = session.open_catalog(catalogs, config, view=True, selectors=metric, no_cache=no_cache)

    def show(out: runs.Output) -> None:
        from revtrace.analysis import GraphView

        view = GraphView(run.analysis, session.selected(run.selectors, run))
        out.show("graph", view)

    runs.serve(run, "graph", parameters, show, output_format.value, output, force)


@app.command(
    epilog="Examples:  revtrace scorecard  ·  revtrace scorecard --by owner --format markdown"
)
def scorecard(
    catalogs: CatalogsArg = None,
    metric: SelectOption = None,
    by: Annotated[
        ScoreBy,
        typer.Option(
            "--by",
            help="Group by team or by owner; auto: by team, or by owner when no metric has one.",
        ),
    ] = BY_AUTO,
    output_format: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_TABLE,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Score each team (or owner) by how much of what it tracks reaches revenue.

    For each: metrics tracked, how many reach revenue, the share, the median distance to
    revenue and the candidates to drop. Worst first.
    """
    parameters = dict(locals())  # every option is in the cache's key
    run = session.open_catalog(catalogs, config, view=True, selectors=metric, no_cache=no_cache)

    def show(out: runs.Output) -> None:
        from revtrace.analysis import scorecard as score

        card = score(run.analysis, session.selected(run.selectors, run), by.value)
        out.show("scorecard", card)

    runs.serve(run, "scorecard", parameters, show, output_format.value)


@app.command(epilog="Example:  revtrace report examples/b2b-saas.yaml -o report.html")
def report(
    catalogs: CatalogsArg = None,
    metric: SelectOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
    fail_on: Annotated[
        Optional[FailOn],  # noqa: UP045
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at or above this severity \\[default: never: the"
            " report is an artefact, not a gate].",
            show_default=False,
            rich_help_panel=GATE_PANEL,
        ),
    ] = None,
    values: ValuesOption = None,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Write a self-contained HTML report with the lineage picture and a search box.

    Also the audit summary, the candidates to drop and the team scorecard. One file that
    works offline. Exits 0 whatever it finds, unless --fail-on is given, so that
    `revtrace report -o report.html && upload report.html` works.
    """
    import sys

    if output is None and sys.stdout.isatty():
        session.fail(
            "the report is an HTML file: write it with -o report.html (or redirect stdout)"
        )
    gate = fail_on.value if fail_on else None
    run = session.open_catalog(
        catalogs,
        config,
        no_cache=no_cache,
        view=False,
        selectors=metric,
        fail_on=gate,
        values=str(values) if values else None,
    )
    metric = run.selectors
    options = {"format": "html", "selectors": session.selector_texts(metric)}
    kept, code = runs.answer(run, "report", options, output, force)
    if code is None:  # not in the cache: imported only now
        from revtrace.analysis.report import report as build_report

        policy = session.policy_of(run.settings)
        metrics = session.selected(metric, run) if metric else list(run.analysis.catalog.metrics)
        result = build_report(run.analysis, policy, metrics, session.selector_texts(metric))
        code = EXIT_CLEAN if gate is None else policy.exit_code(result.audit.findings)
        with session.answering(code), runs.recording(run, kept, code) as sink:
            session.show(
                "report", "html", result, output=output, force=force, protected=run.files, sink=sink
            )
    if output is not None:
        session.note(f"revtrace: wrote the report to {output}")
    raise typer.Exit(code)


@app.command(
    epilog=(
        "Examples:  revtrace impact examples/b2b-referral-flywheel.yaml"
        "  ·  revtrace impact --what-if website_sessions=+10% --what-if referrals=-5%"
    )
)
def impact(
    catalogs: CatalogsArg = None,
    output_format: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_TABLE,
    top: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--top", "-n", min=1, help="Show only the N metrics with the most leverage."),
    ] = None,
    what_if: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--what-if",
            help="METRIC=+10%: predict each revenue metric's change (several add up).",
            metavar="METRIC=CHANGE%",
        ),
    ] = None,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Rank metrics by revenue leverage, from the elasticities on the links.

    Leverage is the % change in revenue for a 1% change in the metric, summed over every
    path, loops included.
    """
    parameters = dict(locals())  # every option is in the cache's key
    run = session.open_catalog(catalogs, config, view=True, no_cache=no_cache)

    def show(out: runs.Output) -> None:
        from revtrace.analysis import impact as leverage

        view = session.or_fail(lambda: leverage(run.analysis, top, what_if or []))
        out.show("impact", view)

    runs.serve(run, "impact", parameters, show, output_format.value)
