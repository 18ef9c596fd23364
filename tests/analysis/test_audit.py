"""The audit use case without the command line: policy, selection, change and baseline."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revtrace.analysis import analyse_sources, audit
from revtrace.analysis.baseline import key_of
from revtrace.model.findings import Severity
from tests.catalogs import IDS, catalogs
from tests.conftest import build_policy as policy

BEFORE = b"""version: 1
metrics:
  revenue: {revenue: true, owner: x}
  a: {owner: x, drives: [revenue]}
  b: {drives: [a]}
"""
AFTER = BEFORE.replace(b"a: {owner: x, drives: [revenue]}", b"a: {owner: x}") + b"  c: {owner: x}\n"


def test_policy_and_selection() -> None:
    analysis = analyse_sources([("m.yaml", AFTER)])
    every = audit(analysis, policy())
    assert sorted((f.code, f.metric) for f in every.findings) == [
        ("RT001", "a"),
        ("RT001", "b"),
        ("RT001", "c"),
        ("RT007", "b"),
    ]
    selected = audit(analysis, policy(ignore=["RT007"]), selected=["b", "c"])
    assert sorted((f.code, f.metric) for f in selected.findings) == [("RT001", "b"), ("RT001", "c")]


def test_change_then_baseline() -> None:
    before = analyse_sources([("m.yaml", BEFORE)])
    after = analyse_sources([("m.yaml", AFTER)])
    report = audit(after, policy(ignore=["RT007"]), before=before, since="HEAD")
    assert report.change is not None and report.since == "HEAD"
    assert report.change.lost_paths[0].causes == ["removing a → revenue"]
    assert sorted(f.metric for f in report.findings) == ["a", "b", "c"]
    accepted = audit(
        after, policy(ignore=["RT007"]), before=before, baseline=Counter({("RT001", "c", ""): 1})
    )
    assert sorted(f.metric for f in accepted.findings) == ["a", "b"]
    assert accepted.baselined == 1 and accepted.stale_baseline == []


def _imported(unowned: int) -> bytes:
    """A catalog as an import leaves it: revenue, an unowned metric that reaches it, and
    `unowned` candidates to drop without an owner, one candidate with one."""
    lines = ["version: 1", "metrics:", "  revenue: {revenue: true, owner: x}"]
    lines.append("  sessions: {drives: [revenue]}")  # no owner, no candidate
    lines += [f"  vanity_{i:02d}: {{}}" for i in range(unowned)]
    lines.append("  owned: {owner: x}")
    return ("\n".join(lines) + "\n").encode()


def test_what_the_candidates_say_themselves_is_counted_not_repeated_from_ten() -> None:
    """After an import every candidate has no owner, which its entry shows: listed again
    under "other findings", they were as many lines more. From ten they are counted
    there; below ten they are listed, as their words say more than a count."""
    many = audit(analyse_sources([("m.yaml", _imported(12))]), policy())
    said = many.said_with_candidates
    assert sorted(f.metric for f in said) == [f"vanity_{i:02d}" for i in range(12)]
    assert {f.code for f in said} == {"RT007"}
    # The metric that reaches revenue is no candidate: its finding stays listed.
    assert [(f.code, f.metric) for f in many.other_findings] == [("RT007", "sessions")]
    assert len(many.findings) == 13 + 13  # nothing is dropped from the findings
    few = audit(analyse_sources([("m.yaml", _imported(9))]), policy())
    assert few.said_with_candidates == []
    assert len([f for f in few.other_findings if f.code == "RT007"]) == 10


# -- what a run leaves out is counted, never lost: a property over random catalogs ----------

_CODES = [f"RT0{n:02d}" for n in (1, 2, 4, 5, 6, 7, 8, 14, 18, 19)]


_RUNS = {
    "now": catalogs(),
    "then": st.one_of(st.none(), catalogs()),
    "ignore": st.lists(st.sampled_from(_CODES), max_size=3, unique=True),
    "chosen": st.one_of(st.none(), st.lists(st.sampled_from(IDS), min_size=1, unique=True)),
    "accept": st.integers(0, 3),
}


@settings(max_examples=100, deadline=None)
@given(**_RUNS)
def test_what_a_run_leaves_out_is_counted_never_lost(
    now: bytes, then: bytes | None, ignore: list[str], chosen: list[str] | None, accept: int
) -> None:
    counted_never_lost(now, then, ignore, chosen, accept)


@pytest.mark.slow
@settings(max_examples=3_000, deadline=None)
@given(**_RUNS)
def test_what_a_run_leaves_out_is_counted_never_lost_long(
    now: bytes, then: bytes | None, ignore: list[str], chosen: list[str] | None, accept: int
) -> None:
    counted_never_lost(now, then, ignore, chosen, accept)


def counted_never_lost(
    now: bytes,
    then: bytes | None,
    ignore: list[str],
    chosen: list[str] | None,
    accept: int,
) -> None:
    """Whatever the rule selection, `-m`, `--since` and baseline leave out: a metric
    without a path is a candidate or counted as not listed; "every metric traces" is
    said only when true; a catalog that cannot be checked never passes; an error the
    run does not list is said to be left out."""
    analysis = analyse_sources([("m.yaml", now)])
    selected = None if chosen is None else [m for m in chosen if m in analysis.catalog]
    if selected == []:
        selected = None
    rules = policy(ignore=ignore)
    before = None if then is None else analyse_sources([("m.yaml", then)])
    everything = audit(analysis, rules, selected=selected)
    baseline = Counter(key_of(f) for f in everything.findings[:accept])
    report = audit(
        analysis,
        rules,
        selected=selected,
        before=before,
        since=None if before is None else "HEAD",
        baseline=baseline or None,
    )
    graph, metrics = analysis.graph, analysis.catalog.metrics
    reported_on = list(metrics) if selected is None else [m for m in metrics if m in selected]
    eligible = [
        m
        for m in reported_on
        if not graph.reaches_revenue(m) and metrics[m].keep is None and graph.view_of(m) is None
    ]
    if report.untraceable:
        # Nothing could be checked: said as an error, whatever was left out.
        assert any(f.severity is Severity.ERROR for f in report.findings)
        assert not report.every_metric_traces
    else:
        candidates = {c.id for c in report.candidates}
        assert candidates <= set(eligible)
        assert len(candidates) + report.unlisted == len(eligible)
        assert report.every_metric_traces == (not eligible)
        assert (report.unlisted_line is None) == (report.unlisted == 0)
    listed = {(f.code, f.location, f.message) for f in report.findings}
    missing = [f for f in analysis.errors if (f.code, f.location, f.message) not in listed]
    assert (report.errors_not_listed is None) == (not missing)
