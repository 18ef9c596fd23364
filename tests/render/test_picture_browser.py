"""The report's lineage picture, measured in a real headless Chromium: a box per metric and
a path per link, an arrowhead on every link, no link through a box other than its own
two, crossings within 1.25× Graphviz dot's (+2) on the same graph, names at least 11 px
tall at the default zoom and never cut, and a 2,000-metric report laid out in time.

The page is the report itself with one script appended that measures it after the
layout (`MEASURE`) and writes the figures into `<body data-measure>`; the DOM is read
back from the browser the tests share (tests/render/browser.py). With
REVTRACE_SCREENSHOTS=1, screenshots go to the test's temporary folder too."""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import Spec, write_catalog
from revtrace.analysis import analyse
from tests.conftest import REPO, run_cli
from tests.render.browser import BROWSER, dump_dom, shared

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine")
DOT = shutil.which("dot")

MEASURE = "<script>\n" + (Path(__file__).parent / "measure_picture.js").read_text() + "</script>\n"
#: What the measuring script and a test's own script set when done (or the page's errors).
MEASURED = "!!(document.body && (document.body.dataset.measure || document.body.dataset.errors))"
SCRIPTED = (
    "!!(document.body && (document.body.dataset.result !== undefined"
    " || document.body.dataset.errors))"
)


def measure(report: Path, folder: Path) -> dict[str, Any]:
    page = folder / (report.stem + "-measured.html")
    page.write_text(
        report.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"),
        encoding="utf-8",
    )
    shot = folder / (report.stem + ".png") if os.environ.get("REVTRACE_SCREENSHOTS") else None
    dom = dump_dom(page.as_uri(), MEASURED, shot)
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None, dom[:300]
    assert "data-errors" not in body.group(1), body.group(1)
    found = re.search(r'data-measure="([^"]*)"', body.group(1))
    assert found is not None, body.group(1)[:500]
    return dict(json.loads(html.unescape(found.group(1))))


