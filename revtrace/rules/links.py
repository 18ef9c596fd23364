"""Rules about single links: where they point."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from revtrace.graph import tarjan
from revtrace.model.catalog import Link, is_valid_id
from revtrace.model.findings import Finding, Rule, Severity
from revtrace.model.wording import chain, quoted_list, suggest
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
    cuts_links=True,
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

FORMULA_LOOP = Rule(
    code="RT019",
    name="formula-loop",
    severity=Severity.ERROR,
    summary="Metrics are defined by formulas in terms of each other.",
    doc="""\
A formula is an identity: revenue = orders × average order value holds in every period.
Identities cannot go round (a = b + 1 and b = a − 1 define neither), so a metric whose
formula reaches itself through other formulas is an error naming the loop. Influence
links (`drives`) may loop; formulas may not.

Fails:

    metrics:
      revenue: {revenue: true, formula: "orders * average_order_value"}
      orders: {formula: "revenue / average_order_value"}
      average_order_value: {}

Passes:

    metrics:
      revenue: {revenue: true, formula: "orders * average_order_value"}
      orders: {}
      average_order_value: {}
""",
)

RULES = (UNKNOWN_METRIC, SELF_LINK, FORMULA_LOOP)


def check(context: RuleContext) -> Iterator[Finding]:
    graph = context.graph
    metrics = graph.catalog.metrics
    names: dict[str, str] | None = None  # built on first need: 100,000 names cost 40 ms
    for link in graph.irregular_links:
        if names is None:
            names = {m.name.strip().casefold(): m.id for m in metrics.values() if m.name != m.id}
        named = names.get(link.target.strip().casefold())
        if link.source not in metrics:
            yield _undefined_source(link, metrics)
        elif link.target == link.source and link.kind == "formula":
            pass  # a formula that uses its own metric: reported as a formula loop
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


def check_formulas(context: RuleContext) -> Iterator[Finding]:
    """RT019: loops among formula links (Tarjan over them alone)."""
    graph = context.graph
    if not graph.catalog.derivations:
        return  # no formula anywhere
    metrics = graph.catalog.metrics
    inputs: dict[str, list[str]] = {}
    for metric in metrics.values():
        for link in metric.drives:
            if link.kind == "formula" and link.target in metrics:
                inputs.setdefault(link.source, []).append(link.target)
    if not inputs:
        return
    for group in tarjan(list(inputs), lambda m: inputs.get(m, ())):
        if len(group) == 1 and group[0] not in inputs.get(group[0], ()):
            continue
        members = graph.in_catalog_order(group)
        first = metrics[members[0]]
        loop = " → ".join([*members[:6], members[0]]) if len(members) <= 6 else chain(members)
        yield FORMULA_LOOP.finding(
            f"the formulas of {quoted_list(members, limit=6)} are defined in terms of each"
            f" other ({loop}): an identity cannot go round; define one of them without the"
            " others",
            first.formula_at or first.location,
            first.id,
        )


def _undefined_source(link: Link, metrics: Mapping[str, object]) -> Finding:
    """A `computed_from`, `formula` or top-level `links:` entry whose source no file
    defines."""
    hint = suggest(link.source, metrics)
    if link.kind == "formula":
        return UNKNOWN_METRIC.finding(
            f"the formula of '{link.target}' uses '{link.source}', which is not a defined"
            f" metric{hint}",
            link.location,
            link.target,
        )
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
