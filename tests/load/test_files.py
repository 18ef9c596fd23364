"""Multi-file catalogs: files, directories and patterns; ids global across files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from revtrace.load import CatalogUnreadable
from revtrace.load.files import expand_catalog_paths
from tests.conftest import follow_next, run_cli


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metrics" / "sales").mkdir(parents=True)
    (tmp_path / "metrics" / ".hidden").mkdir()
    (tmp_path / "metrics" / "finance.yaml").write_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: cfo}\n"
        "  pipeline: {owner: s, drives: [revenue]}\n",
        encoding="utf-8",
    )
    (tmp_path / "metrics" / "sales" / "pipeline.yml").write_text(
        "version: 1\nmetrics:\n  deals: {owner: s, drives: [revenue]}\n  pipeline: {owner: m}\n",
        encoding="utf-8",
    )
    (tmp_path / "metrics" / "marketing.yaml").write_text(
        "version: 1\nmetrics:\n  mql: {owner: m, drives: [pipeline]}\n", encoding="utf-8"
    )
    (tmp_path / "metrics" / ".hidden" / "x.yaml").write_text("not: a catalog\n", encoding="utf-8")
    (tmp_path / "metrics" / "README.md").write_text("# not yaml\n", encoding="utf-8")
    return tmp_path


def test_a_directory_means_every_yaml_file_below_it(tree: Path) -> None:
    assert expand_catalog_paths(["metrics"]) == [
        "metrics/finance.yaml",
        "metrics/marketing.yaml",
        "metrics/sales/pipeline.yml",
    ]


def test_patterns_and_duplicates(tree: Path) -> None:
    assert expand_catalog_paths(["metrics/**/*.yml", "metrics/sales/pipeline.yml"]) == [
        "metrics/sales/pipeline.yml"
    ]
    with pytest.raises(CatalogUnreadable, match="no file matches"):
        expand_catalog_paths(["metrics/*.json"])


def test_ids_are_global_and_a_duplicate_across_files_names_both(tree: Path) -> None:
    result = run_cli("audit", "metrics", "--format", "json")
    document = json.loads(result.stdout)
    assert document["summary"]["metrics"] == 4
    (duplicate,) = [f for f in document["findings"] if f["code"] == "RT003"]
    assert (duplicate["file"], duplicate["line"], duplicate["column"]) == (
        "metrics/sales/pipeline.yml",
        4,
        3,
    )
    assert "already defined at metrics/finance.yaml:4" in duplicate["message"]
    by_id = {m["id"]: m for m in document["metrics"]}
    assert follow_next(by_id, "mql") == ["mql", "pipeline", "revenue"]
    assert by_id["mql"]["file"] == "metrics/marketing.yaml"


def test_tree_and_trace_read_several_files(tree: Path) -> None:
    alone = run_cli("trace", "mql", "metrics/marketing.yaml", "--format", "json")
    assert alone.exit_code == 1 and "RT002" in alone.stderr  # pipeline is in another file
    assert json.loads(alone.stdout)["reaches_revenue"] is False
    both = run_cli(
        "trace", "mql", "metrics/finance.yaml", "metrics/marketing.yaml", "--format", "json"
    )
    assert both.exit_code == 0
    assert json.loads(both.stdout)["paths"] == [["mql", "pipeline", "revenue"]]
    tree = run_cli("tree", "metrics", "--format", "json")
    assert tree.exit_code == 1  # the duplicate id is an error


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symlink_loop_in_a_catalog_directory_is_not_followed(tree: Path) -> None:
    os.symlink("..", tree / "metrics" / "sales" / "loop")
    os.symlink("missing.yaml", tree / "metrics" / "dangling.yaml")
    files = expand_catalog_paths(["metrics"])
    assert "metrics/sales/loop" not in " ".join(files)
    result = run_cli("audit", "metrics")
    # The dangling link is a named file that cannot be opened: exit 2, one line.
    assert result.exit_code == 2 and "dangling.yaml" in result.stderr


def test_an_empty_directory_is_exit_2(tmp_path: Path) -> None:
    with pytest.raises(CatalogUnreadable, match=r"holds no \.yaml"):
        expand_catalog_paths([str(tmp_path)])
