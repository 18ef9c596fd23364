"""`revtrace import dbt`: each input shape against the catalog expected of it; every
generated catalog loads without an error; bad inputs are one line and exit 2."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from revtrace.load import load_catalog_text
from revtrace.model.catalog import Metric
from tests.conftest import DATA, REPO, check_golden, run_cli

DBT = (DATA / "dbt").relative_to(REPO)
INPUTS = {
    "project": "examples/dbt-shop",
    "semantic-manifest": f"{DBT}/semantic_manifest.json",
    "legacy": f"{DBT}/legacy.yml",
    "anchors": f"{DBT}/anchors.yml",
}


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("name", INPUTS)
def test_each_input_gives_the_expected_catalog_which_loads_cleanly(name: str) -> None:
    result = run_cli("import", "dbt", INPUTS[name])
    assert result.exit_code == 0, result.stderr
    check_golden(f"import-dbt-{name}.yaml", result.stdout)
    loaded = load_catalog_text(result.stdout, "generated.yaml")
    assert [f for f in loaded.findings if f.severity.name == "ERROR"] == []


def imported_links(folder: Path) -> tuple[set[tuple[str, str]], str]:
    """The `drives` links `revtrace import dbt` gives a folder (not the derivations), as
    (source, target), and what it said on stderr."""
    result = run_cli("import", "dbt", str(folder))
    assert result.exit_code == 0, result.stderr
    catalog = load_catalog_text(result.stdout).catalog.metrics
    drives = {
        (link.source, link.target)
        for metric in catalog.values()
        for link in metric.drives
        if link.kind == "drives"
    }
    return drives, result.stderr


def links_into(metrics: Mapping[str, Metric]) -> dict[str, list[tuple[str, str]]]:
    """Each metric's incoming links as (source, kind): what it is computed from."""
    return {
        m: sorted(
            (link.source, link.kind)
            for x in metrics.values()
            for link in x.drives
            if link.target == m
        )
        for m in metrics
    }


def test_the_mapping_of_each_metric_type() -> None:
    catalog = load_catalog_text(run_cli("import", "dbt", INPUTS["semantic-manifest"]).stdout)
    metrics = catalog.catalog.metrics
    inputs = links_into(metrics)
    assert metrics["revenue"].revenue and metrics["revenue"].owner == "finance"
    assert inputs["average_order_value"] == [("order_count", "formula"), ("revenue", "formula")]
    # Aliases replaced by the metrics' names; an offset or a filter makes it a derivation.
    assert metrics["revenue_per_order_plus_one"].formula == "revenue / order_count + 1"
    assert inputs["revenue_last_year"] == [("revenue", "computed_from")]
    assert inputs["eu_revenue"] == [("revenue", "computed_from")]
    assert inputs["cumulative_orders"] == [("order_count", "computed_from")]
    assert inputs["visit_to_order"] == [("order_count", "computed_from")]
    assert "dbt:filtered" in metrics["big_spenders"].tags
    legacy = load_catalog_text(run_cli("import", "dbt", INPUTS["legacy"]).stdout).catalog.metrics
    assert legacy["profit"].formula == "revenue - expenses"
    assert legacy["profit"].keep is not None and legacy["profit"].keep.by == "cfo"


def test_what_is_not_carried_is_reported_with_its_file() -> None:
    result = run_cli("import", "dbt", INPUTS["semantic-manifest"], "-f", "json")
    notes = json.loads(result.stderr)["not_carried"]
    # At the line that names it: the metric's entry in the JSON is on line 10.
    # Semantic models and saved queries stay behind as expected: one line, not one each.
    assert notes[0] == (
        "1 semantic model (2 measures, 0 dimensions) not carried: revtrace tracks metrics"
    )
    assert any(
        n.startswith(f"{DBT}/semantic_manifest.json:10: metric 'revenue_last_year'") for n in notes
    )
    assert any("its filter refers to metric 'revenue'" in n and "not linked" in n for n in notes)
    assert any("input 'revenue' is offset (1 year)" in n for n in notes)


def test_revenue_can_be_named_on_the_command_line() -> None:
    text = run_cli("import", "dbt", INPUTS["anchors"], "--revenue", "revenue").stdout
    assert load_catalog_text(text).catalog.metrics["revenue"].revenue
    unknown = run_cli("import", "dbt", INPUTS["anchors"], "--revenue", "sales")
    assert unknown.exit_code == 2 and "--revenue sales: no metric of that name" in unknown.stderr


