"""End to end through the real CLI: stdout, stderr and the exit code, checked apart."""

from __future__ import annotations

import inspect
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, check_golden, follow_next, run_cli

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
Write = Callable[..., Path]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths in output are as the user typed them: relative to the repository.
    monkeypatch.chdir(REPO)


CATALOGS = [
    "metrics.yaml",
    "examples/b2b-saas.yaml",
    "examples/ecommerce.yaml",
    "examples/customer-success.yaml",
]


@pytest.mark.parametrize("catalog", CATALOGS)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_audit_output_matches_golden(catalog: str, fmt: str) -> None:
    result = run_cli("audit", catalog, "--format", fmt, env=ENV)
    assert result.stderr == ""
    stem = Path(catalog).stem
    check_golden(f"audit-{stem}.{fmt}", result.stdout)


@pytest.mark.parametrize("catalog", CATALOGS)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_tree_output_matches_golden(catalog: str, fmt: str) -> None:
    result = run_cli("tree", catalog, "--format", fmt, env=ENV)
    # b2b-saas.yaml has a link to an undefined metric: an error, reported on stderr.
    has_errors = catalog == "examples/b2b-saas.yaml"
    assert result.exit_code == (1 if has_errors else 0)
    assert ("RT002" in result.stderr) == has_errors
    check_golden(f"tree-{Path(catalog).stem}.{fmt}", result.stdout)
    if fmt == "json":
        json.loads(result.stdout)


@pytest.mark.parametrize(
    "metric", ["articles_published", "page_views", "newsletter_open_rate", "revenue"]
)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_trace_output_matches_golden(metric: str, fmt: str) -> None:
    result = run_cli("trace", metric, "--format", fmt, env=ENV)
    assert (result.exit_code, result.stderr) == (0, "")
    check_golden(f"trace-{metric}.{fmt}", result.stdout)


def test_the_repo_catalog_has_candidates_so_audit_exits_1() -> None:
    result = run_cli("audit", env=ENV)
    assert result.exit_code == 1
    assert "Candidates to drop: 8 metrics with no path to revenue" in result.stdout
    assert "bounce_rate" in result.stdout


def test_the_clean_example_exits_0() -> None:
    result = run_cli("audit", "examples/customer-success.yaml", env=ENV)
    assert result.exit_code == 0
    assert "Every metric traces to revenue." in result.stdout


def test_audit_json_shape() -> None:
    result = run_cli("audit", "--format", "json")
    document = json.loads(result.stdout)
    assert document["tool"] == "revtrace"
    assert set(document["summary"]) == {
        "complete",
        "views",
        "metrics",
        "revenue_metrics",
        "reaching_revenue",
        "no_path",
        "kept",
        "baselined",
        "errors",
        "warnings",
        "infos",
    }
    assert document["summary"]["metrics"] == 20
    assert document["summary"]["reaching_revenue"] + document["summary"]["no_path"] == 20
    by_id = {m["id"]: m for m in document["metrics"]}
    assert by_id["revenue"]["distance"] == 0 and by_id["revenue"]["next"] is None
    assert follow_next(by_id, "website_sessions") == [
        "website_sessions",
        "marketing_qualified_leads",
        "sales_qualified_leads",
        "pipeline",
        "closed_won_deals",
        "revenue",
    ]
    assert by_id["website_sessions"]["distance"] == 5
    assert by_id["bounce_rate"]["reaches_revenue"] is False
    assert by_id["bounce_rate"]["distance"] is None and by_id["bounce_rate"]["next"] is None
    finding = document["findings"][0]
    assert set(finding) == {
        "code",
        "rule",
        "severity",
        "metric",
        "message",
        "file",
        "line",
        "column",
    }


def test_trace_json_for_a_metric_without_a_path() -> None:
    document = json.loads(run_cli("trace", "social_followers", "--format", "json").stdout)
    assert document == {
        "metric": "social_followers",
        "reaches_revenue": False,
        "paths": [],
        "links": [],
        "effects": [],
        "truncated": False,
        "kept": None,
        "view_of": None,
        "dead_ends": ["social_impressions"],
        "loops": [],
        "only_through_deprecated": [],
        "computed_from": [],
        "caveats": [],
        "candidate": True,
    }


