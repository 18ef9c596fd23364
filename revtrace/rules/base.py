"""What every graph-level check receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from revtrace.graph.revenue_graph import RevenueGraph


@dataclass(frozen=True)
class RuleContext:
    graph: RevenueGraph
    #: The day the audit runs, for time-boxed exceptions (`keep: {until: …}`).
    today: date
