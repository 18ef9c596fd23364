"""Verdicts that never mislead: each behaviour a marketer relies on before dropping a
metric, tried through the command line as a user would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO, picture_status, run_cli

pytestmark = pytest.mark.usefixtures("in_repo")


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


Write = Callable[..., Path]
ENV = {"COLUMNS": "100", "NO_COLOR": "1", "REVTRACE_TODAY": "2026-11-27"}
MISTAKES = (DATA / "mistakes").relative_to(REPO)

TEAMS = """\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo, team: finance}
  deals: {owner: vp, team: sales, drives: [revenue]}
  sqls: {owner: sdr, team: sales, drives: [deals]}
  mqls: {owner: dg, team: marketing, drives: [sqls]}
  sessions: {owner: web, team: marketing, drives: [mqls]}
  followers: {owner: social, team: marketing}
  podcast_downloads:
    owner: content
    team: marketing
    keep: {reason: new channel, until: 2027-03-31, by: cmo}
"""


# -- 1. the root cause first -------------------------------------------------------------


def test_errors_come_first_and_a_candidate_names_the_error_behind_it() -> None:
    result = run_cli("audit", str(MISTAKES / "drive-typo.yaml"), env=ENV)
    out = result.stdout
    assert "The catalog has errors: the verdicts below may be their consequence" in out
    assert out.index("Errors (1): fix these first") < out.index("Candidates to drop")
    # mqls's `drive:` was rejected: both mqls and what feeds it point at that error.
    caveat = "! maybe a consequence of the error at tests/data/mistakes/drive-typo.yaml:24:5"
    assert out.count(caveat) == 3  # mqls, and sessions and newsletter_opens behind it


def test_a_second_definition_that_was_ignored_is_named_as_the_cause(write_catalog: Write) -> None:
    first = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true}\n  mqls: {owner: dg}\n"
        "  sessions: {drives: [mqls]}\n",
        "a.yaml",
    )
    second = write_catalog("version: 1\nmetrics:\n  mqls: {drives: [revenue]}\n", "b.yaml")
    result = run_cli("audit", str(first), str(second), "--format", "json", env=ENV)
    document = json.loads(result.stdout)
    assert document["summary"]["complete"] is False
    text = run_cli("audit", str(first), str(second), env=ENV).stdout
    assert f"consequence of the error at {second}:3:3 (RT003 duplicate-metric)" in text


def test_a_clean_catalog_is_complete() -> None:
    document = json.loads(run_cli("audit", "examples/customer-success.yaml", "-f", "json").stdout)
    assert document["summary"]["complete"] is True


# -- 2. an empty selection is an error ---------------------------------------------------


@pytest.mark.parametrize("command", ["audit", "tree", "graph", "scorecard", "report"])
def test_a_selector_that_matches_no_metric_is_exit_2_with_a_suggestion(
    command: str, write_catalog: Write, tmp_path: Path
) -> None:
    path = write_catalog(TEAMS)
    extra = ["-o", str(tmp_path / "r.html")] if command == "report" else []
    result = run_cli(command, str(path), "-m", "team:salse", *extra)
    assert result.exit_code == 2
    assert "selector 'team:salse' matches no metric; did you mean 'team:sales'?" in result.stderr
    assert result.stdout == ""


def test_an_empty_selection_lists_the_values_when_nothing_is_close(write_catalog: Write) -> None:
    result = run_cli("audit", str(write_catalog(TEAMS)), "-m", "tag:seo")
    assert result.exit_code == 2
    assert "selector 'tag:seo' matches no metric (no metric has a tag)" in result.stderr
    owners = run_cli("audit", str(write_catalog(TEAMS)), "-m", "owner:zzzz")
    assert "(the catalog's owner values: cfo, content, dg, sdr, social, vp, web)" in owners.stderr


# -- 3. summaries describe the selection -------------------------------------------------


def test_the_summary_rows_and_counts_describe_the_selection(write_catalog: Write) -> None:
    path = write_catalog(TEAMS)
    text = run_cli("audit", str(path), "-m", "team:sales", env=ENV).stdout
    assert "2 of 7 metrics selected (team:sales) · 0 revenue metrics · 2 reach revenue" in text
    document = json.loads(run_cli("audit", str(path), "-m", "team:sales", "-f", "json").stdout)
    assert document["selection"] == {"selectors": ["team:sales"], "metrics": 2, "of": 7}
    assert document["summary"]["metrics"] == 2
    assert [row["id"] for row in document["metrics"]] == ["deals", "sqls"]
    markdown = run_cli("audit", str(path), "-m", "team:marketing", "-f", "markdown").stdout
    assert "4 of 7 metrics selected (team:marketing)." in markdown
    # A clean selection says so of the selection, never of a catalog with candidates.
    assert "Every selected metric traces to revenue." in text
    sales = run_cli("audit", str(path), "-m", "team:sales", "-f", "markdown").stdout
    assert "Every selected metric traces to revenue. No findings." in sales
    assert "Every metric" not in text + sales


def test_the_report_of_a_selection_says_so(write_catalog: Write, tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    result = run_cli("report", str(write_catalog(TEAMS)), "-m", "team:sales", "-o", str(report))
    assert result.exit_code == 0
    page = report.read_text(encoding="utf-8")
    assert "2 of 7 metrics selected (team:sales)." in page
    assert '<div class="count"><b>2</b>metrics</div>' in page


# -- 4. kept is kept, everywhere -----------------------------------------------------------


def test_a_kept_metric_is_kept_in_trace_tree_graph_and_report(
    write_catalog: Write, tmp_path: Path
) -> None:
    path = str(write_catalog(TEAMS))
    kept = "kept by exception until 2027-03-31 (by cmo): new channel"
    trace = run_cli("trace", "podcast_downloads", path, env=ENV).stdout
    assert kept in trace and "candidate to drop" not in trace
    assert "candidate to drop" in run_cli("trace", "followers", path, env=ENV).stdout
    trace_json = json.loads(run_cli("trace", "podcast_downloads", path, "-f", "json").stdout)
    assert trace_json["kept"] == {"reason": "new channel", "until": "2027-03-31", "by": "cmo"}
    tree = run_cli("tree", path, env=ENV).stdout
    assert f"podcast_downloads  {kept}" in tree
    assert json.loads(run_cli("tree", path, "-f", "json").stdout)["kept"] == {
        "podcast_downloads": {"reason": "new channel", "until": "2027-03-31", "by": "cmo"}
    }
    assert "class m_podcast__downloads" not in run_cli("graph", path).stdout
    assert re.search(r"class m_podcast_downloads,legend_kept kept", run_cli("graph", path).stdout)
    report = tmp_path / "r.html"
    run_cli("report", path, "-o", str(report))
    page = report.read_text(encoding="utf-8")
    assert picture_status(page)["podcast_downloads"] == "kept"
    assert "Kept by exception (1)" in page


# -- 5. YAML errors at the line to fix, in plain words --------------------------------------


def test_a_missing_colon_is_reported_on_its_own_line_in_plain_words() -> None:
    result = run_cli("audit", str(MISTAKES / "missing-colon.yaml"), "-f", "concise")
    assert result.stdout.startswith(
        "tests/data/mistakes/missing-colon.yaml:23:5: RT011 [error] invalid YAML: missing ':'"
        " after 'team marketing'?"
    )


# -- 6. usage errors are one line ------------------------------------------------------------


def test_a_bad_option_value_is_one_line_with_the_choices() -> None:
    result = run_cli("audit", "--fail-on", "bogus")
    assert result.exit_code == 2
    assert result.stderr == (
        "revtrace: error: Invalid value for '--fail-on': 'bogus' is not one of 'error',"
        " 'warning', 'info', 'never'. (see 'revtrace audit --help')\n"
    )


def test_an_option_without_its_value_points_to_its_own_command_help() -> None:
    # click raises this one without the command's context: the path comes from the words.
    for args, command in (
        (["audit", "metrics.yaml", "--since"], "revtrace audit"),
        (["import", "dbt", "--output"], "revtrace import dbt"),
        (["--bogus"], "revtrace"),
    ):
        result = run_cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr.endswith(f"(see '{command} --help')\n"), result.stderr


def test_no_command_shows_the_help_and_no_empty_error() -> None:
    for args in ([], ["import"]):
        result = run_cli(*args)
        assert result.exit_code == 2, args
        assert "Usage: revtrace" in result.stdout
        assert result.stderr == "", result.stderr  # was "revtrace: error:  (see …)"


def test_a_misspelt_command_is_one_line_with_a_suggestion() -> None:
    result = run_cli("audti")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.strip().endswith("Did you mean 'audit'? (see 'revtrace --help')")
    assert result.stderr.count("\n") == 1


def test_messages_on_stderr_are_never_wrapped(write_catalog: Write) -> None:
    path = write_catalog("version: 1\nmetrics:\n  r: {revenue: true, drives: [nowhere_at_all]}\n")
    result = run_cli("tree", str(path), env={"COLUMNS": "40"})
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("revtrace: the catalog has 1 error; what is shown may be")
    assert lines[-1].endswith("for the full report.")


def test_sentences_on_stdout_are_never_broken_across_lines(
    write_catalog: Write, tmp_path: Path
) -> None:
    """Piped to a file, `diff` broke "… resolved by the change: RT001 newsletter_opens,
    RT002" / "newsletter_opens." at 80 columns, and the stale-baseline advice the same:
    a line grep and a CI log should read whole, as the other sentences are written."""
    old = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true}\n"
        "  a_rather_long_metric_identifier: {drives: [nowhere_defined_at_all]}\n",
        "old.yaml",
    )
    new = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true}\n"
        "  a_rather_long_metric_identifier: {owner: x, drives: [r]}\n",
        "new.yaml",
    )
    diff = run_cli("diff", str(old), str(new), env={"COLUMNS": "40"})
    (resolved,) = [line for line in diff.stdout.splitlines() if "resolved by the change" in line]
    assert resolved.endswith("RT007 a_rather_long_metric_identifier.")
    baseline = tmp_path / "baseline.json"
    assert run_cli("audit", str(old), "--write-baseline", str(baseline)).exit_code == 0
    audit = run_cli("audit", str(new), "--baseline", str(baseline), env={"COLUMNS": "40"})
    assert (
        "3 baseline entries no longer occur: refresh the baseline with --write-baseline"
        " --force." in audit.stdout.splitlines()
    )


def test_help_has_readable_types_and_grouped_options() -> None:
    result = run_cli("audit", "--help", env={"COLUMNS": "120"})
    assert "<list[str]>" not in result.stdout and "[[CATALOG]...]..." not in result.stdout
    assert "Usage: revtrace audit [OPTIONS] [CATALOG...]" in result.stdout
    assert "<str>" not in result.stdout  # the argument's name says what it takes
    assert "<bool>" not in result.stdout  # nor beside a flag
    for panel in ("Output", "Gate (what fails the run)", "Baseline and change", "Configuration"):
        assert f"─ {panel} ─" in result.stdout
    assert "[default: warning]" in result.stdout  # not eaten as markup
    # Arguments read as the README writes them (typer puts required ones in braces).
    for command, usage in (
        ("trace", "trace [OPTIONS] {METRIC} [CATALOG...]"),
        ("diff", "diff [OPTIONS] {OLD} {NEW}"),
        ("init", "init [OPTIONS] [PATH]"),
    ):
        assert f"Usage: revtrace {usage}" in run_cli(command, "--help").stdout


# -- 7. the report is an artefact --------------------------------------------------------------


def test_report_exits_0_with_findings_unless_fail_on_is_given(tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    assert run_cli("report", "metrics.yaml", "-o", str(report)).exit_code == 0
    gated = run_cli("report", "metrics.yaml", "-o", str(report), "--force", "--fail-on", "warning")
    assert gated.exit_code == 1


def test_report_refuses_to_dump_html_into_a_terminal() -> None:
    primary, secondary = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "revtrace", "report", "metrics.yaml"],
            stdout=secondary,
            stderr=subprocess.PIPE,
            cwd=REPO,
            timeout=60,
            check=False,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    assert done.returncode == 2
    assert b"write it with -o report.html" in done.stderr


# -- 8. Mermaid diffs show the change ------------------------------------------------------------


def test_adding_a_metric_changes_a_line_or_two_of_the_mermaid_diagram(
    write_catalog: Write,
) -> None:
    before = run_cli("graph", str(write_catalog(TEAMS, "a.yaml"))).stdout.splitlines()
    grown = TEAMS.replace(
        "  deals:", "  upsells: {owner: am, team: sales, drives: [revenue]}\n  deals:"
    )
    after = run_cli("graph", str(write_catalog(grown, "b.yaml"))).stdout.splitlines()
    added = [line for line in after if line not in before]
    removed = [line for line in before if line not in after]
    assert len(removed) <= 1  # the class line that now lists upsells too
    assert len(added) <= 3, added


# -- 9. smaller ones ---------------------------------------------------------------------------


def test_the_readme_tool_revtrace_block_works_in_revtrace_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "revtrace.toml").write_text('[tool.revtrace]\nfail-on = "error"\n')
    (tmp_path / "metrics.yaml").write_text((REPO / "metrics.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    result = run_cli("config", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["settings"]["fail-on"] == {
        "value": "error",
        "source": "revtrace.toml:2",
    }


def test_a_tree_cut_by_depth_explains_the_ellipsis() -> None:
    out = run_cli("tree", "--depth", "1", env=ENV).stdout
    assert "  …" in out and "… more below this level: raise --depth to see it." in out


def test_the_repeat_mark_says_where_the_rest_is_whichever_way_the_tree_grows() -> None:
    """Each metric is expanded where it stands closest to a root: in the revenue tree that
    is closest to revenue, but in a tree from the sources (--reverse) or from selected
    metrics it is closest to those, and 'closest to revenue' would send a reader to the
    wrong place."""
    default = run_cli("tree", env=ENV).stdout
    assert "(*) a repeat: its drivers are shown where it stands closest to revenue." in default
    for args in (["--reverse"], ["-m", "articles_published", "-m", "website_sessions"]):
        out = run_cli("tree", *args, env=ENV).stdout
        assert "(*)" in out and "closest to revenue" not in out
        assert "shown where it stands closest to the top of a tree." in out


def test_both_ways_trees_are_labelled() -> None:
    out = run_cli("tree", "-m", "@website_sessions", env=ENV).stdout
    assert out.index("What drives website_sessions:") < out.index(
        "What website_sessions drives, up to revenue:"
    )


def test_the_scorecard_uses_the_width_and_never_cuts_an_id(write_catalog: Write) -> None:
    names = [f"vanity_metric_number_{i}" for i in range(6)]
    text = "version: 1\nmetrics:\n  r: {revenue: true, team: sales}\n" + "".join(
        f"  {n}: {{team: marketing}}\n" for n in names
    )
    out = run_cli("scorecard", str(write_catalog(text)), env={"COLUMNS": "160"}).stdout
    assert all(name in out for name in names)  # none cut at three, none folded
    assert "…" not in out


def test_a_narrow_scorecard_lists_long_ids_under_the_table_whole(write_catalog: Write) -> None:
    """An imported Lightdash project in an 80-column terminal: its `model.metric` ids were
    folded a few letters a line into what the table left of the width."""
    names = [f"dbt_baskets.average_of_basket_total_{i}" for i in range(6)]
    text = "version: 1\nmetrics:\n  r: {revenue: true, owner: giorgi@lightdash.com}\n" + "".join(
        f"  {n}: {{owner: giorgi@lightdash.com}}\n" for n in names
    )
    out = run_cli("scorecard", str(write_catalog(text)), env={"COLUMNS": "80"}).stdout
    table, under = out.split("Candidates to drop\n")
    assert "Candidates" not in table and "dbt_baskets" not in table  # no column of shreds
    assert all(len(line) <= 80 for line in out.splitlines())
    assert [n for n in names if n in under] == names[:5] and "and 1 more" in under
    wide = run_cli("scorecard", str(write_catalog(text)), env={"COLUMNS": "200"}).stdout
    assert "┃ Candidates to drop" in wide and names[0] in wide.split("┩")[1]


def test_dot_puts_revenue_last_in_a_sans_serif_font() -> None:
    dot = run_cli("graph", "-f", "dot").stdout
    assert '{rank=max; "revenue";}' in dot
    assert 'fontname="Helvetica,Arial,sans-serif"' in dot


def test_a_resolved_finding_is_named(write_catalog: Write) -> None:
    old = write_catalog("version: 1\nmetrics:\n  r: {revenue: true}\n  a: {owner: x}\n", "a.yaml")
    new = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true}\n  a: {owner: x, drives: [r]}\n", "b.yaml"
    )
    out = run_cli("diff", str(old), str(new), env=ENV).stdout
    assert "1 finding resolved by the change: RT001 a." in out


def test_counts_are_in_good_english(write_catalog: Write, tmp_path: Path) -> None:
    path = write_catalog("version: 1\nmetrics:\n  r: {revenue: true, drives: [zz]}\n")
    assert "the catalog has 1 error;" in run_cli("tree", str(path)).stderr
    github = run_cli("audit", str(path), "-f", "github").stdout.splitlines()[-1]
    assert "1 metric," in github and "1 error, " in github and "1 info" in github
    note = run_cli("init", str(tmp_path / "m.yaml"), "-t", "ecommerce").stderr
    assert "wrote an ecommerce starter catalog" in note


def test_unquoted_selectors_after_m_are_taken_as_selectors(write_catalog: Write) -> None:
    path = str(write_catalog(TEAMS))
    both = run_cli("audit", path, "-f", "json", "-m", "team:sales", "team:finance")
    assert both.exit_code == 0, both.stderr
    assert json.loads(both.stdout)["selection"]["selectors"] == ["team:sales", "team:finance"]


def test_a_candidate_that_feeds_a_kept_metric_is_explained_when_errors_exist(
    write_catalog: Write,
) -> None:
    # The caveats are found from where each candidate's chains end, which may be a kept
    # metric (or a view): that once raised KeyError when the catalog had an error.
    path = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: x}\n"
        "  podcast: {owner: x, keep: {reason: pilot}}\n"
        "  plays: {owner: x, drives: [podcast]}\n"
        "  typo: {owner: x, drive: [revenue]}\n"
    )
    result = run_cli("audit", str(path), env=ENV)
    assert result.exit_code == 1 and "internal error" not in result.stderr
    assert "its chains dead-end at 'podcast'" in result.stdout


def test_one_file_of_a_configured_catalog_says_the_rest_was_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`revtrace audit metrics/web.yaml` in a project whose catalog is metrics/: the link
    to a metric of sales.yaml is undefined in what was read (RT002, an error), true of the
    file but not of the catalog. A note says why, and how to read the whole."""
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "sales.yaml").write_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: a}\n"
        "  deals: {owner: a, drives: [revenue]}\n"
    )
    (tmp_path / "metrics" / "web.yaml").write_text(
        "version: 1\nmetrics:\n  sessions: {owner: b, drives: [deals]}\n"
    )
    (tmp_path / "metrics" / "events.yaml").write_text(
        "version: 1\nmetrics:\n  attendees: {owner: c, drives: [sessions]}\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.revtrace]\ncatalog = ["metrics/"]\n')
    monkeypatch.chdir(tmp_path)
    part = run_cli("audit", "metrics/web.yaml", "--format", "concise")
    assert part.exit_code == 1 and "RT002" in part.stdout
    assert "reading 1 file of the 3 of the configured catalog (metrics" in part.stderr
    assert "in the other 2 files are reported as undefined (RT002)" in part.stderr
    assert "Without arguments, revtrace reads the whole catalog." in part.stderr
    two = run_cli("tree", "metrics/web.yaml", "metrics/events.yaml")
    assert "reading 2 files of the 3" in two.stderr and "in the other file are" in two.stderr
    for whole in (run_cli("audit"), run_cli("audit", "metrics")):
        assert whole.exit_code == 0 and "configured catalog" not in whole.stderr
    (tmp_path / "pyproject.toml").unlink()  # no configured catalog: nothing to compare
    alone = run_cli("audit", "metrics/web.yaml")
    assert alone.exit_code == 1 and "configured catalog" not in alone.stderr


def test_trace_says_a_chain_ends_at_a_view_of_revenue_as_the_audit_does(
    write_catalog: Write,
) -> None:
    """'ads' feeds costs, which only feeds profit (revenue − costs): the chain ends at a
    view of revenue, which drives nothing but is no dead end like a vanity metric. The
    audit said so; trace listed profit among metrics that 'drive nothing'."""
    path = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: a}\n  costs: {owner: a}\n"
        "  profit: {owner: a, formula: revenue - costs}\n  ads: {owner: a, drives: [costs]}\n"
        "  likes: {owner: a, drives: [shares]}\n  shares: {owner: a}\n"
    )
    audit = run_cli("audit", str(path)).stdout
    assert "its chains end at 'profit', computed from revenue (a view of it)" in audit
    trace = run_cli("trace", "ads", str(path)).stdout
    assert "end at views of revenue (computed from it, not drivers of it): profit" in trace
    assert "drive nothing" not in trace
    vanity = run_cli("trace", "likes", str(path)).stdout
    assert "Its chains dead-end at (they drive nothing): shares" in vanity


