"""Which errors are said as the likely cause of a verdict (`Rule.cuts_links`).

A caveat ("maybe a consequence of the error at …: fix it first") is said only for the
rules marked `cuts_links`: those whose finding may leave out of the graph what the input
said. The mark is set by hand on each rule; this file holds every rule to it, with one
catalog per rule in which its finding is about the one link (or `keep`) that decides the
verdict of metric `a`, and checks what the finding did to that verdict:

- cut: `a` became a candidate to drop, so the rule must be marked, and `a`'s caveats must
  name the finding (else the verdict misleads: a metric one typo from revenue, called
  vanity with no word of the typo);
- kept: `a` still reaches revenue (or is still kept), so the rule must not be marked (else
  every metric upstream of it is told it "may be a consequence" of an error that changed
  nothing: noise that teaches a reader to skip caveats);
- withheld: nothing can be traced, so no metric is a candidate and nothing is said.

A new rule fails `test_every_rule_has_a_case` until it is given a case here or a reason
to be left out: its mark is then a decision, not a default.
"""

from __future__ import annotations

from datetime import date

import pytest

from revtrace.analysis import analyse_sources
from revtrace.rules import ALL_RULES

HEAD = "version: 1\nmetrics:\n  revenue: {revenue: true, owner: cfo}\n"

#: code -> (what the finding is about, the catalog files, the outcome for `a`).
CASES: dict[str, tuple[str, list[str], str]] = {
    "RT002": ("a link to an undefined id", [HEAD + "  a: {owner: x, drives: [revenu]}\n"], "cut"),
    "RT003": (
        "a second definition of a, the one with the link",
        [HEAD + "  a: {owner: x}\n  a: {owner: x, drives: [revenue]}\n"],
        "cut",
    ),
    "RT005": ("a link to itself", [HEAD + "  a: {owner: x, drives: [a, revenue]}\n"], "kept"),
    "RT006": (
        "a path through a deprecated metric",
        [HEAD + "  a: {owner: x, drives: [d]}\n  d: {status: deprecated, drives: [revenue]}\n"],
        "kept",
    ),
    "RT007": ("a metric without an owner", [HEAD + "  a: {drives: [revenue]}\n"], "kept"),
    "RT008": (
        "a loop on the way to revenue",
        [HEAD + "  a: {owner: x, drives: [b, revenue]}\n  b: {owner: x, drives: [a]}\n"],
        "kept",
    ),
    "RT010": (
        "a misspelt key of the link",
        [HEAD + "  a: {owner: x, drives: [{too: revenue}]}\n"],
        "cut",
    ),
    "RT011": (
        "a refused anchor in the file that defines the link",
        [HEAD + "  a: {drives: [b]}\n", "version: 1\nmetrics:\n  b: &b {drives: [revenue]}\n"],
        "withheld",
    ),
    "RT004": ("no revenue mark at all", ["version: 1\nmetrics:\n  a: {owner: x}\n"], "withheld"),
    "RT012": (
        "a keep exception without a reason",
        [HEAD + "  a: {owner: x, keep: {until: 2099-01-01}}\n"],
        "kept",
    ),
    "RT013": (
        "an expired keep exception",
        [HEAD + "  a: {owner: x, keep: {reason: brand, until: 2020-01-01}}\n"],
        "kept",
    ),
    "RT014": (
        "a keep exception on a metric with a path",
        [HEAD + "  a: {owner: x, drives: [revenue], keep: {reason: brand}}\n"],
        "kept",
    ),
    "RT015": (
        "an assumed link",
        [HEAD + "  a: {owner: x, drives: [{to: revenue, elasticity: 0.1, confidence: assumed}]}\n"],
        "kept",
    ),
    "RT016": (
        "a loop whose elasticities diverge",
        [
            HEAD + "  a: {owner: x, drives: [{to: b, elasticity: 2}, revenue]}\n"
            "  b: {owner: x, drives: [{to: a, elasticity: 2}]}\n"
        ],
        "kept",
    ),
    "RT017": (
        "an elasticity that is not a number",
        [HEAD + "  a: {owner: x, drives: [{to: revenue, elasticity: high}]}\n"],
        "kept",
    ),
    "RT018": (
        "the link named twice",
        [HEAD + "  a: {owner: x, drives: [revenue, revenue]}\n"],
        "kept",
    ),
    "RT019": (
        "formulas defined in terms of each other, one of them over revenue",
        [HEAD + "  a: {owner: x, formula: 'b + revenue'}\n  b: {owner: x, formula: 'a * 2'}\n"],
        "kept",
    ),
}

#: Rules without a case, and why a case could not show anything.
LEFT_OUT = {
    "RT001": "the verdict itself",
    **{
        code: "checks links against a values file once the graph is built; reads no catalog"
        for code in ("RT020", "RT021", "RT022", "RT023", "RT024")
    },
}


def test_every_rule_has_a_case() -> None:
    assert sorted(ALL_RULES) == sorted([*CASES, *LEFT_OUT])


@pytest.mark.parametrize("code", sorted(CASES))
def test_a_rule_is_said_as_a_cause_exactly_when_its_finding_can_cut_a_chain(code: str) -> None:
    about, files, expected = CASES[code]
    analysis = analyse_sources(
        [(f"m{i}.yaml", text.encode()) for i, text in enumerate(files)], today=date(2026, 11, 28)
    )
    found = [f for f in analysis.findings if f.code == code]
    assert found, f"{code} ({about}) was not reported"
    if analysis.untraceable:
        outcome = "withheld"
        assert not any(analysis.is_candidate(m) for m in analysis.catalog.metrics)
    else:
        outcome = "cut" if analysis.is_candidate("a") else "kept"
    assert outcome == expected, f"{code} ({about}): {outcome}"
    if outcome == "cut":
        assert ALL_RULES[code].cuts_links, f"{code} cut a's chain: it must be marked cuts_links"
        assert set(found) <= set(analysis.caveats(["a"])["a"])
    elif outcome == "kept":
        assert not ALL_RULES[code].cuts_links, f"{code} cut nothing: it must not be marked"
        assert analysis.caveats(["a"]) == {}
