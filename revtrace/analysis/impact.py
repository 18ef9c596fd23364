"""The impact use case: revenue leverage of every metric, and what-if predictions."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from revtrace.analysis.core import Analysis
from revtrace.graph import leverage
from revtrace.graph.leverage import ImpactReport, MetricImpact
from revtrace.model.wording import suggest

_CHANGE = re.compile(r"\s*([^=\s]+)\s*=\s*([+-]?\d+(?:\.\d+)?)\s*(%?)\s*")


#: The largest change `--what-if` takes, in %: beyond it a first-order prediction means
#: nothing, and `+<400 nines>%` overflowed to Infinity.
MAX_CHANGE = 1000.0


class WhatIfError(Exception):
    """A `--what-if` that cannot be used (exit code 2)."""


@dataclass(frozen=True)
class ImpactView:
    """Leverage ranked for display: the report, how many rows, and any prediction."""

    analysis: Analysis
    report: ImpactReport
    top: int | None
    #: revenue metric → (predicted % change, the change in currency units or None).
    what_if: Mapping[str, tuple[float, float | None]] | None

    @property
    def ranked(self) -> list[MetricImpact]:
        """The metrics to show, most leverage first, the metrics without a path to revenue
        last (after those whose links only lack elasticities); revenue metrics are not
        ranked."""
        reaches = self.analysis.graph.reaches_revenue
        ranked = [m for m in self.report.metrics if m.id not in self.report.revenue_metrics]
        ranked.sort(key=lambda m: not reaches(m.id))  # stable: leverage order otherwise
        return ranked[: self.top] if self.top else ranked

    def quantified(self, metric: MetricImpact) -> str:
        """`full`, `partial` or `none` for a metric with a path to revenue; for one without,
        what it is instead (`no path`, `view of revenue`): 'none' put a vanity metric on
        a par with a funnel step whose links only lack elasticities."""
        graph = self.analysis.graph
        if graph.reaches_revenue(metric.id):
            return metric.quantified
        return "view of revenue" if graph.view_of(metric.id) is not None else "no path"

    @property
    def next_step(self) -> str | None:
        """What to do when metrics reach revenue but none has a route to it of links with
        elasticities (a new or imported catalog): the table was all dashes and said nothing
        about why, as if leverage were unknowable rather than not yet given. Not said
        when a divergent loop is what leaves the metrics without a figure."""
        graph = self.analysis.graph
        reaching = [
            m
            for m in self.report.metrics
            if graph.reaches_revenue(m.id) and m.id not in self.report.revenue_metrics
        ]
        if not reaching or self.report.divergent or any(m.quantified != "none" for m in reaching):
            return None
        head = (
            "the one metric that reaches revenue has no route to it"
            if len(reaching) == 1
            else f"none of the {len(reaching)} metrics that reach revenue has a route to it"
        )
        return (
            f"{head} of links with elasticities, so no leverage can be computed: give the"
            " links an elasticity, the links into revenue first (or the metrics a formula),"
            " or estimate them from historical values with"
            " 'revtrace fit --values FILE --diff'"
        )


def parse_what_if(texts: Sequence[str], analysis: Analysis) -> dict[str, float]:
    """`METRIC=+10%` → {metric: 10.0}; several changes to one metric add up."""
    changes: dict[str, float] = {}
    for text in texts:
        match = _CHANGE.fullmatch(text)
        if match is None:
            raise WhatIfError(f"--what-if {text}: write METRIC=+10% (or -5%)")
        metric, percent = match.group(1), float(match.group(2))
        if not match.group(3):
            # `sessions=5000` may mean a value, not +5000%: the unit is never guessed.
            signed = match.group(2) if match.group(2)[0] in "+-" else "+" + match.group(2)
            raise WhatIfError(
                f"--what-if {text}: give the change in percent, as in {metric}={signed}%"
            )
        if not abs(percent) <= MAX_CHANGE:
            raise WhatIfError(
                f"--what-if {text}: a change is between -{MAX_CHANGE:g}% and +{MAX_CHANGE:g}%"
                " (the prediction is first order: it is meant for small changes)"
            )
        if metric not in analysis.catalog:
            raise WhatIfError(
                f"--what-if: unknown metric '{metric}'{suggest(metric, analysis.catalog.metrics)}"
            )
        changes[metric] = changes.get(metric, 0.0) + percent
        if changes[metric] < -100:
            raise WhatIfError(
                f"--what-if: {metric} would fall by {-changes[metric]:g}%: a metric cannot fall"
                " by more than 100%"
            )
    return changes


def impact(analysis: Analysis, top: int | None = None, what_if: Sequence[str] = ()) -> ImpactView:
    """Rank metrics by revenue leverage; with `what_if`, predict each revenue metric's
    change. Raises `WhatIfError`."""
    changes = parse_what_if(what_if, analysis)
    report = leverage.compute(analysis.graph)
    predicted = leverage.what_if(report, analysis.graph, changes) if changes else None
    if predicted is not None and not all(
        math.isfinite(pct) and (amount is None or math.isfinite(amount))
        for pct, amount in predicted.values()
    ):
        raise WhatIfError("--what-if: the prediction is too large to compute; try smaller changes")
    return ImpactView(analysis, report, top, predicted)