@pytest.mark.parametrize(
    ("options", "why"),
    [
        (["--ignore", "RT001"], "RT001 (no-path-to-revenue) is not selected"),
        (["--select", "RT007"], "RT001 (no-path-to-revenue) is not selected"),
        (["--baseline", "BASELINE"], "its RT001 (no-path-to-revenue) finding is accepted by"),
    ],
)
def test_markdown_never_says_every_metric_traces_when_one_does_not(
    write_catalog: Write, tmp_path: Path, options: list[str], why: str
) -> None:
    """The pull-request comment said "Every metric traces to revenue. No findings." under
    its own table's "no path 1" whenever the findings were left out (a rule ignored, a
    baseline): the text format never did. Every format now says how many metrics without
    a path are not listed, and why."""
    path = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: a}\n  vanity: {owner: b}\n"
    )
    baseline = tmp_path / "baseline.json"
    wrote = run_cli("audit", str(path), "--write-baseline", str(baseline))
    assert wrote.exit_code == 0
    options = [str(baseline) if o == "BASELINE" else o for o in options]
    markdown = run_cli("audit", str(path), *options, "--format", "markdown")
    assert markdown.exit_code == 0
    assert "| 2 | 1 | 1 | 1 |" in markdown.stdout  # metrics, revenue, reaching, no path
    assert "No findings." in markdown.stdout
    assert "Every metric traces" not in markdown.stdout
    text = run_cli("audit", str(path), *options, env=ENV).stdout
    assert "No findings." in text and "Every metric traces" not in text
    unlisted = "1 metric without a path to revenue is not listed as a candidate to drop: "
    assert unlisted + why in " ".join(text.split())
    assert unlisted + why in markdown.stdout
    # Where it is true, it is said.
    whole = write_catalog("version: 1\nmetrics:\n  revenue: {revenue: true, owner: a}\n", "w.yaml")
    said = run_cli("audit", str(whole), "--format", "markdown").stdout
    assert "Every metric traces to revenue. No findings." in said


