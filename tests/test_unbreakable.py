"""Round two of the red team (issue #16): each break an attacker found, as a regression
test, through the command line where a user (or a hostile pull request) meets it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from revtrace import output
from tests.conftest import REPO, run_cli

Write = Callable[..., Path]
PLAIN = (
    "version: 1\nmetrics:\n  revenue: {revenue: true, owner: x}\n"
    "  a: {owner: x, drives: [revenue]}\n"
)


def strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


# -- 5. gates that opened silently ---------------------------------------------------------


@pytest.mark.parametrize("selection", ["", ",", " , "])
def test_an_empty_rule_selection_is_an_error(selection: str) -> None:
    result = run_cli("audit", "--select", selection)
    assert result.exit_code == 2
    assert "names no rule, so nothing would be checked" in result.stderr


@pytest.mark.parametrize(
    "options", [["--select", "RT001", "--ignore", "RT001"], ["--ignore", "ALL"], ["--ignore", "RT"]]
)
def test_ignoring_every_selected_rule_is_an_error(options: list[str]) -> None:
    result = run_cli("audit", *options)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "revtrace: error: --ignore: it ignores every rule that is selected, so nothing would"
        " be checked; ignore fewer rules\n"
    )


def test_select_empty_in_the_configuration_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "revtrace.toml").write_text("select = []\n")
    (tmp_path / "metrics.yaml").write_text(PLAIN)
    monkeypatch.chdir(tmp_path)
    result = run_cli("audit")
    assert (result.exit_code, "revtrace.toml:1") == (2, result.stderr.split(": the")[0][-15:])


def test_a_configuration_above_the_repository_does_not_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "revtrace.toml").write_text('fail-on = "never"\n')
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "metrics.yaml").write_text(PLAIN + "  vanity: {owner: x}\n")
    monkeypatch.chdir(repository)
    assert run_cli("audit").exit_code == 1  # the vanity metric still fails the gate
    shown = json.loads(run_cli("config", "-f", "json").stdout)
    assert shown["config_file"] is None


def test_a_configuration_found_above_outside_a_repository_is_announced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "revtrace.toml").write_text('fail-on = "never"\n')
    below = tmp_path / "below"
    below.mkdir()
    (below / "metrics.yaml").write_text(PLAIN)
    monkeypatch.chdir(below)
    result = run_cli("audit")
    assert "revtrace: using the configuration in ../revtrace.toml" in result.stderr


def test_a_baselined_syntax_error_accepts_nothing(tmp_path: Path) -> None:
    good, broken = tmp_path / "a.yaml", tmp_path / "b.yaml"
    good.write_text(PLAIN)
    broken.write_text("version: 1\nmetrics: {x: [\n")
    baseline = tmp_path / "baseline.json"
    run_cli("audit", str(good), str(broken), "--write-baseline", str(baseline))
    assert "RT011" not in baseline.read_text()  # never recorded
    handmade = {"findings": [{"code": "RT011", "metric": None, "file": str(broken)}]}
    baseline.write_text(json.dumps(handmade))
    result = run_cli("audit", str(good), str(broken), "--baseline", str(baseline), "-f", "json")
    assert result.exit_code == 1
    assert "RT011" in [f["code"] for f in strict_json(result.stdout)["findings"]]  # type: ignore[index]


def test_a_file_level_finding_is_accepted_in_its_own_file_only(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("metrics:\n  revenue: {revenue: true, owner: x}\n")  # no version
    second.write_text("version: 1\nmetrics:\n  b: {owner: x, drives: [revenue]}\n")
    baseline = tmp_path / "baseline.json"
    run_cli("audit", str(first), str(second), "--write-baseline", str(baseline))
    second.write_text("metrics:\n  b: {owner: x, drives: [revenue]}\n")  # the same, elsewhere
    result = run_cli("audit", str(first), str(second), "--baseline", str(baseline), "-f", "json")
    findings = strict_json(result.stdout)["findings"]  # type: ignore[index]
    assert [(f["code"], Path(f["file"]).name) for f in findings] == [("RT010", "b.yaml")]


# -- 6. strict JSON, no overflow -------------------------------------------------------------


def test_a_huge_what_if_is_refused_not_infinity() -> None:
    result = run_cli(
        "impact",
        "examples/b2b-referral-flywheel.yaml",
        "--what-if",
        f"website_sessions=+{'9' * 400}%",
    )
    assert result.exit_code == 2
    assert "a change is between -1000% and +1000%" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "-f", "json"],
        ["tree", "-f", "json"],
        ["trace", "website_sessions", "-f", "json"],
        ["graph", "-f", "json"],
        ["scorecard", "-f", "json"],
        [
            "impact",
            "examples/b2b-referral-flywheel.yaml",
            "-f",
            "json",
            "--what-if",
            "referrals=+5%",
        ],
        ["audit", "-f", "sarif"],
        ["config", "-f", "json"],
        ["schema"],
    ],
    ids=lambda args: " ".join(args[:3]),
)
def test_every_json_output_is_strict_json(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    strict_json(run_cli(*args).stdout)


# -- 7. names and paths -----------------------------------------------------------------------


def test_sarif_for_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.yaml")
    (folder / name).write_text(PLAIN + "  vanity: {owner: x}\n")
    result = run_cli("audit", str(folder), "-f", "sarif")
    assert result.exit_code == 1, result.stderr
    document = strict_json(result.stdout)
    uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ]  # type: ignore[index]
    assert uri.endswith("caf%E9.yaml")


def test_a_pattern_through_a_symbolic_link_loop_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "c.yaml").write_text(PLAIN)
    (tmp_path / "m" / "loop").symlink_to(".")
    monkeypatch.chdir(tmp_path)
    result = run_cli("audit", "m/**/*.yaml", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert [r["file"] for r in strict_json(result.stdout)["metrics"]] == ["m/c.yaml"] * 2  # type: ignore[index]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_named_like_a_catalog_never_blocks(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(PLAIN)
    os.mkfifo(tmp_path / "trap.yaml")
    assert run_cli("audit", str(tmp_path)).exit_code == 0  # the FIFO is not a catalog file
    named = run_cli("audit", str(tmp_path / "trap.yaml"))
    assert named.exit_code == 2 and "not a regular file" in named.stderr


def test_a_symbolic_link_out_of_the_folder_is_refused_without_its_content(tmp_path: Path) -> None:
    secret = tmp_path / "credentials"
    secret.write_text("https://user:TOKEN1234567890@example.com\nDB_PASSWORD: hunter2\n")
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "c.yaml").write_text(PLAIN)
    (folder / "x.yaml").symlink_to(secret)
    for fmt in ("text", "github", "json"):
        result = run_cli("audit", str(folder), "-f", fmt)
        assert result.exit_code == 2
        assert "x.yaml: a symbolic link to a file outside" in result.stderr
        assert "TOKEN" not in result.stdout + result.stderr
        assert "DB_PASSWORD" not in result.stdout + result.stderr


def test_a_control_character_after_accents_is_located_in_characters(write_catalog: Write) -> None:
    path = write_catalog(
        "version: 1\nmetrics:\n  a: {owner: x}\n  b: {owner: y}\n"
        '  c: {name: "éééééééééééééé\x01"}\n'
    )
    result = run_cli("audit", str(path), "-f", "concise")
    assert f"{path}:5:28: RT011" in result.stdout


# -- 10. side inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, says",
    [
        ("[" * 100_000 + "]" * 100_000, "not a revtrace baseline"),
        (
            '{"findings": [{"code": "RT001", "metric": "a", "count": ' + "9" * 5000 + "}]}",
            "not a revtrace baseline",
        ),
        ('{"findings": [{"code": "RT001", "metric": "a", "count": -3}]}', "malformed"),
    ],
    ids=["deep nesting", "5000-digit count", "negative count"],
)
def test_a_hostile_baseline_is_one_line_and_exit_2(content: str, says: str, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    baseline.write_text(content)
    result = run_cli("audit", "--baseline", str(baseline))
    assert result.exit_code == 2
    assert says in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_as_a_baseline_is_refused_not_read_for_ever() -> None:
    result = run_cli("audit", "--baseline", "/dev/zero")
    assert result.exit_code == 2 and "larger than 32 MiB" in result.stderr


@pytest.mark.parametrize(
    "content",
    [
        "a = " + "[" * 10_000 + "]" * 10_000 + "\n",
        "fail-on = " + "9" * 5000 + "\n",
        'catalog = "a\\u0000b"\n',
    ],
    ids=["deep nesting", "5000-digit integer", "NUL in a path"],
)
def test_a_hostile_configuration_is_one_line_and_exit_2(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "revtrace.toml").write_text(content)
    monkeypatch.chdir(tmp_path)
    result = run_cli("audit")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("revtrace: error: ") and result.stderr.count("\n") == 1


def test_a_huge_max_paths_is_a_usage_error() -> None:
    result = run_cli("trace", "website_sessions", "--max-paths", "100000000000000000000")
    assert result.exit_code == 2 and "--max-paths" in result.stderr


# -- 11. escaping beyond the terminal -----------------------------------------------------------

SNEAKY = (
    "version: 1\nmetrics:\n  revenue: {revenue: true, owner: x}\n"
    '  a: {owner: "@acme/admins", name: "\\u202eevil &#x202E; [click](https://e.vil) \\r"}\n'
    '  b: {owner: x, drives: [revenue, "[go](https://e.vil)\\u202e\\r"]}\n'
)


def test_escapes_hold_in_junit_sarif_dot_and_markdown(write_catalog: Write) -> None:
    path = str(write_catalog(SNEAKY))
    junit = run_cli("audit", path, "-f", "junit").stdout
    ET.fromstring(junit)
    assert "\u202e" not in junit and "\r" not in junit and "\\u202e" in junit
    sarif = run_cli("audit", path, "-f", "sarif").stdout
    messages = [r["message"]["text"] for r in strict_json(sarif)["runs"][0]["results"]]  # type: ignore[index]
    assert not any("\u202e" in m for m in messages)
    assert any("\\[go\\](https" in m for m in messages)  # never a live link
    dot = run_cli("graph", path, "-f", "dot").stdout
    assert "&amp;#x202E;" in dot and "\u202e" not in dot
    markdown = run_cli("audit", path, "-f", "markdown").stdout
    prose = markdown.split("```mermaid")[0]  # code blocks are never linked or mentioned
    assert "@acme" not in prose and "@\u2060acme" in prose
    assert "https://" not in prose


def test_an_id_with_an_invisible_letter_is_refused(write_catalog: Write) -> None:
    path = write_catalog("version: 1\nmetrics:\n  revenue: {revenue: true}\n  revenue\u3164: {}\n")
    findings = strict_json(run_cli("audit", str(path), "-f", "json").stdout)["findings"]  # type: ignore[index]
    assert any(f["code"] == "RT010" and "U+3164" in f["message"] for f in findings)


# -- 12. -o edges --------------------------------------------------------------------------------


def test_output_to_dev_stdout_works_on_a_pipe_and_appends_to_a_log(tmp_path: Path) -> None:
    piped = subprocess.run(
        [sys.executable, "-m", "revtrace", "graph", "-o", "/dev/stdout"],
        capture_output=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert piped.returncode == 0 and piped.stdout.startswith(b"flowchart LR")
    log = tmp_path / "log"
    log.write_text("earlier\n")
    with open(log, "a") as appending:
        subprocess.run(
            [sys.executable, "-m", "revtrace", "graph", "-o", "/dev/stdout", "--force"],
            stdout=appending,
            cwd=REPO,
            check=False,
            timeout=60,
        )
    assert log.read_text().startswith("earlier\nflowchart LR")


def test_force_keeps_the_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.mmd"
    target.write_text("old")
    target.chmod(0o600)
    result = run_cli("graph", "-o", str(target), "--force")
    assert result.exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_sigterm_during_a_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("before")

    def terminated(descriptor: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(output.os, "fsync", terminated)
    with pytest.raises(BaseException) as stopped:
        output.write_file(str(target), "after", force=True)
    assert type(stopped.value).__name__ == "Terminated"
    assert target.read_text() == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_a_baseline_entry_without_a_metric_key_is_read(tmp_path: Path) -> None:
    # Found by the fuzzer's new baseline generator: a KeyError, so an internal error.
    baseline = tmp_path / "b.json"
    baseline.write_text('{"findings": [{"code": "RT001"}, {"code": "RT007", "count": true}]}')
    result = run_cli("audit", "--baseline", str(baseline))
    assert result.exit_code == 2 and "entry 2 of 'findings' is malformed" in result.stderr
    baseline.write_text('{"findings": [{"code": "RT001"}]}')
    assert run_cli("audit", "--baseline", str(baseline)).exit_code == 1
