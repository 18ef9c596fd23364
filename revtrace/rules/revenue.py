"""Rules about the path from each metric to revenue: the heart of revtrace."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from revtrace.graph.revenue_graph import DeadEnds, RevenueGraph
from revtrace.load.rules import rejects_revenue_mark
from revtrace.model.catalog import DERIVATIONS, Location, Metric
from revtrace.model.findings import Finding, Rule, Severity
from revtrace.model.wording import chain, quoted_list
from revtrace.rules.base import RuleContext, imported_by

NO_PATH_TO_REVENUE = Rule(
    code="RT001",
    name="no-path-to-revenue",
    severity=Severity.WARNING,
    summary="No chain of links leads from this metric to a revenue metric: a candidate to drop.",
    doc="""\
Every tracked metric should move revenue, directly or through other metrics. One that
does not is a vanity metric: a candidate to drop, or a missing link to add. The message
says where the metric's chains dead-end: a metric that drives nothing, one whose links all
point to undefined metrics (a typo: RT002 says where), or a loop with no way out.

Fails (`bounce_rate` drives nothing):

    metrics:
      revenue: {revenue: true}
      sessions: {drives: [revenue]}
      bounce_rate: {}

Passes:

    metrics:
      revenue: {revenue: true}
      sessions: {drives: [revenue]}
      bounce_rate: {drives: [sessions]}
""",
)

NO_REVENUE_METRIC = Rule(
    code="RT004",
    name="no-revenue-metric",
    severity=Severity.ERROR,
    summary="No metric is marked `revenue: true`, so nothing can be traced.",
    doc="""\
Revenue is the root every other metric must reach. Without one, every metric would be a
candidate to drop, so revtrace reports this once instead. A catalog that defines no
metric at all (`metrics: {}`) is reported too: nothing was traced, and a gate must not
pass it as clean. When metrics are named like revenue (revenue, bookings, MRR, ARR), the
finding is at the one most likely meant and names it: one not computed from another of
them, with the fewest qualifying words (cumulative, growth, average, per, share, …), so
that an imported `revenue` is named rather than the `cumulative_revenue` before it.

Fails:

    metrics:
      bookings: {}

Passes:

    metrics:
      bookings: {revenue: true}
""",
)

DEPRECATED_ONLY_PATH = Rule(
    code="RT006",
    name="deprecated-only-path",
    severity=Severity.WARNING,
    summary="An active metric reaches revenue only through deprecated metrics.",
    doc="""\
When the deprecated metric is dropped, this one loses its path to revenue. Link it to an
active metric, or deprecate it too.

Fails:

    metrics:
      revenue: {revenue: true}
      legacy_score: {status: deprecated, drives: [revenue]}
      webinar_views: {drives: [legacy_score]}

Passes:

    metrics:
      revenue: {revenue: true}
      legacy_score: {status: deprecated, drives: [revenue]}
      webinar_views: {drives: [revenue]}
