"""The HTML report, opened in a real headless Chromium (Debian's `chromium`, installed by
.ci/run): it renders without script errors, draws a node per metric, lights up a path,
and shows a hostile metric name as text without running it. Screenshots are saved in the
test's temporary folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from tests.render.browser import BROWSER, READY, dump_dom

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium on this machine (.ci/run installs Debian's chromium)"
)


def open_page(url: str, screenshot: Path | None = None) -> str:
    """The page's DOM once it is drawn (and a screenshot, when asked)."""
    return dump_dom(url, READY, screenshot)


def body_attributes(dom: str) -> str:
    match = re.search(r"<body([^>]*)>", dom)
    assert match, dom[:500]
    return match.group(1)


def test_report_renders_a_node_per_metric_and_no_script_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    report = tmp_path / "report.html"
    result = run_cli("report", "examples/ecommerce.yaml", "-o", str(report))
    assert result.exit_code == 0  # an artefact, not a gate (it has candidates to drop)
    screenshot = tmp_path / "report.png"
    dom = open_page(report.as_uri() + "#sessions", screenshot)
    attributes = body_attributes(dom)
    assert 'data-ready="1"' in attributes
    assert "data-errors" not in attributes
    assert dom.count("data-metric=") == 15
    # The hash lit up sessions' paths: sessions → orders → net_revenue.
    lit = re.findall(r'<g class="node on(?: picked)?"[^>]*data-metric="([^"]+)"', dom)
    assert sorted(lit) == ["net_revenue", "orders", "sessions"]
    assert len(re.findall(r'<path class="edge[^"]* on"', dom)) == 2
    assert '<section id="details" aria-live="polite">' in dom  # the details panel is open
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")


def test_a_hostile_name_is_text_and_runs_nothing(tmp_path: Path) -> None:
    catalog = tmp_path / "hostile.yaml"
    catalog.write_text(
        "version: 1\nmetrics:\n"
        "  revenue: {revenue: true, owner: x}\n"
        '  evil: {owner: "<img src=x onerror=document.body.dataset.pwned=1>", drives: [revenue],\n'
        '         name: "</script><script>document.body.dataset.pwned=2</script>"}\n',
        encoding="utf-8",
    )
    report = tmp_path / "report.html"
    assert run_cli("report", str(catalog), "-o", str(report)).exit_code == 0
    dom = open_page(report.as_uri() + "#evil", tmp_path / "hostile.png")
    attributes = body_attributes(dom)
    assert "pwned" not in attributes
    assert 'data-ready="1"' in attributes and "data-errors" not in attributes
    assert "&lt;/script&gt;&lt;script&gt;document.body.dataset.pwned=2" in dom
    assert dom.count("<script") == 3  # the report's own three: data, elkjs, the picture
    assert "<img" not in dom


def test_report_needs_no_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    report = tmp_path / "report.html"
    run_cli("report", "-o", str(report))
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    # url(#arrow) names a marker in the page itself; any other url( could fetch.
    assert "@import" not in html and not re.search(r"url\((?!['\"]?#)", html)
    assert not re.search(
        r"(importScripts|new Worker|fetch)\(", html.replace("return new Worker(url)", "")
    )  # elkjs's worker mode is never used: no workerUrl
