"""The picture's Python side: the vendored layout library, and the data the page draws."""

from __future__ import annotations

from pathlib import Path

import pytest

from revtrace.render import picture
from tests.conftest import REPO, report_picture, run_cli

ASSETS = REPO / "revtrace" / "render" / "assets"


def test_the_vendored_bundle_is_safe_to_inline_and_carries_its_licence() -> None:
    for name in ("elk.bundled.js", "picture.js"):  # both are inlined in a <script> element
        code = (ASSETS / name).read_text(encoding="utf-8")
        assert "</script" not in code.lower() and "<!--" not in code and "<script" not in code
    assert "Eclipse Public License - v 2.0" in (ASSETS / "elkjs-LICENSE.md").read_text()
    assert f"elkjs {picture.ELK_VERSION}" in (ASSETS / "README.md").read_text()
    assert picture.elk_script().startswith(f"/* elkjs {picture.ELK_VERSION} (Eclipse Layout")


def test_the_path_to_revenue_runs_left_to_right_over_a_band_of_what_is_off_it(
    tmp_path: Path,
) -> None:
    """Two bands: the metrics on a path to revenue, by distance, revenue last; under them
    the metrics without a path, then the views of revenue. A link within a group gets a
    column of its own."""
    catalog = tmp_path / "m.yaml"
    catalog.write_text(
        "version: 1\nmetrics:\n"
        "  revenue: {revenue: true}\n"
        "  deals: {drives: [revenue, customers]}\n"  # both 1 link from revenue
        "  customers: {drives: [revenue]}\n"
        "  sqls: {drives: [deals]}\n"
        "  visits: {drives: [pages]}\n"  # no path: visits → pages
        "  pages: {}\n"
        "  costs: {drives: [profit]}\n"  # feeds a view, no path of its own
        "  profit: {formula: revenue - costs}\n"
        "  margin: {computed_from: [profit]}\n",  # a view of a view
        encoding="utf-8",
    )
    out = tmp_path / "r.html"
    assert run_cli("report", str(catalog), "-o", str(out)).exit_code == 0
    data = report_picture(out.read_text(encoding="utf-8"))
    place = {n["id"]: (n["band"], n["column"]) for n in data["nodes"]}
    assert place == {
        "sqls": (0, 0), "deals": (0, 1), "customers": (0, 2),  # deals → customers
        "revenue": (0, 3),
        "visits": (1, 0), "pages": (1, 1), "costs": (1, 1),  # a link ends in the last column
        "profit": (1, 2), "margin": (1, 3),  # views, after the metrics without a path
    }  # fmt: skip
    assert data["headings"] == [
        {"0": "2 links from revenue", "1": "1 link from revenue", "2": "1 link from revenue",
         "3": "revenue"},
        {"0": "no path to revenue", "1": "no path to revenue", "2": "views of revenue",
         "3": "views of revenue"},
        {},  # no metric linked to nothing
    ]  # fmt: skip
    assert data["shown"] is None and data["note"] == ""


def test_a_large_catalog_starts_focused_on_whole_columns_nearest_revenue() -> None:
    metrics = [f"m{i}" for i in range(400)]
    distance = {m: i // 100 for i, m in enumerate(metrics)}  # 100 per distance 0…3
    note = picture.focus_note(metrics, distance)
    assert note.startswith("Showing the 300 metrics within 2 links of revenue, of 400.")
    assert "revtrace report -m +ID" in note
    assert picture.focus_note(metrics[:300], distance) == ""


def test_metrics_linked_to_nothing_are_set_apart_in_a_grid_from_nine_on(tmp_path: Path) -> None:
    """Nine or more metrics no link joins (beside a chain without a path, which stays in
    the band off the path) are a third band, in columns about 2.5 times as tall as there
    are columns; eight stay where they were."""

    def places(loose: int) -> tuple[dict[str, tuple[int, int]], list[dict[str, str]]]:
        catalog = tmp_path / f"m{loose}.yaml"
        catalog.write_text(
            "version: 1\nmetrics:\n  revenue: {revenue: true}\n  a: {drives: [b]}\n  b: {}\n"
            + "".join(f"  x{i:02d}: {{}}\n" for i in range(loose)),
            encoding="utf-8",
        )
        out = tmp_path / f"m{loose}.html"
        assert run_cli("report", str(catalog), "-o", str(out)).exit_code == 0
        data = report_picture(out.read_text(encoding="utf-8"))
        return {n["id"]: (n["band"], n["column"]) for n in data["nodes"]}, data["headings"]

    few, headings = places(8)
    assert {few[f"x{i:02d}"] for i in range(8)} == {(1, 1)}  # with b, at the chain's end
    assert headings[2] == {}
    many, headings = places(12)
    # ceil(sqrt(12 / 2.5)) = 3 columns of ceil(12 / 3) = 4, filled down each column.
    assert [many[f"x{i:02d}"] for i in range(12)] == [(2, i // 4) for i in range(12)]
    assert (many["a"], many["b"]) == ((1, 0), (1, 1))
    assert headings[2] == {str(c): "no path: linked to nothing" for c in range(3)}
    widest, _ = places(400)  # never more than five columns
    assert max(column for band, column in widest.values() if band == 2) == 4


def test_the_details_panel_says_the_error_a_verdict_may_be_the_consequence_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clicking 'sessions' in the picture said why it has no path, and not that a
    misspelt `drive:` two metrics up is the likely cause, as the audit does."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "r.html"
    run_cli("report", "tests/data/mistakes/drive-typo.yaml", "-o", str(out))
    nodes = {n["id"]: n for n in report_picture(out.read_text(encoding="utf-8"))["nodes"]}
    assert nodes["sessions"]["why"] == (
        "its chains dead-end at 'mqls', which drives nothing; maybe a consequence of the error"
        " at tests/data/mistakes/drive-typo.yaml:24:5 (RT010 invalid-field): fix it first"
    )
    assert nodes["deals"]["why"] == ""  # on a path: nothing to say
