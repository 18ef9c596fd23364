"""Every rule: its documented failing example fires it, its passing example does not."""

from __future__ import annotations

import re
import textwrap
from datetime import date

import pytest

from revtrace.analysis import Analysis
from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.load import load_catalog_text
from revtrace.model.catalog import Location
from revtrace.model.findings import Finding, Rule, Severity
from revtrace.rules import ALL_RULES, run_graph_checks
from revtrace.values import read_values_bytes


def analyse_text(text: str) -> list[Finding]:
    """The findings of a catalog; an example of a rule about the numbers gives its values
    file after the catalog, from its `period,` header on."""
    catalog, header, values = text.partition("\nperiod,")
    loaded = load_catalog_text(catalog + "\n", "m.yaml")
    findings = list(loaded.findings)
    table = None
    if header:
        data = ("period," + values).encode()
        table, problems = read_values_bytes(data, "v.csv", loaded.catalog.metrics)
        findings += problems
    if not loaded.fatal:
        findings += run_graph_checks(
            RevenueGraph(loaded.catalog), loading=loaded.findings, values=table
        )
    return findings


def doc_example(rule: Rule, label: str) -> str:
    match = re.search(rf"^{label}[^\n]*:\n\n((?:    [^\n]*\n|\n)+)", rule.doc, re.MULTILINE)
    assert match, f"{rule.code} documents no '{label}' example"
    example = textwrap.dedent(match.group(1))
    return example if example.startswith("version:") else "version: 1\n" + example


def test_rule_codes_and_names_are_stable_and_unique() -> None:
    assert list(ALL_RULES) == sorted(ALL_RULES)
    names = [rule.name for rule in ALL_RULES.values()]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", name) for name in names)
    assert {code: (r.name, r.severity) for code, r in ALL_RULES.items()} == {
        "RT001": ("no-path-to-revenue", Severity.WARNING),
        "RT002": ("unknown-metric", Severity.ERROR),
        "RT003": ("duplicate-metric", Severity.ERROR),
        "RT004": ("no-revenue-metric", Severity.ERROR),
        "RT005": ("self-link", Severity.ERROR),
        "RT006": ("deprecated-only-path", Severity.WARNING),
        "RT007": ("missing-owner", Severity.INFO),
        "RT008": ("cycle", Severity.INFO),
        "RT010": ("invalid-field", Severity.ERROR),
        "RT011": ("yaml-syntax", Severity.ERROR),
        "RT012": ("keep-without-reason", Severity.ERROR),
        "RT013": ("keep-expired", Severity.WARNING),
        "RT014": ("stale-keep", Severity.WARNING),
        "RT015": ("unproven-path", Severity.INFO),
        "RT016": ("divergent-loop", Severity.ERROR),
        "RT017": ("invalid-elasticity", Severity.ERROR),
        "RT018": ("duplicate-link", Severity.INFO),
        "RT019": ("formula-loop", Severity.ERROR),
        "RT020": ("values-problem", Severity.WARNING),
        "RT021": ("contradicted-by-data", Severity.WARNING),
        "RT022": ("no-evidence-in-data", Severity.INFO),
        "RT023": ("formula-mismatch", Severity.WARNING),
        "RT024": ("moves-with-revenue", Severity.INFO),
    }


@pytest.mark.parametrize("rule", ALL_RULES.values(), ids=lambda r: f"{r.code}-{r.name}")
def test_documented_failing_example_fires_the_rule(rule: Rule) -> None:
    codes = [f.code for f in analyse_text(doc_example(rule, "Fails"))]
    assert rule.code in codes


@pytest.mark.parametrize("rule", ALL_RULES.values(), ids=lambda r: f"{r.code}-{r.name}")
def test_documented_passing_example_does_not(rule: Rule) -> None:
    codes = [f.code for f in analyse_text(doc_example(rule, "Passes"))]
    assert rule.code not in codes


def located(findings: list[Finding], code: str) -> list[tuple[str | None, int, int]]:
    return [
        (f.metric, f.location.line, f.location.column)
        for f in findings
        if f.code == code and f.location
    ]


CATALOG = """\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  sql: {owner: s, drives: [revenue]}
  mql: {owner: m, drives: [sqll, sql]}
  views: {owner: w, drives: [per_session]}
  per_session: {owner: w}
  looped: {owner: l, drives: [looped]}
  orphan_link: {owner: o, drives: [nowhere]}
  a: {owner: o, drives: [b]}
  b: {owner: o, drives: [c]}
  c: {owner: o, drives: [a]}
  old: {owner: o, status: deprecated, drives: [revenue]}
  via_old: {owner: o, drives: [old]}
  nobody: {drives: [revenue]}
"""


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return analyse_text(CATALOG)


