"""explain, fit and audit --values through the real CLI: outputs, exit codes, bad files."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
CATALOG = "examples/evidence/metrics.yaml"
VALUES = "examples/evidence/values.csv"
Write = Callable[..., Path]
NOTE = '"cheap clicks crowd out good leads"'


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_explain_json_adds_up_and_names_what_it_cannot_attribute() -> None:
    result = run_cli("explain", CATALOG, "--values", VALUES, "--format", "json", env=ENV)
    assert (result.exit_code, result.stderr) == (0, "")
    document = json.loads(result.stdout)
    assert (document["from"], document["to"], document["derived"]) == (
        "2026-09",
        "2026-10",
        ["deals"],
    )
    (revenue,) = document["explanations"]
    change = revenue["change"]
    total = sum(c["amount"] for c in revenue["contributions"]) + revenue["unexplained"]["amount"]
    assert total == pytest.approx(change["amount"], rel=1e-9)
    assert change["amount"] == pytest.approx(193670.12 - 178701.12)
    assert revenue["not_attributed"] == [
        {"metric": "webinar_attendees", "reason": "webinar_attendees → sqls has no elasticity"}
    ]
    assert {u["metric"] for u in revenue["unexplained"]["by_metric"]} == {"mqls", "sqls"}


def test_explain_periods_metric_and_markdown() -> None:
    result = run_cli(
        "explain", CATALOG, "--values", VALUES, "--from", "2025-10", "--to", "2026-10",
        "-m", "sqls", "--format", "markdown", env=ENV,
    )  # fmt: skip
    assert result.exit_code == 0
    cells = [line.split(",") for line in (REPO / VALUES).read_text().splitlines()]
    sqls = {row[0]: row[cells[0].index("sqls")] for row in cells}
    before, after = int(sqls["2025-10"]), int(sqls["2026-10"])
    change = f"{after - before:+.1f}, {(after - before) / before * 100:+.1f}%"
    head = f"### sqls: {before} → {after} ({change})\n\nFrom 2025-10 to 2026-10."
    assert result.stdout.startswith(head)
    assert "| *unexplained* |" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--to", "2027-01"], "values.csv has no values for 2027-01"),
        (["--from", "2026-10"], "--from 2026-10 is not before --to 2026-10"),
        (["-m", "revnue"], "unknown metric 'revnue'; did you mean 'revenue'?"),
        (["--values", "nowhere.csv"], "nowhere.csv: no such file"),
    ],
)
def test_explain_cannot_run_says_why(arguments: list[str], message: str) -> None:
    result = run_cli("explain", CATALOG, "--values", VALUES, *arguments, env=ENV)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr and "Traceback" not in result.stderr


def test_without_a_values_file_explain_asks_for_one() -> None:
    result = run_cli("explain", CATALOG, env=ENV)
    assert result.exit_code == 2
    assert "name the values file: --values FILE (or the `values` setting)" in result.stderr


def test_a_bad_values_file_is_reported_at_its_lines(write_catalog: Write) -> None:
    values = write_catalog(
        "period,sqls,win_rate,average_deal_size,revenue\n"
        "2026-09,100,0.2,1000,20000\n2026-10,120,0.25,900,27000\n2026-11,12O,0.25,900,27000\n",
        "v.csv",
    )
    result = run_cli("explain", CATALOG, "--values", str(values), "--to", "2026-10", env=ENV)
    assert result.exit_code == 0
    assert f"{values}:4:9: RT020 warning [values-problem] '12O' is not a number" in result.stderr
    assert "+2,457.6" not in result.stdout and "-2,457.6" in result.stdout
    empty = write_catalog("period,metric,value\n", "empty.csv")
    result = run_cli("fit", CATALOG, "--values", str(empty), env=ENV)
    assert result.exit_code == 2 and result.stdout == ""
    assert f"revtrace: error: {empty}: no usable rows" in result.stderr


def test_explain_reads_a_metricflow_export_as_it_is(write_catalog: Write) -> None:
    """What `mf query --metrics orders,aov --group-by metric_time__quarter --csv` writes:
    the time column first, midnight timestamps, one row a quarter. Read as it is, no gap
    between quarters, and explained exactly (hand-computed log points below)."""
    import math

    catalog = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true, formula: orders * aov}\n"
        "  orders: {}\n  aov: {}\n",
        "m.yaml",
    )
    values = write_catalog(
        "metric_time__quarter,orders,aov\n"
        "2026-04-01T00:00:00,90,50\n2026-07-01T00:00:00,100,50\n2026-10-01T00:00:00,110,52\n",
        "values.csv",
    )
    result = run_cli("explain", str(catalog), "--values", str(values), "-f", "json", env=ENV)
    assert (result.exit_code, result.stderr) == (0, "")
    document = json.loads(result.stdout)
    assert (document["from"], document["to"]) == ("2026-07-01", "2026-10-01")
    (explained,) = document["explanations"]
    change = 110 * 52 - 100 * 50  # 720
    total = math.log(110 * 52 / (100 * 50))
    amounts = {c["metric"]: c["amount"] for c in explained["contributions"]}
    assert amounts["orders"] == pytest.approx(change * math.log(110 / 100) / total)
    assert amounts["aov"] == pytest.approx(change * math.log(52 / 50) / total)


def test_fit_text_and_json() -> None:
    result = run_cli("fit", CATALOG, "--values", VALUES, env=ENV)
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[2].split()[:4] == ["contradicted", "paid_clicks", "→", "mqls"]
    assert "correlational evidence, not proof of causation" in result.stdout.lower()
    assert (
        "'demo_requests' has no path to revenue, but its changes track revenue's" in result.stdout
    )
    document = json.loads(run_cli("fit", CATALOG, "--values", VALUES, "-f", "json").stdout)
    links = {(link["from"], link["to"]): link for link in document["links"]}
    clicks = links[("paid_clicks", "mqls")]
    assert clicks["verdict"] == "contradicted" and clicks["declared"] == -0.2
    assert clicks["ci"][0] <= clicks["estimate"] <= clicks["ci"][1] and clicks["periods"] == 24
    assert links[("deals", "revenue")]["verdict"] == "exact"
    assert (
        document["periods"] == 25 and document["moves_with_revenue"][0]["metric"] == "demo_requests"
    )


def test_fit_diff_applies_with_git_and_a_second_run_has_nothing_to_change(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.copytree(REPO / "examples" / "evidence", tmp_path / "evidence")
    catalog = tmp_path / "evidence" / "metrics.yaml"
    before = catalog.read_text(encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    arguments = ["fit", "evidence/metrics.yaml", "--values", "evidence/values.csv", "--diff"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        result = run_cli(*arguments, env=ENV)
        assert result.exit_code == 0
        assert catalog.read_text(encoding="utf-8") == before  # revtrace never edits it
        assert "left out webinar_attendees → sqls (no-evidence" in result.stderr
        (tmp_path / "fit.patch").write_text(result.stdout, encoding="utf-8")
        subprocess.run(["git", "apply", "fit.patch"], cwd=tmp_path, check=True)
        after = catalog.read_text(encoding="utf-8")
        changed = [
            (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
        ]
        assert changed == [
            ("      - {to: sqls, elasticity: 0.6, confidence: estimated}",
             "      - {to: sqls, elasticity: 0.66, confidence: estimated}"),
            ("      - {to: mqls, elasticity: 0.5, confidence: assumed}",
             "      - {to: mqls, elasticity: 0.49, confidence: estimated}"),
            ("      - {to: mqls, elasticity: -0.2, confidence: assumed, note: " + NOTE + "}",
             "      - {to: mqls, elasticity: 0.29, confidence: estimated, note: " + NOTE + "}"),
        ]  # fmt: skip
        again = run_cli(*arguments, env=ENV)
        assert again.stdout == ""
        assert "the catalog says 3 estimates already: the patch is empty" in again.stderr
        assert run_cli("audit", "evidence/metrics.yaml", "--values", "evidence/values.csv",
                       "--select", "RT021", env=ENV).exit_code == 0  # fmt: skip


GENERATED = """\
# Generated by `revtrace import lightdash models` from models/orders.yml.
# Do not edit: regenerate it. Put hand-written links in another file under `links:`.
version: 1
metrics:
  orders.revenue: {revenue: true}
  orders.orders: {drives: ["orders.revenue"]}
  orders.aov: {drives: ["orders.revenue"]}