""",
)

RULES = (NO_PATH_TO_REVENUE, NO_REVENUE_METRIC, DEPRECATED_ONLY_PATH)

#: How every RT001 message starts; reports that list candidates show what follows.
NO_PATH_MESSAGE_PREFIX = "no path to revenue: "


def check_revenue_marked(context: RuleContext) -> Iterator[Finding]:
    """RT004."""
    graph = context.graph
    catalog = graph.catalog
    if any(rejects_revenue_mark(f) for f in context.loading):
        return  # A `revenue:` value was refused: that error says what to fix.
    first_file = catalog.files[0] if catalog.files else "<catalog>"
    if not catalog.metrics:
        if any(f.severity is Severity.ERROR for f in context.loading):
            return  # Metrics were there but refused: those errors say what to fix.
        # Nothing to trace is not a clean catalog: a gate must not pass it in silence
        # (an empty file is an error already; `metrics: {}` must not be a way around it).
        yield NO_REVENUE_METRIC.finding(
            "the catalog defines no metric: add the metrics your teams track, and mark"
            " revenue with 'revenue: true'",
            Location(first_file, 1, 1),
        )
        return
    if not graph.revenue_metrics:
        likely = _likely_revenue(catalog.metrics.values())
        if likely is not None:
            # At the metric that is most likely meant: that is the line to fix, or, in a
            # catalog `revtrace import` wrote (never edited by hand), the source it read.
            where = (
                "add 'revenue: true' to it"
                if imported_by(likely) is None
                else "mark it where it is defined ('meta: {revtrace: {revenue: true}}' in"
                f" {likely.source}) or import again with '--revenue {likely.id}'"
            )
            yield NO_REVENUE_METRIC.finding(
                f"no metric is marked 'revenue: true'; if '{likely.id}' is revenue, {where},"
                " so every other metric can be traced to it",
                likely.location,
                likely.id,
            )
            return
        yield NO_REVENUE_METRIC.finding(
            "no metric is marked 'revenue: true'; mark the revenue metric(s) so every"
            " other metric can be traced to them",
            Location(first_file, 1, 1),
        )


#: Words that name a revenue metric, in an id or a name.
_REVENUE_WORDS = re.compile(r"(?<![a-z])(revenue|bookings|mrr|arr)(?![a-z])", re.IGNORECASE)


def _looks_like_revenue(metric: Metric) -> bool:
    return bool(_REVENUE_WORDS.search(metric.id) or _REVENUE_WORDS.search(metric.name))


#: Words that make a revenue-like metric a view or a part of revenue, not revenue itself.
_QUALIFIERS = re.compile(
    r"(?<![a-z])(cumulative|cum|growth|change|delta|avg|average|mean|median|per|pct|percent"
    r"|percentage|share|ratio|rate|mom|wow|qoq|yoy|ytd|mtd|forecast|target|budget|plan"
    r"|expected|projected|estimated|lost|churned|refunded|refunds?|discounts?)(?![a-z])",
    re.IGNORECASE,
)


def _likely_revenue(metrics: Iterable[Metric]) -> Metric | None:
    """The metric a catalog without a revenue mark most likely means as revenue: of those
    named like revenue, the plainest. An imported dbt project has `revenue` beside
    `cumulative_revenue`, `revenue_growth_mom` and `food_revenue_pct`; pointing at one of
    those (the first in the file) would have the user mark a view of revenue as revenue.
    First the ones not computed from another revenue-like metric, then the fewest
    qualifying words (cumulative, growth, average, per, share, …), then the shortest id,
    then the catalog's order."""
    candidates = [metric for metric in metrics if _looks_like_revenue(metric)]
    ids = {metric.id for metric in candidates}
    derived = {
        link.target
        for metric in candidates
        for link in metric.drives
        if link.kind in DERIVATIONS and link.target in ids
    }

    def plainness(item: tuple[int, Metric]) -> tuple[bool, int, int, int]:
        order, metric = item
        words = len(_QUALIFIERS.findall(metric.id)) + len(_QUALIFIERS.findall(metric.name))
        return metric.id in derived, words, len(metric.id), order

    return min(enumerate(candidates), key=plainness)[1] if candidates else None


def check(context: RuleContext) -> Iterator[Finding]:
    """RT001 and RT006."""
    graph = context.graph
    catalog = graph.catalog
    if not graph.revenue_metrics:
        return  # Every metric would be RT001: RT004 says it once instead.

    without_path = graph.without_revenue_path()
    explanations = graph.explain_dead_ends(without_path)
    for metric_id in without_path:
        metric = catalog.metrics[metric_id]
        if metric.keep is not None:
            continue  # A deliberate exception; the rules in `exceptions` review it.
        if graph.view_of(metric_id) is not None:
            continue  # Computed from revenue (profit, growth): a view of it, not vanity.
        yield NO_PATH_TO_REVENUE.finding(
            no_path_message(graph, metric_id, explanations[metric_id]), metric.location, metric_id
        )

    deprecated = [m.id for m in catalog.metrics.values() if m.deprecated]
    if deprecated:
        for metric_id in graph.reaching_only_through(deprecated):
            path = graph.shortest_path(metric_id) or []
            through = [m for m in path if catalog.metrics[m].deprecated]
            yield DEPRECATED_ONLY_PATH.finding(
                f"'{metric_id}' reaches revenue only through deprecated metrics"
                f" ({quoted_list(through, limit=5)}): shortest path {chain(path)}",
                catalog.metrics[metric_id].location,
                metric_id,
            )


