"""The command line: options → a core call → a renderer → an exit code. No logic here.

Heavy modules (PyYAML, networkx, rich) are imported inside the commands, so that
`revtrace --version` and `--help` start as fast as typer itself.
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from revtrace import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from revtrace.core import Analysis

EXIT_CLEAN, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2
DEFAULT_CATALOG = Path("metrics.yaml")

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
    text = "text"
    json = "json"


TreeFormat = AuditFormat
TraceFormat = AuditFormat


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


CatalogArg = Annotated[
    Path,
    typer.Argument(help="The catalog file to read.", show_default=True, metavar="CATALOG"),
]


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


def fail(message: str) -> NoReturn:
    """A one-line error on stderr and exit code 2: revtrace cannot run."""
    from rich.text import Text

    from revtrace.render.text import safe

    _console(stderr=True).print(
        Text("revtrace: error: ", style="bold red").append(safe(message)), soft_wrap=True
    )
    raise typer.Exit(EXIT_CANNOT_RUN)


def _analyse(catalog: Path) -> Analysis:
    from revtrace.core import analyse
    from revtrace.loader import CatalogUnreadable

    try:
        return analyse([catalog])
    except CatalogUnreadable as exc:
        hint = ""
        if exc.reason == "no such file" and catalog == DEFAULT_CATALOG:
            hint = " (run revtrace in the folder that holds metrics.yaml, or name the catalog)"
        fail(f"cannot read {exc.path}: {exc.reason}{hint}")


def _report_errors(analysis: Analysis) -> int:
    """For tree and trace: catalog errors go to stderr and make the exit code 1."""
    from revtrace.findings import Severity
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


@app.command(
    epilog=("Examples:  revtrace audit  ·  revtrace audit examples/b2b-saas.yaml --format json")
)
def audit(
    catalog: CatalogArg = DEFAULT_CATALOG,
    output_format: Annotated[
        AuditFormat, typer.Option("--format", "-f", help="Output format.")
    ] = AuditFormat.text,
) -> None:
    """Report every metric with no path to revenue, and every other problem in the catalog.

    Exits 1 when a finding is a warning or an error, so it can gate CI.
    """
    from revtrace.findings import audit_exit_code

    analysis = _analyse(catalog)
    if output_format is AuditFormat.json:
        from revtrace.render import json

        _write(json.audit(analysis))
    else:
        from revtrace.render import text

        text.audit(_console(), analysis)
    raise typer.Exit(audit_exit_code(analysis.findings))


@app.command(
    epilog=(
        "Examples:  revtrace tree  ·  revtrace tree --depth 1"
        "  ·  revtrace tree --metric website_sessions --format json"
    )
)
def tree(
    catalog: CatalogArg = DEFAULT_CATALOG,
    metric: Annotated[
        Optional[str],  # noqa: UP045 - typer reads the annotation at run time on Python 3.10
        typer.Option("--metric", "-m", help="Show this metric's lineage up to revenue instead."),
    ] = None,
    depth: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--depth", "-d", min=0, help="Levels below each root to show (1: direct drivers)."
        ),
    ] = None,
    output_format: Annotated[
        TreeFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TreeFormat.text,
) -> None:
    """Print the revenue-lineage tree: each revenue metric, what drives it, and so on down.

    A metric reached again is marked (*) and not expanded twice; a link back into the
    branch is marked as a cycle. Metrics with no path to revenue are listed after the tree.
    """
    from revtrace.core import lineage

    analysis = _analyse(catalog)
    code = _report_errors(analysis)
    if metric is not None and metric not in analysis.catalog:
        _unknown_metric(analysis, metric, code)
    result = lineage(analysis, metric, depth)
    if output_format is TreeFormat.json:
        from revtrace.render import json

        _write(json.tree(analysis, result))
    else:
        from revtrace.render import text

        text.tree(_console(), analysis, result)
    raise typer.Exit(code)


@app.command(
    epilog="Examples:  revtrace trace website_sessions  ·  revtrace trace bounce_rate --format json"
)
def trace(
    metric: Annotated[
        str, typer.Argument(help="The id of the metric to trace.", show_default=False)
    ],
    catalog: CatalogArg = DEFAULT_CATALOG,
    max_paths: Annotated[
        int, typer.Option("--max-paths", "-n", min=1, help="Show at most this many paths.")
    ] = 20,
    output_format: Annotated[
        TraceFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TraceFormat.text,
) -> None:
    """Show why a metric is kept (its paths to revenue) or why not (where its chains end).

    Paths are listed shortest first; a path ends at the first revenue metric it reaches.
    """
    from revtrace.core import trace as trace_metric

    analysis = _analyse(catalog)
    code = _report_errors(analysis)
    if metric not in analysis.catalog:
        _unknown_metric(analysis, metric, code)
    result = trace_metric(analysis, metric, max_paths)
    if output_format is TraceFormat.json:
        from revtrace.render import json

        _write(json.trace(result))
    else:
        from revtrace.render import text

        text.trace(_console(), analysis, result)
    raise typer.Exit(code)


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


def _unknown_metric(analysis: Analysis, metric: str, code: int) -> NoReturn:
    from revtrace.wording import suggest

    if analysis.incomplete:
        # The metric may be in the part of the catalog that could not be read.
        raise typer.Exit(code or EXIT_FINDINGS)
    fail(f"unknown metric '{metric}'{suggest(metric, analysis.catalog.metrics)}")


def _write(document: str) -> None:
    sys.stdout.write(document)
    sys.stdout.flush()


def main() -> None:
    """Console-script entry point: no Python traceback ever reaches the user."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            # A name in any script must print even where the terminal's encoding is ASCII.
            reconfigure(errors="backslashreplace")
    try:
        app(prog_name="revtrace")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("revtrace: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        # `revtrace tree | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_CLEAN)
    except Exception as exc:
        if os.environ.get("REVTRACE_DEBUG"):
            raise
        sys.stderr.write(
            f"revtrace: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in revtrace. Set REVTRACE_DEBUG=1 for the traceback and report it.\n"
        )
        sys.exit(EXIT_CANNOT_RUN)
