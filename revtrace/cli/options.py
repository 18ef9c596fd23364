"""The options the commands share, and the choices of each, built from one source each.

Format choices come from `revtrace.render.FORMATS`, the fail-on choices from
`revtrace.model.codes`, so a format or a setting is named in one place only.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from revtrace.model.codes import FAIL_ON_CHOICES
from revtrace.render import AUDIT_CHOICES, FORMATS

OUTPUT_PANEL = "Output"
GATE_PANEL = "Gate (what fails the run)"
CHANGE_PANEL = "Baseline and change"
CONFIG_PANEL = "Configuration"


def choices(name: str, values: Sequence[str]) -> type[enum.Enum]:
    """A str Enum whose members are `values`: typer offers an Enum's values as choices."""
    return enum.Enum(name, {value: value for value in values}, type=str)  # type: ignore[return-value]


if TYPE_CHECKING:
    # For the type checker, each is a str Enum; at run time, built from the lists above.
    class AuditFormat(str, enum.Enum): ...

    class ViewFormat(str, enum.Enum): ...

    class DiffFormat(str, enum.Enum): ...

    class GraphFormat(str, enum.Enum): ...

    class TableFormat(str, enum.Enum): ...

    class RulesFormat(str, enum.Enum): ...

    class EvidenceFormat(str, enum.Enum): ...

    class FailOn(str, enum.Enum): ...

    class ScoreBy(str, enum.Enum): ...

    class Template(str, enum.Enum): ...

else:
    AuditFormat = choices("AuditFormat", AUDIT_CHOICES)
    ViewFormat = choices("ViewFormat", FORMATS["tree"])
    DiffFormat = choices("DiffFormat", FORMATS["diff"])
    GraphFormat = choices("GraphFormat", FORMATS["graph"])
    TableFormat = choices("TableFormat", FORMATS["scorecard"])
    RulesFormat = choices("RulesFormat", FORMATS["rules"])
    EvidenceFormat = choices("EvidenceFormat", FORMATS["explain"])
    FailOn = choices("FailOn", FAIL_ON_CHOICES)
    ScoreBy = choices("ScoreBy", ("auto", "team", "owner"))
    Template = choices("Template", ("saas", "ecommerce", "content"))

#: Each choice's default, one value each (an Enum call in a signature runs at import).
TEXT_VIEW = ViewFormat("text")
TEXT_DIFF = DiffFormat("text")
MERMAID = GraphFormat("mermaid")
TEXT_TABLE = TableFormat("text")
TEXT_RULES = RulesFormat("text")
TEXT_EVIDENCE = EvidenceFormat("text")
BY_AUTO = ScoreBy("auto")
CONTENT_TEMPLATE = Template("content")


CatalogsArg = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads annotations at run time on Python 3.10
    typer.Argument(
        help="Catalog files, directories or glob patterns \\[default: from the configuration,"
        " else metrics.yaml].",
        show_default=False,
        metavar="CATALOG...",
    ),
]
SelectOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--metric",
        "-m",
        help="Select metrics: ID, +ID (what drives it), ID+ (what it drives), N+ID, ID+N,"
        " @ID, team:NAME, owner:NAME, tag:NAME, status:NAME; wildcards (web_*) and"
        " intersections (team:sales,tag:seo) as in dbt; several allowed.",
        metavar="SELECTOR",
    ),
]
ConfigOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--config",
        help="Read this configuration file instead of searching for one.",
        metavar="FILE",
        rich_help_panel=CONFIG_PANEL,
    ),
]
OutputOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output",
        "-o",
        help="Write to FILE (atomically) instead of stdout.",
        metavar="FILE",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force", help="Let -o overwrite an existing file.", rich_help_panel=OUTPUT_PANEL
    ),
]
ValuesOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--values",
        help="CSV of each metric's value per period (period,metric,value, or one column per"
        " metric): audit and report check the links against it, explain and fit read it"
        " \\[default: the `values` setting].",
        metavar="FILE",
        show_default=False,
    ),
]
NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Neither read nor write the cache (.revtrace_cache) \\[also: REVTRACE_NO_CACHE=1].",
        rich_help_panel=CONFIG_PANEL,
    ),
]
