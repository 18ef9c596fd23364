"""Baselines: accept today's findings, report only new ones, and say what can go."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from revtrace.analysis import baseline
from revtrace.model.catalog import Location
from revtrace.rules import ALL_RULES
from tests.conftest import run_cli

Write = Callable[..., Path]

CATALOG = """\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  likes: {owner: social}
  views: {owner: web}
"""


def test_write_then_audit_with_the_baseline_exits_0(write_catalog: Write, tmp_path: Path) -> None:
    catalog = write_catalog(CATALOG)
    accepted = tmp_path / "baseline.json"
    written = run_cli("audit", str(catalog), "--write-baseline", str(accepted))
    assert written.exit_code == 0 and "wrote 2 findings" in written.stderr
    document = json.loads(accepted.read_text(encoding="utf-8"))
    assert [(e["code"], e["metric"], e["count"]) for e in document["findings"]] == [
        ("RT001", "likes", 1),
        ("RT001", "views", 1),
    ]
    unchanged = run_cli("audit", str(catalog), "--baseline", str(accepted), env={"COLUMNS": "100"})
    assert unchanged.exit_code == 0
    assert "2 findings accepted by the baseline" in unchanged.stdout


def test_baseline_keys_ignore_line_numbers_and_report_new_and_stale(
    write_catalog: Write, tmp_path: Path
) -> None:
    catalog = write_catalog(CATALOG)
    accepted = tmp_path / "baseline.json"
    run_cli("audit", str(catalog), "--write-baseline", str(accepted))
    # Lines move, `likes` gets a path, `shares` is new.
    write_catalog(
        "version: 1\n\n# moved\nmetrics:\n  revenue: {revenue: true, owner: cfo}\n"
        "  views: {owner: web}\n  likes: {owner: social, drives: [revenue]}\n"
        "  shares: {owner: social}\n"
    )
    result = run_cli("audit", str(catalog), "--baseline", str(accepted), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [(f["code"], f["metric"]) for f in document["findings"]] == [("RT001", "shares")]
    assert document["summary"]["baselined"] == 1
    text = run_cli("audit", str(catalog), "--baseline", str(accepted), env={"COLUMNS": "120"})
    assert "1 baseline entry no longer occur" in text.stdout


def test_a_second_finding_of_the_same_kind_is_new() -> None:
    rule = ALL_RULES["RT002"]
    here = Location("m.yaml", 1, 1)
    accepted = baseline.loads(baseline.dumps([rule.finding("a", here, "m")]), "b.json")
    result = baseline.apply([rule.finding("a", here, "m"), rule.finding("b", here, "m")], accepted)
    assert (result.matched, [f.message for f in result.new]) == (1, ["b"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "b.json:1:2: not a revtrace baseline: invalid JSON"),
        ("[]", "no 'findings' list"),
        ('{"findings": [{"code": 1}]}', "entry 1 of 'findings' is malformed"),
        (
            '{"baseline_format": 2, "findings": []}',
            "b.json: written in baseline format 2 by a newer revtrace; this one reads format 1",
        ),
        ('{"baseline_format": "1", "findings": []}', "'baseline_format' is not 1, 2, …"),
        ('{"baseline_format": true, "findings": []}', "'baseline_format' is not 1, 2, …"),
    ],
)
def test_a_bad_baseline_is_exit_2(
    write_catalog: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: str,
    message: str,
) -> None:
    catalog = write_catalog(CATALOG)
    monkeypatch.chdir(tmp_path)
    Path("b.json").write_text(content, encoding="utf-8")
    result = run_cli("audit", str(catalog), "--baseline", "b.json")
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_a_missing_baseline_is_exit_2(write_catalog: Write, tmp_path: Path) -> None:
    result = run_cli(
        "audit", str(write_catalog(CATALOG)), "--baseline", str(tmp_path / "none.json")
    )
    assert result.exit_code == 2 and "no such baseline file" in result.stderr


def test_write_baseline_refuses_to_overwrite_without_force(
    write_catalog: Write, tmp_path: Path
) -> None:
    catalog = write_catalog(CATALOG)
    target = tmp_path / "b.json"
    target.write_text("precious", encoding="utf-8")
    refused = run_cli("audit", str(catalog), "--write-baseline", str(target))
    assert refused.exit_code == 2 and target.read_text(encoding="utf-8") == "precious"
    forced = run_cli("audit", str(catalog), "--write-baseline", str(target), "--force")
    assert forced.exit_code == 0 and "RT001" in target.read_text(encoding="utf-8")