def test_the_report_never_counts_0_candidates_over_a_metric_without_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With RT001 ignored in the configuration, the report's card said "0 candidates to
    drop" and its table was empty, while the picture drew the metric without a path and
    the scorecard beside it named it a candidate."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metrics.yaml").write_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: a}\n"
        "  sessions: {owner: b, drives: [revenue]}\n  vanity: {owner: c}\n  other: {owner: d}\n",
        encoding="utf-8",
    )
    (tmp_path / "revtrace.toml").write_text('ignore = ["RT001"]\n', encoding="utf-8")
    assert run_cli("report", "-o", "report.html").exit_code == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<b>0</b>candidates to drop</div><div class="count"><b>2</b>no path, not listed' in page
    assert (
        "2 metrics without a path to revenue are not listed as candidates to drop: RT001"
        " (no-path-to-revenue) is not selected" in page
    )
    # A selection counts only what it selected.
    assert run_cli("report", "-m", "vanity", "-o", "one.html").exit_code == 0
    one = (tmp_path / "one.html").read_text(encoding="utf-8")
    assert "<b>1</b>no path, not listed" in one
    # The rule reported: the candidates are listed, and no such card.
    (tmp_path / "revtrace.toml").write_text("", encoding="utf-8")
    assert run_cli("report", "-o", "all.html").exit_code == 0
    whole = (tmp_path / "all.html").read_text(encoding="utf-8")
    assert "<b>2</b>candidates to drop" in whole and "not listed" not in whole


