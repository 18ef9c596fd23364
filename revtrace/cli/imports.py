"""`revtrace import dbt|lightdash`: metric definitions from where they already live → a
catalog."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from revtrace.cli import session
from revtrace.cli.app import app
from revtrace.cli.options import OUTPUT_PANEL, TEXT_VIEW, ForceOption, ViewFormat
from revtrace.model.codes import EXIT_CLEAN, EXIT_FINDINGS

if TYPE_CHECKING:
    from revtrace.importers import ImportResult

imports = typer.Typer(
    help="Import metric definitions from a semantic layer into a revtrace catalog.",
    no_args_is_help=True,
)
app.add_typer(imports, name="import")

# The options both importers share, declared once.
CatalogOutput = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output",
        "-o",
        help="Write the catalog to FILE (atomically) instead of stdout.",
        metavar="FILE",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
CheckOption = Annotated[
    bool,
    typer.Option(
        "--check",
        help="Write nothing: exit 1 if FILE is not what the import gives (for CI).",
    ),
]
NotesFormat = Annotated[
    ViewFormat,
    typer.Option(
        "--format",
        "-f",
        help="How to report what was not carried over: text on stderr, or JSON.",
        rich_help_panel=OUTPUT_PANEL,
    ),
]


@imports.command(
    "dbt",
    epilog=(
        "Examples:  revtrace import dbt . -o metrics/dbt.yaml"
        "  ·  revtrace import dbt target/semantic_manifest.json --revenue revenue"
        "  ·  revtrace import dbt . -o metrics/dbt.yaml --check"
    ),
)
def dbt(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="A dbt project folder, its YAML files, or target/semantic_manifest.json or"
            " target/manifest.json.",
            metavar="PATH",
        ),
    ],
    output: CatalogOutput = None,
    revenue: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--revenue",
            help="Mark this metric as revenue (or set meta.revtrace.revenue: true in dbt).",
            metavar="ID",
        ),
    ] = None,
    check: CheckOption = False,
    force: ForceOption = False,
    output_format: NotesFormat = TEXT_VIEW,
) -> None:
    """Write a revtrace catalog of a dbt project's metrics (Semantic Layer or legacy).

    Each metric keeps its name, label, description, owner and team; what it is computed
    from becomes a formula (same-period arithmetic: ratios, derived metrics) or
    computed_from (offsets, filters, cumulative and conversion metrics). Keep the business
    links a semantic layer lacks in another file, under links:, next to the generated one.
    """
    from revtrace.importers import ImportFailed, NoMetrics, import_dbt

    try:
        result = import_dbt(paths, revenue or [])
    except NoMetrics as exc:
        _report(exc.notes, output_format.value, stdout_free=False)
        session.fail(str(exc) + _other_importer("dbt", paths))
    except ImportFailed as exc:
        session.fail(str(exc))
    command = "revtrace import dbt " + " ".join(paths)
    _write(result, "dbt", command, paths, output, check, force, output_format)


@imports.command(
    "lightdash",
    epilog=(
        "Examples:  revtrace import lightdash models/ -o metrics/lightdash.yaml"
        "  ·  revtrace import lightdash models/ --allow-missing --revenue orders.revenue"
    ),
)
def lightdash(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Folders or YAML files: dbt schema files with Lightdash meta, or Lightdash"
            " YAML models.",
            metavar="PATH",
        ),
    ],
    output: CatalogOutput = None,
    revenue: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--revenue", help="Mark this metric (model.metric) as revenue.", metavar="ID"),
    ] = None,
    allow_missing: Annotated[
        bool,
        typer.Option(
            "--allow-missing",
            help="Drop drivers that name no metric in the files given, with a warning.",
        ),
    ] = False,
    check: CheckOption = False,
    force: ForceOption = False,
    output_format: NotesFormat = TEXT_VIEW,
) -> None:
    """Write a revtrace catalog of a Lightdash project's metrics.

    Metrics under a model's or a column's meta.metrics (or config.meta.metrics) and in
    Lightdash YAML models, named model.metric, with label, description, owner
    (spotlight.owner) and tags (spotlight.categories). Each of a metric's drivers drives
    it; ${metric} references in a non-aggregate metric's sql make it computed from them.
    A driver that names no metric in the files given is an error (exit 1) unless
    --allow-missing.
    """
    from revtrace.importers import ImportFailed, MissingDrivers, NoMetrics, import_lightdash

    try:
        result = import_lightdash(paths, revenue or [], allow_missing=allow_missing)
    except MissingDrivers as exc:
        session.note(f"revtrace: {exc}")
        raise typer.Exit(EXIT_FINDINGS) from None
    except NoMetrics as exc:
        _report(exc.notes, output_format.value, stdout_free=False)
        session.fail(str(exc) + _other_importer("lightdash", paths))
    except ImportFailed as exc:
        session.fail(str(exc))
    command = "revtrace import lightdash " + " ".join(paths)
    _write(result, "lightdash", command, paths, output, check, force, output_format)


def _other_importer(kind: str, paths: list[str]) -> str:
    """`; it holds 3 Lightdash metrics, read by: revtrace import lightdash models/` when
    the paths an import found nothing in hold metrics the other importer reads (a
    Lightdash project given to `import dbt`, say); else nothing. Only run when an import
    is empty: it reads the files a second time."""
    from revtrace.importers import ImportFailed, import_dbt, import_lightdash

    other, label = ("lightdash", "Lightdash") if kind == "dbt" else ("dbt", "dbt")
    try:
        if other == "lightdash":
            found = import_lightdash(paths, allow_missing=True)
        else:
            found = import_dbt(paths)
    except ImportFailed:
        return ""
    if not found.metrics:
        return ""
    count = len(found.metrics)
    command = " ".join(["revtrace", "import", other, *(shlex.quote(p) for p in paths)])
    holds = "it holds" if len(paths) == 1 else "they hold"
    return f"; {holds} {count} {label} metric{'s' * (count != 1)}, read by: {command}"


def _write(
    result: ImportResult,
    kind: str,
    command: str,
    paths: list[str],
    output: Path | None,
    check: bool,
    force: bool,
    output_format: ViewFormat,
) -> None:
    """Read the generated catalog back, report what was not carried, then write it (or,
    with --check, compare it with the file)."""
    from revtrace.importers import to_catalog
    from revtrace.load import load_catalog_text

    text = to_catalog(result, command)
    # The generated text is read back as any catalog is: an import never writes one the
    # loader would refuse.
    refused = [f for f in load_catalog_text(text, "<import>").findings if f.code != "RT018"]
    if refused:
        first = refused[0]
        sources = {m.id: m.source for m in result.metrics}
        # Name the file that defined the metric: that is where the user can fix it.
        origin = next(
            (sources[m] for m in sources if m == first.metric or f"'{m}'" in first.message),
            None,
        )
        where = f" (defined in {origin})" if origin else ""
        session.fail(f"the imported catalog would not load: {first.message}{where}")
    _report(result.notes, output_format.value, output is not None and not check)
    if not result.metrics:
        what = "dbt" if kind == "dbt" else "Lightdash"
        session.note(
            f"revtrace: no {what} metric in the files given: the catalog is empty"
            + _other_importer(kind, paths)
        )
    if check:
        if output is None:
            session.fail("--check needs -o FILE: the catalog to compare with")
        try:
            current = output.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != text:
            session.note(f"revtrace: {output} is not what the import gives; regenerate it")
            raise typer.Exit(EXIT_FINDINGS)
        raise typer.Exit(EXIT_CLEAN)
    session.emit(text, output, force, [])
    if output is not None:
        session.note(f"revtrace: wrote {len(result.metrics)} metrics to {output}")


def _report(notes: list[str], format_name: str, stdout_free: bool) -> None:
    if format_name == "json":
        document = json.dumps({"not_carried": notes}, ensure_ascii=False, indent=2) + "\n"
        (sys.stdout if stdout_free else sys.stderr).write(document)
        return
    for line in notes:
        session.note(f"revtrace: {line}")
