"""The HTML report's own text (the picture is in test_picture*, the page in a browser in
test_html_browser)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_cli


def test_the_report_counts_candidates_apart_from_views_and_kept_metrics(tmp_path: Path) -> None:
    """The report's cards split the metrics without a path as its tables do: 7 'no path'
    over a table of 4 candidates read as 3 missing (2 views of revenue, 1 kept)."""
    out = tmp_path / "r.html"
    assert run_cli("report", "examples/financials/metrics.yaml", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    cards = dict(
        (label, int(value))
        for value, label in re.findall(r'<div class="count"><b>(\d+)</b>([^<]+)</div>', text)
    )
    assert cards == {
        "metrics": 8, "revenue metrics": 1, "reach revenue": 1, "candidates to drop": 4,
        "views of revenue": 2, "kept by exception": 1, "errors": 0, "warnings": 4,
    }  # fmt: skip
    assert "Candidates to drop (4)" in text
    clean = tmp_path / "c.html"
    assert run_cli("report", "examples/customer-success.yaml", "-o", str(clean)).exit_code == 0
    assert "views of revenue</div>" not in clean.read_text(encoding="utf-8")  # none: no card


def test_the_report_never_says_every_metric_traces_when_none_can(tmp_path: Path) -> None:
    """Without a revenue metric nothing traces, and no metric is named a candidate (RT004
    comes first): the report said 'Candidates to drop (0)' and 'Every metric traces to
    revenue.' A clean catalog with a kept metric and views says what it counted."""
    catalog = tmp_path / "m.yaml"
    catalog.write_text("version: 1\nmetrics:\n  a: {drives: [b]}\n  b: {}\n", encoding="utf-8")
    out = tmp_path / "r.html"
    assert run_cli("report", str(catalog), "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Every metric traces" not in text
    assert "No candidate to drop can be named until the errors above are fixed" in text
    clean = tmp_path / "c.html"
    assert run_cli("report", "examples/financials/", "-o", str(clean)).exit_code == 0
    assert (
        "Every metric traces to revenue (or is a view of it, or is kept by exception)."
        in clean.read_text(encoding="utf-8")
    )
    assert "No candidate to drop" not in clean.read_text(encoding="utf-8")