def dot_crossings(catalog: Path) -> int:
    """Crossings of Graphviz dot's layout of the same metrics and links, counted the same
    way: each link's curve sampled, segments of two links that share no metric tested."""
    analysis = analyse([catalog])
    ids = list(analysis.catalog.metrics)
    lines = ["digraph G { rankdir=LR; node [shape=box, width=2.4, height=0.5, fixedsize=true];"]
    lines += [f'  n{i} [label="{i}"];' for i in range(len(ids))]
    index = {m: i for i, m in enumerate(ids)}
    for source, target in analysis.graph.edges():
        lines.append(f"  n{index[source]} -> n{index[target]};")
    lines.append("}")
    layout = json.loads(
        subprocess.run(
            [str(DOT), "-Tjson"],
            input="\n".join(lines),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    )
    names = {o["_gvid"]: o["name"] for o in layout.get("objects", [])}
    curves = []
    for edge in layout.get("edges", []):
        points: list[tuple[float, float]] = []
        for op in edge.get("_draw_", []):
            if op.get("op") in ("b", "B"):
                control = [tuple(p) for p in op["points"]]
                for k in range(0, len(control) - 3, 3):
                    points += bezier(*control[k : k + 4])
        curves.append((names[edge["tail"]], names[edge["head"]], points))
    return count_crossings(curves)


def bezier(*control: tuple[float, ...]) -> list[tuple[float, float]]:
    """13 points along a cubic Bézier curve."""
    p0, p1, p2, p3 = control
    points = []
    for step in range(13):
        u, v = step / 12, 1 - step / 12
        x = v**3 * p0[0] + 3 * v**2 * u * p1[0] + 3 * v * u**2 * p2[0] + u**3 * p3[0]
        y = v**3 * p0[1] + 3 * v**2 * u * p1[1] + 3 * v * u**2 * p2[1] + u**3 * p3[1]
        points.append((x, y))
    return points


def count_crossings(curves: list[tuple[str, str, list[tuple[float, float]]]]) -> int:
    def side(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    boxes = []
    for _, _, pts in curves:
        xs, ys = [x for x, _ in pts] or [math.inf], [y for _, y in pts] or [math.inf]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    total = 0
    for i, (a_from, a_to, a) in enumerate(curves):
        for j in range(i + 1, len(curves)):
            c_from, c_to, c = curves[j]
            if {a_from, a_to} & {c_from, c_to}:
                continue
            ba, bc = boxes[i], boxes[j]
            if ba[2] < bc[0] or bc[2] < ba[0] or ba[3] < bc[1] or bc[3] < ba[1]:
                continue
            for s in range(len(a) - 1):
                for t in range(len(c) - 1):
                    d1, d2 = side(c[t], c[t + 1], a[s]), side(c[t], c[t + 1], a[s + 1])
                    d3, d4 = side(a[s], a[s + 1], c[t]), side(a[s], a[s + 1], c[t + 1])
                    if d1 * d2 < 0 and d3 * d4 < 0:
                        total += 1
    return total


def report_of(catalog: Path, folder: Path) -> Path:
    out = folder / f"{catalog.stem}.html"
    assert run_cli("report", str(catalog), "-o", str(out), "--force").exit_code == 0
    return out


EXAMPLES = [
    "metrics.yaml",
    "examples/b2b-saas.yaml",
    "examples/ecommerce.yaml",
    "examples/customer-success.yaml",
    "examples/b2b-referral-flywheel.yaml",
    "examples/evidence/metrics.yaml",
    "examples/financials/metrics.yaml",  # views of revenue: links between the bands
]


def generated(folder: Path, metrics: int, seed: int = 5) -> Path:
    return write_catalog(Spec(metrics=metrics, seed=seed, dense_cluster=0), folder / f"g{metrics}")[
        0
    ]


def check_picture(catalog: Path, folder: Path, readable: bool = True) -> dict[str, Any]:
    found = measure(report_of(catalog, folder), folder)
    analysis = analyse([catalog])
    assert sorted(found["nodes"]) == sorted(analysis.catalog.metrics)
    assert found["edges"] == analysis.graph.link_count()
    assert found["arrowless"] == []
    assert found["through"] == []
    assert found["cut"] == [] and found["overflow"] == []
    assert found["overlaps"] == []
    if readable:
        assert found["smallest"] >= 11 - 1e-6, found["smallest"]
    if DOT is not None:
        reference = dot_crossings(catalog)
        assert found["crossings"] <= 1.25 * reference + 2, (found["crossings"], reference)
        print(f"{catalog.name}: {found['crossings']} crossings, dot {reference}")
    return found


@pytest.mark.parametrize("catalog", EXAMPLES)
def test_the_examples_pictures_measure_up(catalog: str, tmp_path: Path) -> None:
    check_picture(REPO / catalog, tmp_path)


@pytest.mark.parametrize("metrics", [50, pytest.param(150, marks=pytest.mark.slow)])
def test_generated_catalogs_pictures_measure_up(metrics: int, tmp_path: Path) -> None:
    check_picture(generated(tmp_path, metrics), tmp_path, readable=metrics <= 60)


def test_a_long_list_of_files_never_pushes_the_controls_onto_a_line_of_their_own(
    tmp_path: Path,
) -> None:
    """A catalog of several files named by long paths: the names took the header's first
    line and the zoom buttons wrapped, "−" on one line, "+" and "fit" on the next. The
    names are cut with an ellipsis (all of them in the tooltip); the controls stay on
    one line, beside the title."""
    folder = tmp_path / ("a-rather-long-folder-name-for-the-metrics-of-the-team" * 2)
    folder.mkdir()
    names = [f"metrics-of-the-{team}-team.yaml" for team in ("marketing", "sales", "finance")]
    (folder / names[0]).write_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true}\n", encoding="utf-8"
    )
    (folder / names[1]).write_text(
        "version: 1\nmetrics:\n  deals: {drives: [revenue]}\n", encoding="utf-8"
    )
    (folder / names[2]).write_text("version: 1\nmetrics:\n  costs: {}\n", encoding="utf-8")
    report = tmp_path / "report.html"
    assert run_cli("report", str(folder), "-o", str(report)).exit_code == 0
    header = measure(report, tmp_path)["header"]
    assert header["filesCut"] and all(name in header["filesTitle"] for name in names)
    assert max(header["tops"]) - min(header["tops"]) <= 4, header  # the four controls: one line
    assert header["height"] < 80, header