def test_the_example_overlay_takes_the_import_from_vanity_to_traced() -> None:
    alone = json.loads(
        run_cli("audit", "examples/dbt-shop/revtrace/metrics.yaml", "-f", "json").stdout
    )
    together = json.loads(run_cli("audit", "examples/dbt-shop/revtrace/", "-f", "json").stdout)
    candidates = [f["metric"] for f in alone["findings"] if f["code"] == "RT001"]
    # Food revenue is revenue's rows that its filter keeps: a part of it, linked by the
    # import; the other two wait for the overlay.
    assert sorted(candidates) == ["customers", "order_count"]
    assert alone["summary"]["views"] == 4  # AOV, food share, growth, cumulative: not vanity
    assert [f for f in together["findings"] if f["code"] in ("RT001", "RT018")] == []


def test_check_compares_without_writing(tmp_path: Path) -> None:
    committed = "examples/dbt-shop/revtrace/metrics.yaml"
    assert run_cli("import", "dbt", "examples/dbt-shop", "-o", committed, "--check").exit_code == 0
    stale = tmp_path / "metrics.yaml"
    stale.write_text("version: 1\nmetrics: {}\n")
    result = run_cli("import", "dbt", "examples/dbt-shop", "-o", str(stale), "--check")
    assert result.exit_code == 1 and "is not what the import gives" in result.stderr
    assert stale.read_text() == "version: 1\nmetrics: {}\n"


def test_output_is_written_once_then_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "dbt.yaml"
    assert run_cli("import", "dbt", "examples/dbt-shop", "-o", str(target)).exit_code == 0
    again = run_cli("import", "dbt", "examples/dbt-shop", "-o", str(target))
    assert again.exit_code == 2 and "add --force" in again.stderr
    assert (
        run_cli("import", "dbt", "examples/dbt-shop", "-o", str(target), "--force").exit_code == 0
    )


