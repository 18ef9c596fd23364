"""Rules about quantified links: elasticities and how well they are known."""

from __future__ import annotations

from collections.abc import Iterator

from revtrace.graph.walks import backward_search, reverse_adjacency
from revtrace.model.findings import Finding, Rule, Severity
from revtrace.model.wording import chain
from revtrace.rules.base import RuleContext

UNPROVEN_PATH = Rule(
    code="RT015",
    name="unproven-path",
    severity=Severity.INFO,
    summary="Every path from this metric to revenue relies on an `assumed` link.",
    doc="""\
Its tie to revenue is a hunch until one of those links is estimated or measured. A link
without `confidence` is unrated, not assumed, and does not count.

Fails:

    metrics:
      revenue: {revenue: true}
      backlog: {drives: [{to: revenue, elasticity: -0.1, confidence: assumed}]}

Passes:

    metrics:
      revenue: {revenue: true}
      backlog: {drives: [{to: revenue, elasticity: -0.1, confidence: measured}]}
""",
)

DIVERGENT_LOOP = Rule(
    code="RT016",
    name="divergent-loop",
    severity=Severity.ERROR,
    summary="A loop's elasticities keep its effect from settling (it grows or swings forever).",
    doc="""\
Around a loop, effects multiply: with a gain of 1 or more, or -1 or less (spectral radius
≥ 1), a 1% change would feed itself forever, growing or swinging back and forth, so no
effect on revenue can be computed. Several loops through the same metrics can do it
together, each weak on its own: the message then names the metrics and the strongest
loop found. Lower an elasticity, or model one direction of the loop only.

Fails:

    metrics:
      revenue: {revenue: true}
      customers: {drives: [{to: referrals, elasticity: 2}, revenue]}
      referrals: {drives: [{to: customers, elasticity: 0.8}]}

Passes:

    metrics:
      revenue: {revenue: true}
      customers: {drives: [{to: referrals, elasticity: 0.5}, revenue]}
      referrals: {drives: [{to: customers, elasticity: 0.8}]}
""",
)

RULES = (UNPROVEN_PATH, DIVERGENT_LOOP)


def check(context: RuleContext) -> Iterator[Finding]:
    graph = context.graph
    catalog = graph.catalog
    links = [link for metric in catalog.metrics.values() for link in metric.drives]
    if not graph.revenue_metrics:
        return
    if any(link.confidence == "assumed" for link in links):
        # Metrics that reach revenue without any assumed link.
        reverse = reverse_adjacency(
            (link.source, link.target)
            for link in links
            if link.confidence != "assumed" and link.target in catalog.metrics
        )
        proven, _ = backward_search(graph.revenue_metrics, lambda node: reverse.get(node, ()))
        for metric in catalog.metrics.values():
            if graph.reaches_revenue(metric.id) and metric.id not in proven:
                yield UNPROVEN_PATH.finding(
                    f"every path from '{metric.id}' to revenue relies on at least one"
                    " 'assumed' link: its tie to revenue is unproven",
                    metric.location,
                    metric.id,
                )
    if any(link.elasticity is not None for link in links):
        from revtrace.graph.leverage import divergent_loops

        for loop in divergent_loops(graph):
            first = loop.members[0]
            if loop.undecided:
                message = (
                    f"{len(loop.members)} metrics drive each other through quantified links"
                    f" ({chain(list(loop.loop))}); revtrace could not decide within its work"
                    " budget whether their effect is bounded, so none is computed through"
                    " them; quantify fewer links in the loop"
                )
            elif loop.alone:
                # The group is this loop: its gain decides (|gain| ≥ 1).
                grows = (
                    "grows without bound"
                    if loop.gain > 0
                    else "swings back and forth without settling"
                )
                message = (
                    f"the loop {chain(list(loop.loop))} has gain {loop.gain:g}: its effect"
                    f" {grows} (spectral radius ≥ 1); lower an elasticity"
                )
            else:
                # Several loops together: the one shown may be weak on its own.
                named = ", ".join(loop.members[:8])
                if len(loop.members) > 8:
                    named += f" and {len(loop.members) - 8} more"
                message = (
                    f"{len(loop.members)} metrics drive each other through quantified links"
                    f" ({named}), and their loops together keep the effect from settling"
                    f" (spectral radius ≥ 1); the strongest loop found: {chain(list(loop.loop))},"
                    f" gain {loop.gain:g}; lower an elasticity"
                )
            yield DIVERGENT_LOOP.finding(message, catalog.metrics[first].location, first)