def test_metrics_linked_to_nothing_are_a_grid_under_the_others(tmp_path: Path) -> None:
    """An imported project starts with dozens of metrics no link joins (69 of 110 in
    Lightdash's SaaS demo). In one column they made its picture 8.5 views tall; they are
    a grid under everything else, filled down its columns in the catalog's order, every
    column starting at the top."""
    loose = [f"metric_{i:02d}" + "_with_a_longer_name" * (i % 3) for i in range(30)]
    catalog = tmp_path / "loose.yaml"
    catalog.write_text(
        "version: 1\nmetrics:\n"
        "  revenue: {revenue: true}\n"
        "  orders: {drives: [revenue]}\n"
        "  visits: {drives: [orders]}\n"
        "  pages: {drives: [sessions]}\n"  # a chain without a path: not in the grid
        "  sessions: {}\n"
        "  growth: {computed_from: [revenue]}\n"  # a view: not in the grid
        + "".join(f"  {m}: {{}}\n" for m in loose),
        encoding="utf-8",
    )
    found = check_picture(catalog, tmp_path)
    boxes = found["boxes"]
    others = [b for m, b in boxes.items() if m not in loose]
    assert min(boxes[m][1] for m in loose) >= max(b[3] for b in others)  # under the rest
    columns: dict[float, list[str]] = {}
    for metric in loose:
        columns.setdefault(boxes[metric][0], []).append(metric)
    # 30 metrics: ceil(sqrt(30 / 2.5)) = 4 columns of ceil(30 / 4) = 8, down each column.
    lefts = sorted(columns)
    assert [len(columns[x]) for x in lefts] == [8, 8, 8, 6]
    assert [m for x in lefts for m in sorted(columns[x], key=lambda m: boxes[m][1])] == loose
    assert len({boxes[columns[x][0]][1] for x in lefts}) == 1  # every column from the top
    tallest = max(b[3] - b[1] for b in boxes.values())
    assert max(boxes[m][3] for m in loose) - min(boxes[m][1] for m in loose) <= 8 * (tallest + 14)


@pytest.mark.slow
def test_a_2000_metric_report_opens_focused_and_in_time(tmp_path: Path) -> None:
    catalog = generated(tmp_path, 2_000)
    report = report_of(catalog, tmp_path)
    text = report.read_text(encoding="utf-8")
    assert "revtrace report -m +ID" in text  # says how to focus it
    browser = shared()
    dump_dom("about:blank", "true")  # the browser started: only the page is timed
    started = time.perf_counter()
    with browser.page(report.as_uri()) as page:
        elapsed = time.perf_counter() - started
        dom = page.dom()
    assert 'data-ready="1"' in dom
    shown = dom.count("data-metric=")
    assert 0 < shown <= 300
    print(f"2,000 metrics: {shown} drawn, ready in {elapsed:.2f} s")
    assert elapsed <= 5.0


def run_script(report: Path, folder: Path, script: str) -> str:
    """The DOM after `script` ran on the laid-out report (it sets body.dataset.result)."""
    page = folder / (report.stem + "-scripted.html")
    wrapped = (
        "<script>(function w(){ if (!document.body.dataset.ready) { setTimeout(w, 50); return; }"
        f"\n{script}\n" + "})();</script>"
    )
    page.write_text(
        report.read_text(encoding="utf-8").replace("</body>", wrapped + "</body>"), encoding="utf-8"
    )
    return dump_dom(page.as_uri(), SCRIPTED)


