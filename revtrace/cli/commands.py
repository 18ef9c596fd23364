"""The command line: options → a core call → a renderer → an exit code. No logic here.

Heavy modules (PyYAML, networkx, rich) are imported inside the commands, so that
`revtrace --version` and `--help` start as fast as typer itself.
"""

from __future__ import annotations

import enum
import gc
import inspect
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional, TypeVar

import typer

from revtrace import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from revtrace.config import Settings
    from revtrace.analysis.analyse import Analysis, AuditReport
    from revtrace.analysis.policy import Policy
    from revtrace.analysis.select import Selector

T = TypeVar("T")

EXIT_CLEAN, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2

app = typer.Typer(
    name="revtrace",
    help=(
        "Trace every business metric to revenue. Reads a metrics.yaml catalog and reports"
        " the metrics with no path to revenue: candidates to drop."
    ),
    epilog=(
        "Exit codes: 0 clean, 1 findings (or a catalog with errors), 2 cannot run. Docs: README.md."
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class AuditFormat(str, enum.Enum):
    auto = "auto"
    text = "text"
    concise = "concise"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


class ViewFormat(str, enum.Enum):
    text = "text"
    json = "json"


class DiffFormat(str, enum.Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


class Template(str, enum.Enum):
    saas = "saas"
    ecommerce = "ecommerce"
    content = "content"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"revtrace {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Trace every business metric to revenue."""


CatalogsArg = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads annotations at run time on Python 3.10
    typer.Argument(
        help="Catalog files, directories or glob patterns [default: from the configuration,"
        " else metrics.yaml].",
        show_default=False,
        metavar="[CATALOG]...",
    ),
]
SelectOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--metric",
        "-m",
        help="Select metrics: ID, +ID (what drives it), ID+ (what it drives), N+ID, ID+N,"
        " @ID, team:NAME, owner:NAME, tag:NAME, status:NAME; several allowed.",
        metavar="SELECTOR",
    ),
]
ConfigOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--config",
        help="Read this configuration file instead of searching for one.",
        metavar="FILE",
    ),
]


# -- helpers ---------------------------------------------------------------------------------


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


def fail(message: str) -> NoReturn:
    """A one-line error on stderr and exit code 2: revtrace cannot run."""
    from rich.text import Text

    from revtrace.render.escape import visible

    line = Text("revtrace: error: ", style="bold red").append(visible(message))
    _console(stderr=True).print(line, soft_wrap=True)
    raise typer.Exit(EXIT_CANNOT_RUN)


def note(message: str) -> None:
    """A diagnostic on stderr (never on stdout, which may be machine output)."""
    from rich.text import Text

    _console(stderr=True).print(Text(message, style="dim"), soft_wrap=True)


def _settings(config: Path | None) -> Settings:
    from revtrace.config import ConfigError, load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        fail(str(exc))


def _catalog_files(arguments: list[str] | None, settings: Settings) -> tuple[list[str], list[str]]:
    """(the catalog arguments, the files they name). Exit 2 when they name nothing."""
    from revtrace.load import CatalogUnreadable
    from revtrace.load import expand_catalog_paths

    paths = list(arguments) if arguments else list(settings.catalog)
    try:
        return paths, expand_catalog_paths(paths)
    except CatalogUnreadable as exc:
        fail(f"cannot read {exc.path}: {exc.reason}")


def _analyse(files: list[str], arguments: list[str], *, errors_only: bool = False) -> Analysis:
    from revtrace.analysis.analyse import analyse
    from revtrace.model.findings import Severity
    from revtrace.load import CatalogUnreadable

    minimum = Severity.ERROR if errors_only else Severity.INFO
    try:
        with _progress(files):
            return analyse(files, _today(), minimum)
    except CatalogUnreadable as exc:
        hint = ""
        if exc.reason == "no such file" and arguments == ["metrics.yaml"]:
            hint = " (run revtrace in the folder that holds metrics.yaml, or name the catalog)"
        fail(f"cannot read {exc.path}: {exc.reason}{hint}")


#: Catalogs larger than this take about a second or more to read and check.
PROGRESS_BYTES = 2_000_000


def _progress(files: list[str]) -> AbstractContextManager[object]:
    """A spinner on stderr while a large catalog is read and checked, on a terminal only:
    never in piped or machine output."""
    from contextlib import nullcontext

    size = 0
    for file in files:
        with suppress(OSError):
            size += os.path.getsize(file)
    console = _console(stderr=True)
    if size < PROGRESS_BYTES or not console.is_terminal:
        return nullcontext()
    megabytes = size / 1_000_000
    return console.status(f"Reading and checking {len(files)} catalog file(s), {megabytes:.0f} MB…")


