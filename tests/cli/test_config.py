"""Configuration: found upwards, overridden by flags, every bad setting a located error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from revtrace.config import find_config, load_settings
from tests.conftest import run_cli

CATALOG = """\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  sessions: {owner: web, drives: [revenue]}
  likes: {drives: [followers]}
  followers: {owner: social}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "kpis.yaml").write_text(CATALOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_pyproject_settings_are_found_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.revtrace]\ncatalog = ["catalog"]\nfail-on = "error"\n'
        'ignore = ["RT007"]\n',
        encoding="utf-8",
    )
    sub = project / "deep" / "er"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert find_config() == project / "pyproject.toml"
    settings = load_settings()
    assert settings.catalog == ["../../catalog"]
    assert settings.sources["fail-on"] == "../../pyproject.toml:6"
    result = run_cli("audit", "--format", "json")
    assert result.exit_code == 0  # RT001 warnings do not fail at fail-on = error
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert codes == {"RT001"}


def test_revtrace_toml_wins_over_pyproject_in_the_same_folder(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.revtrace]\nfail-on = "never"\n', encoding="utf-8"
    )
    (project / "revtrace.toml").write_text('catalog = "catalog/kpis.yaml"\n', encoding="utf-8")
    settings = load_settings()
    assert settings.config_file == "revtrace.toml"
    assert settings.fail_on == "warning"


def test_a_pyproject_without_the_table_is_skipped(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert find_config() is None or find_config() != project / "pyproject.toml"


def test_flags_override_the_file_and_config_shows_sources(project: Path) -> None:
    (project / "revtrace.toml").write_text(
        'catalog = ["catalog"]\nfail-on = "error"\n[severity]\nRT007 = "warning"\n',
        encoding="utf-8",
    )
    result = run_cli("audit", "--fail-on", "info", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert {f["severity"] for f in findings if f["code"] == "RT007"} == {"warning"}
    shown = json.loads(run_cli("config", "--format", "json").stdout)
    assert shown["config_file"] == "revtrace.toml"
    assert shown["settings"]["fail-on"] == {"value": "error", "source": "revtrace.toml:2"}
    assert shown["settings"]["severity"]["source"] == "revtrace.toml:3"
    assert shown["settings"]["select"] == {"value": None, "source": "default"}
    text = run_cli("config", env={"COLUMNS": "120"})
    assert "revtrace.toml:2" in text.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'fail-on = "warning"\nfial-on = "error"\n',
            "revtrace.toml:2: unknown setting 'fial-on'; did you mean 'fail-on'?",
        ),
        ('fail-on = "sometimes"\n', "revtrace.toml:1: 'fail-on' must be"),
        ("catalog = 3\n", "revtrace.toml:1: 'catalog' must be a path or a list of paths"),
        ('select = "RT001"\n', "revtrace.toml:1: 'select' must be a list"),
        ('[severity]\nRT001 = "fatal"\n', "'severity' must be a table of rule ="),
        ("fail-on = \n", "revtrace.toml:1:11: invalid TOML: Invalid value\n"),
        # The words after "invalid TOML:" are the TOML parser's (tomli's differ a little).
        ('fail-on = "warning"\n[x', "revtrace.toml:2: invalid TOML: Expected "),
        ("x = [1,\n", "revtrace.toml:1: invalid TOML: "),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    project: Path, content: str, message: str
) -> None:
    (project / "revtrace.toml").write_text(content, encoding="utf-8")
    result = run_cli("audit", "catalog")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_unknown_rule_in_configuration_names_the_file_and_line(project: Path) -> None:
    (project / "revtrace.toml").write_text('ignore = ["RT077"]\n', encoding="utf-8")
    result = run_cli("audit", "catalog")
    assert result.exit_code == 2
    assert "revtrace.toml:1: 'RT077' is not a rule code" in result.stderr


def test_explicit_config_file(project: Path) -> None:
    (project / "other.toml").write_text('catalog = ["catalog"]\n', encoding="utf-8")
    result = run_cli("audit", "--config", "other.toml", "--format", "json")
    assert json.loads(result.stdout)["summary"]["metrics"] == 4
    missing = run_cli("audit", "--config", "nope.toml")
    assert missing.exit_code == 2 and "nope.toml: no such configuration file" in missing.stderr
