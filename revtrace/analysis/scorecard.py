"""The scorecard use case: how much of what each team (or owner) tracks is traced to revenue."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from revtrace.analysis.core import Analysis
from revtrace.model.wording import plural


@dataclass(frozen=True)
class ScoreRow:
    """How much of what one team (or owner) tracks is traced to revenue."""

    #: The team (or owner); None for the metrics that have none.
    key: str | None
    metrics: int
    #: Metrics with a path to revenue (revenue metrics included).
    reaching: int
    #: Views of revenue (profit, growth): computed from revenue, traced to it that way.
    views: int
    median_distance: float | None
    #: Metrics without a path to revenue, not kept by exception, not views of revenue.
    candidates: list[str]
    #: What people read: the key, or "(no team)" ("(no owner)"); JSON gives `key`, so that
    #: a team that is really called that is never merged with the metrics without one.
    label: str

    @property
    def traced(self) -> int:
        """Metrics traced to revenue: with a path to it, or views of it. A team is not
        less aligned for tracking profit (a view of revenue counted as one without a path
        put finance at the top of "worst first" with nothing to drop)."""
        return self.reaching + self.views

    @property
    def share(self) -> float:
        """The share of the metrics traced to revenue."""
        return self.traced / self.metrics if self.metrics else 0.0


def scorecard(analysis: Analysis, metrics: Sequence[str], by: str = "auto") -> Scorecard:
    """One row per team (or owner), worst first: lowest share traced to revenue, then most
    candidates to drop. `auto`: by team, unless no metric has one (an imported Lightdash
    project: its metrics have owners, no teams), then by owner, and the card says why."""
    graph = analysis.graph
    notes = []
    if by == "auto":
        catalog = analysis.catalog.metrics
        by = "team" if any(catalog[m].team for m in metrics) else "owner"
        if by == "owner":
            notes.append("no metric has a team")
    # As the audit: no candidate is named where nothing can be traced (the report said
    # so above a scorecard that named every metric a candidate to drop).
    untraceable = analysis.untraceable
    if untraceable:
        notes.append(
            "no candidate to drop can be named: "
            + (
                "the catalog could not be read whole"
                if analysis.incomplete
                else "no revenue metric"
            )
        )
    groups: dict[str | None, list[str]] = {}
    for metric_id in metrics:
        metric = analysis.catalog.metrics[metric_id]
        key = (metric.team if by == "team" else metric.owner) or None
        groups.setdefault(key, []).append(metric_id)
    rows = []
    for key, members in groups.items():
        distances = sorted(graph.distance[m] for m in members if m in graph.distance)
        rows.append(
            ScoreRow(
                key=key,
                metrics=len(members),
                reaching=len(distances),
                views=sum(1 for m in members if m not in graph.distance and graph.view_of(m)),
                median_distance=statistics.median(distances) if distances else None,
                candidates=[m for m in members if analysis.is_candidate(m)],
                label=f"(no {by})" if key is None else key,
            )
        )
    rows.sort(key=lambda r: (r.share, -len(r.candidates), r.key is None, r.key or ""))
    # As the audit says with each candidate: a team read "3 candidates to drop" of metrics
    # one misspelt link away from revenue.
    caveated = len(analysis.caveats(m for row in rows for m in row.candidates))
    if caveated:
        notes.append(
            f"{plural(caveated, 'candidate')} to drop may be the consequence of errors in"
            " the catalog: fix what 'revtrace audit' lists first"
        )
    return Scorecard(rows, by, "; ".join(notes) or None)


@dataclass(frozen=True)
class Scorecard:
    """The rows, and whether they are by team or by owner."""

    rows: list[ScoreRow]
    by: str
    #: Why the rows are by owner when no grouping was asked for; why no candidate is
    #: named when nothing can be traced.
    note: str | None = None

    @property
    def title(self) -> str:
        """`Revenue alignment by owner, worst first (no metric has a team)`."""
        why = f" ({self.note})" if self.note else ""
        return f"Revenue alignment by {self.by}, worst first{why}"
