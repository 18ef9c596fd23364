"""`fit`: the catalog's links checked against a values file (revtrace.values.fit), and
the metrics without a path to revenue that move with it anyway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from revtrace.analysis.core import Analysis
from revtrace.values.fit import VERDICTS, FitReport, LinkFit, fit, moves_with
from revtrace.values.reader import ValueTable

#: The order `fit` lists links in: what needs attention first.
_ORDER = {v: i for i, v in enumerate(("contradicted", "formula-mismatch", *VERDICTS))}


@dataclass(frozen=True)
class Tracking:
    """A metric with no path to revenue whose changes track a revenue metric's."""

    metric: str
    revenue: str
    correlation: float
    changes: int


@dataclass(frozen=True)
class FitView:
    analysis: Analysis
    report: FitReport
    tracking: tuple[Tracking, ...]

    @property
    def links(self) -> list[LinkFit]:
        """Contradicted links and broken formulas first, then by verdict, then by target."""
        return sorted(self.report.links, key=lambda r: _ORDER[r.verdict])

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for result in self.report.links:
            counts[result.verdict] += 1
        return {v: n for v, n in counts.items() if n}


def fit_links(analysis: Analysis, table: ValueTable, metrics: Sequence[str] = ()) -> FitView:
    """Fit every link into the chosen metrics (default: all)."""
    graph = analysis.graph
    report = fit(analysis.catalog, table, metrics or None)
    revenue = graph.revenue_metrics
    tracking = []
    chosen = set(metrics)
    for metric in graph.without_revenue_path():
        if chosen and metric not in chosen:
            continue
        found = moves_with(table, metric, revenue)
        if found is not None:
            tracking.append(Tracking(metric, *found))
    return FitView(analysis, report, tuple(tracking))
