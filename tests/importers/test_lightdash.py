"""`revtrace import lightdash`: metrics where Lightdash users write them, drivers turned
into links, references into derivations, and missing drivers as an error."""

from __future__ import annotations

import pytest

from revtrace.load import load_catalog_text
from tests.conftest import DATA, REPO, check_golden, run_cli

PROJECT = str((DATA / "lightdash").relative_to(REPO))


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_a_driver_that_names_no_metric_is_an_error_listing_it() -> None:
    result = run_cli("import", "lightdash", PROJECT)
    assert (result.exit_code, result.stdout) == (1, "")
    assert "marketing.sessions (a driver of customers.active_customers)" in result.stderr
    assert "--allow-missing" in result.stderr


def test_the_project_gives_the_expected_catalog_with_allow_missing() -> None:
    result = run_cli("import", "lightdash", PROJECT, "--allow-missing")
    assert result.exit_code == 0, result.stderr
    assert "marketing.sessions" in result.stderr and "link dropped" in result.stderr
    check_golden("import-lightdash.yaml", result.stdout)
    catalog = load_catalog_text(result.stdout).catalog.metrics
    links = {(link.source, link.target, link.kind) for m in catalog.values() for link in m.drives}
    # Drivers from both meta forms on one column, across models and in Lightdash YAML.
    assert ("orders.order_count", "orders.revenue", "drives") in links
    assert ("customers.active_customers", "orders.order_count", "drives") in links
    assert ("customers.new_customers", "orders.first_orders", "drives") in links
    assert ("customers.new_customers", "customers.active_customers", "drives") in links
    # ${revenue} in a non-aggregate metric's sql: computed from it.
    assert ("orders.revenue", "orders.average_order_value", "computed_from") in links
    revenue = catalog["orders.revenue"]
    assert revenue.revenue and revenue.owner == "cfo@example.com"
    assert "lightdash:finance" in revenue.tags


def test_revenue_on_the_command_line_takes_model_dot_metric() -> None:
    text = run_cli(
        "import", "lightdash", PROJECT, "--allow-missing", "--revenue", "customers.new_customers"
    ).stdout
    assert load_catalog_text(text).catalog.metrics["customers.new_customers"].revenue
    wrong = run_cli("import", "lightdash", PROJECT, "--allow-missing", "--revenue", "revenue")
    assert wrong.exit_code == 2 and "write model.metric" in wrong.stderr
