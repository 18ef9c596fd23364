"""What the lineage exports (`graph`, the report's picture) draw: each metric's status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from revtrace.analysis.core import Analysis

#: A metric's status in a picture, most telling first.
STATUSES = ("revenue", "view", "no-path", "kept", "deprecated", "reaches")


@dataclass(frozen=True)
class GraphView:
    """The metrics to draw (all, or a selection) and the links between them."""

    analysis: Analysis
    metrics: Sequence[str]

    def status(self, metric_id: str) -> str:
        """One of STATUSES: revenue, deprecated (on its way out, with a path or not),
        view (computed from revenue), kept (no path, kept by exception), no-path,
        reaches."""
        graph = self.analysis.graph
        if graph.is_revenue(metric_id):
            return "revenue"
        if self.analysis.catalog.metrics[metric_id].deprecated:
            return "deprecated"
        if not graph.reaches_revenue(metric_id):
            if graph.view_of(metric_id) is not None:
                return "view"
            return "kept" if self.analysis.is_kept(metric_id) else "no-path"
        return "reaches"

    def without_path(self) -> list[str]:
        """The drawn metrics without a path to revenue, views of revenue aside, in order:
        the candidates to drop and the kept ones, which every picture boxes apart."""
        graph = self.analysis.graph
        return [m for m in self.metrics if not graph.reaches_revenue(m) and not graph.view_of(m)]

    def linked_to_nothing(self) -> list[str]:
        """Of `without_path()`, the metrics no drawn link joins to any other: nothing
        drives them and they drive nothing (an imported project starts with dozens).
        Asked of the graph for these few, not of every link (0.15 s at 100,000)."""
        graph = self.analysis.graph
        chosen = set(self.metrics)
        return [
            m
            for m in self.without_path()
            if not any(t in chosen for t in graph.successors(m))
            and not any(s in chosen for s in graph.drivers_of(m))
        ]

    def links(self) -> list[tuple[str, str]]:
        """Each link between two drawn metrics, once, in catalog order."""
        chosen = set(self.metrics)
        metrics = self.analysis.catalog.metrics
        return list(
            dict.fromkeys(
                (link.source, link.target)
                for m in self.metrics
                for link in metrics[m].drives
                if link.target in chosen
            )
        )