NO_REVENUE = "version: 1\nmetrics:\n  a: {owner: x, drives: [b]}\n  b: {owner: y}\n"
BROKEN = "version: 1\nmetrics:\n  revenue: {revenue: true\n  a: {drives: [revenue]}\n"


@pytest.mark.parametrize(
    ("catalog", "code", "options"),
    [
        (BROKEN, "RT011", ["--select", "RT001"]),
        (BROKEN, "RT011", ["--ignore", "RT011"]),
        (NO_REVENUE, "RT004", ["--select", "RT001"]),
        (NO_REVENUE, "RT004", ["--ignore", "RT004"]),
        (NO_REVENUE, "RT004", ["-m", "a"]),
        (NO_REVENUE, "RT004", ["--baseline", "BASELINE"]),
    ],
)
def test_a_catalog_that_cannot_be_checked_never_passes_the_gate(
    write_catalog: Write, tmp_path: Path, catalog: str, code: str, options: list[str]
) -> None:
    """`--select RT001` (a gate on vanity metrics) passed a file with a YAML error or a
    catalog whose revenue mark was removed: exit 0, "No findings.", as nothing was checked.
    What keeps the catalog from being checked is reported whatever the selection, the
    baseline or `-m`, as ruff reports syntax errors."""
    path = write_catalog(catalog)
    baseline = tmp_path / "baseline.json"
    run_cli("audit", str(path), "--write-baseline", str(baseline))
    options = [str(baseline) if o == "BASELINE" else o for o in options]
    result = run_cli("audit", str(path), *options, "--format", "json")
    assert result.exit_code == 1
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert code in codes
    text = run_cli("audit", str(path), *options, env=ENV)
    assert text.exit_code == 1 and "No findings." not in text.stdout
    assert "Errors (" in text.stdout