def test_rt001_lists_each_metric_without_a_path_at_its_key(findings: list[Finding]) -> None:
    assert located(findings, "RT001") == [
        ("views", 6, 3),
        ("per_session", 7, 3),
        ("looped", 8, 3),
        ("orphan_link", 9, 3),
        ("a", 10, 3),
        ("b", 11, 3),
        ("c", 12, 3),
    ]


@pytest.mark.parametrize(
    ("metric", "reason"),
    [
        ("views", "its chains dead-end at 'per_session', which drives nothing"),
        ("per_session", "'per_session' drives no other metric"),
        ("orphan_link", "'orphan_link' drives only undefined metrics ('nowhere')"),
        ("a", "it is in a loop with no way out (a ↔ b ↔ c)"),
        ("looped", "'looped' drives only itself"),
    ],
)
def test_rt001_explains_where_the_chain_dead_ends(
    findings: list[Finding], metric: str, reason: str
) -> None:
    (finding,) = [f for f in findings if f.code == "RT001" and f.metric == metric]
    assert finding.message == f"no path to revenue: {reason}"


def test_rt001_says_metrics_that_drive_only_themselves_and_several_loops_in_one_phrase() -> None:
    """RT001 said "its chains end in a loop with no way out (x); its chains end in a loop
    with no way out (z); its chains end in a loop with no way out (w ↔ v)": a loop of one
    (a metric that drives only itself), and the same words once per loop."""
    found = analyse_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: c}\n"
        "  x: {owner: c, drives: [x]}\n  y: {owner: c, drives: [x, w, s]}\n"
        "  y2: {owner: c, drives: [x, z]}\n"
        "  z: {owner: c, drives: [z]}\n  w: {owner: c, drives: [v]}\n"
        "  v: {owner: c, drives: [w]}\n  s: {owner: c, drives: [t]}\n"
        "  t: {owner: c, drives: [s]}\n"
    )
    said = {f.metric: f.message.removeprefix("no path to revenue: ") for f in found
            if f.code == "RT001"}  # fmt: skip
    assert said["x"] == "'x' drives only itself"
    assert said["y"] == (
        "its chains end at 'x', which drives only itself; its chains end in loops with no way"
        " out (w ↔ v; s ↔ t)"
    )
    assert said["y2"] == "its chains end at 'x' and 'z', which drive only themselves"
    assert said["w"] == "it is in a loop with no way out (w ↔ v)"


def test_rt002_is_located_at_the_link_with_a_suggestion(findings: list[Finding]) -> None:
    assert located(findings, "RT002") == [("mql", 5, 28), ("orphan_link", 9, 36)]
    (typo,) = [f for f in findings if f.code == "RT002" and f.metric == "mql"]
    assert typo.message.endswith("did you mean 'sql'?")


def test_rt005_is_located_at_the_self_link(findings: list[Finding]) -> None:
    assert located(findings, "RT005") == [("looped", 8, 31)]


def test_rt006_names_the_deprecated_metric(findings: list[Finding]) -> None:
    assert located(findings, "RT006") == [("via_old", 14, 3)]
    (finding,) = [f for f in findings if f.code == "RT006"]
    assert "'old'" in finding.message and "via_old → old → revenue" in finding.message


def test_rt007_for_each_metric_without_owner(findings: list[Finding]) -> None:
    assert located(findings, "RT007") == [("nobody", 15, 3)]


def test_rt008_reports_each_loop_group_once_with_one_loop(findings: list[Finding]) -> None:
    assert located(findings, "RT008") == [("a", 10, 3)]
    (finding,) = [f for f in findings if f.code == "RT008"]
    assert finding.message == "loop: a → b → c → a"


def test_rt008_shows_a_loop_through_the_group_not_a_member_s_self_link() -> None:
    """a drives itself and b, b drives a: RT008 said "2 metrics drive each other (a, b);
    one loop: a → a", a loop without b (the self-link is RT005's)."""
    found = analyse_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: x}\n"
        "  a: {owner: x, drives: [a, b, revenue]}\n  b: {owner: x, drives: [a]}\n"
    )
    assert sorted((f.code, f.message) for f in found if f.code in ("RT005", "RT008")) == [
        ("RT005", "'a' drives itself; a link must point to another metric"),
        ("RT008", "loop: a → b → a"),
    ]


def test_rt008_is_one_finding_for_a_dense_group_whose_cycles_are_countless() -> None:
    # 30 metrics that all drive each other have more simple cycles than atoms in the
    # universe; revtrace must report the group once, quickly.
    ids = [f"m{i}" for i in range(30)]
    lines = ["version: 1", "metrics:", "  revenue: {revenue: true, owner: x}"]
    lines += [
        f"  {m}: {{owner: x, drives: [{', '.join(i for i in ids if i != m)}, revenue]}}"
        for m in ids
    ]
    found = analyse_text("\n".join(lines) + "\n")
    cycles = [f for f in found if f.code == "RT008"]
    assert len(cycles) == 1
    assert "30 metrics drive each other (m0, m1" in cycles[0].message
    assert "and 22 more" in cycles[0].message


