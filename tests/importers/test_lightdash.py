"""`revtrace import lightdash`: metrics where Lightdash users write them, drivers turned
into links, references into derivations, and missing drivers as an error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

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


def test_a_missing_driver_with_line_breaks_and_escapes_in_its_name_stays_on_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "schema.yml").write_text(
        "models:\n  - name: m\n    meta:\n      metrics:\n"
        '        b: {type: sum, drivers: ["a\\u0085\\u001b[31m"]}\n',
        encoding="utf-8",
    )
    result = run_cli("import", "lightdash", str(tmp_path))
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x85" not in result.stderr
    assert result.stderr.count("\n") == 1 and "m.a\\x85\\x1b[31m (a driver of m.b)" in result.stderr


ORDERS = """\
version: 2
models:
  - name: orders
    meta:
      metrics:
        total_revenue: {type: sum, sql: "${TABLE}.amount", label: Total revenue}
        order_count: {type: count, label: Orders}
"""


def test_an_imported_catalog_without_revenue_says_where_to_mark_it(tmp_path: Path) -> None:
    # The generated file says "do not edit", so the advice is the source or --revenue,
    # and following it works.
    source = tmp_path / "models" / "orders.yml"
    source.parent.mkdir()
    source.write_text(ORDERS, encoding="utf-8")
    catalog = tmp_path / "metrics.yaml"
    assert run_cli("import", "lightdash", str(source), "-o", str(catalog)).exit_code == 0
    audited = run_cli("audit", str(catalog), "--format", "json")
    (finding,) = [f for f in json.loads(audited.stdout)["findings"] if f["code"] == "RT004"]
    assert finding["metric"] == "orders.total_revenue"
    assert "'meta: {revtrace: {revenue: true}}' in " in finding["message"], finding
    assert finding["message"].count("models/orders.yml)") == 1
    assert "import again with '--revenue orders.total_revenue'" in finding["message"]
    marked = run_cli(
        "import", "lightdash", str(source), "-o", str(catalog), "--force",
        "--revenue", "orders.total_revenue",
    )  # fmt: skip
    assert marked.exit_code == 0
    assert "RT004" not in run_cli("audit", str(catalog)).stdout


RATIO = """version: 2
models:
  - name: orders
    config:
      meta:
        metrics:
          completion_percentage:
            type: number
            sql: ${total_completed_order_amount} / NULLIF(${total_order_amount}, 0)
            drivers: [total_order_amount, total_completed_order_amount]
          deduped_per_order:
            type: number
            sql: ${customers.amount_deduped} / NULLIF(${order_count}, 0)
          running:
            type: running_total
            sql: ${total_order_amount}
    columns:
      - name: order_id
        config: {meta: {metrics: {order_count: {type: count_distinct}}}}
      - name: amount
        config:
          meta:
            metrics:
              total_order_amount: {type: sum, meta: {revtrace: {revenue: true}}}
              total_completed_order_amount:
                type: sum
                sql: CASE WHEN ${TABLE}.status = 'completed' THEN ${TABLE}.amount END
                drivers: [total_order_amount]
              parameterized:
                type: number
                sql: CASE WHEN ${lightdash.parameters.p} THEN ${ld.user.email} END