def test_trace_max_paths_truncates() -> None:
    document = json.loads(
        run_cli("trace", "articles_published", "--max-paths", "1", "--format", "json").stdout
    )
    assert document["paths"] == [
        ["articles_published", "content_assisted_deals", "closed_won_deals", "revenue"]
    ]
    assert document["truncated"] is True


def test_tree_for_one_metric_and_depth() -> None:
    document = json.loads(run_cli("tree", "-m", "email_subscribers", "--format", "json").stdout)
    (root,) = document["roots"]
    assert root["id"] == "email_subscribers"
    assert root["children"][0]["id"] == "newsletter_click_through_rate"
    assert document["unlinked"] == []
    shallow = json.loads(run_cli("tree", "--depth", "1", "--format", "json").stdout)
    (revenue,) = shallow["roots"]
    assert [c["id"] for c in revenue["children"]] == ["closed_won_deals"]
    assert revenue["children"][0]["children"] == [] and revenue["children"][0]["truncated"]


def test_tree_for_a_metric_without_a_path_lists_it_unlinked() -> None:
    document = json.loads(run_cli("tree", "-m", "bounce_rate", "--format", "json").stdout)
    assert document["roots"][0]["children"] == []
    assert document["unlinked"] == ["bounce_rate"]


# -- cannot run: exit 2, one line on stderr ---------------------------------------------------


@pytest.mark.parametrize("command", [["audit"], ["tree"], ["trace", "x"]])
def test_a_missing_file_is_exit_2_with_one_line(command: list[str], tmp_path: Path) -> None:
    result = run_cli(*command, str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "nope.yaml: no such file" in result.stderr


def test_a_directory_without_catalogs_is_exit_2(tmp_path: Path) -> None:
    result = run_cli("audit", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "holds no .yaml or .yml file" in result.stderr


def test_an_unreadable_file_is_exit_2(
    write_catalog: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_catalog("version: 1\nmetrics: {}\n")
    path.chmod(0)
    if os.geteuid() == 0:
        # Root reads any file, so make the open fail the way it does for everyone else.
        def denied(*args: object, **kwargs: object) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr("revtrace.load.files.open", denied, raising=False)
    result = run_cli("audit", str(path))
    assert result.exit_code == 2
    assert "permission denied" in result.stderr


def test_an_unknown_metric_for_trace_is_exit_2_with_a_suggestion() -> None:
    result = run_cli("trace", "website_session")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "revtrace: error: unknown metric 'website_session'; did you mean 'website_sessions'?"
    )


def test_an_unknown_metric_for_tree_is_exit_2() -> None:
    result = run_cli("tree", "-m", "nothing_like_it")
    assert result.exit_code == 2
    assert result.stderr.strip() == "revtrace: error: unknown metric 'nothing_like_it'"


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "--format", "xml"],
        ["tree", "--depth", "-1"],
        ["trace", "a", "--max-paths", "0"],
        ["audit", "--bogus"],
        ["frobnicate"],
    ],
)
def test_bad_options_are_exit_2(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""


# -- catalogs with problems -------------------------------------------------------------------


BROKEN = "version: 1\nmetrics:\n  revenue: {revenue: true}\n  a: {drives: [revenue]\n"


def test_a_yaml_error_is_a_finding_exit_1_not_a_crash(write_catalog: Write) -> None:
    path = write_catalog(BROKEN)
    result = run_cli("audit", str(path), env=ENV)
    assert result.exit_code == 1
    # At the line to fix (where the '{' is never closed), not at the end of the file.
    assert (
        f"{path}:4:6: RT011 error [yaml-syntax] invalid YAML: a mapping opened with '{{' here"
        " is not closed" in result.stdout
    )


@pytest.mark.parametrize("command", [["tree"], ["trace", "revenue"]])
def test_tree_and_trace_report_catalog_errors_on_stderr_and_exit_1(
    command: list[str], write_catalog: Write
) -> None:
    path = write_catalog(
        "version: 1\nmetrics:\n  revenue: {revenue: true}\n  a: {drives: [revenue, nope]}\n"
    )
    result = run_cli(*command, str(path), env=ENV)
    assert result.exit_code == 1
    assert "RT002" in result.stderr and "RT002" not in result.stdout
    assert "revenue" in result.stdout


def test_trace_in_an_unreadable_catalog_is_exit_1(write_catalog: Write) -> None:
    result = run_cli("trace", "a", str(write_catalog(BROKEN)), env=ENV)
    assert result.exit_code == 1
    assert "RT011" in result.stderr


def test_bad_bytes_are_a_finding_not_exit_2(write_catalog: Write) -> None:
    path = write_catalog(b"version: 1\nmetrics:\n  \xc3\x28: {}\n")
    result = run_cli("audit", str(path), "--format", "json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["line"], finding["column"]) == ("RT011", 3, 3)


# -- catalog strings are data, never markup or terminal control ----------------------------------

HOSTILE = """\
version: 1
metrics:
  revenue:
    revenue: true
    name: "[bold red]not bold[/] \\e[31mred\\e[0m \\u202Eevil"
    owner: "[link=http://x]click[/link]"
  x:
    name: "[bold red]not bold[/] \\e[31mred\\e[0m line\\nbreak\\rreturn\\a"
"""


@pytest.mark.parametrize("command", [["audit"], ["tree"], ["trace", "revenue"], ["trace", "x"]])
def test_hostile_names_print_literally(command: list[str], write_catalog: Write) -> None:
    path = write_catalog(HOSTILE)
    result = run_cli(*command, str(path), env={"COLUMNS": "200", "FORCE_COLOR": "1"})
    assert "\x1b[31mred" not in result.stdout
    assert (
        "\u202e" not in result.stdout and "\r" not in result.stdout and "\x07" not in result.stdout
    )
    assert "[bold red]not bold[/]" in result.stdout
    assert "\\x1b[31mred" in result.stdout


COLOR_CODE = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7])(?:;[0-9;]*)?m")


