"""`explain`: each number checked against a hand computation or an independent inverse."""

from __future__ import annotations

import math

import numpy as np
import pytest

from revtrace.analysis import analyse_loaded
from revtrace.analysis.explain import ExplainError, ExplainReport, Explanation, explain
from revtrace.load import load_catalog_text
from revtrace.values import read_values_bytes


def run(catalog: str, values: str, **options: object) -> ExplainReport:
    loaded = load_catalog_text("version: 1\nmetrics:\n" + catalog, "m.yaml")
    assert not [f for f in loaded.findings if f.severity.name == "ERROR"], loaded.findings
    analysis = analyse_loaded(loaded)
    table, problems = read_values_bytes(values.encode(), "v.csv", analysis.catalog.metrics)
    assert problems == []
    return explain(analysis, table, **options)  # type: ignore[arg-type]


def L(a: float, b: float) -> float:
    return a if a == b else (a - b) / math.log(a / b)


def amounts(explanation: Explanation) -> dict[str, float]:
    return {c.metric: c.amount for c in explanation.contributions}


def assert_adds_up(explanation: Explanation) -> None:
    """Contributions + unexplained = the change, to 1e-9 relative, in both units."""
    change = explanation.amount
    assert change is not None and explanation.before and explanation.after
    total = sum(c.amount for c in explanation.contributions) + explanation.unexplained_amount
    assert total == pytest.approx(change, rel=1e-9, abs=1e-9)
    points = sum(c.log_points for c in explanation.contributions)
    points += explanation.unexplained_log_points
    assert points == pytest.approx(math.log(explanation.after / explanation.before), rel=1e-9)


FUNNEL = """\
  revenue: {revenue: true, formula: "deals * deal_size", owner: cfo}
  deals: {formula: "sqls * win_rate"}
  sqls: {owner: sdr-lead, team: sales}
  win_rate: {owner: ae-lead, team: sales}
  deal_size: {owner: pricing, team: finance}
"""


def test_the_readme_example_to_the_cent() -> None:
    report = run(
        FUNNEL,
        "period,sqls,win_rate,deal_size,deals,revenue\n"
        "2026-09,100,0.20,1000,20,20000\n2026-10,120,0.25,900,30,27000\n",
    )
    (revenue,) = report.explanations
    assert (report.start, report.end) == ("2026-09", "2026-10")
    assert (revenue.before, revenue.after, revenue.amount) == (20000, 27000, 7000)
    # By hand: each factor's log change times L(27,000, 20,000).
    scale = L(27000, 20000)
    hand = {
        "sqls": scale * math.log(1.2),
        "win_rate": scale * math.log(1.25),
        "deal_size": scale * math.log(0.9),
    }
    got = amounts(revenue)
    assert {m: round(v, 2) for m, v in got.items()} == {m: round(v, 2) for m, v in hand.items()}
    assert {m: round(v, 1) for m, v in got.items()} == {
        "sqls": 4252.7,
        "win_rate": 5204.9,
        "deal_size": -2457.6,
    }
    assert [c.metric for c in revenue.contributions] == ["win_rate", "sqls", "deal_size"]
    assert revenue.unexplained_amount == 0.0
    assert revenue.not_attributed == ()
    assert_adds_up(revenue)


def test_a_sum_with_a_term_starting_at_zero() -> None:
    report = run(
        """\
  revenue: {revenue: true, formula: "new_revenue + expansion - churned"}
  new_revenue: {}
  expansion: {}
  churned: {}
""",
        "period,new_revenue,expansion,churned,revenue\n1,100,0,10,90\n2,110,15,5,120\n",
    )
    (revenue,) = report.explanations
    # A sum is split additively: each term contributes exactly its own change.
    assert amounts(revenue) == pytest.approx({"new_revenue": 10, "expansion": 15, "churned": 5})
    expansion = next(c for c in revenue.contributions if c.metric == "expansion")
    assert expansion.pct is None and expansion.leverage is None  # from 0: no % and no log
    assert_adds_up(revenue)