def _today() -> date:
    # REVTRACE_TODAY pins "today" for reproducible runs and tests of `keep: {until: …}`.
    pinned = os.environ.get("REVTRACE_TODAY")
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            fail(f"REVTRACE_TODAY={pinned}: not a date written YYYY-MM-DD")
    return date.today()


def _policy(settings: Settings) -> Policy:
    from revtrace.analysis.policy import Policy, PolicyError
    from revtrace.rules import ALL_RULES

    try:
        return Policy.build(
            ALL_RULES,
            select=settings.select,
            ignore=settings.ignore,
            severity=settings.severity,
            fail_on=settings.fail_on,
            where=settings.sources,
        )
    except PolicyError as exc:
        fail(str(exc))


def _report_errors(analysis: Analysis) -> int:
    """For tree and trace: catalog errors go to stderr and make the exit code 1."""
    from revtrace.model.findings import Severity
    from revtrace.render import text

    errors = [f for f in analysis.findings if f.severity is Severity.ERROR]
    if not errors:
        return EXIT_CLEAN
    console = _console(stderr=True)
    text.print_findings(console, errors)
    console.print(
        f"revtrace: the catalog has {len(errors)} error(s); what is shown may be incomplete."
        " Run 'revtrace audit' for the full report."
    )
    return EXIT_FINDINGS


def _emit(document: str, output: Path | None, force: bool, protected: list[str]) -> None:
    """Machine output to stdout, or atomically to `output`."""
    if output is None:
        sys.stdout.write(document)
        sys.stdout.flush()
        return
    from revtrace.output import OutputError, write_file

    try:
        write_file(str(output), document, force=force, protected=protected)
    except OutputError as exc:
        fail(str(exc))


def _render_text(draw: Callable[[Console], None], output: Path | None) -> str | None:
    """Run a rich renderer to the terminal, or capture it (uncoloured) for `-o`."""
    from io import StringIO

    from rich.console import Console

    if output is None:
        draw(_console())
        return None
    buffer = StringIO()
    draw(Console(file=buffer, width=100, color_system=None, highlight=False, markup=False))
    return buffer.getvalue()