def test_a_rule_selection_still_narrows_a_catalog_that_can_be_checked(
    write_catalog: Write,
) -> None:
    path = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true}\n  a: {drives: [nowhere]}\n"
    )
    result = run_cli("audit", str(path), "--select", "RT007", "--format", "json")
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["RT007", "RT007"]


DEPRECATED = """\
version: 1
metrics:
  revenue: {revenue: true}
  deals: {drives: [revenue]}
  old_leads: {status: deprecated, drives: [deals]}
  older_leads: {status: deprecated, drives: [old_leads]}
  webinar: {drives: [old_leads]}
  podcast: {drives: [older_leads, deals]}
  events: {drives: [older_leads]}
"""


def test_trace_says_a_path_only_through_deprecated_metrics_is_going(write_catalog: Write) -> None:
    """`trace webinar` said "reaches revenue by 1 path" where the audit warned (RT006)
    that its one path goes through a metric being retired: the answer to "why is it
    kept?" left out that it will not be for long."""
    path = str(write_catalog(DEPRECATED))
    audit = json.loads(run_cli("audit", path, "--format", "json").stdout)
    rt006 = sorted(f["metric"] for f in audit["findings"] if f["code"] == "RT006")
    assert rt006 == ["events", "webinar"]
    text = run_cli("trace", "webinar", path, env=ENV).stdout
    assert "webinar → old_leads (deprecated) → deals → revenue" in text
    assert (
        "Only through a deprecated metric (old_leads): when it is dropped, webinar has no"
        " path to revenue (RT006)." in text
    )
    two = run_cli("trace", "events", path, env=ENV).stdout
    assert "Only through deprecated metrics (older_leads, old_leads): when they are" in two
    for metric in ("webinar", "events", "podcast", "deals", "old_leads"):
        document = json.loads(run_cli("trace", metric, path, "--format", "json").stdout)
        assert bool(document["only_through_deprecated"]) == (metric in rt006), metric
    # podcast has a path around them: its deprecated path is marked, nothing more said.
    podcast = run_cli("trace", "podcast", path, env=ENV).stdout
    assert "(deprecated)" in podcast and "Only through" not in podcast
    # A longer path past --max-paths avoids them: the one shown goes through, no warning.
    longer = str(
        write_catalog(
            DEPRECATED
            + "  x: {drives: [old_leads, y]}\n  y: {drives: [z]}\n  z: {drives: [deals]}\n",
            "longer.yaml",
        )
    )
    shown = json.loads(run_cli("trace", "x", longer, "--max-paths", "1", "--format", "json").stdout)
    assert shown["paths"] == [["x", "old_leads", "deals", "revenue"]] and shown["truncated"]
    assert shown["only_through_deprecated"] == []


