"""The benchmark's catalog generator, and the fast loader against a plain reference on
the catalogs it generates: same metrics, same links, same locations, same verdicts."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import Spec, generate, write_catalog
from revtrace.analysis import analyse
from revtrace.load import load_catalog_text, read_clean
from revtrace.load import split as parallel


def test_generation_is_reproducible_and_sized() -> None:
    first = generate(Spec(metrics=2_000, seed=7))
    assert first == generate(Spec(metrics=2_000, seed=7))
    assert first != generate(Spec(metrics=2_000, seed=8))
    loaded = load_catalog_text(first[0][1], "g.yaml")
    assert len(loaded.catalog) == 2_000
    assert loaded.findings == ()


def test_generated_catalogs_have_the_documented_shape(tmp_path: Path) -> None:
    spec = Spec(metrics=5_000, seed=3, files=3)
    paths = write_catalog(spec, tmp_path)
    assert [p.name for p in paths] == ["metrics-00.yaml", "metrics-01.yaml", "metrics-02.yaml"]
    analysis = analyse(paths)
    summary = analysis.summary()
    assert summary.metrics == 5_000 and summary.revenue_metrics == 3
    assert 0.12 <= summary.no_path / summary.metrics <= 0.18
    assert max(analysis.graph.distance.values()) <= spec.depth
    links = analysis.graph.link_count()
    assert 1.3 <= links / summary.metrics <= 2.0
    groups = [g for g in analysis.graph.strongly_connected_groups() if len(g) > 1]
    assert max(len(g) for g in groups) >= 200  # the dense cluster
    codes = {f.code for f in analysis.findings}
    assert codes <= {"RT001", "RT007", "RT008"}


def reference(text: str) -> dict[str, tuple[int, int, list[tuple[str, int, int]], bool]]:
    """Each metric's (line, column, [(target, line, column)], revenue), read the plain way:
    PyYAML composes the node tree, and nodes keep their marks and verbatim values."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    metrics_node = next(v for k, v in root.value if k.value == "metrics")
    result = {}
    for key, value in metrics_node.value:
        drives: list[tuple[str, int, int]] = []
        revenue = False
        for field, field_value in value.value:
            if field.value == "drives":
                drives = [
                    (item.value, item.start_mark.line + 1, item.start_mark.column + 1)
                    for item in field_value.value
                ]
            elif field.value == "revenue":
                revenue = field_value.value == "true"
        result[key.value] = (key.start_mark.line + 1, key.start_mark.column + 1, drives, revenue)
    return result


def reaching(metrics: dict[str, tuple[int, int, list[tuple[str, int, int]], bool]]) -> set[str]:
    drivers: dict[str, list[str]] = {m: [] for m in metrics}
    for source, (_, _, drives, _) in metrics.items():
        for target, _, _ in drives:
            drivers.setdefault(target, []).append(source)
    seen = {m for m, (_, _, _, revenue) in metrics.items() if revenue}
    queue = deque(seen)
    while queue:
        for driver in drivers[queue.popleft()]:
            if driver not in seen:
                seen.add(driver)
                queue.append(driver)
    return seen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_loader_matches_the_reference_on_generated_catalogs(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ((_, text),) = generate(Spec(metrics=3_000, seed=seed))
    expected = reference(text)
    # The fast loader in one process, then in two (as for a large file), then pure Python.
    assert parallel.read_in_two("g.yaml", text, read_clean) is not None
    for pure, min_chars in ((False, parallel.MIN_CHARS), (False, 0), (True, 0)):
        monkeypatch.setattr(parallel, "MIN_CHARS", min_chars)
        loaded = load_catalog_text(text, "g.yaml", pure_python=pure)
        got = {
            m.id: (
                m.location.line,
                m.location.column,
                [(link.target, link.location.line, link.location.column) for link in m.drives],
                m.revenue,
            )
            for m in loaded.catalog.metrics.values()
        }
        assert got == expected
    analysis = analyse_text(text)
    no_path = {f.metric for f in analysis if f.code == "RT001"}
    assert no_path == set(expected) - reaching(expected)


def analyse_text(text: str) -> list:  # type: ignore[type-arg]
    from revtrace.graph.revenue_graph import RevenueGraph
    from revtrace.rules import run_graph_checks

    loaded = load_catalog_text(text, "g.yaml")
    return run_graph_checks(RevenueGraph(loaded.catalog))
