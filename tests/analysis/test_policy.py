"""Rule selection, severity overrides and the exit policy."""

from __future__ import annotations

import json

import pytest

from revtrace.analysis.policy import PolicyError, resolve_selectors
from revtrace.model.catalog import Location
from revtrace.model.findings import Finding, Severity
from revtrace.rules import ALL_RULES
from tests.conftest import REPO, run_cli
from tests.conftest import build_policy as build

HERE = Location("m.yaml", 1, 1)


def finding(code: str) -> Finding:
    rule = ALL_RULES[code]
    return rule.finding("x", HERE, "m")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("RT001", {"RT001"}),
        ("rt001", {"RT001"}),
        ("no-path-to-revenue", {"RT001"}),
        ("RT01", {f"RT01{i}" for i in range(10)}),
        ("RT001,RT007", {"RT001", "RT007"}),
        ("ALL", set(ALL_RULES)),
    ],
)
def test_selectors(selector: str, expected: set[str]) -> None:
    assert resolve_selectors([selector], ALL_RULES, "--select") == expected


def test_an_unknown_selector_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(
        PolicyError,
        match=r"--select: 'no-path-to-revenu' is not a rule.*did you mean 'no-path-to-revenue'",
    ):
        resolve_selectors(["no-path-to-revenu"], ALL_RULES, "--select")


def test_select_ignore_and_severity_override() -> None:
    policy = build(select=["RT00"], ignore=["RT008"], severity={"missing-owner": "error"})
    kept = policy.apply([finding("RT001"), finding("RT007"), finding("RT008"), finding("RT010")])
    assert [(f.code, f.severity) for f in kept] == [
        ("RT001", Severity.WARNING),
        ("RT007", Severity.ERROR),
    ]


@pytest.mark.parametrize(
    ("fail_on", "codes", "exit_code"),
    [
        ("warning", ["RT007"], 0),
        ("warning", ["RT001"], 1),
        ("error", ["RT001"], 0),
        ("error", ["RT002"], 1),
        ("info", ["RT007"], 1),
        ("never", ["RT002"], 0),
        ("warning", [], 0),
    ],
)
def test_fail_on(fail_on: str, codes: list[str], exit_code: int) -> None:
    assert build(fail_on=fail_on).exit_code([finding(c) for c in codes]) == exit_code


def test_cli_select_ignore_exit_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    only_cycles = run_cli("audit", "--select", "cycle", "--format", "json")
    assert only_cycles.exit_code == 0
    assert {f["code"] for f in json.loads(only_cycles.stdout)["findings"]} == {"RT008"}
    ignored = run_cli("audit", "--ignore", "RT001", "--ignore", "RT007,RT008", "--format", "json")
    assert json.loads(ignored.stdout)["findings"] == [] and ignored.exit_code == 0
    assert run_cli("audit", "--exit-zero").exit_code == 0
    assert run_cli("audit", "--fail-on", "never").exit_code == 0
    bad = run_cli("audit", "--ignore", "RT9")
    assert bad.exit_code == 2 and "--ignore: 'RT9' is not a rule" in bad.stderr
