"""The pre-commit hook and the GitHub Action run real revtrace commands."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_cli


def test_pre_commit_hook_runs_revtrace_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "revtrace-audit" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    program, *args = shlex.split(hook["entry"])
    assert program == "revtrace"
    monkeypatch.chdir(REPO)
    result = run_cli(*args)
    assert result.exit_code == 1 and result.stdout.startswith("metrics.yaml:")


def test_action_steps_use_real_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"catalog", "args", "sarif"}
    commands = [step["run"] for step in action["runs"]["steps"] if "revtrace audit" in step["run"]]
    monkeypatch.chdir(REPO)
    for command in commands:
        words = shlex.split(
            command.replace("$CATALOG", "")
            .replace("$ARGS", "")
            .replace('"$SARIF"', str(tmp_path / "r.sarif"))
        )
        assert words[0] == "revtrace"
        result = run_cli(*words[1:])
        assert result.exit_code in (0, 1), result.stderr
