"""The pre-commit hook and the GitHub Action run real revtrace commands."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_cli

HOOKS = {
    hook["id"]: hook
    for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
}


def test_pre_commit_hook_runs_revtrace_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    hook = HOOKS["revtrace-audit"]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    program, *args = shlex.split(hook["entry"])
    assert program == "revtrace"
    monkeypatch.chdir(REPO)
    result = run_cli(*args)
    assert result.exit_code == 1 and result.stdout.startswith("metrics.yaml:")


def test_pre_commit_import_hooks_check_the_generated_catalog(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """pre-commit appends the hook's `args` to its entry: the project and `-o CATALOG`."""
    monkeypatch.chdir(REPO)
    for importer, project in (("dbt", "examples/dbt-shop"), ("lightdash", "tests/data/lightdash")):
        hook = HOOKS[f"revtrace-import-{importer}"]
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        program, *entry = shlex.split(hook["entry"])
        assert program == "revtrace" and entry == ["import", importer, "--check"]
        extra = ["--allow-missing"] if importer == "lightdash" else []
        catalog = tmp_path / f"{importer}.yaml"
        written = run_cli("import", importer, project, *extra, "-o", str(catalog))
        assert written.exit_code == 0, written.stderr
        current = run_cli(*entry, project, *extra, "-o", str(catalog))
        assert current.exit_code == 0, current.stderr
        catalog.write_text(catalog.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        stale = run_cli(*entry, project, *extra, "-o", str(catalog))
        assert stale.exit_code == 1 and "is not what the import gives" in stale.stderr
    shipped = run_cli(*shlex.split(HOOKS["revtrace-import-dbt"]["entry"])[1:], "examples/dbt-shop",
                      "-o", "examples/dbt-shop/revtrace/metrics.yaml")  # fmt: skip
    assert shipped.exit_code == 0, shipped.stderr  # the example's catalog is current


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
