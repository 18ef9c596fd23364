"""`revtrace schema` describes the same format the loader reads; `revtrace init` writes
starter catalogs that pass the audit and never overwrite without --force."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import REPO, run_cli

CATALOGS = sorted(
    [
        REPO / "metrics.yaml",
        *(REPO / "examples").glob("*.yaml"),
        *(REPO / "revtrace" / "templates").glob("*.yaml"),
    ]
)


def schema() -> dict[str, object]:
    result = run_cli("schema")
    assert result.exit_code == 0
    document: dict[str, object] = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(document)
    return document


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.name)
def test_every_shipped_catalog_matches_the_schema(catalog: Path) -> None:
    data = yaml.load(catalog.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    jsonschema.validate(data, schema())


@pytest.mark.parametrize(
    "bad",
    [
        {"version": 1, "metrics": {"a": {"drive": ["b"]}}},
        {"version": 2, "metrics": {}},
        {"metrics": {}},
        {"version": 1, "metrics": {"a": {"revenue": "yes"}}},
        {"version": 1, "metrics": {"bad id": {}}},
        {"version": 1, "metrics": {"a": {"drives": [{"note": "no to"}]}}},
        {"version": 1, "metrics": {"a": {"status": "retired"}}},
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(bad: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema())


@pytest.mark.parametrize("template", ["saas", "ecommerce", "content"])
def test_init_writes_a_starter_that_audits_clean(template: str, tmp_path: Path) -> None:
    target = tmp_path / "metrics.yaml"
    result = run_cli("init", str(target), "--template", template)
    assert result.exit_code == 0 and "next: revtrace audit" in result.stderr
    assert run_cli("audit", str(target)).exit_code == 0


def test_init_defaults_and_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("init").exit_code == 0
    original = (tmp_path / "metrics.yaml").read_text(encoding="utf-8")
    (tmp_path / "metrics.yaml").write_text(original + "# my edits\n", encoding="utf-8")
    refused = run_cli("init", "--template", "saas")
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert (tmp_path / "metrics.yaml").read_text(encoding="utf-8").endswith("# my edits\n")
    assert run_cli("init", "--template", "saas", "--force").exit_code == 0
    assert "new_bookings" in (tmp_path / "metrics.yaml").read_text(encoding="utf-8")
    assert run_cli("init", "--template", "nope").exit_code == 2
