"""Metric selectors through the use case's API: dbt's wildcards and intersections."""

from __future__ import annotations

import pytest

from benchmarks.generate import Spec, generate
from revtrace.analysis import analyse_sources
from revtrace.analysis.lineage import lineage
from revtrace.analysis.select import SelectorError, parse, resolve
from tests.graph.test_revenue_graph import walk_tree

CATALOG = b"""version: 1
metrics:
  revenue: {revenue: true, team: finance}
  sales_qualified_leads: {team: sales, tags: [funnel], drives: [revenue]}
  marketing_qualified_leads: {team: marketing, tags: [funnel], drives: [sales_qualified_leads]}
  web_sessions: {team: marketing, tags: [web], drives: [marketing_qualified_leads]}
  web_bounce_rate: {team: marketing, tags: [web, vanity]}
  open_rate: {team: lifecycle, tags: [email]}
"""
GRAPH = analyse_sources([("m.yaml", CATALOG)]).graph
#: A realistic catalog with loops, dead ends and dense clusters (benchmarks/generate.py).
GENERATED = generate(Spec(metrics=1_500, seed=7))[0][1].encode()


def select(*texts: str) -> list[str]:
    return resolve(parse(texts), GRAPH)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        # Wildcards in an id: every metric whose id matches, in catalog order.
        ("web_*", ["web_sessions", "web_bounce_rate"]),
        ("*_rate", ["web_bounce_rate", "open_rate"]),
        ("?pen_rate", ["open_rate"]),
        ("[mw]*", ["marketing_qualified_leads", "web_sessions", "web_bounce_rate"]),
        # The graph operators apply to each metric matched.
        ("*_qualified_leads+", ["revenue", "sales_qualified_leads", "marketing_qualified_leads"]),
        (
            "+*_qualified_leads",
            ["sales_qualified_leads", "marketing_qualified_leads", "web_sessions"],
        ),
        ("1+marketing_*", ["marketing_qualified_leads", "web_sessions"]),
        # Wildcards in a value.
        ("team:market*", ["marketing_qualified_leads", "web_sessions", "web_bounce_rate"]),
        ("tag:v*", ["web_bounce_rate"]),
        # Intersections: what every part selects.
        ("team:marketing,tag:web", ["web_sessions", "web_bounce_rate"]),
        ("team:marketing,tag:web,*_rate", ["web_bounce_rate"]),
        ("+revenue,team:sales", ["sales_qualified_leads"]),
    ],
)
def test_selectors_as_dbt_writes_them(selector: str, expected: list[str]) -> None:
    assert select(selector) == expected


def test_a_pattern_is_case_sensitive_as_ids_are() -> None:
    with pytest.raises(SelectorError, match="no metric id matches 'WEB_\\*'"):
        select("WEB_*")


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("nothing_*", "selector 'nothing_*' matches no metric (no metric id matches 'nothing_*')"),
        ("+nothing_*", "selector '+nothing_*' matches no metric"),
        (
            "team:sales,tag:web",
            "selector 'team:sales,tag:web' matches no metric: no metric is selected by all of"
            " 'team:sales', 'tag:web'",
        ),
        ("team:sales,", "a comma joins two selectors"),
        (",team:sales", "a comma joins two selectors"),
        ("team:nobody*", "selector 'team:nobody*' matches no metric"),
        # A part that names nothing is said as such, not hidden by the intersection.
        ("team:sales,nope", "unknown metric 'nope'"),
    ],
)
def test_a_selection_that_is_empty_is_an_error(selector: str, message: str) -> None:
    with pytest.raises(SelectorError, match=None) as raised:
        select(selector)
    assert message in str(raised.value)


def test_a_pattern_draws_one_tree_per_metric_it_matches() -> None:
    analysis = analyse_sources([("m.yaml", CATALOG)])
    by_pattern = lineage(analysis, parse(["+*_qualified_leads"]))
    by_name = lineage(analysis, parse(["+sales_qualified_leads", "+marketing_qualified_leads"]))
    assert [root.id for root in by_pattern.roots] == [
        "sales_qualified_leads",
        "marketing_qualified_leads",
    ]
    assert by_pattern == by_name


def test_trees_come_in_the_order_asked_for_whichever_way_each_is_drawn() -> None:
    # Trees drawn alike share their expansion; that must not reorder them (it drew
    # `-m a -m +b -m c` as a, c, b).
    analysis = analyse_sources([("m.yaml", CATALOG)])
    result = lineage(
        analysis, parse(["web_sessions", "+sales_qualified_leads", "marketing_qualified_leads"])
    )
    assert [root.id for root in result.roots] == [
        "web_sessions", "sales_qualified_leads", "marketing_qualified_leads",
    ]  # fmt: skip
    assert [c.id for c in result.roots[1].children] == ["marketing_qualified_leads"]  # drivers
    assert [c.id for c in result.roots[2].children] == ["sales_qualified_leads"]  # driven
    both = lineage(analysis, parse(["@marketing_qualified_leads", "@sales_qualified_leads"]))
    assert both.titles == [
        "What drives marketing_qualified_leads:",
        "What marketing_qualified_leads drives, up to revenue:",
        "What drives sales_qualified_leads:",
        "What sales_qualified_leads drives, up to revenue:",
    ]


@pytest.mark.parametrize(
    ("selectors", "reverse"),
    [([], True), (["*"], False), (["+*"], False), (["@*"], False), (["team:*"], True)],
)
def test_trees_of_many_roots_grow_with_the_graph_not_with_roots_times_lineage(
    selectors: list[str], reverse: bool
) -> None:
    # One tree per root, each on its own, made `tree --reverse` of 10,000 metrics 103 MB
    # and `tree -m '*'` 228 MB. Drawn one way, a metric is expanded once in the whole
    # output, so there is at most one node per root and per link (and per direction).
    analysis = analyse_sources([("m.yaml", GENERATED)])
    result = lineage(analysis, parse(selectors), reverse=reverse)
    links = sum(len(m.drives) for m in analysis.catalog.metrics.values())
    directions = 2 if selectors == ["@*"] else 1
    nodes = walk_tree(result.roots)
    assert len(nodes) <= len(result.roots) + directions * links
    expanded = [n.id for n in nodes if n.children]
    assert len(expanded) <= directions * len(set(expanded))
    assert result.titles == [] or len(result.titles) == len(result.roots)