def test_rt004_is_reported_once_instead_of_rt001_everywhere() -> None:
    found = analyse_text("version: 1\nmetrics:\n  a: {owner: x, drives: [b]}\n  b: {owner: x}\n")
    assert [f.code for f in found] == ["RT004"]


@pytest.mark.parametrize(
    ("fields", "advice"),
    [
        # Hand-written: the line to fix is the metric's own.
        ("{owner: x}", "add 'revenue: true' to it"),
        ("{owner: x, tags: [dbt]}", "add 'revenue: true' to it"),  # a tag alone is a label
        # Written by `revtrace import`: the mark goes in the source, or on the import.
        (
            "{owner: x, source: models/orders.yml, tags: [dbt, 'dbt:simple']}",
            "mark it where it is defined ('meta: {revtrace: {revenue: true}}' in"
            " models/orders.yml) or import again with '--revenue total_revenue'",
        ),
    ],
)
def test_rt004_says_where_the_revenue_mark_goes(fields: str, advice: str) -> None:
    (found,) = analyse_text(f"version: 1\nmetrics:\n  total_revenue: {fields}\n")
    assert (found.code, found.metric) == ("RT004", "total_revenue")
    assert advice in found.message


@pytest.mark.parametrize(
    ("metrics", "meant"),
    [
        # What every public dbt project tried imports to (jaffle-shop, its Fusion and
        # Semantic Layer variants): the views and parts of revenue come first in the file.
        (
            "  cumulative_revenue: {computed_from: [revenue]}\n"
            "  food_revenue_pct: {formula: food_revenue / revenue}\n"
            "  food_revenue: {computed_from: [revenue]}\n"
            "  revenue_growth_mom: {computed_from: [revenue]}\n"
            "  revenue: {owner: x}\n",
            "revenue",
        ),
        # Neither is computed from the other: fewer qualifying words first (Lightdash's
        # SaaS demo: an average per account beside a total).
        (
            "  avg_arr_per_account: {owner: x}\n"
            "  total_estimated_annual_recurring_revenue: {owner: x}\n",
            "total_estimated_annual_recurring_revenue",
        ),
        # Alike but for their length: the shortest; alike in all: the first.
        ("  net_revenue: {}\n  revenue: {}\n", "revenue"),
        ("  arr: {}\n  mrr: {}\n", "arr"),
    ],
)
def test_rt004_names_the_plainest_revenue_like_metric_not_a_view_of_it(
    metrics: str, meant: str
) -> None:
    found = [f for f in analyse_text(f"version: 1\nmetrics:\n{metrics}") if f.code == "RT004"]
    assert [f.metric for f in found] == [meant]
    assert f"if '{meant}' is revenue" in found[0].message


@pytest.mark.parametrize(
    ("fields", "advice"),
    [
        ("{}", "'m' has no owner; add 'owner:' so someone answers for it"),
        (
            "{source: models/m.yml, tags: [dbt]}",
            "add 'meta: {owner: …}' on the metric (or an owner on its group) in models/m.yml"
            " and import again, so someone answers for it",
        ),
        (
            "{source: models/m.yml, tags: [lightdash]}",
            "add 'spotlight: {owner: …}' on the metric in models/m.yml and import again,",
        ),
    ],
)
def test_rt007_says_where_the_owner_goes(fields: str, advice: str) -> None:
    found = analyse_text(f"version: 1\nmetrics:\n  r: {{revenue: true, owner: x}}\n  m: {fields}\n")
    owners = [f for f in found if f.code == "RT007"]
    assert [f.metric for f in owners] == ["m"] and advice in owners[0].message


@pytest.mark.parametrize("metrics", ["metrics: {}", "metrics:", "metrics: null"])
def test_a_catalog_without_metrics_is_one_error_not_a_clean_audit(metrics: str) -> None:
    # An empty file is an error (RT010); `metrics: {}` must not pass a gate instead.
    found = analyse_text(f"version: 1\n{metrics}\n")
    assert [(f.code, f.severity, f.location) for f in found] == [
        ("RT004", Severity.ERROR, Location("m.yaml", 1, 1))
    ]
    assert found[0].message.startswith("the catalog defines no metric")


def test_metrics_that_were_refused_are_not_also_an_empty_catalog() -> None:
    found = analyse_text("version: 1\nmetrics: [a, b]\n")
    assert [f.code for f in found] == ["RT010"]


