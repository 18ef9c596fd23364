"""What every graph-level check receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.model.catalog import Metric
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


#: The tag `revtrace import` gives every metric it writes, by importer.
IMPORTERS = ("dbt", "lightdash")


def imported_by(metric: Metric) -> str | None:
    """The importer that wrote the metric ("dbt", "lightdash"), known by its tag and the
    file it came from as its source; None for a metric written by hand. Its catalog is
    regenerated, never edited, so advice about it names the source instead."""
    if metric.source is None:
        return None
    return next((name for name in IMPORTERS if name in metric.tags), None)