def test_every_status_is_drawn_and_named(tmp_path: Path) -> None:
    catalog = tmp_path / "statuses.yaml"
    catalog.write_text(
        "version: 1\nmetrics:\n"
        "  revenue: {revenue: true}\n"
        "  growth: {formula: 'revenue * 2'}\n"
        "  sessions: {drives: [revenue]}\n"
        "  old: {status: deprecated, drives: [revenue]}\n"
        "  old_vanity: {status: deprecated}\n"
        "  vanity: {}\n"
        "  podcast: {keep: {reason: a test, until: 2099-01-01}}\n",
        encoding="utf-8",
    )
    found = measure(report_of(catalog, tmp_path), tmp_path)
    assert found["statuses"] == {
        "revenue": 1, "view": 1, "reaches": 1, "deprecated": 2, "no-path": 1, "kept": 1,
    }  # fmt: skip


FIRST_VIEW = """
var viewport = document.getElementById('viewport'), room = viewport.getBoundingClientRect();
var out = {hidden: [], upper: -1e9, lower: 1e9, revenueRight: 0, viewsLeft: 1e9, onLeft: 1e9,
           offRight: -1e9};
Array.prototype.forEach.call(document.querySelectorAll('#lineage g[data-metric]'), function (g) {
  var r = g.getBoundingClientRect(), status = g.getAttribute('data-status');
  var seen = r.left >= room.left && r.right <= room.right && r.top >= room.top
    && r.bottom <= room.bottom;
  if (!seen && status !== 'reaches') out.hidden.push(g.getAttribute('data-metric'));
  if (status === 'reaches' || status === 'revenue') {
    out.upper = Math.max(out.upper, r.bottom); out.onLeft = Math.min(out.onLeft, r.left);
  } else {
    out.lower = Math.min(out.lower, r.top); out.offRight = Math.max(out.offRight, r.right);
  }
  if (status === 'revenue') out.revenueRight = Math.max(out.revenueRight, r.right);
  if (status === 'view') out.viewsLeft = Math.min(out.viewsLeft, r.left);
});
out.bar = document.getElementById('headings').textContent;
out.crowded = [];  // headings that run into the next one
[document.querySelectorAll('#headings span'), document.querySelectorAll('.band-heading')].forEach(
  function (list) {
    var rects = Array.prototype.map.call(list, function (h) {
      return {text: h.textContent, r: h.getBoundingClientRect()};
    }).sort(function (a, b) { return a.r.left - b.r.left; });
    for (var i = 0; i + 1 < rects.length; i++)
      if (rects[i].r.right > rects[i + 1].r.left - 4) out.crowded.push(rects[i].text);
  });
for (var i = 0; i < 4; i++) document.getElementById('zoom-in').click();  // taller than the view
viewport.scrollTop = viewport.scrollHeight;
viewport.dispatchEvent(new Event('scroll'));
var layout = window.revtraceLayout, svg = document.getElementById('lineage');
var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
out.pastLower = layout.bandTops[1] !== undefined
  && viewport.scrollTop / scale >= layout.bandTops[1] - 30;  // the lower band at the top
out.barBelow = document.getElementById('headings').textContent;
document.body.dataset.result = JSON.stringify(out);
"""


SMALL_BOXES = (
    "version: 1\nmetrics:\n  r: {revenue: true}\n  a: {drives: [r, v]}\n  v: {}\n"
    "  p: {computed_from: [r], drives: [v]}\n"
)


