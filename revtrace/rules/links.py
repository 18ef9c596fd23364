"""Rules about single links: where they point."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from revtrace.model.catalog import Link, is_valid_id
from revtrace.model.findings import Finding, Rule, Severity
from revtrace.model.wording import suggest
from revtrace.rules.base import RuleContext

UNKNOWN_METRIC = Rule(
    code="RT002",
    name="unknown-metric",
    severity=Severity.ERROR,
    summary="A link points to an id that no metric defines.",
    doc="""\
A link to nothing is usually a typo or a metric that was renamed; the chain it was meant
to carry is broken. Located at the link, with the closest defined id when there is one.

Fails:

    metrics:
      mql: {drives: [sqls]}
      sql: {revenue: true}

Passes:

    metrics:
      mql: {drives: [sql]}
      sql: {revenue: true}
""",
)

SELF_LINK = Rule(
    code="RT005",
    name="self-link",
    severity=Severity.ERROR,
    summary="A metric drives itself.",
    doc="""\
"Sessions drive sessions" says nothing about revenue; it is almost always a copy-paste
slip for another metric.

Fails:

    metrics:
      sessions: {drives: [sessions]}

Passes:

    metrics:
      sessions: {drives: [signups]}
""",
)

RULES = (UNKNOWN_METRIC, SELF_LINK)


def check(context: RuleContext) -> Iterator[Finding]:
    graph = context.graph
    metrics = graph.catalog.metrics
    names = {m.name.strip().casefold(): m.id for m in metrics.values() if m.name != m.id}
    for link in graph.irregular_links:
        named = names.get(link.target.strip().casefold())
        if link.source not in metrics:
            yield _undefined_source(link, metrics)
        elif link.target == link.source:
            yield SELF_LINK.finding(
                f"'{link.source}' drives itself; a link must point to another metric",
                link.location,
                link.source,
            )
        elif named is not None:
            # A display name where the id belongs: the most common newcomer's link.
            yield UNKNOWN_METRIC.finding(
                f"'{link.source}' drives '{link.target}', which is the name of metric"
                f" '{named}', not an id; link to '{named}'",
                link.location,
                link.source,
            )
        elif is_valid_id(link.target):
            # Invalid ids are already reported by the loader (RT010).
            yield UNKNOWN_METRIC.finding(
                f"'{link.source}' drives '{link.target}', which is not a defined metric"
                f"{suggest(link.target, metrics)}",
                link.location,
                link.source,
            )


def _undefined_source(link: Link, metrics: Mapping[str, object]) -> Finding:
    """A `computed_from` or top-level `links:` entry whose source no file defines."""
    hint = suggest(link.source, metrics)
    if link.kind == "computed_from":
        return UNKNOWN_METRIC.finding(
            f"'{link.target}' is computed from '{link.source}', which is not a defined"
            f" metric{hint}",
            link.location,
            link.target,
        )
    return UNKNOWN_METRIC.finding(
        f"a link in 'links' starts from '{link.source}', which is not a defined metric{hint}",
        link.location,
        link.source,
    )