@pytest.mark.parametrize(
    "content, name, says",
    [
        ("metrics: [\n", "broken.yml", "not valid YAML"),
        ('{"metrics": [', "manifest.json", "not valid JSON"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yml", "not valid YAML"),
        ("x: &a [*a]\n", "self.yml", ""),
        (
            "metrics:\n  - name: a\n    type simple\n",
            "colon.yml",
            "colon.yml:3:5: not valid YAML: missing ':' after 'type simple'?",
        ),
        ('metrics:\n  - name: "\u00e9\u00e9\x01"\n', "control.yml", "control.yml:2:14: not valid"),
    ],
    ids=["bad yaml", "bad json", "deep nesting", "recursive anchor", "missing colon", "control"],
)
def test_a_bad_input_is_one_line_and_exit_2_or_nothing_to_import(
    content: str, name: str, says: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = run_cli("import", "dbt", str(path))
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if says:
        assert result.exit_code == 2 and says in result.stderr
        assert result.stderr.count("\n") == 1
    else:
        assert result.exit_code == 0  # no metrics: an empty catalog


@pytest.mark.parametrize("importer", ["dbt", "lightdash"])
def test_a_broken_file_in_a_project_says_which_folder_and_the_way_round_it(
    importer: str, tmp_path: Path
) -> None:
    """A real project's sources file, indented with tabs, stopped the import of a project
    whose metrics are elsewhere: the message names the folder it was read from and says
    what to do instead, still at the line to fix."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "_sources.yml").write_text("sources:\n  - name: stripe\n\t\ttables: []\n")
    result = run_cli("import", importer, str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"revtrace: error: {models / '_sources.yml'}:3:1: not valid YAML: a tab character:"
        f" YAML indents with spaces only (found in {tmp_path}, whose YAML files are all read:"
        " fix it, or import only the files or folders that define metrics)\n"
    )
    # Named on its own, the file is the input: no folder to speak of.
    alone = run_cli("import", importer, str(models / "_sources.yml"))
    assert alone.exit_code == 2 and "found in" not in alone.stderr


def test_a_folder_without_metrics_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    (tmp_path / "models").mkdir()
    result = run_cli("import", "dbt", str(tmp_path))
    assert result.exit_code == 2 and "no dbt metric in its YAML files" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["dbt_project.yml", "models"]  # nothing written


def test_a_note_points_at_the_metric_not_a_measure_or_input_of_the_same_name(
    tmp_path: Path,
) -> None:
    (tmp_path / "models.yml").write_text(
        """\
semantic_models:
  - name: orders
    measures:
      - name: large_orders
        agg: sum
metrics:
  - name: order_share
    type: derived
    type_params:
      expr: large_orders / 2
      metrics:
        - name: large_orders
  - name: large_orders
    type: simple
    filter: "{{ Dimension('order__total') }} > 20"
    type_params: {measure: large_orders}
""",
        encoding="utf-8",
    )
    notes = json.loads(run_cli("import", "dbt", str(tmp_path), "-f", "json").stderr)
    filtered = [n.rpartition("/")[2] for n in notes["not_carried"] if "its filter" in n]
    assert filtered == [
        "models.yml:13: metric 'large_orders': its filter is not carried (revtrace has none)"
    ]


def test_a_name_revtrace_cannot_use_as_an_id_is_refused_naming_its_file(tmp_path: Path) -> None:
    (tmp_path / "models.yml").write_text(
        "metrics:\n  - {name: ok, type: simple}\n  - {name: 'x y', type: simple}\n",
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(tmp_path / "models.yml"))
    assert result.exit_code == 2 and result.stdout == ""
    assert "metric id 'x y' has characters ids cannot have (' ')" in result.stderr
    assert result.stderr.rstrip().endswith("models.yml)")


def test_labels_with_characters_yaml_refuses_raw_are_written_as_escapes(tmp_path: Path) -> None:
    label = "Net\x89 revenue\x85(EU)\u2028\x7f"
    (tmp_path / "models.yml").write_text(
        json.dumps({"metrics": [{"name": "net", "type": "simple", "label": label}]}),
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(tmp_path / "models.yml"))
    assert result.exit_code == 0, result.stderr
    assert "\x89" not in result.stdout and "\\u0089" in result.stdout
    assert load_catalog_text(result.stdout).catalog.metrics["net"].name == label


def test_a_revtrace_catalog_in_the_project_is_skipped_with_a_note(tmp_path: Path) -> None:
    # revtrace's own catalog (`version: 1`, `metrics:` a mapping) beside the models, as
    # when the import's output is kept there: its names were read as dbt metrics before
    # ("metric id 'Articles published' has characters ids cannot have").
    project = tmp_path / "shop"
    shutil.copytree(REPO / INPUTS["project"], project)
    alone = run_cli("import", "dbt", str(project))
    (project / "models" / "metrics.yaml").write_bytes((REPO / "metrics.yaml").read_bytes())
    beside = run_cli("import", "dbt", str(project))
    assert (beside.exit_code, beside.stdout) == (0, alone.stdout)
    assert "metrics.yaml: a revtrace catalog, not dbt: skipped" in beside.stderr


def test_a_revtrace_catalog_given_as_the_input_is_exit_2_saying_so(tmp_path: Path) -> None:
    result = run_cli("import", "dbt", "metrics.yaml")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "revtrace: error: metrics.yaml: a revtrace catalog (version: 1), not a dbt file;"
        " audit it with 'revtrace audit metrics.yaml'\n"
    )
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "metrics.yaml").write_bytes((REPO / "metrics.yaml").read_bytes())
    folder = run_cli("import", "dbt", str(tmp_path))
    assert folder.exit_code == 2
    assert folder.stderr.endswith("(skipped 1 revtrace catalog)\n")


def test_an_import_that_finds_no_metric_says_the_catalog_is_empty(tmp_path: Path) -> None:
    (tmp_path / "schema.yml").write_text("version: 2\nmodels:\n  - name: orders\n")
    for importer in ("dbt", "lightdash"):
        result = run_cli("import", importer, str(tmp_path / "schema.yml"))
        assert result.exit_code == 0, importer
        assert "metrics:" in result.stdout
        assert "metric in the files given: the catalog is empty" in result.stderr


# -- dbt's latest Semantic Layer spec (dbt 1.12, Fusion) ----------------------------------------


def test_the_latest_spec_imports_as_the_same_project_in_the_legacy_spec() -> None:
    # tests/data/dbt/latest-spec is examples/dbt-shop migrated as dbt's guide says (simple
    # metrics on the model, type parameters as the metric's own keys, input_metrics):
    # the catalog is the legacy one's, but for the file each metric came from.
    latest = run_cli("import", "dbt", f"{DBT}/latest-spec")
    legacy = run_cli("import", "dbt", INPUTS["project"])
    assert latest.exit_code == legacy.exit_code == 0, latest.stderr
    body = latest.stdout.split("version: 1\n", 1)[1]
    expected = legacy.stdout.split("version: 1\n", 1)[1].replace(
        "examples/dbt-shop/models/marts/metrics.yml",
        f"{DBT}/latest-spec/models/marts/orders.yml",
    )
    assert body == expected
    # What stays behind is said, at the lines that define it, in the file's order.
    assert latest.stderr.splitlines() == [
        "revtrace: 1 semantic model (2 dimensions) and 1 saved query not carried:"
        " revtrace tracks metrics",
        f"revtrace: {DBT}/latest-spec/models/marts/orders.yml:46: metric 'food_revenue':"
        " its filter is not carried (revtrace has none); it keeps some of the rows of"
        " 'revenue', so it is a part of it: linked as driving 'revenue'",
        f"revtrace: {DBT}/latest-spec/models/marts/orders.yml:71: metric 'revenue_growth_mom':"
        " input 'revenue' is offset (1 month): computed_from, not a formula",
    ]


def test_latest_spec_metrics_on_models_alone_and_each_advanced_type(tmp_path: Path) -> None:
    (tmp_path / "schema.yml").write_text(
        """\
models:
  - name: plain_model
    columns: [{name: id}]
  - name: signups
    semantic_model: true
    metrics:
      - {name: signups, type: simple, agg: count, expr: 1}
      - {name: paid_signups, type: simple, agg: count, expr: 1}
      - name: paid_share
        type: ratio
        numerator: {name: paid_signups, alias: paid}
        denominator: signups
      - name: signup_to_paid
        type: conversion
        entity: user
        calculation: conversion_rate
        base_metric: signups
        conversion_metric: {name: paid_signups}
      - {name: signups_to_date, type: cumulative, input_metric: signups, grain_to_date: month}
      - name: net_signups
        type: derived
        expr: s - p
        input_metrics: [{name: signups, alias: s}, {name: paid_signups, alias: p}]
""",
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    metrics = load_catalog_text(result.stdout).catalog.metrics
    assert sorted(metrics) == [
        "net_signups",
        "paid_share",
        "paid_signups",
        "signup_to_paid",
        "signups",
        "signups_to_date",
    ]
    assert metrics["paid_share"].formula == "paid_signups / signups"
    assert metrics["net_signups"].formula == "signups - paid_signups"
    inputs = links_into(metrics)
    assert inputs["signup_to_paid"] == [
        ("paid_signups", "computed_from"),
        ("signups", "computed_from"),
    ]
    assert inputs["signups_to_date"] == [("signups", "computed_from")]
    assert inputs["paid_share"] == [("paid_signups", "formula"), ("signups", "formula")]
    assert "1 semantic model (0 dimensions)" in result.stderr


def test_a_folder_of_plain_model_files_has_no_metrics_to_import(tmp_path: Path) -> None:
    (tmp_path / "schema.yml").write_text(
        "models:\n  - name: orders\n    semantic_model: false\n    columns: [{name: id}]\n",
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(tmp_path))
    assert result.exit_code == 2
    assert "or a model's 'semantic_model:' or 'metrics:')" in result.stderr


@pytest.mark.parametrize("switch", ["false", "{enabled: false}"])
def test_metrics_of_a_model_whose_semantic_model_is_off_are_not_imported(
    tmp_path: Path, switch: str
) -> None:
    """dbt defines metrics only on a model with semantic modeling on: metrics under one
    turned off are not the project's, and importing them would trace metrics nobody can
    query. They are left out, with a note naming the model."""
    (tmp_path / "schema.yml").write_text(
        "models:\n"
        f"  - name: legacy_orders\n    semantic_model: {switch}\n"
        "    metrics:\n      - {name: legacy_orders, type: simple, agg: count, expr: 1}\n"
        "      - {name: legacy_revenue, type: simple, agg: sum, expr: amount}\n"
        "  - name: orders\n    semantic_model: true\n"
        "    metrics:\n      - {name: orders, type: simple, agg: count, expr: 1}\n",
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert sorted(load_catalog_text(result.stdout).catalog.metrics) == ["orders"]
    assert "model 'legacy_orders' has its semantic model turned off" in result.stderr
    assert "none of its 2 metrics: not imported" in result.stderr
    (tmp_path / "schema.yml").write_text(
        "models:\n"
        f"  - name: legacy_orders\n    semantic_model: {switch}\n"
        "    metrics:\n      - {name: legacy_orders, type: simple, agg: count, expr: 1}\n",
        encoding="utf-8",
    )
    alone = run_cli("import", "dbt", str(tmp_path))  # nothing else: said, not silent
    assert alone.exit_code == 2
    assert "turned off" in alone.stderr.splitlines()[0]
    assert alone.stderr.splitlines()[1].startswith("revtrace: error: ")


# -- the wrong importer ------------------------------------------------------------------------


def test_import_dbt_of_a_lightdash_project_names_the_importer_that_reads_it(
    tmp_path: Path,
) -> None:
    lightdash = REPO / "tests" / "data" / "lightdash" / "models"
    counted = run_cli("import", "lightdash", str(lightdash), "--allow-missing")
    count = len(load_catalog_text(counted.stdout).catalog.metrics)
    assert count > 0
    out = tmp_path / "dbt.yaml"
    result = run_cli("import", "dbt", str(lightdash), "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr == (
        f"revtrace: error: {lightdash}: no dbt metric in its YAML files (top-level"
        " 'metrics:' or 'semantic_models:', or a model's 'semantic_model:' or 'metrics:');"
        f" it holds {count} Lightdash metrics, read by: revtrace import lightdash {lightdash}\n"
    )


def test_import_lightdash_of_a_dbt_project_names_the_importer_that_reads_it(
    tmp_path: Path,
) -> None:
    project = REPO / "tests" / "data" / "dbt" / "latest-spec"
    count = len(load_catalog_text(run_cli("import", "dbt", str(project)).stdout).catalog.metrics)
    result = run_cli("import", "lightdash", str(project), "-o", str(tmp_path / "x.yaml"))
    assert result.exit_code == 2 and not (tmp_path / "x.yaml").exists()
    assert result.stderr.endswith(
        f"; it holds {count} dbt metrics, read by: revtrace import dbt {project}\n"
    )
    # A file named on its own may be empty (a --check of a project whose metrics are all
    # gone); the hint is still given.
    schema = project / "models" / "marts" / "orders.yml"
    one = run_cli("import", "lightdash", str(schema))
    assert one.exit_code == 0 and "the catalog is empty; it holds" in one.stderr
    assert one.stderr.endswith(f", read by: revtrace import dbt {schema}\n")


def test_no_hint_when_the_other_importer_finds_nothing_either_or_the_failure_is_another(
    tmp_path: Path,
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "schema.yml").write_text("version: 2\nmodels:\n  - name: orders\n")
    for importer in ("dbt", "lightdash"):
        result = run_cli("import", importer, str(tmp_path))
        assert result.exit_code == 2 and "metric in its YAML files" in result.stderr
        assert "it holds" not in result.stderr and result.stderr.count("\n") == 1
    lightdash = REPO / "tests" / "data" / "lightdash" / "models"
    wrong = run_cli("import", "lightdash", str(lightdash), "--allow-missing", "--revenue", "x")
    assert wrong.exit_code == 2 and "it holds" not in wrong.stderr


def test_the_hint_quotes_a_path_as_a_shell_would_need(tmp_path: Path) -> None:
    folder = tmp_path / "my project"
    shutil.copytree(REPO / "tests" / "data" / "lightdash" / "models", folder)
    result = run_cli("import", "dbt", str(folder))
    assert result.stderr.endswith(
        f"read by: revtrace import lightdash {shlex.quote(str(folder))}\n"
    )


def test_a_filtered_simple_metric_is_a_part_of_the_unfiltered_one_only_when_additive(
    tmp_path: Path,
) -> None:
    """Revenue's rows for food orders sum to a part of revenue: the part drives the whole.
    Not when the aggregation is not additive (an average of some rows is no part of the
    average), nor on another expression or model, nor without an unfiltered metric."""
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "m.yml").write_text(
        """\
semantic_models:
  - name: orders
    measures:
      - {name: order_total, agg: sum}
      - {name: order_value, agg: average}
      - {name: refunds, agg: sum}
metrics:
  - {name: revenue, type: simple, type_params: {measure: order_total}}
  - name: food_revenue
    type: simple
    type_params: {measure: order_total}
    filter: "{{ Dimension('order_id__is_food') }}"
  - {name: aov, type: simple, type_params: {measure: order_value}}
  - name: food_aov
    type: simple
    type_params: {measure: order_value}
    filter: "{{ Dimension('order_id__is_food') }}"
  - name: food_refunds
    type: simple
    type_params: {measure: refunds}
    filter: "{{ Dimension('order_id__is_food') }}"
""",
        encoding="utf-8",
    )
    latest = tmp_path / "latest"
    latest.mkdir()
    (latest / "m.yml").write_text(
        """\
models:
  - name: orders
    semantic_model: true
    metrics:
      - {name: revenue, type: simple, agg: sum, expr: order_total}
      - {name: food_revenue, type: simple, agg: sum, expr: order_total, filter: "x"}
      - {name: food_tax, type: simple, agg: sum, expr: tax, filter: "x"}
      - {name: buyers, type: simple, agg: count_distinct, expr: customer_id}
      - {name: food_buyers, type: simple, agg: count_distinct, expr: customer_id, filter: "x"}
  - name: refunds
    semantic_model: true
    metrics:
      - {name: refunded, type: simple, agg: sum, expr: order_total, filter: "x"}
""",
        encoding="utf-8",
    )

    assert imported_links(legacy)[0] == {("food_revenue", "revenue")}
    assert imported_links(latest)[0] == {("food_revenue", "revenue")}


def test_dbt_project_configs_reach_the_metrics_under_them(tmp_path: Path) -> None:
    """dbt_project.yml's `metrics:` configs apply by resource path (the project's name,
    then each folder under the model path): `+meta` merges, the innermost and the
    metric's own config win, `+group` gives the group's owner, `+enabled: false` takes
    metrics out of the project. Without them, an imported project whose owners are set
    there had no owner on any metric (RT007 on each)."""
    (tmp_path / "dbt_project.yml").write_text(
        """\
name: shop
model-paths: [models]
metrics:
  +meta: {team: analytics}
  shop:
    marts:
      +group: finance
      +meta: {owner: marts-owner}
      old_revenue: {+enabled: false}
    staging:
      enabled: false
""",
        encoding="utf-8",
    )
    models = tmp_path / "models"
    for folder in ("marts", "staging", "other"):
        (models / folder).mkdir(parents=True)
    (models / "groups.yml").write_text(
        "groups:\n  - {name: finance, owner: {name: finance-analytics}}\n"
        "  - {name: growth, owner: {name: growth-team}}\n",
        encoding="utf-8",
    )
    simple = "type: simple, type_params: {measure: x}"
    (models / "marts" / "m.yml").write_text(
        "metrics:\n"
        f"  - {{name: revenue, {simple}, config: {{meta: {{owner: cfo}}}}}}\n"
        f"  - {{name: orders, {simple}}}\n"
        f"  - {{name: signups, {simple}, config: {{group: growth, meta: {{owner: null}}}}}}\n"
        f"  - {{name: old_revenue, {simple}}}\n",
        encoding="utf-8",
    )
    (models / "staging" / "s.yml").write_text(
        f"metrics:\n  - {{name: staged, {simple}}}\n", encoding="utf-8"
    )
    (models / "other" / "o.yml").write_text(
        f"metrics:\n  - {{name: visits, {simple}}}\n", encoding="utf-8"
    )
    result = run_cli("import", "dbt", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    catalog = load_catalog_text(result.stdout).catalog.metrics
    assert sorted(catalog) == ["orders", "revenue", "signups", "visits"]
    who = {m: (catalog[m].owner, catalog[m].team) for m in catalog}
    assert who == {
        "revenue": ("cfo", "analytics"),  # its own owner over the folder's
        "orders": ("marts-owner", "analytics"),  # the folder's meta, the top's team
        "signups": ("growth-team", "analytics"),  # its own group's owner; owner: null
        "visits": (None, "analytics"),  # only the top level applies
    }
    disabled = [line for line in result.stderr.splitlines() if "is disabled" in line]
    assert len(disabled) == 2
    assert "metric 'old_revenue' is disabled" in disabled[0]
    assert "metric 'staged' is disabled" in disabled[1]


def test_a_part_of_a_disabled_metric_imports_without_a_link(tmp_path: Path) -> None:
    (tmp_path / "m.yml").write_text(
        """\
models:
  - name: orders
    semantic_model: true
    metrics:
      - {name: revenue, type: simple, agg: sum, expr: total, config: {enabled: false}}
      - {name: food_revenue, type: simple, agg: sum, expr: total, filter: "x"}
""",
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    catalog = load_catalog_text(result.stdout).catalog.metrics
    assert list(catalog) == ["food_revenue"] and catalog["food_revenue"].drives == ()
    assert "metric 'revenue' is disabled" in result.stderr


def test_a_measure_with_create_metric_is_the_metric_dbt_makes_of_it(tmp_path: Path) -> None:
    """dbt makes a simple metric of each measure marked `create_metric: true` (legacy
    spec; jaffle-sl-template's `average_revenue`): it was missing from the catalog."""
    (tmp_path / "m.yml").write_text(
        """\
semantic_models:
  - name: orders
    measures:
      - {name: revenue, agg: sum, create_metric: true, label: Revenue, description: All of it}
      - {name: order_count, agg: sum}
metrics:
  - name: running_revenue
    type: cumulative
    type_params: {measure: revenue}
""",
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    catalog = load_catalog_text(result.stdout).catalog.metrics
    assert sorted(catalog) == ["revenue", "running_revenue"]  # order_count: no metric
    revenue = catalog["revenue"]
    assert (revenue.name, revenue.description) == ("Revenue", "All of it")
    assert "dbt:simple" in revenue.tags
    # The cumulative metric over its measure is computed from it.
    assert [(link.target, link.kind) for link in revenue.drives] == [
        ("running_revenue", "computed_from")
    ]


#: The measures of the legacy-spec project below, a simple metric each.
MEASURES = [
    "revenue", "food_revenue", "drink_revenue", "tax", "split", "items", "food_items",
    "any_items", "median_price", "food_median", "refunded",
]  # fmt: skip


def test_a_case_when_measure_is_a_part_of_the_measure_it_keeps_some_rows_of(
    tmp_path: Path,
) -> None:
    """jaffle-shop's food revenue is `sum(case when is_food_item then product_price else 0
    end)`, revenue `sum(product_price)`: a part of revenue, which it moves. Imported
    without the link, it was a candidate to drop in dbt's own demo project. Not a part:
    another aggregation, expression or model, two branches, a count that counts its
    `else 0` rows too."""
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "m.yml").write_text(
        """\
semantic_models:
  - name: order_items
    measures:
      - {name: revenue, agg: sum, expr: product_price}
      - name: food_revenue
        agg: sum
        expr: |
          CASE WHEN is_food_item
               THEN Product_Price ELSE 0 END
      - {name: drink_revenue, agg: sum, expr: "case when is_drink then product_price end"}
      - {name: tax, agg: sum, expr: "case when is_food_item then tax_paid else 0 end"}
      - {name: split, agg: sum, expr: "case when a then product_price when b then 1 end"}
      - {name: items, agg: count, expr: item_id}
      - {name: food_items, agg: count, expr: "case when is_food_item then item_id end"}
      - {name: any_items, agg: count, expr: "case when is_food_item then item_id else 0 end"}
      - {name: median_price, agg: median, expr: product_price}
      - {name: food_median, agg: median, expr: "case when f then product_price end"}
  - name: refunds
    measures:
      - {name: refunded, agg: sum, expr: "case when is_food then product_price else 0 end"}
metrics:
"""
        + "".join(
            f"  - {{name: {m}, type: simple, type_params: {{measure: {m}}}}}\n" for m in MEASURES
        ),
        encoding="utf-8",
    )
    latest = tmp_path / "latest"
    latest.mkdir()
    (latest / "m.yml").write_text(
        """\
models:
  - name: order_items
    semantic_model: true
    metrics:
      - {name: revenue, type: simple, agg: sum, expr: product_price}
      - {name: food_revenue, type: simple, agg: sum,
         expr: "case when is_food_item then product_price else 0 end"}
      - {name: tax, type: simple, agg: sum, expr: "case when f then tax_paid else 0 end"}
      - {name: food_avg, type: simple, agg: average, expr: "case when f then product_price end"}
""",
        encoding="utf-8",
    )

    drives, said = imported_links(legacy)
    assert drives == {
        ("food_revenue", "revenue"),
        ("drink_revenue", "revenue"),
        ("food_items", "items"),
    }
    assert (
        "metric 'food_revenue': it adds up product_price only where a condition holds (case"
        " when … end), as 'revenue' adds it up everywhere, so it is a part of it: linked as"
        " driving 'revenue'" in said
    )
    assert imported_links(latest)[0] == {("food_revenue", "revenue")}


def test_a_hostile_case_expression_is_read_in_one_pass(tmp_path: Path) -> None:
    """`case when a then a then … end x`: the regular expression that first matched a
    `case when` part backtracked on it quadratically (16,000 `then`s: 42 s). Read in one
    pass, it is no part of anything; a subprocess with a timeout guards against a hang."""
    expression = "case when " + "a then " * 100_000 + "b end x"
    (tmp_path / "m.yml").write_text(
        "semantic_models:\n  - name: o\n    measures:\n"
        f"      - {{name: total, agg: sum, expr: b}}\n"
        f"      - {{name: part, agg: sum, expr: '{expression}'}}\n"
        "metrics:\n"
        "  - {name: total, type: simple, type_params: {measure: total}}\n"
        "  - {name: part, type: simple, type_params: {measure: part}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "revtrace", "import", "dbt", str(tmp_path)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "drives" not in result.stdout


def test_a_metric_that_computes_what_another_does_is_the_formula_of_it(tmp_path: Path) -> None:
    """A second metric on revenue's measure (another label, "Revenue (thousands)") was a
    candidate to drop, "no path to revenue", though it is revenue's number: now the
    formula of the one it copies, a view of revenue (filling periods without rows with 0
    changes no number). Only what certainly computes the same: not another column (a
    latest-spec `agg` without `expr` sums the column of its name), nor other parameters
    (`agg_params`), nor another model."""
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "m.yml").write_text(
        """\
semantic_models:
  - name: orders
    measures:
      - {name: order_total, agg: sum}
      - {name: order_total_again, agg: sum, expr: ORDER_TOTAL, description: same column}
      - {name: p50, agg: percentile, expr: amount, agg_params: {percentile: 0.5}}
      - {name: p90, agg: percentile, expr: amount, agg_params: {percentile: 0.9}}
metrics:
  - {name: revenue, type: simple, type_params: {measure: order_total}}
  - {name: revenue_k, label: Revenue (thousands), type: simple, type_params: {measure: order_total}}
  - {name: revenue_again, type: simple, type_params: {measure: order_total_again}}
  - {name: filled, type: simple, type_params: {measure: {name: order_total, fill_nulls_with: 0}}}
  - {name: food_revenue, type: simple, type_params: {measure: order_total}, filter: "x"}
  - {name: median_order, type: simple, type_params: {measure: p50}}
  - {name: p90_order, type: simple, type_params: {measure: p90}}
""",
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(legacy), "--revenue", "revenue_k")
    assert result.exit_code == 0, result.stderr
    metrics = load_catalog_text(result.stdout).catalog.metrics
    formulas = {m.id: m.formula for m in metrics.values() if m.formula}
    # The one marked revenue is what the others copy; a part of a copy, a part of it.
    assert formulas == dict.fromkeys(("revenue", "revenue_again", "filled"), "revenue_k")
    assert [link.target for link in metrics["food_revenue"].drives] == ["revenue_k"]
    where = os.path.relpath(legacy / "m.yml")
    assert (
        f"revtrace: {where}:11: metric 'revenue_again': it computes what 'revenue_k' computes"
        " (the same aggregation of the same expression, under another name): imported as the"
        " formula 'revenue_k', the same number\n" in result.stderr
    )
    catalog = tmp_path / "legacy.yaml"
    catalog.write_text(result.stdout, encoding="utf-8")
    audit = json.loads(run_cli("audit", str(catalog), "--format", "json").stdout)
    rows = {row["id"]: row for row in audit["metrics"]}
    assert {m: rows[m]["view_of"] for m in ("revenue", "revenue_again")} == dict.fromkeys(
        ("revenue", "revenue_again"), "revenue_k"
    )
    assert rows["food_revenue"]["reaches_revenue"]
    assert rows["median_order"]["candidate"] and rows["p90_order"]["candidate"]  # not alike

    latest = tmp_path / "latest"
    latest.mkdir()
    (latest / "m.yml").write_text(
        """\
models:
  - name: orders
    semantic_model: true
    metrics:
      - {name: tax_paid, type: simple, agg: sum}
      - {name: order_cost, type: simple, agg: sum}
      - {name: order_total, type: simple, agg: sum, expr: order_total}
      - {name: gross, label: Gross, type: simple, agg: SUM, expr: " Order_Total "}
      - {name: buyers, type: simple, agg: count_distinct, expr: customer_id}
  - name: refunds
    semantic_model: true
    metrics:
      - {name: refund_buyers, type: simple, agg: count_distinct, expr: customer_id}
""",
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(latest))
    assert result.exit_code == 0, result.stderr
    metrics = load_catalog_text(result.stdout).catalog.metrics
    assert {m.id: m.formula for m in metrics.values() if m.formula} == {"gross": "order_total"}

    # A manifest writes every key, empty ones as null, and where each metric is defined.
    def simple(name: str, line: int, **measure: object) -> dict[str, object]:
        given = {"name": "order_total", "filter": None, "alias": None, **measure}
        return {
            "name": name, "description": None, "type": "simple", "filter": None,
            "type_params": {"measure": given, "numerator": None, "expr": None,
                            "metrics": [], "input_measures": [given]},
            "metadata": {"repo_file_path": "m.yml", "file_slice": {"start_line_number": line}},
            "label": name.title(), "config": {"meta": {}}, "time_granularity": None,
        }  # fmt: skip

    manifest = tmp_path / "semantic_manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "semantic_models": [
                    {
                        "name": "orders",
                        "measures": [
                            {"name": "order_total", "agg": "sum", "expr": None, "agg_params": None}
                        ],
                    }
                ],
                "metrics": [
                    simple("revenue", 3),
                    simple("revenue_k", 9, join_to_timespine=False),
                    simple("revenue_filtered", 15, filter={"where_filters": [{"x": 1}]}),
                ],
            }
        ),
        encoding="utf-8",
    )
    result = run_cli("import", "dbt", str(manifest))
    assert result.exit_code == 0, result.stderr
    metrics = load_catalog_text(result.stdout).catalog.metrics
    assert {m.id: m.formula for m in metrics.values() if m.formula} == {"revenue_k": "revenue"}