"""


def test_a_ratio_whose_drivers_are_its_inputs_is_computed_from_them_once(
    tmp_path: Path,
) -> None:
    """Lightdash's own demo lists a ratio's inputs as its drivers too. Both as links made
    every such ratio a 'drives' pair plus an ignored derivation (RT018 twice), and a ratio
    of revenue a candidate to drop instead of a view of revenue."""
    (tmp_path / "orders.yml").write_text(RATIO, encoding="utf-8")
    result = run_cli("import", "lightdash", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    catalog = load_catalog_text(result.stdout).catalog.metrics
    into_ratio = sorted(
        (link.source, link.kind)
        for metric in catalog.values()
        for link in metric.drives
        if link.target == "orders.completion_percentage"
    )
    assert into_ratio == [
        ("orders.total_completed_order_amount", "computed_from"),
        ("orders.total_order_amount", "computed_from"),
    ]
    # A driver that is not an input stays a driver.
    assert any(
        (link.target, link.kind) == ("orders.total_completed_order_amount", "drives")
        for link in catalog["orders.total_order_amount"].drives
    )
    catalog_file = tmp_path / "catalog.yaml"
    catalog_file.write_text(result.stdout, encoding="utf-8")
    audit = json.loads(run_cli("audit", str(catalog_file), "-f", "json").stdout)
    rows = {row["id"]: row for row in audit["metrics"]}
    assert rows["orders.completion_percentage"]["view_of"] == "orders.total_order_amount"
    assert rows["orders.running"]["view_of"] == "orders.total_order_amount"
    assert not [f for f in audit["findings"] if f["code"] == "RT018"]


def test_a_reference_to_no_metric_in_a_non_aggregate_metric_is_said(tmp_path: Path) -> None:
    (tmp_path / "orders.yml").write_text(RATIO, encoding="utf-8")
    result = run_cli("import", "lightdash", str(tmp_path))
    notes = [line for line in result.stderr.splitlines() if "refers to" in line]
    # ${TABLE} (an aggregate's), ${lightdash.parameters.p} and ${ld.user.email} are not.
    assert len(notes) == 1 and notes[0].endswith(
        "orders.yml: metric 'orders.deduped_per_order': its sql refers to"
        " 'customers.amount_deduped', not a metric in the files given: not linked"
    )
    linked = load_catalog_text(result.stdout).catalog.metrics["orders.order_count"].drives
    assert [(link.target, link.kind) for link in linked] == [
        ("orders.deduped_per_order", "computed_from")
    ]


def test_a_lightdash_csv_download_is_a_values_file_as_it_is(tmp_path: Path) -> None:
    """After an import, Lightdash's "Download CSV" (raw values, table names shown) is read
    without renaming a column: its labels name the imported metrics."""
    catalog = tmp_path / "metrics.yaml"
    run_cli("import", "lightdash", PROJECT, "--allow-missing", "-o", str(catalog))
    values = tmp_path / "values.csv"
    values.write_text(
        "Orders Order date month,Orders Revenue,Orders Orders,Customers Active customers\n"
        "2026-09-01,1000,10,52\n2026-10-01,1210,11,55\n",
        encoding="utf-8",
    )
    result = run_cli("explain", str(catalog), "--values", str(values), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # every column named a metric
    (revenue,) = json.loads(result.stdout)["explanations"]
    assert revenue["metric"] == "orders.revenue"
    assert (revenue["change"]["from"], revenue["change"]["to"]) == (1000.0, 1210.0)
    # No link into revenue has an elasticity yet: the text says what to do next.
    text = run_cli("explain", str(catalog), "--values", str(values)).stdout
    assert "Next: nothing quantified drives orders.revenue" in text
    fitted = run_cli("fit", str(catalog), "--values", str(values), "--format", "json")
    fit = json.loads(fitted.stdout)
    checked = {(link["from"], link["to"]): link["verdict"] for link in fit["links"]}
    assert checked[("orders.order_count", "orders.revenue")] != "no-data"


def test_the_lightdash_example_is_the_loop_the_readme_describes(tmp_path: Path) -> None:
    """examples/lightdash-sales: its catalog is what the import writes today, and its
    links file is the hand-written one after `fit --diff | git apply`, the estimates
    appended (the generated catalog untouched); a second fit has nothing to change."""
    example = REPO / "examples" / "lightdash-sales"
    check = run_cli(
        "import", "lightdash", "examples/lightdash-sales/models",
        "-o", "examples/lightdash-sales/revtrace/metrics.yaml", "--check",
    )  # fmt: skip
    assert check.exit_code == 0, check.stderr
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    copy = tmp_path / "lightdash-sales"
    shutil.copytree(example, copy)
    links = copy / "revtrace" / "links.yaml"
    shipped = links.read_text(encoding="utf-8")
    by_hand = "".join(line for line in shipped.splitlines(True) if "elasticity:" not in line)
    links.write_text(by_hand, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy)
        fitted = run_cli("fit", "revtrace/", "--values", "values.csv", "--diff")
        assert fitted.exit_code == 0, fitted.stderr
        assert "a/revtrace/metrics.yaml" not in fitted.stdout
        subprocess.run(["git", "apply", "-"], input=fitted.stdout, text=True, cwd=copy, check=True)
        assert links.read_text(encoding="utf-8") == shipped
        again = run_cli("fit", "revtrace/", "--values", "values.csv", "--diff")
        assert again.stdout == "" and "the catalog says 5 estimates already" in again.stderr


def test_a_filtered_or_case_when_sum_is_a_part_of_the_sum_it_keeps_some_rows_of(
    tmp_path: Path,
) -> None:
    """Lightdash's SaaS demo: won amount is the deals' amount `filters: [{stage: Won}]`,
    a part of the total amount (and moves it). Its filters were dropped without a word.
    Not a part: an average, a distinct count, another column or model."""
    (tmp_path / "deals.yml").write_text(
        """\
