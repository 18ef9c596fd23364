"""The report's lineage picture, measured in a real headless Chromium: a box per metric and
a path per link, an arrowhead on every link, no link through a box other than its own
two, crossings within 1.25× Graphviz dot's (+2) on the same graph, names at least 11 px
tall at the default zoom and never cut, and a 2,000-metric report laid out in time.

The page is the report itself with one script appended that measures it after the
layout (`MEASURE`) and writes the figures into `<body data-measure>`; the DOM is read
back with `--dump-dom`. Screenshots go to the test's temporary folder."""

from __future__ import annotations

import html
import json
import math
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
from tests.render.test_html_browser import BROWSER, FLAGS

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine")
DOT = shutil.which("dot")

MEASURE = r"""
<script>
(function () {
  function sample(path, step) {
    var length = path.getTotalLength(), points = [];
    for (var d = 0; d <= length; d += step) { var p = path.getPointAtLength(d); points.push([p.x, p.y]); }
    var end = path.getPointAtLength(length); points.push([end.x, end.y]);
    return points;
  }
  function cross(a, b, c, d) {
    function side(p, q, r) { return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]); }
    var d1 = side(c, d, a), d2 = side(c, d, b), d3 = side(a, b, c), d4 = side(a, b, d);
    return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
  }
  function measure() {
    var svg = document.getElementById('lineage');
    var data = JSON.parse(document.getElementById('revtrace-picture').textContent);
    var byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    var boxes = {}, result = {nodes: [], edges: 0, arrowless: [], through: [], crossings: 0,
                                smallest: 1e9, cut: [], overflow: [], statuses: {}};
    var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    Array.prototype.forEach.call(svg.querySelectorAll('g[data-metric]'), function (g) {
      var id = g.getAttribute('data-metric'), rect = g.querySelector('rect');
      var m = g.transform.baseVal.consolidate().matrix;
      boxes[id] = [m.e, m.f, m.e + rect.width.baseVal.value, m.f + rect.height.baseVal.value];
      result.nodes.push(id);
      result.statuses[g.getAttribute('data-status')] = (result.statuses[g.getAttribute('data-status')] || 0) + 1;
      var names = g.querySelectorAll('text.name'), joined = '';
      Array.prototype.forEach.call(g.querySelectorAll('text'), function (t) {
        var size = parseFloat(getComputedStyle(t).fontSize) * scale;
        if (t.classList.contains('name') && size < result.smallest) result.smallest = size;
        var b = t.getBBox();
        if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > rect.width.baseVal.value + 0.5 || b.y + b.height > rect.height.baseVal.value + 0.5) result.overflow.push(id);
      });
      Array.prototype.forEach.call(names, function (t) { joined += t.textContent; });
      if (joined.replace(/\s+/g, '') !== byId[id].name.replace(/\s+/g, '') || joined.indexOf('\u2026') >= 0) result.cut.push(id);
    });
    var lines = [];
    Array.prototype.forEach.call(svg.querySelectorAll('path[data-from]'), function (p) {
      result.edges++;
      var marker = p.getAttribute('marker-end') || '';
      if (!/^url\(#arrow/.test(marker)) result.arrowless.push(p.getAttribute('data-from') + '>' + p.getAttribute('data-to'));
      var from = p.getAttribute('data-from'), to = p.getAttribute('data-to');
      var points = sample(p, 3);
      for (var id in boxes) {
        if (id === from || id === to) continue;
        var b = boxes[id];
        for (var k = 0; k < points.length; k++) {
          var q = points[k];
          if (q[0] > b[0] + 2 && q[0] < b[2] - 2 && q[1] > b[1] + 2 && q[1] < b[3] - 2) { result.through.push(from + '>' + to + ' through ' + id); break; }
        }
      }
      var coarse = sample(p, 8), box = [1e9, 1e9, -1e9, -1e9];
      coarse.forEach(function (q) { box[0] = Math.min(box[0], q[0]); box[1] = Math.min(box[1], q[1]); box[2] = Math.max(box[2], q[0]); box[3] = Math.max(box[3], q[1]); });
      lines.push({from: from, to: to, points: coarse, box: box});
    });
    for (var i = 0; i < lines.length; i++) for (var j = i + 1; j < lines.length; j++) {
      var a = lines[i], c = lines[j];
      if (a.from === c.from || a.from === c.to || a.to === c.from || a.to === c.to) continue;
      if (a.box[2] < c.box[0] || c.box[2] < a.box[0] || a.box[3] < c.box[1] || c.box[3] < a.box[1]) continue;
      for (var s = 0; s + 1 < a.points.length; s++) for (var t = 0; t + 1 < c.points.length; t++)
        if (cross(a.points[s], a.points[s + 1], c.points[t], c.points[t + 1])) result.crossings++;
    }
    result.layoutMs = +document.body.dataset.layoutMs;
    document.body.dataset.measure = JSON.stringify(result);
  }
  (function wait() { if (document.body.dataset.ready) measure(); else setTimeout(wait, 50); })();
})();
</script>
"""