"""


def _months() -> str:
    """24 months where revenue is orders × average order value, exactly: each link's
    elasticity is 1 (computed by hand: ln R = ln orders + ln aov)."""
    import math

    rows = ["Orders Order date month,Orders Revenue,Orders Orders,Orders Aov"]
    for month in range(24):
        orders = 100 * math.exp(0.05 * math.sin(month * 1.7))
        aov = 50 * math.exp(0.04 * math.cos(month * 2.3))
        rows.append(f"{2024 + month // 12}-{month % 12 + 1:02d}-01,{orders * aov},{orders},{aov}")
    return "\n".join(rows) + "\n"


def test_fit_diff_quantifies_generated_links_in_the_hand_written_links_file(
    tmp_path: Path,
) -> None:
    """An imported catalog is never edited (the next import would undo it): the estimates
    of its links go into the catalog's own links file, where they complete the generated
    links; explain then attributes revenue's change to them."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / "metrics.yaml").write_text(GENERATED, encoding="utf-8")
    (tmp_path / "values.csv").write_text(_months(), encoding="utf-8")
    catalog = ["metrics.yaml", "--values", "values.csv"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        alone = run_cli("fit", *catalog, "--diff", env=ENV)
        assert (alone.exit_code, alone.stdout) == (0, "")
        assert (
            "left out orders.orders → orders.revenue (declared in metrics.yaml, which revtrace"
            " import generates (an edit there is undone by the next import): write '- {from:"
            ' "orders.orders", to: "orders.revenue", elasticity: 1.00, confidence: estimated}\''
            " under 'links:' in a file of your own)"
        ) in alone.stderr
        links = tmp_path / "links.yaml"
        links.write_text(
            "version: 1\nmetrics:\n  visits: {}\nlinks:\n  - {from: visits, to: orders.orders}\n"
        )
        catalog[1:1] = ["links.yaml"]
        result = run_cli("fit", *catalog, "--diff", env=ENV)
        assert result.exit_code == 0, result.stderr
        assert "the patch sets the elasticity of 2 links from the values" in result.stderr
        assert "metrics.yaml" not in result.stdout  # the generated file is not touched
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
        (tmp_path / "fit.patch").write_text(result.stdout, encoding="utf-8")
        subprocess.run(["git", "apply", "fit.patch"], cwd=tmp_path, check=True)
        assert links.read_text(encoding="utf-8").splitlines()[4:] == [
            "  - {from: visits, to: orders.orders}",
            '  - {from: "orders.orders", to: "orders.revenue", elasticity: 1.00,'
            " confidence: estimated}",
            '  - {from: "orders.aov", to: "orders.revenue", elasticity: 1.00,'
            " confidence: estimated}",
        ]
        assert (tmp_path / "metrics.yaml").read_text(encoding="utf-8") == GENERATED
        assert run_cli("fit", *catalog, "--diff", env=ENV).stdout == ""  # nothing left
        audit = json.loads(run_cli("audit", *catalog[:2], "-f", "json", env=ENV).stdout)
        assert [f for f in audit["findings"] if f["code"] == "RT018"] == []
        explained = json.loads(run_cli("explain", *catalog, "-f", "json", env=ENV).stdout)
        (revenue,) = explained["explanations"]
        assert {c["metric"] for c in revenue["contributions"]} == {"orders.orders", "orders.aov"}


@pytest.mark.parametrize("unfed", [9, 10])
def test_links_without_data_are_counted_from_ten_not_listed(
    write_catalog: Write, unfed: int
) -> None:
    """A values file of a few metrics of a large (imported) catalog: every other link has
    no data. From ten, the tables count those in a line; JSON lists every link."""
    unfed_links = "".join(f"  m{i}: {{drives: [revenue]}}\n" for i in range(unfed))
    catalog = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true}\n  sqls: {drives: [revenue]}\n"
        + unfed_links
    )
    values = write_catalog(
        "period,sqls,revenue\n" + "".join(f"{m},{10 + m % 3},{100 + m}\n" for m in range(1, 15)),
        "values.csv",
    )
    arguments = ["fit", str(catalog), "--values", str(values)]
    text = run_cli(*arguments, env=ENV).stdout
    markdown = run_cli(*arguments, "-f", "markdown", env=ENV).stdout
    line = f"{unfed} links have no data (a metric of each has no values in {values}): not listed"
    listed = [row for row in text.splitlines() if row.lstrip().startswith("no-data")]
    if unfed < 10:
        assert len(listed) == unfed and line not in text and line not in markdown
    else:
        assert listed == [] and line in text and line in markdown
        assert "| no-data |" not in markdown
    assert f"{unfed} no-data." in text  # the counts stay whole
    document = json.loads(run_cli(*arguments, "-f", "json", env=ENV).stdout)
    assert sum(link["verdict"] == "no-data" for link in document["links"]) == unfed