# -- audit -----------------------------------------------------------------------------------


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
            help="Output format [default: $REVTRACE_FORMAT, else auto: github annotations"
            " when GITHUB_ACTIONS=true, else text].",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output", "-o", help="Write the report to FILE (atomically).", metavar="FILE"
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Let -o and --write-baseline overwrite.")
    ] = False,
    fail_on: Annotated[
        Optional[FailOn],  # noqa: UP045
        typer.Option(
            "--fail-on", help="Lowest severity that exits 1 [default: warning].", show_default=False
        ),
    ] = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
    ] = False,
    select: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--select", help="Report only these rules (codes, prefixes, names; comma-separated)."
        ),
    ] = None,
    ignore: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--ignore", help="Do not report these rules."),
    ] = None,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Print the number of findings per rule instead.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the findings and nothing else.")
    ] = False,
    baseline: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--baseline", help="Report only findings not accepted in this baseline.", metavar="FILE"
        ),
    ] = None,
    write_baseline: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--write-baseline", help="Record today's findings as the baseline.", metavar="FILE"
        ),
    ] = None,
    metric: SelectOption = None,
    since: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--since",
            help="Compare with the catalog at this git revision; report only new findings.",
            metavar="REF",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Report every metric with no path to revenue, and every other problem in the catalog.

    Exits 1 when a finding is at or above --fail-on (warning by default), so it can gate CI.
    """
    from revtrace.analysis import baseline as baselines
    from revtrace.analysis import analyse as core

    settings = _settings(config)
    for name, value in (
        ("format", output_format.value if output_format else None),
        ("fail-on", fail_on.value if fail_on else None),
        ("select", select),
        ("ignore", ignore),
        ("baseline", str(baseline) if baseline else None),
    ):
        if value is not None:
            settings.set(name, value, f"--{name}")
    arguments, files = _catalog_files(catalogs, settings)
    policy = _policy(settings)
    analysis = _analyse(files, arguments)
    selected = _selected(metric, analysis, EXIT_FINDINGS) if metric else None

    if write_baseline is not None:
        recorded = core.audit(analysis, policy, selected=selected).findings
        _emit(baselines.dumps(recorded), write_baseline, force, files)
        if not quiet:
            note(f"revtrace: wrote {len(recorded)} findings to the baseline {write_baseline}")
        raise typer.Exit(EXIT_CLEAN)

    before = _catalog_at(since, arguments, files) if since is not None else None
    accepted = None
    if settings.baseline is not None:
        try:
            accepted = baselines.read(settings.baseline)
        except baselines.BaselineError as exc:
            fail(str(exc))
    report = core.audit(
        analysis, policy, selected=selected, before=before, since=since, baseline=accepted
    )

    chosen = settings.format
    if chosen == "auto":
        chosen = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    document = _render_audit(report, chosen, statistics, quiet, output)
    if document is not None:
        _emit(document, output, force, files)
    raise typer.Exit(EXIT_CLEAN if exit_zero else policy.exit_code(report.findings))


def _render_audit(
    report: AuditReport, chosen: str, statistics: bool, quiet: bool, output: Path | None
) -> str | None:
    from importlib import import_module

    from revtrace.render import text

    if statistics:
        rows = text.rule_counts(report.findings)
        if chosen == "json":
            from revtrace.render import json

            return json.statistics(rows)
        return _render_text(lambda console: text.statistics(console, report.findings), output)
    if chosen == "text":
        return _render_text(lambda console: text.audit(console, report, quiet=quiet), output)
    # One module per format, imported only when chosen: each has an `audit(report)`.
    renderer = import_module(f"revtrace.render.{chosen}")
    document: str = renderer.audit(report)
    return document


def _catalog_at(revision: str, arguments: list[str], files: list[str]) -> Analysis:
    """The catalog as it was at a git revision, analysed."""
    from revtrace.analysis.analyse import analyse_sources
    from revtrace.load.git import GitError, read_at_revision

    try:
        sources = read_at_revision(revision, arguments, files)
    except GitError as exc:
        fail(str(exc))
    return analyse_sources(sources, _today())


# -- diff ------------------------------------------------------------------------------------


@app.command(epilog="Example:  revtrace diff old/metrics.yaml metrics.yaml --format markdown")
def diff(
    old: Annotated[str, typer.Argument(help="The catalog before: a file or a directory.")],
    new: Annotated[str, typer.Argument(help="The catalog after: a file or a directory.")],
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.text,
    config: ConfigOption = None,
) -> None:
    """Compare two catalogs: which change cut which path to revenue.

    Reports metrics added without a path, metrics that lost theirs (naming the removed link
    that cut it), and metrics and links added or removed. Exits 1 when the change adds
    findings.
    """
    from dataclasses import replace

    from revtrace.analysis.diff import compare

    settings = _settings(config)
    policy = _policy(settings)
    old_arguments, old_files = _catalog_files([old], settings)
    new_arguments, new_files = _catalog_files([new], settings)
    before = _analyse(old_files, old_arguments)
    after = _analyse(new_files, new_arguments)
    before_reported = replace(before, findings=tuple(policy.apply(before.findings)))
    change = compare(before_reported, after, policy.apply(after.findings))
    if output_format is DiffFormat.json:
        from revtrace.render import json

        _emit(json.diff(change, old, new), None, False, [])
    elif output_format is DiffFormat.markdown:
        from revtrace.render import markdown

        _emit(
            "\n".join(markdown.change_section(change, f"revtrace diff: {old} → {new}")),
            None,
            False,
            [],
        )
    else:
        from revtrace.render import text

        text.diff(_console(), change, old, new)
    raise typer.Exit(policy.exit_code(change.new_findings))


# -- tree, trace -------------------------------------------------------------------------------


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
    ] = ViewFormat.text,
    config: ConfigOption = None,
) -> None:
    """Print the revenue-lineage tree: each revenue metric, what drives it, and so on down.

    Each metric is expanded once, under its shortest route to revenue; met again it is
    marked (*), and a link back to a metric above it is marked as a cycle. With -m, each
    selected metric's lineage up to revenue (`+ID`: what drives it). Metrics with no path
    to revenue are listed after the tree.
    """
    from revtrace.analysis.analyse import lineage

    arguments, files = _catalog_files(catalogs, _settings(config))
    # Only errors are reported here, so the rules that cannot report one are skipped.
    analysis = _analyse(files, arguments, errors_only=True)
    code = _report_errors(analysis)
    selectors = _selectors(metric, analysis, code)
    result = _or_fail(lambda: lineage(analysis, selectors, depth, reverse))
    if output_format is ViewFormat.json:
        from revtrace.render import json

        _emit(json.tree(analysis, result), None, False, [])
    else:
        from revtrace.render import text

        text.tree(_console(), analysis, result)
    raise typer.Exit(code)


def _selectors(texts: list[str] | None, analysis: Analysis, code: int) -> list[Selector]:
    """Parse -m selectors and check that their metrics exist (exit 2 when not)."""
    from revtrace.analysis.select import SelectorError, parse, resolve

    if not texts:
        return []
    try:
        selectors = parse(texts)
        resolve(selectors, analysis.graph)
    except SelectorError as exc:
        if analysis.incomplete:
            # The metric may be in the part of the catalog that could not be read.
            raise typer.Exit(code or EXIT_FINDINGS) from None
        fail(str(exc))
    return selectors


def _or_fail(action: Callable[[], T]) -> T:
    from revtrace.analysis.select import SelectorError

    try:
        return action()
    except SelectorError as exc:
        fail(str(exc))


@app.command(
    epilog="Examples:  revtrace trace website_sessions  ·  revtrace trace bounce_rate --format json"
)
def trace(
    metric: Annotated[
        str, typer.Argument(help="The id of the metric to trace.", show_default=False)
    ],
    catalogs: CatalogsArg = None,
    max_paths: Annotated[
        int, typer.Option("--max-paths", "-n", min=1, help="Show at most this many paths.")
    ] = 20,
    output_format: Annotated[
        ViewFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ViewFormat.text,
    config: ConfigOption = None,
) -> None:
    """Show why a metric is kept (its paths to revenue) or why not (where its chains end).

    Paths are listed shortest first; a path ends at the first revenue metric it reaches.
    """
    from revtrace.analysis.analyse import trace as trace_metric

    arguments, files = _catalog_files(catalogs, _settings(config))
    analysis = _analyse(files, arguments, errors_only=True)
    code = _report_errors(analysis)
    if metric not in analysis.catalog:
        _unknown_metric(analysis, metric, code)
    result = trace_metric(analysis, metric, max_paths)
    if output_format is ViewFormat.json:
        from revtrace.render import json

        _emit(json.trace(result, analysis), None, False, [])
    else:
        from revtrace.render import text

        text.trace(_console(), analysis, result)
    raise typer.Exit(code)


def _unknown_metric(analysis: Analysis, metric: str, code: int) -> NoReturn:
    from revtrace.model.wording import suggest

    if analysis.incomplete:
        # The metric may be in the part of the catalog that could not be read.
        raise typer.Exit(code or EXIT_FINDINGS)
    fail(f"unknown metric '{metric}'{suggest(metric, analysis.catalog.metrics)}")


class GraphFormat(str, enum.Enum):
    mermaid = "mermaid"
    dot = "dot"
    json = "json"


class ScoreFormat(str, enum.Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ScoreBy(str, enum.Enum):
    team = "team"
    owner = "owner"


def _selected(metric: list[str] | None, analysis: Analysis, code: int) -> list[str]:
    """The metric ids the -m selectors choose (all metrics without one), catalog order."""
    from revtrace.analysis.select import resolve

    selectors = _selectors(metric, analysis, code)
    if not selectors:
        return list(analysis.catalog.metrics)
    return _or_fail(lambda: resolve(selectors, analysis.graph))


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
    ] = GraphFormat.mermaid,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Write to FILE (atomically).", metavar="FILE"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Let -o overwrite a file.")] = False,
    config: ConfigOption = None,
) -> None:
    """Export the lineage graph as Mermaid, Graphviz DOT or node-link JSON.

    Mermaid renders in GitHub Markdown. Revenue metrics, metrics without a path,
    deprecated metrics and links in loops are styled apart, with a legend.
    """
    from importlib import import_module

    arguments, files = _catalog_files(catalogs, _settings(config))
    analysis = _analyse(files, arguments, errors_only=True)
    code = _report_errors(analysis)
    metrics = _selected(metric, analysis, code)
    renderer = import_module(f"revtrace.render.{output_format.value}")
    _emit(renderer.graph(analysis, metrics), output, force, files)
    raise typer.Exit(code)


@app.command(
    epilog="Examples:  revtrace scorecard  ·  revtrace scorecard --by owner --format markdown"
)
def scorecard(
    catalogs: CatalogsArg = None,
    metric: SelectOption = None,
    by: Annotated[ScoreBy, typer.Option("--by", help="Group by team or by owner.")] = ScoreBy.team,
    output_format: Annotated[
        ScoreFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ScoreFormat.text,
    config: ConfigOption = None,
) -> None:
    """Score each team (or owner) by how much of what it tracks reaches revenue.

    For each: metrics tracked, how many reach revenue, the share, the median distance to
    revenue and the candidates to drop. Worst first.
    """
    from revtrace.analysis.analyse import scorecard as score

    arguments, files = _catalog_files(catalogs, _settings(config))
    analysis = _analyse(files, arguments, errors_only=True)
    code = _report_errors(analysis)
    rows = score(analysis, _selected(metric, analysis, code), by.value)
    if output_format is ScoreFormat.json:
        from revtrace.render import json

        _emit(json.scorecard(rows, by.value), None, False, [])
    elif output_format is ScoreFormat.markdown:
        from revtrace.render import markdown

        _emit(markdown.scorecard(rows, by.value), None, False, [])
    else:
        from revtrace.render import text

        text.scorecard(_console(), rows, by.value)
    raise typer.Exit(code)


@app.command(epilog="Example:  revtrace report examples/b2b-saas.yaml -o report.html")
def report(
    catalogs: CatalogsArg = None,
    metric: SelectOption = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output", "-o", help="Write the report to FILE (default: stdout).", metavar="FILE"
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Let -o overwrite a file.")] = False,
    config: ConfigOption = None,
) -> None:
    """Write a self-contained HTML report with the lineage picture and a search box.

    Also the audit summary, the candidates to drop and the team scorecard. One file that
    works offline.
    """
    from revtrace.analysis import analyse as core
    from revtrace.render import html

    settings = _settings(config)
    arguments, files = _catalog_files(catalogs, settings)
    policy = _policy(settings)
    analysis = _analyse(files, arguments)
    metrics = _selected(metric, analysis, EXIT_FINDINGS)
    audit_report = core.audit(analysis, policy, selected=metrics)
    _emit(
        html.report(audit_report, core.scorecard(analysis, metrics), metrics), output, force, files
    )
    if output is not None:
        note(f"revtrace: wrote the report to {output}")
    raise typer.Exit(policy.exit_code(audit_report.findings))


@app.command(
    epilog=(
        "Examples:  revtrace impact examples/b2b-referral-flywheel.yaml"
        "  ·  revtrace impact --what-if website_sessions=+10% --what-if referrals=-5%"
    )
)
def impact(
    catalogs: CatalogsArg = None,
    output_format: Annotated[
        ScoreFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ScoreFormat.text,
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
) -> None:
    """Rank metrics by revenue leverage, from the elasticities on the links.

    Leverage is the % change in revenue for a 1% change in the metric, summed over every
    path, loops included.
    """
    from revtrace.graph import leverage
    from revtrace.render import impact as render

    arguments, files = _catalog_files(catalogs, _settings(config))
    analysis = _analyse(files, arguments, errors_only=True)
    code = _report_errors(analysis)
    changes = _what_if(what_if or [], analysis)
    report = leverage.compute(analysis.graph)
    predicted = leverage.what_if(report, analysis.graph, changes) if changes else None
    if output_format is ScoreFormat.json:
        _emit(render.json(report, top, predicted), None, False, [])
    elif output_format is ScoreFormat.markdown:
        _emit(render.markdown(report, analysis.graph, top, predicted), None, False, [])
    else:
        render.text(_console(), report, analysis.graph, top, predicted)
    raise typer.Exit(code)


def _what_if(texts: list[str], analysis: Analysis) -> dict[str, float]:
    import re

    from revtrace.model.wording import suggest

    changes: dict[str, float] = {}
    for text in texts:
        match = re.fullmatch(r"\s*([^=\s]+)\s*=\s*([+-]?\d+(?:\.\d+)?)\s*%?\s*", text)
        if match is None:
            fail(f"--what-if {text}: write METRIC=+10% (or -5%)")
        metric, percent = match.group(1), float(match.group(2))
        if metric not in analysis.catalog:
            fail(f"--what-if: unknown metric '{metric}'{suggest(metric, analysis.catalog.metrics)}")
        changes[metric] = changes.get(metric, 0.0) + percent
    return changes


# -- configuration, rules, schema, init ---------------------------------------------------------


@app.command("config")
def show_config(
    output_format: Annotated[
        ViewFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ViewFormat.text,
    config: ConfigOption = None,
) -> None:
    """Show the effective settings and where each one came from."""
    import json

    from revtrace.config import SETTINGS

    settings = _settings(config)
    values = {name: getattr(settings, name.replace("-", "_")) for name in SETTINGS}
    if output_format is ViewFormat.json:
        document = {
            "config_file": settings.config_file,
            "settings": {
                name: {"value": values[name], "source": settings.sources[name]} for name in SETTINGS
            },
        }
        _emit(json.dumps(document, indent=2) + "\n", None, False, [])
        return
    from rich.table import Table
    from rich.text import Text

    from revtrace.render.escape import visible

    console = _console()
    console.print(
        Text(f"Configuration file: {visible(settings.config_file or 'none found')}"), soft_wrap=True
    )
    table = Table(box=None, pad_edge=False)
    for column in ("Setting", "Value", "Source"):
        table.add_column(column, overflow="fold")
    for name in SETTINGS:
        value = values[name]
        shown = "(all rules)" if name == "select" and value is None else json.dumps(value)
        table.add_row(name, Text(visible(shown)), Text(visible(settings.sources[name])))
    console.print(table)


@app.command()
def rules() -> None:
    """List every rule: code, name, default severity and what it checks."""
    from rich.table import Table

    from revtrace.rules import ALL_RULES

    table = Table(box=None, show_header=True, pad_edge=False)
    for column in ("Code", "Name", "Severity", "What it checks"):
        table.add_column(column, overflow="fold")
    for rule in ALL_RULES.values():
        table.add_row(rule.code, rule.name, str(rule.severity), rule.summary)
    _console().print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the catalog format, for editors and other tools.

    Save it next to the catalog and point the YAML language server at it:
    `# yaml-language-server: $schema=./revtrace-schema.json`.
    """
    from revtrace.schema import dumps

    _emit(dumps(), None, False, [])


