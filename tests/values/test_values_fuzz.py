"""Any values file, however broken or hostile, ends in numbers or in a located message:
never a traceback, never a NaN. Quick examples here; the long campaign is `slow`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revtrace.analysis import analyse_loaded
from revtrace.analysis.evidence import fit_links
from revtrace.analysis.explain import ExplainError, explain
from revtrace.load import load_catalog_text
from revtrace.values import ValuesUnreadable, read_values_bytes
from tests.conftest import REPO, run_cli

CATALOG = """\
version: 1
metrics:
  revenue: {revenue: true, formula: "deals * size + services"}
  deals: {formula: "sqls * win"}
  sqls: {drives: [{to: services, elasticity: 0.4}]}
  win: {}
  size: {}
  services: {drives: [{to: sqls, elasticity: 0.2}]}
  ads: {drives: [{to: sqls, elasticity: 0.3}, {to: ads2, elasticity: 1.5}]}
  ads2: {drives: [{to: ads, elasticity: 0.9}]}
  vanity: {}
"""
IDS = ["revenue", "deals", "sqls", "win", "size", "services", "ads", "ads2", "vanity", "nope"]
# Names too: a column or row may name a metric by its name (ads2 is also "Ads 2").
IDS += ["Revenue", "SQLS", " Ads2 ", "ADS 2"]
PERIODS = ["2026-01", "2026-02", "2026-03", "2026-Q1", "1", "2026-W05", "2026-02-30", "x", ""]
_cell = st.one_of(
    st.sampled_from(["0", "-1", "1e308", "-1e308", "1e-320", "nan", "inf", "", "1,5", '"3"']),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).map(repr),
    st.text(max_size=6),
)
_line = st.one_of(
    st.builds(
        lambda p, m, v: f"{p},{m},{v}", st.sampled_from(PERIODS), st.sampled_from(IDS), _cell
    ),
    st.text(max_size=20),
)


def analysis() -> object:
    return analyse_loaded(load_catalog_text(CATALOG, "m.yaml"))


def exercise(data: bytes) -> None:
    """Read, explain and fit: a ValuesUnreadable or an ExplainError is a message, and any
    number that comes out is finite."""
    loaded = analysis()
    try:
        table, _ = read_values_bytes(data, "v.csv", loaded.catalog.metrics)  # type: ignore[attr-defined]
    except ValuesUnreadable as exc:
        assert str(exc).startswith("v.csv")
        return
    try:
        report = explain(loaded, table)  # type: ignore[arg-type]
    except ExplainError:
        pass
    else:
        for e in report.explanations:
            numbers = [e.amount or 0.0, e.pct or 0.0, e.unexplained_amount]
            for c in e.contributions:
                numbers += [c.amount, c.log_points, c.share or 0.0, c.pct or 0.0]
                numbers.append(c.leverage or 0.0)
            assert all(math.isfinite(n) for n in numbers), e
    view = fit_links(loaded, table)  # type: ignore[arg-type]
    for result in view.report.links:
        for number in (result.estimate, result.stderr, *(result.interval or ())):
            assert number is None or math.isfinite(number)


@settings(max_examples=150)
@given(st.lists(_line, max_size=30))
def test_long_form_files(lines: list[str]) -> None:
    exercise(("period,metric,value\n" + "\n".join(lines)).encode())


@settings(max_examples=100)
@given(st.lists(st.lists(_cell, min_size=1, max_size=6), max_size=20), st.permutations(IDS))
def test_wide_form_files(rows: list[list[str]], ids: list[str]) -> None:
    header = "period," + ",".join(ids[:5])
    body = "\n".join(f"2026-{i % 12 + 1:02d}," + ",".join(row) for i, row in enumerate(rows))
    exercise((header + "\n" + body).encode())


@settings(max_examples=100)
@given(st.binary(max_size=200))
def test_any_bytes(data: bytes) -> None:
    exercise(data)


def test_extreme_but_valid_numbers_stay_finite() -> None:
    lines = ["period,ads,ads2,sqls,services,win,size,revenue"]
    for i, scale in enumerate((1e-300, 1e300, 1e-300, 1e300, 1.0)):
        lines.append(f"{i + 1},{scale},{scale},{scale},{scale},{scale},{scale},{scale}")
    exercise("\n".join(lines).encode())


@pytest.mark.slow
@settings(max_examples=400)
@given(st.lists(_line, max_size=40), st.sampled_from(["explain", "fit", "audit"]))
def test_the_cli_never_shows_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], command: str
) -> None:
    folder = tmp_path_factory.mktemp("v")
    (folder / "m.yaml").write_text(CATALOG, encoding="utf-8")
    values = folder / "v.csv"
    values.write_text("period,metric,value\n" + "\n".join(lines), encoding="utf-8")
    arguments = [command, str(folder / "m.yaml"), "--values", str(values), "--format", "json"]
    result = run_cli(*arguments)
    assert result.exit_code in (0, 1, 2), result
    assert "Traceback" not in result.stderr
    if result.exit_code != 2:
        json.loads(result.stdout)  # a complete JSON document, no NaN
    else:
        assert result.stdout == "" and "revtrace: error:" in result.stderr


def test_examples_are_readable() -> None:
    assert (REPO / "examples" / "evidence" / "values.csv").stat().st_size > 0
    assert Path(REPO / "examples" / "evidence" / "worked.csv").read_text().startswith("period,")
