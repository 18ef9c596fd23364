"""The commands that do not read a catalog: configuration, rules, schema, init."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from revtrace.cli import session
from revtrace.cli.app import app
from revtrace.cli.options import (
    CONTENT_TEMPLATE,
    TEXT_RULES,
    TEXT_VIEW,
    ConfigOption,
    RulesFormat,
    Template,
    ViewFormat,
)


@app.command("config")
def show_config(
    output_format: Annotated[
        ViewFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_VIEW,
    config: ConfigOption = None,
) -> None:
    """Show the effective settings and where each one came from."""
    import json

    from revtrace.config import SETTINGS

    settings = session.settings_from(config)
    values = {name: getattr(settings, name.replace("-", "_")) for name in SETTINGS}
    if output_format.value == "json":
        document = {
            "config_file": settings.config_file,
            "settings": {
                name: {"value": values[name], "source": settings.sources[name]} for name in SETTINGS
            },
        }
        session.emit(json.dumps(document, indent=2) + "\n", None, False, [])
        return
    from rich.table import Table
    from rich.text import Text

    from revtrace.render.escape import visible

    console = session.console()
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


@app.command(epilog="Examples:  revtrace rules RT012 · revtrace rules --format markdown")
def rules(
    names: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            help="Rule codes, prefixes or names (RT012, RT01, keep-without-reason, ALL):"
            " print their whole documentation, with a failing and a passing example.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        RulesFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TEXT_RULES,
) -> None:
    """List every rule: code, name, default severity and what it checks.

    Name rules to read their whole documentation, as in `revtrace rules RT001` (also in
    docs/rules.md).
    """
    from revtrace.analysis.policy import PolicyError, rule_docs
    from revtrace.rules import ALL_RULES

    try:
        docs = rule_docs(ALL_RULES, names or [])
    except PolicyError as exc:
        session.fail(str(exc))
    session.show("rules", output_format.value, docs)


@app.command()
def clean(config: ConfigOption = None) -> None:
    """Delete the cache (.revtrace_cache, or the cache-dir setting's folder).

    Only a folder revtrace made (with its CACHEDIR.TAG) is deleted; anything else is left
    as it is, exit 2.
    """
    from revtrace.load.store import NotACache, Store

    store = Store(session.cache_folder(session.settings_from(config)))
    existed = os.path.lexists(store.root)
    try:
        store.clear()
    except NotACache:
        session.fail(f"{store.root} is not a revtrace cache (no CACHEDIR.TAG of ours): kept")
    except OSError as exc:
        session.fail(f"cannot delete {store.root}: {exc.strerror or exc}")
    session.note(f"revtrace: {'deleted' if existed else 'no cache at'} {store.root}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the catalog format, for editors and other tools.

    Save it next to the catalog and point the YAML language server at it:
    `# yaml-language-server: $schema=./revtrace-schema.json`.
    """
    from revtrace.schema import dumps

    session.emit(dumps(), None, False, [])


@app.command(epilog="Example:  revtrace init metrics.yaml --template saas")
def init(
    path: Annotated[
        Path, typer.Argument(help="Where to write the catalog.", metavar="PATH")
    ] = Path("metrics.yaml"),
    template: Annotated[
        Template, typer.Option("--template", "-t", help="Which starter catalog.")
    ] = CONTENT_TEMPLATE,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a starter catalog. Refuses to overwrite an existing file without --force."""
    from importlib.resources import files

    text = (files("revtrace") / "templates" / f"{template.value}.yaml").read_text(encoding="utf-8")
    session.emit(text, path, force, [])
    from revtrace.model.wording import article

    session.note(
        f"revtrace: wrote {article(template.value)} starter catalog to {path};"
        f" next: revtrace audit {path}"
    )
