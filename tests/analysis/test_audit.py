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