def test_errors_a_run_leaves_out_are_said_to_be_left_out(write_catalog: Write) -> None:
    """`--select RT007` on a catalog with a broken link: "The catalog has errors" over a
    report that lists none sent the reader looking for them."""
    path = str(
        write_catalog(
            "version: 1\nmetrics:\n  revenue: {revenue: true}\n"
            "  a: {drives: [nowhere]}\n  b: {drives: [a, gone]}\n"
        )
    )
    said = "The 2 errors are not listed here: left out by the rule selection, a baseline or"
    text = run_cli("audit", path, "--select", "RT007", env=ENV)
    assert text.exit_code == 0 and said in " ".join(text.stdout.split())
    assert said in run_cli("audit", path, "--select", "RT007", "--format", "markdown").stdout
    both = str(
        write_catalog("version: 1\nmetrics:\n  r: {revenue: true, drives: [r, x]}\n", "b.yaml")
    )
    one = run_cli("audit", both, "--ignore", "RT005", env=ENV)
    assert one.exit_code == 1 and "RT002" in one.stdout
    assert "1 of the 2 errors is not listed here" in " ".join(one.stdout.split())
    listed = run_cli("audit", path, env=ENV).stdout
    assert "not listed here" not in listed and "Errors (2): fix these first" in listed


def test_a_view_of_revenue_is_counted_once_and_only_without_a_path(write_catalog: Write) -> None:
    """Found by the property over random catalogs: a view of revenue with a `keep` was
    counted both kept and a view ("1 without a path (1 kept by exception, 1 view of
    revenue)"), so "every metric traces" was never said; a view that also drives revenue
    has a path, and was still counted a view without one."""
    kept_view = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: a}\n"
        '  profit: {owner: a, computed_from: [revenue], keep: {reason: "board"}}\n'
    )
    text = run_cli("audit", str(kept_view), env=ENV).stdout
    assert "· 1 without a path (1 view of revenue)" in text
    assert "Every metric traces to revenue" in text
    row = json.loads(run_cli("audit", str(kept_view), "--format", "json").stdout)["metrics"][1]
    assert (row["id"], row["kept"], row["view_of"]) == ("profit", False, "revenue")
    tree = json.loads(run_cli("tree", str(kept_view), "--format", "json").stdout)
    assert tree["kept"] == {} and tree["views"] == {"profit": "revenue"}
    # The keep keeps nothing: RT014 says to remove it.
    findings = json.loads(run_cli("audit", str(kept_view), "--format", "json").stdout)["findings"]
    assert [(f["code"], f["metric"]) for f in findings] == [("RT014", "profit")]
    assert (
        "is a view of revenue (computed from 'revenue'), never a candidate"
        in (findings[0]["message"])
    )
    looped = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: a}\n"
        "  profit: {owner: a, computed_from: [revenue], drives: [revenue]}\n",
        "looped.yaml",
    )
    summary = json.loads(run_cli("audit", str(looped), "--format", "json").stdout)["summary"]
    assert (summary["no_path"], summary["views"]) == (0, 0)


def test_the_scorecard_names_no_candidate_where_the_audit_cannot(
    write_catalog: Write, tmp_path: Path
) -> None:
    """Without a revenue metric the report said "No candidate to drop can be named until
    the errors above are fixed", and its scorecard, right below, named every metric a
    candidate to drop."""
    path = write_catalog("version: 1\nmetrics:\n  a: {owner: x, drives: [b]}\n  b: {owner: y}\n")
    card = json.loads(run_cli("scorecard", str(path), "--format", "json").stdout)
    assert [row["candidates_to_drop"] for row in card["rows"]] == [[], []]
    assert (
        card["note"] == "no metric has a team; no candidate to drop can be named: no revenue metric"
    )
    report = tmp_path / "r.html"
    assert run_cli("report", str(path), "-o", str(report)).exit_code == 0
    page = report.read_text(encoding="utf-8")
    assert "No candidate to drop can be named" in page
    assert ">a</td>" not in page.split("Revenue alignment")[1]
    fine = write_catalog("version: 1\nmetrics:\n  r: {revenue: true}\n  a: {}\n", "fine.yaml")
    rows = json.loads(run_cli("scorecard", str(fine), "--format", "json").stdout)["rows"]
    assert [row["candidates_to_drop"] for row in rows] == [["a"]]


def test_trace_says_the_error_a_verdict_may_be_the_consequence_of() -> None:
    """`trace sessions` said "a candidate to drop" of a metric whose chain is cut by a
    misspelt `drive:` two lines up, and left the error to stderr; the audit said it."""
    typo = str(MISTAKES / "drive-typo.yaml")
    out = run_cli("trace", "sessions", typo, env=ENV).stdout
    assert out.splitlines()[:2] == [
        "sessions  Website sessions has no path to revenue: a candidate to drop.",
        f"  ! maybe a consequence of the error at {typo}:24:5 (RT010 invalid-field): fix it first",
    ]
    document = json.loads(run_cli("trace", "sessions", typo, "--format", "json").stdout)
    assert [(e["code"], e["metric"], e["line"], e["column"]) for e in document["caveats"]] == [
        ("RT010", "mqls", 24, 5)
    ]
    # A metric the error does not touch, and a catalog without errors, say none of it.
    untouched = json.loads(run_cli("trace", "deals", typo, "--format", "json").stdout)
    assert untouched["caveats"] == []
    assert "maybe a consequence" not in run_cli("trace", "bounce_rate", env=ENV).stdout