version: 2
models:
  - name: deals
    meta:
      metrics:
        case_won:
          type: sum
          sql: "CASE WHEN ${stage} = 'Won' THEN ${TABLE}.amount ELSE 0 END"
        case_seats:
          type: sum
          sql: "CASE WHEN ${stage} = 'Won' THEN ${seats} END"
    columns:
      - name: amount
        meta:
          metrics:
            total_amount: {type: sum}
            won_amount: {type: sum, filters: [{stage: Won}]}
            average_won: {type: average, filters: [{stage: Won}]}
      - name: deal_id
        meta:
          metrics:
            deals: {type: count}
            won_deals: {type: count, filters: [{stage: Won}]}
            won_unique: {type: count_distinct, filters: [{stage: Won}]}
  - name: refunds
    columns:
      - name: amount
        meta:
          metrics:
            refunded_won: {type: sum, filters: [{stage: Won}]}
""",
        encoding="utf-8",
    )
    result = run_cli("import", "lightdash", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    catalog = load_catalog_text(result.stdout).catalog.metrics
    assert {(m.id, link.target) for m in catalog.values() for link in m.drives} == {
        ("deals.won_amount", "deals.total_amount"),
        ("deals.case_won", "deals.total_amount"),
        ("deals.won_deals", "deals.deals"),
    }
    where = f"{os.path.relpath(tmp_path / 'deals.yml')}: metric"  # as shown: from here
    assert (
        f"revtrace: {where} 'deals.won_amount': its filters are not carried (revtrace has"
        " none); it keeps some of the rows of 'deals.total_amount', so it is a part of it:"
        " linked as driving 'deals.total_amount'\n" in result.stderr
    )
    assert (
        f"revtrace: {where} 'deals.won_unique': its filters are not carried (revtrace has"
        " none)\n" in result.stderr
    )
    assert (
        f"revtrace: {where} 'deals.case_won': it adds up ${{amount}} only where a condition"
        " holds (case when … end), as 'deals.total_amount' adds it up everywhere, so it is a"
        " part of it: linked as driving 'deals.total_amount'\n" in result.stderr
    )


def test_a_metric_that_computes_what_another_does_is_the_formula_of_it(tmp_path: Path) -> None:
    """Lightdash's healthcare demo: "Total Paid", "Total Paid (Millions)" and "(Billions)"
    are one sum of one column, shown in three formats; with Total Paid as revenue, the
    other two were candidates to drop. Each is now the formula of the one it copies (the
    one marked revenue), a view of revenue. Not a copy: another percentile, a filter (a
    part, of what the copies copy), another column or model."""
    (tmp_path / "charges.yml").write_text(
        """\
version: 2
models:
  - name: charges
    meta:
      metrics:
        paid_sql: {type: sum, sql: "${TABLE}.PAID", label: Paid (from SQL)}
    columns:
      - name: paid
        meta:
          metrics:
            total_paid: {type: sum, label: Total Paid}
            total_paid_mm: {type: sum, format: '[$$]#,##0.00,,"M"', label: Total Paid (Millions)}
            paid_by_medicare: {type: sum, filters: [{payer: medicare}]}
            p50_paid: {type: percentile, percentile: 50}
            p90_paid: {type: percentile, percentile: 90}
      - name: estimated
        meta:
          metrics:
            total_estimated: {type: sum}
  - name: refunds
    columns:
      - name: paid
        meta:
          metrics:
            total_paid: {type: sum}
""",
        encoding="utf-8",
    )
    result = run_cli("import", "lightdash", str(tmp_path), "--revenue", "charges.total_paid_mm")
    assert result.exit_code == 0, result.stderr
    metrics = load_catalog_text(result.stdout).catalog.metrics
    assert {m.id: m.formula for m in metrics.values() if m.formula} == {
        "charges.paid_sql": "charges.total_paid_mm",
        "charges.total_paid": "charges.total_paid_mm",
    }
    assert [link.target for link in metrics["charges.paid_by_medicare"].drives] == [
        "charges.total_paid_mm"
    ]
    where = f"{os.path.relpath(tmp_path / 'charges.yml')}: metric"
    assert (
        f"revtrace: {where} 'charges.total_paid': it computes what 'charges.total_paid_mm'"
        " computes (the same aggregation of the same expression, shown otherwise): imported"
        " as the formula 'charges.total_paid_mm', the same number\n" in result.stderr
    )
    catalog = tmp_path / "charges.yaml"
    catalog.write_text(result.stdout, encoding="utf-8")
    audit = json.loads(run_cli("audit", str(catalog), "--format", "json").stdout)
    candidates = sorted(row["id"] for row in audit["metrics"] if row["candidate"])
    assert candidates == [
        "charges.p50_paid", "charges.p90_paid", "charges.total_estimated", "refunds.total_paid"
    ]  # fmt: skip