@pytest.mark.parametrize(
    ("catalog", "beside"),
    [
        ("metrics.yaml", False),  # too wide for the two bands side by side
        ("examples/financials/metrics.yaml", False),  # links between the bands
        ("examples/ecommerce.yaml", True),  # all of it fits side by side
        (SMALL_BOXES, False),  # the narrowest boxes, links between the bands both ways
        ("generated:40", False),  # taller than the view: scrolled down to the candidates
    ],
)
def test_the_first_view_shows_revenue_and_every_metric_off_its_path(
    catalog: str, beside: bool, tmp_path: Path
) -> None:
    """What a screenshot of the report shows on a laptop (1400 px): the revenue side and
    every metric without a path — the candidates — and every view of revenue, in a band
    of their own: beside the others when the whole picture fits that way, else under
    them, where the bar of column headings follows the band in view. (As a column on the
    left they were off-screen: noticed in the last round.)"""
    path = REPO / catalog
    if catalog.startswith("version:"):
        path = tmp_path / "small.yaml"
        path.write_text(catalog, encoding="utf-8")
    elif catalog.startswith("generated:"):
        path = generated(tmp_path, int(catalog.split(":")[1]))
    dom = run_script(report_of(path, tmp_path), tmp_path, FIRST_VIEW)
    found = re.search(r'data-result="([^"]*)"', dom)
    assert found is not None, dom[:400]
    out = json.loads(html.unescape(found.group(1)))
    assert out["hidden"] == [] and out["crowded"] == []
    if beside:
        assert out["offRight"] < out["onLeft"]  # on the left, the farthest from revenue
        assert out["bar"].startswith("no path to revenue")
    else:
        assert out["upper"] < out["lower"]  # under the others
        assert "REVENUE" in out["bar"].upper() and "NO PATH" not in out["bar"].upper()
        # Scrolled down until the lower band is at the top of the view, the bar shows its
        # headings (a picture too small for that keeps the upper band's).
        tall_lower_band = catalog in ("metrics.yaml", "examples/financials/metrics.yaml")
        assert out["pastLower"] == tall_lower_band
        assert ("no path to revenue" in out["barBelow"]) == out["pastLower"]
    if "financials" in catalog or catalog == SMALL_BOXES:
        assert out["viewsLeft"] < out["revenueRight"]  # under revenue, not beside it


def test_click_keyboard_escape_and_the_details_panel(tmp_path: Path) -> None:
    report = report_of(REPO / "examples/ecommerce.yaml", tmp_path)
    dom = run_script(
        report,
        tmp_path,
        """
        var svg = document.getElementById('lineage'), out = {};
        var node = svg.querySelector('g[data-metric="sessions"]');
        node.focus();
        node.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
        out.lit = Array.prototype.map.call(svg.querySelectorAll('g.node.on'),
          function (g) { return g.getAttribute('data-metric'); }).sort();
        out.edges = svg.querySelectorAll('path.edge.on').length;
        out.details = document.getElementById('details').textContent;
        out.focusable = svg.querySelectorAll('g.node[tabindex="0"]').length;
        document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
        out.after = svg.querySelectorAll('.on').length;
        out.hidden = document.getElementById('details').hidden;
        var before = svg.style.width;
        document.getElementById('zoom-in').click();
        out.zoomed = svg.style.width !== before;
        document.getElementById('zoom-fit').click();
        var room = document.getElementById('viewport').clientWidth;
        out.fits = svg.getBoundingClientRect().width <= room;
        document.body.dataset.result = JSON.stringify(out);
        """,
    )
    found = re.search(r'data-result="([^"]*)"', dom)
    assert found is not None, dom[:400]
    out = json.loads(html.unescape(found.group(1)))
    assert out["lit"] == ["net_revenue", "orders", "sessions"] and out["edges"] == 2
    assert "Store sessions" in out["details"] and "examples/ecommerce.yaml:" in out["details"]
    assert "→ orders" in out["details"]
    assert out["focusable"] == 15
    assert (out["after"], out["hidden"], out["zoomed"], out["fits"]) == (0, True, True, True)


