"""One catalog, written every way the format allows, gets the same verdicts.

A property over random catalogs: the same metrics and links written with the short form
of a link (`drives: [a]`), the long form (`drives: [{to: a}]`), as a top-level `links:`
list in a file of its own, and with the metrics shuffled across three files, give every
metric the same distance to revenue and the same verdict (candidate, kept, view of
revenue), and the catalog the same findings. Each way is read by a different path of the
loader (the fast reader of revtrace's own layout, the event reader, the links attached
across files, the cache); a user who moves links into an overlay file, or splits a
catalog in two, must not see a verdict change.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revtrace.analysis import Analysis, analyse_sources
from tests.catalogs import Spec, specs, writings

#: Rules whose message depends on the order the metrics are written in: a loop is named
#: from its first member (the finding is about it), RT004's suggestion among equals and
#: RT006's shortest path among equals are the first in that order.
LOOPS = frozenset({"RT008", "RT016"})
TIES = frozenset({"RT004", "RT006"})
#: A listing cut short ("… and 1 more") names the first in that order too.
CUT = re.compile(r"\band (\d+ )?more\b")
#: A place in a message ("already declared at m.yaml:3:17"): each writing has its own.
PLACE = re.compile(r"\S+\.yaml:\d+:\d+")


def words(message: str) -> tuple[str, ...]:
    return tuple(sorted(re.findall(r"[\w.]+", PLACE.sub("…", message))))


def verdicts(analysis: Analysis) -> dict[str, object]:
    graph = analysis.graph
    metrics = sorted(analysis.catalog.metrics)
    return {
        "untraceable": analysis.untraceable,
        "distance": {m: graph.distance.get(m) for m in metrics},
        "candidates": sorted(m for m in metrics if analysis.is_candidate(m)),
        "kept": sorted(m for m in metrics if analysis.is_kept(m)),
        "views": {m: graph.view_of(m) for m in metrics},
        # Which rule said what about which metric (not where: the files differ), in words
        # in any order (metrics are listed in the catalog's); see LOOPS and TIES.
        "findings": Counter(
            (f.code,)
            if f.code in LOOPS
            else (f.code, f.metric)
            if f.code in TIES or CUT.search(f.message)
            else (f.code, f.metric, words(f.message))
            for f in analysis.findings
        ),
        "links": sorted(
            (link.source, link.target, link.elasticity)
            for metric in analysis.catalog.metrics.values()
            for link in metric.drives
        ),
    }


def same_verdicts(spec: Spec, seed: int) -> None:
    ways = writings(spec, seed)
    expected = verdicts(analyse_sources(ways["short"]))
    for name, files in ways.items():
        found = verdicts(analyse_sources(files))
        differing = [k for k in found if found[k] != expected[k]]
        said = Counter(found["findings"]), Counter(expected["findings"])  # type: ignore[arg-type]
        assert not differing, f"{name}: {differing} {said[0] - said[1]} {said[1] - said[0]}"


@settings(max_examples=150, deadline=None)
@given(spec=specs(), seed=st.integers(0, 1000))
def test_a_catalog_written_any_way_gets_the_same_verdicts(spec: Spec, seed: int) -> None:
    same_verdicts(spec, seed)


@pytest.mark.slow
@settings(max_examples=3_000, deadline=None)
@given(spec=specs(), seed=st.integers(0, 1000))
def test_a_catalog_written_any_way_gets_the_same_verdicts_long(spec: Spec, seed: int) -> None:
    same_verdicts(spec, seed)


@settings(max_examples=150, deadline=None)
@given(spec=specs(), data=st.data())
def test_a_new_metric_driving_one_changes_no_other_verdict(spec: Spec, data: st.DataObject) -> None:
    """A metric added to drive an existing one (a new channel's sessions) gives no other
    metric a path, a loop or a verdict it did not have: what a metric drives decides its
    verdict, never what drives it."""
    ids = [m for m, _ in spec.metrics]
    target = data.draw(st.sampled_from(ids))
    before = analyse_sources(writings(spec, 0)["short"])
    grown = Spec(
        (*spec.metrics, ("zz_new", ("owner: o",))), (*spec.links, ("zz_new", target, None))
    )
    after = analyse_sources(writings(grown, 0)["short"])
    for m in ids:
        assert after.graph.distance.get(m) == before.graph.distance.get(m), m
        assert after.is_candidate(m) == before.is_candidate(m), m
        assert after.is_kept(m) == before.is_kept(m), m
        assert after.graph.view_of(m) == before.graph.view_of(m), m
    # And the new metric reaches revenue exactly when what it drives does.
    assert ("zz_new" in after.graph.distance) == (target in before.graph.distance)
