"""The impact use case's view: what the ranking says of metrics that have no leverage."""

from __future__ import annotations

import json

from tests.conftest import run_cli

FINANCIALS = "examples/financials/"


def test_a_metric_without_a_path_is_not_ranked_as_merely_unquantified() -> None:
    """refunds reaches revenue through a link with a sign and no elasticity ('none': only
    the elasticity is missing); cost_of_goods has no path at all and the two views are
    computed from revenue. All three read 'none' and sorted among the rest by catalog
    order, as if a number were all they lacked."""
    rows = json.loads(run_cli("impact", FINANCIALS, "--format", "json").stdout)["metrics"]
    order = [(r["id"], r["quantified"], r["reaches_revenue"]) for r in rows]
    assert order == [
        ("orders", "full", True),
        ("average_order_value", "full", True),
        ("site_visits", "full", True),
        ("refunds", "none", True),
        ("cost_of_goods", "none", False),
        ("gross_profit", "none", False),
        ("revenue_growth", "none", False),
    ]
    text = run_cli("impact", FINANCIALS).stdout.splitlines()
    words = {line.split()[0]: line for line in text[2:]}
    assert words["refunds"].rstrip().endswith("none             —")
    assert "no path" in words["cost_of_goods"] and "view of revenue" in words["gross_profit"]
    markdown = run_cli("impact", FINANCIALS, "--format", "markdown").stdout
    assert "| cost_of_goods | cfo | finance | — | — | no path | — |" in markdown