def test_trace_says_a_chain_ends_at_a_link_to_an_undefined_metric(write_catalog: Write) -> None:
    path = write_catalog("""\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  mql: {owner: m, drives: [revenu]}
  webinars: {owner: w, drives: [mql]}
""")
    out = run_cli("trace", "webinars", str(path), env=ENV).stdout
    assert "  Its chains dead-end at (they link only to undefined metrics): mql" in out
    assert "drive nothing" not in out


def test_the_scorecard_says_its_candidates_may_be_the_consequence_of_errors() -> None:
    """A team read "3 candidates to drop" of metrics one misspelt `drive:` away from
    revenue: the audit says so under each, the scorecard said nothing."""
    typo = str(MISTAKES / "drive-typo.yaml")
    note = (
        "3 candidates to drop may be the consequence of errors in the catalog: fix what"
        " 'revtrace audit' lists first"
    )
    card = json.loads(run_cli("scorecard", typo, "--format", "json").stdout)
    assert card["note"] == note
    assert sorted(m for row in card["rows"] for m in row["candidates_to_drop"]) == sorted(
        ["mqls", "sessions", "newsletter_opens"]
    )
    text = run_cli("scorecard", typo, env=ENV).stdout
    title = text[: text.index("┏")]  # the title, wrapped to the table's width
    assert note in " ".join(title.split())
    assert json.loads(run_cli("scorecard", "--format", "json").stdout)["note"] is None


def test_a_long_report_ends_by_pointing_back_to_the_errors_listed_first(
    write_catalog: Write,
) -> None:
    """The first audit of an imported project: its one error (no revenue metric, the one
    thing to do next) at the top, then 110 missing owners that scroll it out of sight."""
    many = "".join(f"  m{i}: {{drives: [m{i + 1}]}}\n" for i in range(12))
    path = write_catalog("version: 1\nmetrics:\n" + many + "  m12: {}\n")
    lines = run_cli("audit", str(path), env=ENV).stdout.splitlines()
    assert lines[-2:] == [
        "Found 1 error, 13 infos.",
        f"Start with the error listed first, at the top ({path}:1:1, RT004 no-revenue-metric).",
    ]
    # Two errors: counted; a short report (its errors in sight) does not repeat itself.
    twice = write_catalog("version: 1\nmetrics:\n" + many + "  m12: {drives: [nowhere]}\n")
    assert run_cli("audit", str(twice), env=ENV).stdout.splitlines()[-1] == (
        "Start with the 2 errors listed first, at the top."
    )
    short = run_cli("audit", str(MISTAKES / "drive-typo.yaml"), env=ENV).stdout
    assert "Start with" not in short and short.splitlines()[-1] == "Found 1 error, 3 warnings."


def test_a_rejected_link_half_way_down_a_chain_is_said_with_every_verdict_above_it(
    write_catalog: Write,
) -> None:
    """b's link to revenue is rejected (`too:` for `to:`), so a → b → c has no path. The
    audit said so under b, and of a, whose chain passes through b, only that it
    dead-ends at c: the errors where chains end were said, not those on the way."""
    path = write_catalog("""\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  c: {owner: x}
  b:
    owner: x
    drives:
      - c
      - {too: revenue}
  a: {owner: x, drives: [b]}
""")
    document = json.loads(run_cli("audit", str(path), "--format", "json").stdout)
    behind = [("RT010", 9, 9), ("RT010", 9, 10)]
    said = {m: [(e["code"], e["line"], e["column"]) for e in errors]
            for m, errors in document["caveats"].items()}  # fmt: skip
    assert said == {"a": behind, "b": behind}  # c's chain never meets b: nothing to say
    trace = run_cli("trace", "a", str(path), env=ENV).stdout
    assert f"  ! maybe a consequence of the error at {path}:9:9 (RT010 invalid-field)" in trace


def test_an_error_that_cuts_no_link_is_no_caveat(write_catalog: Write) -> None:
    """An invalid elasticity keeps its link: it cuts no chain, so no metric is told it
    may be its consequence (noise that teaches a reader to skip the caveats), not even
    its own, whose chain ends at d whatever the elasticity."""
    path = write_catalog("""\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  c: {owner: x, drives: [{to: d, elasticity: high}]}
  d: {owner: x}
  a: {owner: x, drives: [c, {to: nowhere}]}
  top: {owner: x, drives: [a]}
""")
    document = json.loads(run_cli("audit", str(path), "--format", "json").stdout)
    said = {m: [e["code"] for e in errors] for m, errors in document["caveats"].items()}
    # a's link to an undefined metric (RT002) may have cut one: said of a and of top.
    assert said == {"a": ["RT002"], "top": ["RT002"]}
    assert [f["code"] for f in document["findings"] if f["severity"] == "error"] == [
        "RT017", "RT002"
    ]  # fmt: skip


def test_an_impact_table_wider_than_the_terminal_keeps_every_id_whole(
    write_catalog: Write,
) -> None:
    """In a terminal, `impact` is a boxed table; wider than the terminal, rich folded
    every cell (an imported `model.metric` id a few letters a line). Then the plain
    columns, as when piped, one line per metric."""
    names = [f"dbt_baskets.average_of_basket_total_{i}" for i in range(3)]
    text = "version: 1\nmetrics:\n  dbt_orders.sum_of_basket_total: {revenue: true}\n" + "".join(
        f"  {n}: {{drives: [dbt_orders.sum_of_basket_total]}}\n" for n in names
    )
    path = str(write_catalog(text))
    narrow = run_cli("impact", path, env={"COLUMNS": "80", "FORCE_COLOR": "1"}).stdout
    assert "┏" not in narrow
    lines = [line for line in narrow.splitlines() if "average_of_basket_total" in line]
    assert sorted(line.split()[0] for line in lines) == names  # one line each, whole
    wide = run_cli("impact", path, env={"COLUMNS": "200", "FORCE_COLOR": "1"}).stdout
    assert "┏" in wide and all(n in wide for n in names)