def test_elasticity_links_with_residuals() -> None:
    report = run(
        """\
  revenue: {revenue: true}
  sqls: {drives: [{to: revenue, elasticity: 0.8}]}
  ads: {drives: [{to: sqls, elasticity: 0.5}, {to: revenue, elasticity: 0.1}]}
""",
        "period,ads,sqls,revenue\n2026-01,1000,50,10000\n2026-02,1300,56,11500\n",
    )
    (revenue,) = report.explanations
    scale = L(11500, 10000)
    d_ads, d_sqls, d_rev = math.log(1.3), math.log(56 / 50), math.log(1.15)
    own_sqls = d_sqls - 0.5 * d_ads  # what ads do not explain of sqls
    own_rev = d_rev - 0.8 * d_sqls - 0.1 * d_ads
    # ads reach revenue directly (0.1) and through sqls (0.5 × 0.8): leverage 0.5.
    assert amounts(revenue) == pytest.approx({"ads": scale * 0.5 * d_ads}, rel=1e-12)
    assert revenue.contributions[0].leverage == pytest.approx(0.5)
    unexplained = {u.metric: u.amount for u in revenue.unexplained}
    assert unexplained == pytest.approx(
        {"revenue": scale * own_rev, "sqls": scale * 0.8 * own_sqls}, rel=1e-12
    )
    assert_adds_up(revenue)


def test_loops_go_through_the_inverse() -> None:
    catalog = """\
  revenue: {revenue: true}
  customers: {drives: [{to: revenue, elasticity: 0.9}, {to: referrals, elasticity: 0.4}]}
  referrals: {drives: [{to: customers, elasticity: 0.3}]}
  ads: {drives: [{to: customers, elasticity: 0.2}]}
"""
    values = "period,ads,customers,referrals,revenue\n1,100,500,40,9000\n2,150,560,47,9900\n"
    (revenue,) = run(catalog, values).explanations
    order = ["revenue", "customers", "referrals", "ads"]
    x0 = dict(zip(order, (9000, 500, 40, 100), strict=True))
    x1 = dict(zip(order, (9900, 560, 47, 150), strict=True))
    d = np.array([math.log(x1[m] / x0[m]) for m in order])
    c = np.zeros((4, 4))  # C[target, driver]
    c[0, 1], c[2, 1], c[1, 2], c[1, 3] = 0.9, 0.4, 0.3, 0.2
    own = d - c @ d
    g = np.linalg.inv(np.eye(4) - c)[0]  # an independent inverse: row of revenue
    scale = L(9900, 9000)
    assert amounts(revenue) == pytest.approx({"ads": g[3] * own[3] * scale}, rel=1e-9)
    unexplained = {u.metric: u.amount for u in revenue.unexplained}
    assert unexplained == pytest.approx(
        {m: g[i] * own[i] * scale for i, m in enumerate(order[:3])}, rel=1e-9
    )
    assert_adds_up(revenue)


def test_several_revenue_metrics_each_get_an_explanation() -> None:
    report = run(
        """\
  new_arr: {revenue: true}
  services: {revenue: true}
  sqls: {drives: [{to: new_arr, elasticity: 1}, {to: services, elasticity: 0.5}]}
""",
        "period,sqls,new_arr,services\n1,10,100,50\n2,20,200,60\n",
    )
    arr, services = report.explanations
    assert (arr.metric, services.metric) == ("new_arr", "services")
    assert amounts(arr) == pytest.approx({"sqls": 100.0})  # 1 × ln 2 × L(200, 100) = 100
    assert amounts(services) == pytest.approx({"sqls": L(60, 50) * 0.5 * math.log(2)})
    assert_adds_up(arr)
    assert_adds_up(services)


def test_only_the_chosen_metric_and_periods() -> None:
    values = "period,sqls,win_rate,deal_size,deals,revenue\n" + "".join(
        f"2026-0{i},{100 + i},0.2,1000,{(100 + i) * 0.2},{(100 + i) * 200}\n" for i in range(1, 6)
    )
    report = run(FUNNEL, values, start="2026-01", end="2026-05", metrics=["deals"])
    (deals,) = report.explanations
    assert (report.start, report.end, deals.metric) == ("2026-01", "2026-05", "deals")
    assert amounts(deals) == pytest.approx({"sqls": 4 * 0.2, "win_rate": 0.0}, abs=1e-12)
    assert run(FUNNEL, values, end="2026-03").start == "2026-02"


def test_a_product_through_zero_is_said_not_computed() -> None:
    report = run(
        """\
  revenue: {revenue: true, formula: "deals * deal_size + services"}
  deals: {}
  deal_size: {}
  services: {}
""",
        "period,deals,deal_size,services,revenue\n1,0,1000,500,500\n2,3,1000,600,3600\n",
    )
    (revenue,) = report.explanations
    assert amounts(revenue) == pytest.approx({"services": 100.0})
    (rest,) = revenue.unexplained
    assert rest.metric == "revenue" and rest.amount == pytest.approx(3000.0)
    assert "a product or ratio of deals and deal_size is zero or changes sign" in rest.reasons[0]
    assert_adds_up(revenue)
    zero = run(
        "  revenue: {revenue: true, formula: 'deals * size'}\n  deals: {}\n  size: {}\n",
        "period,deals,size,revenue\n1,0,10,0\n2,2,10,20\n",
    ).explanations[0]
    assert zero.contributions == () and zero.reason is not None
    assert "is 0 or changes sign between 1 and 2" in zero.reason


