"""The picture's Python side: the vendored layout library, and the data the page draws."""

from __future__ import annotations

from pathlib import Path

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


def test_columns_run_from_no_path_to_revenue_and_links_within_a_distance_get_their_own(
    tmp_path: Path,
) -> None:
    catalog = tmp_path / "m.yaml"
    catalog.write_text(
        "version: 1\nmetrics:\n"
        "  revenue: {revenue: true}\n"
        "  deals: {drives: [revenue, customers]}\n"  # both 1 link from revenue
        "  customers: {drives: [revenue]}\n"
        "  sqls: {drives: [deals]}\n"
        "  views: {drives: [pages]}\n"  # no path: views → pages
        "  pages: {}\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.html"
    assert run_cli("report", str(catalog), "-o", str(out)).exit_code == 0
    data = report_picture(out.read_text(encoding="utf-8"))
    column = {n["id"]: n["column"] for n in data["nodes"]}
    assert column == {
        "views": 0, "pages": 1,  # no path, apart on the left, their link left to right
        "sqls": 2, "deals": 3, "customers": 4,  # deals → customers: two columns for 1 link
        "revenue": 5,
    }  # fmt: skip
    assert data["headings"]["0"] == "no path to revenue" and data["headings"]["5"] == "revenue"
    assert data["shown"] is None and data["note"] == ""


def test_a_large_catalog_starts_focused_on_whole_columns_nearest_revenue() -> None:
    metrics = [f"m{i}" for i in range(400)]
    distance = {m: i // 100 for i, m in enumerate(metrics)}  # 100 per distance 0…3
    note = picture.focus_note(metrics, distance)
    assert note.startswith("Showing the 300 metrics within 2 links of revenue, of 400.")
    assert "revtrace report -m +ID" in note
    assert picture.focus_note(metrics[:300], distance) == ""
