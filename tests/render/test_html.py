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