def no_path_message(graph: RevenueGraph, metric_id: str, dead_ends: DeadEnds) -> str:
    if not graph.drives_anything(metric_id):
        undefined = graph.undefined_targets(metric_id)
        if undefined:
            return (
                f"{NO_PATH_MESSAGE_PREFIX}'{metric_id}' drives only undefined metrics"
                f" ({quoted_list(undefined)})"
            )
        inputs = graph.derived_from(metric_id)
        if inputs:
            # A ratio of two metrics with a path: said, or the verdict reads as revtrace
            # overlooking its formula.
            return (
                f"{NO_PATH_MESSAGE_PREFIX}'{metric_id}' drives no other metric; it is"
                f" computed from {quoted_list(inputs, limit=5)}, a view of"
                f" {'it' if len(inputs) == 1 else 'them'}, not a driver"
            )
        return f"{NO_PATH_MESSAGE_PREFIX}'{metric_id}' drives no other metric"
    parts: list[str] = []
    views = [end for end in dead_ends.ends if graph.view_of(end) is not None]
    if views and len(views) == len(dead_ends.ends) and not dead_ends.loops:
        return (
            f"{NO_PATH_MESSAGE_PREFIX}its chains end at {quoted_list(views)}, computed from"
            " revenue (a view of it), not a driver of it; link it to what it moves"
        )
    # An end whose links all point to undefined metrics is a broken link, not a metric
    # that drives nothing: said apart, as the error (RT002) is the likely root cause.
    broken = {end: graph.undefined_targets(end) for end in dead_ends.ends}
    silent = [end for end in dead_ends.ends if not broken[end]]
    if silent:
        verb = "drives" if len(silent) == 1 else "drive"
        parts.append(f"its chains dead-end at {quoted_list(silent)}, which {verb} nothing")
    linked = [end for end in dead_ends.ends if broken[end]]
    if len(linked) == 1:
        parts.append(
            f"its chains dead-end at '{linked[0]}', which drives only undefined metrics"
            f" ({quoted_list(broken[linked[0]])})"
        )
    elif linked:
        parts.append(
            f"its chains dead-end at {quoted_list(linked)}, which drive only undefined metrics"
        )
    # A loop of one is a metric that drives only itself (its self-link is RT005's); the
    # loops the chains end in are said in one phrase, not one each.
    alone = [loop[0] for loop in dead_ends.loops if len(loop) == 1]
    rings = [loop for loop in dead_ends.loops if len(loop) > 1]
    if metric_id in alone:
        parts.append(f"'{metric_id}' drives only itself")
        alone.remove(metric_id)
    if alone:
        verb = "drives only itself" if len(alone) == 1 else "drive only themselves"
        parts.append(f"its chains end at {quoted_list(alone)}, which {verb}")
    for loop in rings:
        if metric_id in loop:
            parts.append(f"it is in a loop with no way out ({_loop(loop)})")
    others = [loop for loop in rings if metric_id not in loop]
    if others:
        what = "a loop" if len(others) == 1 else "loops"
        loops = "; ".join(_loop(loop) for loop in others)
        parts.append(f"its chains end in {what} with no way out ({loops})")
    message = NO_PATH_MESSAGE_PREFIX + "; ".join(parts)
    return message + ("; and more" if dead_ends.more else "")


def _loop(members: Sequence[str]) -> str:
    shown = list(members[:5])
    text = " ↔ ".join(shown)
    return text + (f" and {len(members) - 5} more" if len(members) > 5 else "")