def test_it_prints_on_a4_landscape(tmp_path: Path) -> None:
    report = report_of(REPO / "examples/ecommerce.yaml", tmp_path)
    pdf = tmp_path / "report.pdf"
    with shared().page(report.as_uri()) as page:  # as the browser's print dialog prints it
        printed = page.browser.send(
            "Page.printToPDF",
            {"preferCSSPageSize": True, "displayHeaderFooter": False, "printBackground": True},
            page.session,
        )
    pdf.write_bytes(base64.b64decode(printed["data"]))
    boxes = re.findall(rb"MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert boxes, "no page in the PDF"
    width, height = (float(v) for v in boxes[0])
    assert (round(width), round(height)) == (842, 595)  # A4, landscape, in points


def test_a_tall_picture_has_a_button_to_the_metrics_off_the_path(tmp_path: Path) -> None:
    """120 metrics: the band off the path lies more than a view below revenue. A button
    in the header says how many metrics are there and takes the view to them (side by
    side, the picture would not fit readable either, and they were off-screen left)."""
    report = report_of(generated(tmp_path, 120), tmp_path)
    dom = run_script(
        report,
        tmp_path,
        """
        var button = document.getElementById('to-off-path'), out = {};
        out.shown = !button.hidden; out.text = button.textContent;
        out.beside = window.revtraceLayout.beside;
        button.click();
        var view = document.getElementById('viewport').getBoundingClientRect();
        out.off = 0; out.seen = 0;
        Array.prototype.forEach.call(document.querySelectorAll('#lineage g[data-metric]'),
          function (g) {
            var status = g.getAttribute('data-status');
            if (status === 'reaches' || status === 'revenue') return;
            out.off++;
            var r = g.getBoundingClientRect();
            if (r.top >= view.top && r.bottom <= view.bottom) out.seen++;
          });
        document.body.dataset.result = JSON.stringify(out);
        """,
    )
    found = re.search(r'data-result="([^"]*)"', dom)
    assert found is not None, dom[:400]
    out = json.loads(html.unescape(found.group(1)))
    assert out["beside"] is False and out["shown"] is True
    assert out["text"] == f"↓ {out['off']} off the path to revenue" and out["off"] == 18
    assert out["seen"] == out["off"]  # after the click, every one of them in the view
    small = run_script(report_of(REPO / "metrics.yaml", tmp_path), tmp_path,
                       "document.body.dataset.result = String("
                       "document.getElementById('to-off-path').hidden);")  # fmt: skip
    assert 'data-result="true"' in small  # all in the first view already: no button


def test_a_word_too_long_for_its_box_breaks_where_it_reads_well(tmp_path: Path) -> None:
    """An owner's email wider than a box breaks before its @ ("sales-development-team" /
    "@example.com"), a long id after a dot or an underscore, never mid-word when such a
    place keeps half of the line; every line still fits its box (checked by `measure`)."""
    catalog = tmp_path / "long.yaml"
    catalog.write_text(
        "version: 1\nmetrics:\n"
        "  revenue: {revenue: true, owner: sales-development-team@example.com}\n"
        "  account_deal_metrics.pct_accounts_with_won_deals: {drives: [revenue]}\n",
        encoding="utf-8",
    )
    report = report_of(catalog, tmp_path)
    dom = run_script(
        report,
        tmp_path,
        "document.body.dataset.result = JSON.stringify(Array.prototype.map.call("
        "document.querySelectorAll('#lineage text'), function (t) { return t.textContent; }));",
    )
    found = re.search(r'data-result="([^"]*)"', dom)
    assert found is not None, dom[-500:]
    lines = json.loads(html.unescape(found.group(1)))
    assert "sales-development-team" in lines and "@example.com" in lines, lines
    start = lines.index(next(line for line in lines if line.startswith("account_")))
    pieces = lines[start:]
    assert "".join(pieces) == "account_deal_metrics.pct_accounts_with_won_deals"
    assert len(pieces) > 1 and all(piece.endswith(("_", ".")) for piece in pieces[:-1]), pieces
    assert measure(report, tmp_path)["cut"] == []


def test_metrics_drawn_under_one_name_are_told_apart_by_their_ids(tmp_path: Path) -> None:
    """Lightdash's healthcare demo has a "Total Services" in two models: two boxes with one
    name, and a reader who cannot tell which is which. Each shows its id under the name,
    in the place of its owner and team (in its details); a name no other metric has
    shows its owner and team as before."""
    catalog = tmp_path / "twins.yaml"
    catalog.write_text(
        "version: 1\nmetrics:\n"
        "  revenue: {revenue: true, owner: cfo}\n"
        "  outpatient.services: {name: Total Services, owner: ops, drives: [revenue]}\n"
        "  physicians.services: {name: Total Services, drives: [revenue]}\n"
        "  physicians.visits: {name: Visits, drives: [physicians.services]}\n",
        encoding="utf-8",
    )
    subs = check_picture(catalog, tmp_path)["subs"]
    assert subs == {
        "revenue": "cfo",
        "outpatient.services": "outpatient.services",
        "physicians.services": "physicians.services",
        "physicians.visits": "",
    }
