"""Every command gives a metric the same verdict: the audit's candidates to drop are the
scorecard's, `trace`'s (with the same errors behind each), `tree`'s, the report picture's
and the JSON rows', on any catalog (a property over random catalogs with revenue metrics
or none, kept metrics, views of revenue, deprecated metrics, loops and broken links).
Each pair below disagreed once."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from revtrace.analysis import GraphView, analyse_sources, audit, lineage, scorecard, trace
from revtrace.render import json as json_render
from tests.catalogs import catalogs
from tests.conftest import build_policy


@settings(max_examples=100, deadline=None)
@given(text=catalogs())
def test_every_command_names_the_same_candidates_to_drop(text: bytes) -> None:
    same_candidates_everywhere(text)


@pytest.mark.slow
@settings(max_examples=3_000, deadline=None)
@given(text=catalogs())
def test_every_command_names_the_same_candidates_to_drop_long(text: bytes) -> None:
    same_candidates_everywhere(text)


def same_candidates_everywhere(text: bytes) -> None:
    analysis = analyse_sources([("m.yaml", text)])
    metrics = list(analysis.catalog.metrics)
    report = audit(analysis, build_policy())
    audited = {c.id for c in report.candidates}
    card = scorecard(analysis, metrics)
    scored = {m for row in card.rows for m in row.candidates}
    traced = {m for m in metrics if trace(analysis, m, 5).candidate}
    assert scored == audited
    assert traced == audited
    # And the same root cause: the errors a candidate's verdict may be the consequence of.
    for candidate in report.candidates:
        assert trace(analysis, candidate.id, 5).caveats == candidate.caveats
    # The JSON rows say the verdict outright, also where nothing can be traced; so do
    # the graph's nodes.
    rows = json.loads(json_render.audit(report))["metrics"]
    assert {r["id"] for r in rows if r["candidate"]} == audited
    nodes = json.loads(json_render.graph(GraphView(analysis, metrics)))["nodes"]
    assert {n["id"] for n in nodes if n["candidate"]} == audited
    assert [n["kept"] for n in nodes] == [r["kept"] for r in rows]
    if report.untraceable:
        assert audited == set()
        return
    graph = analysis.graph
    view = GraphView(analysis, metrics)
    # The picture: a candidate is drawn "no-path" (or "deprecated": on its way out).
    drawn = {
        m
        for m in metrics
        if view.status(m) == "no-path"
        or (view.status(m) == "deprecated" and not graph.reaches_revenue(m)
            and not analysis.is_kept(m) and graph.view_of(m) is None)
    }  # fmt: skip
    assert drawn == audited
    from_rows = {
        r["id"] for r in rows if not r["reaches_revenue"] and not r["kept"] and r["view_of"] is None
    }
    assert from_rows == audited
    # The tree's list of metrics without a path: the views of revenue apart, the
    # candidates and the kept ones.
    tree = lineage(analysis)
    assert {m for m in tree.unlinked if tree.kept(m) is None and not graph.view_of(m)} == audited
    assert {m for m in tree.unlinked if tree.kept(m) is not None} == {
        m for m in metrics if analysis.is_kept(m)
    }
    summary = report.summary()
    assert summary.no_path == len(audited) + summary.kept + summary.views
