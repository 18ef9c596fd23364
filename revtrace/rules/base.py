"""What every graph-level check receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.model.findings import Finding
from revtrace.values.reader import ValueTable


@dataclass(frozen=True)
class RuleContext:
    graph: RevenueGraph
    #: The day the audit runs, for time-boxed exceptions (`keep: {until: …}`).
    today: date
    #: What the loader reported: a rule stays silent where a loading error already says
    #: what is wrong (one mistake, one finding, at the line to fix).
    loading: tuple[Finding, ...] = ()
    #: The values file given to audit (`--values`), for the rules about the numbers.
    values: ValueTable | None = None