def test_audit_values_reports_the_data_rules_and_gates(write_catalog: Write) -> None:
    result = run_cli("audit", CATALOG, "--values", VALUES, "--format", "json", env=ENV)
    assert result.exit_code == 1
    codes = sorted(f["code"] for f in json.loads(result.stdout)["findings"])
    assert codes == ["RT001", "RT015", "RT015", "RT021", "RT022", "RT024"]
    plain = run_cli("audit", CATALOG, "--format", "json", env=ENV)
    assert sorted(f["code"] for f in json.loads(plain.stdout)["findings"]) == [
        "RT001", "RT015", "RT015",
    ]  # fmt: skip
    ignored = run_cli("audit", CATALOG, "--values", VALUES, "--ignore", "RT021", "-q", env=ENV)
    assert "RT021" not in ignored.stdout and "RT024" in ignored.stdout


def test_the_values_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "examples" / "evidence", tmp_path / "evidence")
    (tmp_path / "revtrace.toml").write_text(
        'catalog = ["evidence/metrics.yaml"]\nvalues = "evidence/values.csv"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert "paid_clicks" in run_cli("explain", env=ENV).stdout
    assert run_cli("audit", "--select", "RT021", env=ENV).exit_code == 1
    (tmp_path / "revtrace.toml").write_text("values = 3\n", encoding="utf-8")
    result = run_cli("explain", env=ENV)
    assert result.exit_code == 2 and "'values' must be a path" in result.stderr


def test_a_candidate_the_numbers_tie_to_revenue_is_never_dropped_without_a_warning() -> None:
    text = run_cli("audit", CATALOG, "--values", VALUES, env=ENV).stdout.splitlines()
    where = text.index(
        "    examples/evidence/metrics.yaml:53:3  'demo_requests' drives no other metric"
    )
    assert text[where + 1].startswith("    ? before dropping it: 'demo_requests' has no path")
    markdown = run_cli("audit", CATALOG, "--values", VALUES, "--format", "markdown").stdout
    (row,) = [line for line in markdown.splitlines() if line.startswith("| **demo_requests**")]
    assert "❓ before dropping it: " in row and "(r = +0.98 over 24 changes)" in row
    assert "before dropping it" not in run_cli("audit", CATALOG, env=ENV).stdout


def test_the_report_explains_why_revenue_moved(write_catalog: Write) -> None:
    catalog = write_catalog(
        (REPO / "examples/evidence/worked.yaml")
        .read_text(encoding="utf-8")
        .replace("team: sales}", "team: '<b>sales</b>'}"),
    )
    out = catalog.parent / "report.html"
    result = run_cli(
        "report", str(catalog), "--values", "examples/evidence/worked.csv", "-o", str(out), env=ENV
    )
    assert result.exit_code == 0
    page = out.read_text(encoding="utf-8")
    section = page.split("<h2>Why revenue moved, 2026-09 → 2026-10</h2>")[1].split("<h2>")[0]
    assert "revenue: 20,000 → 27,000 (+7,000.0, +35.0%)" in section
    rows = [r for r in section.split("<tr>")[2:]]
    # Each metric by its id, in bold, and its name under it (revenue has none of its own).
    assert [r.split("<td>")[1].split("</td>")[0] for r in rows] == [
        "<b>win_rate</b><br>Win rate",
        "<b>sqls</b><br>Sales-qualified leads",
        "<b>deal_size</b><br>Average deal size",
        "(unexplained)",
    ]
    assert '<td class="num">+5,204.9</td>' in rows[0] and 'class="down"' in rows[2]
    assert "&lt;b&gt;sales&lt;/b&gt;" in section and "<b>sales</b>" not in section
    assert "Next:" not in section  # its links are quantified
    plain = out.with_name("plain.html")
    assert run_cli("report", str(catalog), "-o", str(plain), env=ENV).exit_code == 0
    assert "Why revenue moved" not in plain.read_text(encoding="utf-8")


def test_every_format_says_what_to_do_when_no_link_into_revenue_is_quantified(
    write_catalog: Write,
) -> None:
    catalog = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true}\n  sqls: {drives: [revenue]}\n"
    )
    values = write_catalog("period,sqls,revenue\n1,10,100\n2,11,120\n", "values.csv")
    step = "Next: nothing quantified drives revenue, so its change is all its own"
    for output in ("text", "markdown"):
        shown = run_cli("explain", str(catalog), "--values", str(values), "-f", output, env=ENV)
        assert step in shown.stdout, output
    out = catalog.parent / "report.html"
    run_cli("report", str(catalog), "--values", str(values), "-o", str(out), env=ENV)
    assert f"<p>{step}" in out.read_text(encoding="utf-8")