def test_no_color_is_respected() -> None:
    colored = run_cli("audit", env={"FORCE_COLOR": "1"})
    assert COLOR_CODE.search(colored.stdout)
    plain = run_cli("audit", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    # no-color.org: no colour; bold and dim may stay.
    assert not COLOR_CODE.search(plain.stdout)


def test_version() -> None:
    from revtrace import __version__

    result = run_cli("--version")
    assert (result.exit_code, result.stdout) == (0, f"revtrace {__version__}\n")


@pytest.mark.parametrize("command", ["audit", "tree", "trace", "rules"])
def test_every_command_has_help(command: str) -> None:
    result = run_cli(command, "--help", env=ENV)
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_rules_lists_every_rule() -> None:
    from revtrace.rules import ALL_RULES

    result = run_cli("rules", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for code, rule in ALL_RULES.items():
        assert code in result.stdout and rule.name in result.stdout


def test_rules_named_print_their_whole_documentation_as_ruff_rule_does() -> None:
    """A pip install has no docs/rules.md: `revtrace rules RT012` is where a user reads
    what a code in the audit means, with its failing and passing examples."""
    from revtrace.rules import ALL_RULES

    result = run_cli("rules", "RT012", env={"COLUMNS": "200"})
    assert result.exit_code == 0 and result.stderr == ""
    rule = ALL_RULES["RT012"]
    assert result.stdout.startswith("RT012 keep-without-reason (error)\n\n" + rule.summary)
    assert result.stdout.rstrip().endswith(rule.doc.rstrip())
    assert "brand_awareness: {keep: {until: 2099-12-31}}" in result.stdout  # the failing one
    # A prefix, a name and ALL select as --select does, in code order.
    by_prefix = run_cli("rules", "RT01", "--format", "json")
    assert [r["code"] for r in json.loads(by_prefix.stdout)] == [
        code for code in ALL_RULES if code.startswith("RT01")
    ]
    by_name = json.loads(run_cli("rules", "stale-keep", "--format", "json").stdout)
    assert [(r["code"], r["doc"]) for r in by_name] == [("RT014", ALL_RULES["RT014"].doc)]
    every = json.loads(run_cli("rules", "--format", "json").stdout)
    assert [r["code"] for r in every] == list(ALL_RULES)


def test_a_named_rules_examples_are_set_apart_in_colour_and_plain_when_piped() -> None:
    coloured = run_cli("rules", "RT002", env={"FORCE_COLOR": "1", "COLUMNS": "200"}).stdout
    assert "\x1b[1;31mFails:\x1b[0m" in coloured and "\x1b[1;32mPasses:\x1b[0m" in coloured
    assert "\x1b[36m      mql: {drives: [sqls]}\x1b[0m" in coloured
    plain = run_cli("rules", "RT002", env={"NO_COLOR": "1", "COLUMNS": "200"}).stdout
    assert "\x1b" not in plain and "Fails:\n\n    metrics:\n      mql: {drives: [sqls]}" in plain


def test_a_named_rule_in_markdown_is_its_section_of_docs_rules_md() -> None:
    section = run_cli("rules", "RT013", "--format", "markdown").stdout
    assert section.startswith("## RT013 `keep-expired` (warning)\n")
    assert "```yaml" in section
    assert section in (REPO / "docs" / "rules.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("names", "said"),
    [
        (["RT09"], "'RT09' is not a rule code, prefix or name; did you mean 'RT019'?"),
        (["keep-withou"], "did you mean 'keep-without-reason'?"),
        ([""], "the names select no rule"),
        (["RT001", "nope"], "'nope' is not a rule code"),
    ],
)
def test_a_rule_name_that_names_none_is_refused(names: list[str], said: str) -> None:
    result = run_cli("rules", *names)
    assert result.exit_code == 2 and result.stdout == ""
    assert said in result.stderr and "Traceback" not in result.stderr


# -- every bad input of the loader tests, again through the CLI ----------------------------------


def _bad_inputs() -> list[tuple[str | bytes, tuple[str, int, int]]]:
    from tests.load.test_reader import FORMAT_CASES, SYNTAX_CASES

    cases: list[tuple[str | bytes, tuple[str, int, int]]] = [
        (text, expected) for text, expected, _ in FORMAT_CASES + SYNTAX_CASES
    ]
    cases += [
        (b"version: 1\nmetrics:\n  ab\xff: {}\n", ("RT011", 3, 5)),
        (b"\xff\xfe" + "version: 1".encode("utf-16-le"), ("RT011", 1, 1)),
        ("version: 1\nmetrics:\n  a: {}\n  a: {}\n", ("RT003", 4, 3)),
    ]
    return cases


@pytest.mark.parametrize(("content", "expected"), _bad_inputs())
def test_bad_input_through_the_cli_is_a_located_finding(
    content: str | bytes, expected: tuple[str, int, int], write_catalog: Write
) -> None:
    path = write_catalog(content)
    result = run_cli("audit", str(path), "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert expected in [(f["code"], f["line"], f["column"]) for f in findings]
    assert all(f["file"] == str(path) for f in findings)
    text = run_cli("audit", str(path), env=ENV)
    assert text.exit_code == 1
    assert f"{path}:{expected[1]}:{expected[2]}: {expected[0]}" in text.stdout


def test_a_deep_lineage_is_drawn_whole_at_any_width(write_catalog: Write) -> None:
    # A regression test: rich's Tree narrows each level and silently dropped nodes
    # deeper than the terminal is wide.
    depth = 120
    lines = ["version: 1", "metrics:", "  m0: {revenue: true, owner: x}"]
    lines += [f"  m{i}: {{owner: x, drives: [m{i - 1}]}}" for i in range(1, depth)]
    path = write_catalog("\n".join(lines) + "\n")
    for env in ({"COLUMNS": "40"}, {"COLUMNS": "40", "FORCE_COLOR": "1"}):
        result = run_cli("tree", str(path), env=env)
        assert result.exit_code == 0
        drawn = [line for line in result.stdout.splitlines() if line.strip()]
        assert len(drawn) == depth
        assert drawn[-1].rstrip().endswith(f"m{depth - 1}") or f"m{depth - 1}" in drawn[-1]


def test_help_paragraphs_are_wrapped_once() -> None:
    """Each paragraph of a command's help is rewrapped to the terminal as a whole; the
    docstring's own line breaks used to break it a second time ("summed over / every")."""
    from revtrace.cli import app

    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__
        result = run_cli(name, "--help", env={"COLUMNS": "300"})
        assert result.exit_code == 0, name
        shown = [line.strip() for line in result.stdout.splitlines()]
        for paragraph in inspect.cleandoc(command.callback.__doc__ or "").split("\n\n"):
            assert " ".join(paragraph.split()) in shown, (name, paragraph)
