"""The impact use case's view: what the ranking says of metrics that have no leverage."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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


def _impact_json(write_catalog: Callable[..., Path], metrics: str) -> dict[str, Any]:
    path = write_catalog("version: 1\nmetrics:\n" + metrics)
    document: dict[str, Any] = json.loads(run_cli("impact", str(path), "--format", "json").stdout)
    return document


def test_a_catalog_without_elasticities_says_what_to_do_in_every_format(
    write_catalog: Callable[..., Path],
) -> None:
    """A new catalog (or an imported one) has no elasticities: the leverage table is all
    dashes. It said nothing of why, as if leverage were unknowable, not just not given."""
    path = write_catalog(
        "version: 1\nmetrics:\n"
        "  r: {revenue: true}\n  a: {drives: [r]}\n  b: {drives: [a]}\n  lone: {}\n"
    )
    wanted = (
        "none of the 2 metrics that reach revenue has a route to it of links with"
        " elasticities, so no leverage can be computed"
    )
    document = json.loads(run_cli("impact", str(path), "--format", "json").stdout)
    assert document["next_step"].startswith(wanted)
    assert "revtrace fit --values FILE --diff" in document["next_step"]
    text = run_cli("impact", str(path))
    assert text.exit_code == 0 and f"Next: {wanted}" in text.stdout
    assert f"Next: {wanted}" in run_cli("impact", str(path), "--format", "markdown").stdout


def test_the_next_step_is_not_said_where_leverage_is_known_or_a_loop_diverges(
    write_catalog: Callable[..., Path],
) -> None:
    one = _impact_json(write_catalog, "  r: {revenue: true}\n  a: {drives: [r]}\n")
    assert one["next_step"].startswith("the one metric that reaches revenue has no route")
    # One quantified route is enough: the table now says which metrics lack one.
    some = _impact_json(
        write_catalog,
        "  r: {revenue: true}\n  a: {drives: [{to: r, elasticity: 0.5}]}\n  b: {drives: [r]}\n",
    )
    assert "next_step" not in some
    assert [m["quantified"] for m in some["metrics"]] == ["full", "none"]
    # Elasticities given, but a loop that diverges leaves every metric without a figure:
    # the advice to add elasticities would be wrong.
    diverging = _impact_json(
        write_catalog,
        "  r: {revenue: true}\n"
        "  a: {drives: [{to: b, elasticity: 2}, {to: r, elasticity: 1.0}]}\n"
        "  b: {drives: [{to: a, elasticity: 0.6}]}\n",
    )
    assert diverging["divergent_loops"] and "next_step" not in diverging
    assert {m["quantified"] for m in diverging["metrics"]} == {"none"}
    # Nothing reaches revenue: the audit's candidates say so; no advice about elasticities.
    assert "next_step" not in _impact_json(write_catalog, "  r: {revenue: true}\n  a: {}\n")


def test_loops_that_diverge_together_are_named_as_such(
    write_catalog: Callable[..., Path],
) -> None:
    """Two loops through c and d, 0.45 and 0.675 on their own, diverging together:
    `impact` said "Divergent loop c → d → c (gain 0.45)", a gain that diverges nothing."""
    text = (
        "version: 1\nmetrics:\n  r: {revenue: true}\n"
        "  c: {drives: [{to: d, elasticity: 0.5}, {to: r, elasticity: 1}]}\n"
        "  d: {drives: [{to: c, elasticity: 0.9}, {to: e, elasticity: 0.9}]}\n"
        "  e: {drives: [{to: c, elasticity: 1.5}]}\n"
    )
    path = str(write_catalog(text))
    (loop,) = json.loads(run_cli("impact", path, "--format", "json").stdout)["divergent_loops"]
    assert (loop["members"], loop["loop"], loop["alone"]) == (
        ["c", "d", "e"], ["c", "d", "e", "c"], False
    )  # fmt: skip
    assert loop["gain"] == pytest.approx(0.5 * 0.9 * 1.5)
    out = run_cli("impact", path, env={"NO_COLOR": "1", "COLUMNS": "200"}).stdout
    assert (
        "Divergent loops through c, d, e (the strongest found: c → d → e → c, gain 0.675):"
        " their metrics have no finite effect." in out
    )
