"""The audit use case without the command line: policy, selection, change and baseline."""

from __future__ import annotations

from collections import Counter

from revtrace.analysis import analyse_sources, audit
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