@app.command(epilog="Example:  revtrace init metrics.yaml --template saas")
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the catalog.")] = Path(
        "metrics.yaml"
    ),
    template: Annotated[
        Template, typer.Option("--template", "-t", help="Which starter catalog.")
    ] = Template.content,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a starter catalog. Refuses to overwrite an existing file without --force."""
    from importlib.resources import files

    text = (files("revtrace") / "templates" / f"{template.value}.yaml").read_text(encoding="utf-8")
    _emit(text, path, force, [])
    note(
        f"revtrace: wrote a {template.value} starter catalog to {path}; next: revtrace audit {path}"
    )


def _help_paragraphs(doc: str) -> str:
    """A docstring as `--help` should show it: each paragraph one line, for rich to wrap
    to the terminal. Typer keeps a docstring's line breaks, and rich then broke each
    wrapped line a second time ("summed over / every / path")."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


for _command in app.registered_commands:
    if _command.help is None and _command.callback is not None and _command.callback.__doc__:
        _command.help = _help_paragraphs(_command.callback.__doc__)


def _exit_now(code: object) -> NoReturn:
    """Flush and leave without tearing down millions of objects one by one (which takes
    longer than writing the report on large catalogs)."""
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if not isinstance(code, (int, type(None))):
        sys.stderr.write(f"{code}\n")
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # BrokenPipeError is an OSError
            stream.flush()
    os._exit(status)


def main() -> None:
    """Console-script entry point: no Python traceback ever reaches the user."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            # A name in any script must print even where the terminal's encoding is ASCII.
            reconfigure(errors="backslashreplace")
    # A one-shot process: the cyclic garbage collector only costs time here (about a
    # second on a 100,000-metric catalog, measured), and the objects revtrace builds hold
    # no reference cycles worth collecting.
    gc.disable()
    try:
        app(prog_name="revtrace")
    except SystemExit as exit_:
        _exit_now(exit_.code)
    except KeyboardInterrupt:
        sys.stderr.write("revtrace: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        # `revtrace tree | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_CLEAN)
    except Exception as exc:  # the last line of defence, see the docstring
        if os.environ.get("REVTRACE_DEBUG"):
            raise
        sys.stderr.write(
            f"revtrace: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in revtrace. Set REVTRACE_DEBUG=1 for the traceback and report it.\n"
        )
        sys.exit(EXIT_CANNOT_RUN)