def measure(report: Path, folder: Path, budget: int = 20_000) -> dict[str, Any]:
    page = folder / (report.stem + "-measured.html")
    page.write_text(
        report.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"),
        encoding="utf-8",
    )
    flags = [f for f in FLAGS if not f.startswith("--virtual-time-budget")]
    args = [
        str(BROWSER),
        *flags,
        f"--virtual-time-budget={budget}",
        f"--user-data-dir={folder / 'p'}",
    ]
    subprocess.run([*args, f"--screenshot={folder / (report.stem + '.png')}", report.as_uri()],
                   capture_output=True, timeout=180, check=False)  # fmt: skip
    dom = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=180, check=False).stdout  # fmt: skip
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
        ).stdout  # fmt: skip
    )
    names = {o["_gvid"]: o["name"] for o in layout.get("objects", [])}
    curves = []
    for edge in layout.get("edges", []):
        points: list[tuple[float, float]] = []
        for op in edge.get("_draw_", []):
            if op.get("op") in ("b", "B"):
                control = [tuple(p) for p in op["points"]]
                for k in range(0, len(control) - 3, 3):
                    p0, p1, p2, p3 = control[k : k + 4]
                    for step in range(13):
                        u = step / 12
                        points.append(tuple(  # type: ignore[arg-type]
                            (1 - u) ** 3 * a + 3 * (1 - u) ** 2 * u * b + 3 * (1 - u) * u**2 * c + u**3 * d
                            for a, b, c, d in zip(p0, p1, p2, p3, strict=True)
                        ))  # fmt: skip
        curves.append((names[edge["tail"]], names[edge["head"]], points))
    return count_crossings(curves)


def count_crossings(curves: list[tuple[str, str, list[tuple[float, float]]]]) -> int:
    def side(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    boxes = [
        (min(x for x, _ in pts), min(y for _, y in pts), max(x for x, _ in pts), max(y for _, y in pts))
        if pts else (math.inf, math.inf, -math.inf, -math.inf)
        for _, _, pts in curves
    ]  # fmt: skip
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


@pytest.mark.slow
def test_a_2000_metric_report_opens_focused_and_in_time(tmp_path: Path) -> None:
    catalog = generated(tmp_path, 2_000)
    report = report_of(catalog, tmp_path)
    text = report.read_text(encoding="utf-8")
    assert "revtrace report -m +ID" in text  # says how to focus it
    empty = tmp_path / "empty.html"
    empty.write_text("<!DOCTYPE html><body>x</body>", encoding="utf-8")
    args = [
        str(BROWSER),
        *[f for f in FLAGS if "virtual" not in f],
        f"--user-data-dir={tmp_path / 'q'}",
    ]
    started = time.perf_counter()
    subprocess.run(
        [*args, "--dump-dom", empty.as_uri()], capture_output=True, timeout=120, check=False
    )
    startup = time.perf_counter() - started
    started = time.perf_counter()
    dom = subprocess.run([*args, "--virtual-time-budget=30000", "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=180, check=False).stdout  # fmt: skip
    elapsed = time.perf_counter() - started - startup
    assert 'data-ready="1"' in dom
    shown = dom.count("data-metric=")
    assert 0 < shown <= 300
    print(
        f"2,000 metrics: {shown} drawn, ready in {elapsed:.2f} s after start-up ({startup:.2f} s)"
    )
    assert elapsed <= 5.0