def test_what_is_not_attributed_and_why() -> None:
    report = run(
        """\
  revenue: {revenue: true}
  sqls: {drives: [{to: revenue, elasticity: 1}]}
  mqls: {drives: [{to: sqls, elasticity: 0.5}]}
  events: {drives: [sqls]}
  blog: {drives: [{to: mqls, elasticity: 0.1}]}
""",
        "period,sqls,mqls,events,revenue\n1,10,100,5,1000\n2,12,100,9,1300\n",
    )
    (revenue,) = report.explanations
    assert dict(revenue.not_attributed) == {
        "events": "events → sqls has no elasticity",
        "blog": "no values in the values file",
    }
    assert_adds_up(revenue)


def test_a_value_the_file_gives_but_cannot_use_is_not_said_to_be_absent() -> None:
    """A column twice ("neither is used"): explain said the file had no values for the
    metric, under a warning that it had two columns of them."""
    loaded = load_catalog_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true}\n"
        "  sqls: {drives: [{to: revenue, elasticity: 1}]}\n  blog: {drives: [sqls]}\n",
        "m.yaml",
    )
    analysis = analyse_loaded(loaded)
    values = "period,revenue,sqls,sqls\n1,1000,10,10\n2,1300,12,12\n"
    table, problems = read_values_bytes(values.encode(), "v.csv", analysis.catalog.metrics)
    assert [(p.code, p.metric) for p in problems] == [("RT020", "sqls")]
    (revenue,) = explain(analysis, table).explanations
    assert dict(revenue.not_attributed) == {
        "sqls": "no usable values in the values file (the values file's warnings say why)",
        "blog": "no values in the values file",
    }
    twice = "period,revenue,sqls\n1,1000,10\n2,1300,12\n2,1300,13\n"
    table, _ = read_values_bytes(twice.encode(), "v.csv", analysis.catalog.metrics)
    (revenue,) = explain(analysis, table).explanations
    assert revenue.reason == "revenue: no usable value for 2 (the values file's warnings say why)"


def test_a_metric_nothing_quantified_drives_says_what_to_do_next() -> None:
    """Right after an import no link has an elasticity: the table holds the metric's own
    change only (all of it), and says how to learn more; with one quantified link, the
    table explains, and says nothing more."""
    catalog = "  revenue: {revenue: true}\n  sqls: {drives: [%s]}\n"
    values = "period,sqls,revenue\n1,10,1000\n2,12,1300\n"
    (unquantified,) = run(catalog % "revenue", values).explanations
    assert amounts(unquantified) == {"revenue": pytest.approx(300.0)}
    assert unquantified.next_step is not None
    assert unquantified.next_step.startswith("nothing quantified drives revenue")
    (quantified,) = run(catalog % "{to: revenue, elasticity: 1}", values).explanations
    assert set(amounts(quantified)) == {"sqls"}
    assert quantified.next_step is None
    # A metric no other reaches: nothing to quantify, nothing to suggest.
    (alone,) = run("  revenue: {revenue: true}\n", "period,revenue\n1,1\n2,2\n").explanations
    assert alone.next_step is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"start": "2026-10", "end": "2026-09"}, "--from 2026-10 is not before --to 2026-09"),
        ({"end": "2026-09"}, "--to 2026-09 is the first period"),
        ({"start": "2026-Q1"}, "'2026-Q1' is a quarter"),
        ({"end": "2027-01"}, "v.csv has no values for 2027-01"),
        ({"metrics": ["revnue"]}, "unknown metric 'revnue'; did you mean 'revenue'?"),
    ],
)
def test_what_cannot_be_explained_says_why(options: dict[str, object], message: str) -> None:
    values = "period,sqls,win_rate,deal_size,deals,revenue\n"
    values += "2026-09,100,0.2,1000,20,20000\n2026-10,120,0.25,900,30,27000\n"
    with pytest.raises(ExplainError) as caught:
        run(FUNNEL, values, **options)
    assert message in str(caught.value)


def test_no_revenue_metric_asks_for_one() -> None:
    with pytest.raises(ExplainError, match="marks no revenue metric"):
        run("  a: {}\n", "period,a\n1,1\n2,2\n")