def test_hostile_text_in_a_values_file_is_shown_as_text(write_catalog: Write) -> None:
    values = write_catalog(
        "period,metric,value\n2026-09,\x1b[31m[bold]x,1\n2026-09,sqls,1\n2026-10,sqls,2\n"
        "2026-10,sqls,\u202e9\n",
        "v.csv",
    )
    for fmt in ("text", "json"):
        result = run_cli("fit", CATALOG, "--values", str(values), "--format", fmt, env=ENV)
        assert result.exit_code == 0
        assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
        assert "\\x1b[31m[bold]x" in result.stderr  # the id, escaped, never markup


def test_since_and_keep_with_a_values_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.copytree(REPO / "examples" / "evidence", tmp_path / "evidence")
    monkeypatch.chdir(tmp_path)
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "x"]):  # fmt: skip
        subprocess.run(["git", *command], check=True, capture_output=True)
    arguments = ["audit", "evidence/metrics.yaml", "--values", "evidence/values.csv"]
    # Nothing changed since HEAD: the data findings are not new, whatever they say.
    assert run_cli(*arguments, "--since", "HEAD", env=ENV).exit_code == 0
    catalog = tmp_path / "evidence" / "metrics.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace(
            "  demo_requests:\n", "  demo_requests:\n    keep: {reason: a test of the web team}\n"
        ),
        encoding="utf-8",
    )
    kept = run_cli(*arguments, "--format", "json", env=ENV)
    codes = [f["code"] for f in json.loads(kept.stdout)["findings"]]
    assert "RT024" not in codes and "RT001" not in codes  # kept on purpose: no second look