def test_graph_rules_do_not_run_on_a_file_that_is_not_valid_yaml() -> None:
    found = analyse_text("version: 1\nmetrics:\n  a: {drives: [c]}\n  b: {}\n  c: [\n")
    # No RT001/RT002/RT004: the unread half of the file would make them all wrong.
    assert [f.code for f in found] == ["RT010", "RT011"]


def test_several_revenue_metrics_each_count_as_a_root() -> None:
    found = analyse_text(
        "version: 1\nmetrics:\n  new: {revenue: true, owner: x}\n"
        "  renewals: {revenue: true, owner: x}\n"
        "  nps: {owner: x, drives: [renewals]}\n  ads: {owner: x, drives: [new]}\n"
    )
    assert found == []


def test_analysis_type_is_what_core_returns() -> None:
    # Guards the import used by renderers: core.Analysis carries the sorted findings.
    assert Analysis.__dataclass_fields__.keys() >= {"catalog", "graph", "findings", "incomplete"}


# -- deliberate exceptions ---------------------------------------------------------------------

KEPT = """\
version: 1
metrics:
  revenue: {revenue: true, owner: x}
  kept: {owner: x, keep: {reason: "board request", until: 2027-03-31, by: cmo}}
  forever: {owner: x, keep: {reason: "regulatory"}}
  lapsed: {owner: x, keep: {reason: "pilot", until: 2026-11-25}}
  unexplained: {owner: x, keep: {by: cmo}}
  needless: {owner: x, drives: [revenue], keep: {reason: "was new"}}
"""


def test_keep_states_on_a_given_day() -> None:
    loaded = load_catalog_text(KEPT, "m.yaml")
    assert loaded.findings == ()
    found = run_graph_checks(RevenueGraph(loaded.catalog), today=date(2026, 11, 26))
    assert sorted(
        (f.code, f.metric, f.location.line, f.location.column) for f in found if f.location
    ) == [
        ("RT012", "unexplained", 7, 27),
        ("RT013", "lapsed", 6, 22),
        ("RT014", "needless", 8, 43),
    ]
    lapsed = next(f for f in found if f.code == "RT013")
    assert "until 2026-11-25" in lapsed.message


def test_a_keep_on_a_revenue_metric_is_said_to_keep_nothing_as_a_revenue_metric() -> None:
    """RT014 said "'revenue' reaches revenue, so its 'keep' exception is no longer
    needed" of the revenue metric itself."""
    found = analyse_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: x, keep: {reason: board}}\n"
    )
    assert [(f.code, f.message) for f in found] == [
        (
            "RT014",
            "'revenue' is a revenue metric, never a candidate to drop, so its 'keep' exception"
            " keeps nothing; remove it",
        )
    ]


def test_a_keep_is_valid_through_its_until_day() -> None:
    loaded = load_catalog_text(KEPT, "m.yaml")
    found = run_graph_checks(RevenueGraph(loaded.catalog), today=date(2026, 11, 25))
    assert "lapsed" not in [f.metric for f in found]
    later = run_graph_checks(RevenueGraph(loaded.catalog), today=date(2027, 4, 1))
    assert sorted(f.metric for f in later if f.code == "RT013") == ["kept", "lapsed"]


def test_a_bad_until_date_is_rt010() -> None:
    loaded = load_catalog_text(
        "version: 1\nmetrics:\n  a: {keep: {reason: x, until: next year, why: y}}\n", "m.yaml"
    )
    assert [
        (f.code, f.location.line, f.location.column) for f in loaded.findings if f.location
    ] == [
        ("RT010", 3, 32),
        ("RT010", 3, 43),
    ]
    assert "YYYY-MM-DD" in loaded.findings[0].message


def test_rt001_says_a_chain_ends_at_a_misspelt_link_not_at_a_metric_that_drives_nothing() -> None:
    """'webinars' drives 'mql', whose one link is misspelt: its chain ends at a broken
    link (the RT002 error is the likely root cause), which "drives nothing" hid."""
    findings = analyse_text("""\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  mql: {owner: m, drives: [revenu]}
  webinars: {owner: w, drives: [mql]}
  blog: {owner: w, drives: [mql, shares]}
  shares: {owner: w}
  events: {owner: w, drives: [mql, ads]}
  ads: {owner: w, drives: [clicks]}
""")
    reasons = {f.metric: f.message for f in findings if f.code == "RT001"}
    prefix = "no path to revenue: its chains dead-end at "
    assert reasons["webinars"] == prefix + "'mql', which drives only undefined metrics ('revenu')"
    assert reasons["blog"] == (
        prefix + "'shares', which drives nothing; "
        "its chains dead-end at 'mql', which drives only undefined metrics ('revenu')"
    )
    assert reasons["events"] == prefix + "'mql' and 'ads', which drive only undefined metrics"
