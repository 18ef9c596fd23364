"""The commands that read a values file: `explain` (why revenue moved) and `fit` (is each
link real?). Thin, like the others: options → catalog → values → use case → renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from revtrace.cli import runs, session
from revtrace.cli.app import app
from revtrace.cli.options import (
    TEXT_EVIDENCE,
    CatalogsArg,
    ConfigOption,
    EvidenceFormat,
    ForceOption,
    NoCacheOption,
    OutputOption,
    ValuesOption,
)

if TYPE_CHECKING:
    from revtrace.analysis.evidence import FitView

MetricsOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--metric", "-m", help="Only this metric (several allowed).", metavar="ID"),
]


@app.command(
    epilog=(
        "Examples:  revtrace explain --values values.csv"
        "  ·  revtrace explain --values values.csv --from 2026-06 --to 2026-09 --format markdown"
    )
)
def explain(
    catalogs: CatalogsArg = None,
    values: ValuesOption = None,
    start: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--from",
            help="The period to explain from \\[default: the one before --to].",
            metavar="PERIOD",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--to",
            help="The period to explain to \\[default: the last].",
            metavar="PERIOD",
            show_default=False,
        ),
    ] = None,
    metric: MetricsOption = None,
    output_format: Annotated[
        EvidenceFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_EVIDENCE,
    output: OutputOption = None,
    force: ForceOption = False,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Explain why revenue moved between two periods: which metrics drove it, by how much,
    and how much the catalog's links leave unexplained.

    Exact, through the graph: each link's elasticity (or a formula's exact weights) splits
    the change in log points; contributions and the unexplained rest add up to the change.
    """
    parameters = dict(locals())  # every option is in the cache's key
    run = session.open_catalog(catalogs, config, view=True, no_cache=no_cache)
    chosen = str(values) if values is not None else run.settings.values

    def show(out: runs.Output) -> None:
        from revtrace.analysis.explain import explain as run_explain

        table = session.read_values(run, chosen)
        report = session.or_fail(lambda: run_explain(run.analysis, table, start, end, metric or ()))
        out.show("explain", report)

    runs.serve(run, "explain", parameters, show, output_format.value, output, force, [chosen])


@app.command(
    epilog=(
        "Examples:  revtrace fit --values values.csv"
        "  ·  revtrace fit --values values.csv --diff > fit.patch && git apply fit.patch"
    )
)
def fit(
    catalogs: CatalogsArg = None,
    values: ValuesOption = None,
    metric: MetricsOption = None,
    output_format: Annotated[
        EvidenceFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_EVIDENCE,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Print a patch (for git apply) that sets each fitted link's elasticity to"
            " its estimate, with confidence: estimated. revtrace never edits the catalog.",
        ),
    ] = False,
    output: OutputOption = None,
    force: ForceOption = False,
    config: ConfigOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Check every link against the history in a values file.

    Each metric's log changes are fitted (least squares) on its drivers' to give each
    link's elasticity, a 95% interval and a verdict; formulas are checked as identities.
    Correlational evidence, not proof of causation. `audit --values` is the gate.
    """
    parameters = dict(locals())  # every option is in the cache's key
    run = session.open_catalog(catalogs, config, view=True, no_cache=no_cache)
    chosen = str(values) if values is not None else run.settings.values

    def show(out: runs.Output) -> None:
        from revtrace.analysis.evidence import fit_links

        table = session.read_values(run, chosen)
        for wanted in metric or ():
            if wanted not in run.analysis.catalog:
                session.unknown_metric(run, wanted)
        view: FitView = fit_links(run.analysis, table, metric or ())
        if diff:
            _print_patch(view, out)
        else:
            out.show("fit", view)

    runs.serve(run, "fit", parameters, show, output_format.value, output, force, [chosen])


def _print_patch(view: FitView, out: runs.Output) -> None:
    from revtrace.analysis.evidence import patch
    from revtrace.model.wording import plural

    result = patch(view)
    out.emit(result.diff)
    if result.links:
        said = (
            f"the patch sets the elasticity of {plural(result.links, 'link')} from the values"
            " (confidence: estimated); review it, then apply it with `git apply`"
        )
    elif result.current:
        said = f"the catalog says {plural(result.current, 'estimate')} already: the patch is empty"
    else:
        said = "no link has an estimate to write: the patch is empty"
    session.note(f"revtrace: {said}")
    for link, why in result.left_out:
        session.note(f"revtrace: left out {link} ({why})")
    if "\n--- a/../" in "\n" + result.diff:
        session.note(
            "revtrace: the patch names files outside this folder (../): run revtrace from the"
            " folder you will run `git apply` in"
        )


__all__ = ["explain", "fit"]