def test_a_candidate_computed_from_others_is_said_to_be_a_view_of_them_not_a_driver(
    write_catalog: Write,
) -> None:
    """A conversion rate, the formula of two metrics that reach revenue, is a candidate:
    trace and the audit said only that it drives no other metric, which reads as revtrace
    overlooking the formula. They say what it is computed from, and why that is no path."""
    path = str(
        write_catalog("""\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  orders: {owner: x, drives: [revenue]}
  sessions: {owner: x, drives: [orders]}
  conversion_rate: {owner: x, formula: "orders / sessions"}
  orders_again: {owner: x, computed_from: [orders]}
  margin: {owner: x, formula: "revenue - orders"}
""")
    )
    out = run_cli("trace", "conversion_rate", path, env=ENV).stdout
    assert out.splitlines() == [
        "conversion_rate has no path to revenue: a candidate to drop.",
        "  It drives no other metric.",
        "  It is computed from: orders, sessions: a view of them, not a driver (only views of"
        " revenue need no path).",
    ]
    audit = json.loads(run_cli("audit", path, "--format", "json").stdout)["findings"]
    assert {f["metric"]: f["message"] for f in audit if f["code"] == "RT001"} == {
        "conversion_rate": "no path to revenue: 'conversion_rate' drives no other metric; it is"
        " computed from 'orders' and 'sessions', a view of them, not a driver",
        "orders_again": "no path to revenue: 'orders_again' drives no other metric; it is"
        " computed from 'orders', a view of it, not a driver",
    }
    # A long formula's inputs are not all listed.
    many = "".join(f"  m{i}: {{owner: x, drives: [revenue]}}\n" for i in range(7))
    wide = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: cfo}\n"
        + many
        + '  blend: {owner: x, formula: "'
        + " + ".join(f"m{i}" for i in range(7))
        + '"}\n',
        "wide.yaml",
    )
    (blend,) = [
        f["message"]
        for f in json.loads(run_cli("audit", str(wide), "--format", "json").stdout)["findings"]
        if f["code"] == "RT001"
    ]
    assert blend.endswith("computed from 'm0', 'm1', 'm2', 'm3', 'm4' and 2 more, a view of"
                          " them, not a driver")  # fmt: skip
    tree = run_cli("tree", path, env=ENV).stdout
    assert "  conversion_rate  computed from orders, sessions\n" in tree
    assert "  margin  computed from revenue\n" in tree  # a view of revenue, as before
    again = run_cli("trace", "orders_again", path, "--format", "json").stdout
    assert json.loads(again)["computed_from"] == ["orders"]
    assert (
        "  It is computed from: orders: a view of it, not a driver"
        in run_cli("trace", "orders_again", path, env=ENV).stdout
    )
    # A view of revenue says it in its first line; a metric with a path, its paths.
    margin = json.loads(run_cli("trace", "margin", path, "--format", "json").stdout)
    assert (margin["view_of"], margin["computed_from"]) == ("revenue", ["revenue", "orders"])
    assert "It is computed from" not in run_cli("trace", "margin", path, env=ENV).stdout


def test_trace_says_a_metric_that_drives_only_itself_as_such(write_catalog: Write) -> None:
    """`trace` listed "A loop with no way out: x" for a metric whose one link is to itself:
    it drives only itself, as RT001 says."""
    path = str(
        write_catalog(
            "version: 1\nmetrics:\n  revenue: {revenue: true, owner: c}\n"
            "  x: {owner: c, drives: [x]}\n  z: {owner: c, drives: [z]}\n"
            "  y: {owner: c, drives: [x, z, w]}\n"
            "  w: {owner: c, drives: [v]}\n  v: {owner: c, drives: [w]}\n"
        )
    )
    assert run_cli("trace", "y", path, env=ENV).stdout.splitlines() == [
        "y has no path to revenue: a candidate to drop.",
        "  It drives: x, z, w",
        "  Its chains end at (drive only themselves): x, z",
        "  A loop with no way out: w ↔ v",
    ]
    assert run_cli("trace", "x", path, env=ENV).stdout.splitlines() == [
        "x has no path to revenue: a candidate to drop.",
        "  It drives only itself.",
    ]


def test_a_clean_headline_says_when_an_exception_it_counts_has_expired(
    write_catalog: Write,
) -> None:
    """ "Every metric traces to revenue (or is kept by exception)." stood above the RT013
    warning that the exception had expired: the headline says so itself."""
    kept = "version: 1\nmetrics:\n  revenue: {revenue: true, owner: c}\n"
    kept += "  a: {owner: x, keep: {reason: pilot, until: 2020-01-01}}\n"
    one = run_cli("audit", str(write_catalog(kept)), env=ENV).stdout
    assert (
        "Every metric traces to revenue (or is kept by exception, past its 'until' date).\n" in one
    )
    kept += "  b: {owner: x, keep: {reason: board}}\n"
    two = run_cli("audit", str(write_catalog(kept, "two.yaml")), env=ENV).stdout
    assert (
        "Every metric traces to revenue (or is kept by exception, 1 of them past its 'until'"
        " date)." in two
    )
    # Selected apart from the expired one, nothing is said of it.
    b = run_cli("audit", str(write_catalog(kept, "three.yaml")), "-m", "b", env=ENV).stdout
    assert "Every selected metric traces to revenue (or is kept by exception).\n" in b
