"""Revenue leverage: effects against hand-computed values and a brute-force reference."""

from __future__ import annotations

import json
import math
from itertools import pairwise

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from revtrace.graph import leverage
from revtrace.graph.leverage import compute, divergent_loops, loops
from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.load import load_catalog_text
from revtrace.rules import run_graph_checks
from tests.conftest import REPO, run_cli


def graph_of(text: str) -> RevenueGraph:
    loaded = load_catalog_text("version: 1\nmetrics:\n" + text, "m.yaml")
    assert [f.code for f in loaded.findings if f.code != "RT017"] == []
    return RevenueGraph(loaded.catalog)


def effects(text: str) -> dict[str, float | None]:
    return {m.id: m.total for m in compute(graph_of(text)).metrics}


def test_a_chain_multiplies() -> None:
    got = effects(
        "  r: {revenue: true}\n"
        "  a: {drives: [{to: b, elasticity: 0.5}]}\n"
        "  b: {drives: [{to: r, elasticity: 0.8}]}\n"
    )
    assert got["b"] == pytest.approx(0.8)
    assert got["a"] == pytest.approx(0.4)


def test_several_paths_add_and_negative_links_subtract() -> None:
    got = effects(
        "  r: {revenue: true}\n"
        "  a: {drives: [{to: b, elasticity: 0.5}, {to: c, elasticity: 2}]}\n"
        "  b: {drives: [{to: r, elasticity: 0.8}]}\n"
        "  c: {drives: [{to: r, elasticity: -0.1}]}\n"
    )
    assert got["a"] == pytest.approx(0.5 * 0.8 + 2 * -0.1)
    assert got["c"] == pytest.approx(-0.1)


def test_a_convergent_loop_sums_every_walk() -> None:
    # a → b → a with gain 0.5 × 0.4 = 0.2; a → r 1.0: effect(a) = 1 / (1 − 0.2).
    got = effects(
        "  r: {revenue: true}\n"
        "  a: {drives: [{to: b, elasticity: 0.5}, {to: r, elasticity: 1.0}]}\n"
        "  b: {drives: [{to: a, elasticity: 0.4}]}\n"
    )
    assert got["a"] == pytest.approx(1 / 0.8)
    assert got["b"] == pytest.approx(0.4 / 0.8)


def test_a_divergent_loop_is_rt016_and_has_no_effect() -> None:
    text = (
        "  r: {revenue: true, owner: x}\n"
        "  a: {owner: x, drives: [{to: b, elasticity: 2}, {to: r, elasticity: 1.0}]}\n"
        "  b: {owner: x, drives: [{to: a, elasticity: 0.6}]}\n"
        "  up: {owner: x, drives: [{to: a, elasticity: 0.5}]}\n"
    )
    graph = graph_of(text)
    report = compute(graph)
    assert {m.id: m.total for m in report.metrics if m.id in ("a", "b", "up")} == dict.fromkeys(
        ("a", "b", "up")
    )
    (loop,) = report.divergent
    assert loop.loop == ("a", "b", "a") and loop.gain == pytest.approx(1.2)
    (finding,) = [f for f in run_graph_checks(graph) if f.code == "RT016"]
    assert "gain 1.2" in finding.message and finding.metric == "a"


def test_rt016_says_what_decides_a_loop_that_never_settles() -> None:
    """A loop of gain -1 does not grow: it swings (RT016 said "grows without bound"). And
    where several loops together diverge, the first loop through the group was shown,
    through an unquantified link ("gain 0") or weak on its own ("gain 0.25: its effect
    grows without bound"): the loops together are named as the cause, with the strongest
    loop of the group's (the walk along the strongest links past LOOP_SEARCH_STEPS)."""
    swing = graph_of(
        "  r: {revenue: true}\n"
        "  a: {drives: [{to: b, elasticity: -1}, {to: r, elasticity: 1}]}\n"
        "  b: {drives: [{to: a, elasticity: 1}]}\n"
    )
    (finding,) = [f for f in run_graph_checks(swing) if f.code == "RT016"]
    assert finding.message == (
        "the loop a → b → a has gain -1: its effect swings back and forth without settling"
        " (spectral radius ≥ 1); lower an elasticity"
    )
    # c → d → c (0.5 × 0.9 = 0.45) and c → d → e → c (0.5 × 0.9 × 1.5 = 0.675): neither
    # diverges alone, together they do (ρ³ = 0.45 ρ + 0.675 at ρ > 1); and an
    # unquantified link c → f → c that is no loop of theirs.
    together = graph_of(
        "  r: {revenue: true}\n"
        "  c: {drives: [f, {to: d, elasticity: 0.5}, {to: r, elasticity: 1}]}\n"
        "  f: {drives: [c]}\n"
        "  d: {drives: [{to: c, elasticity: 0.9}, {to: e, elasticity: 0.9}]}\n"
        "  e: {drives: [{to: c, elasticity: 1.5}]}\n"
    )
    (loop,) = divergent_loops(together)
    assert (loop.members, loop.alone) == (("c", "d", "e"), False)
    assert loop.loop == ("c", "d", "e", "c") and loop.gain == pytest.approx(0.5 * 0.9 * 1.5)
    (finding,) = [f for f in run_graph_checks(together) if f.code == "RT016"]
    assert finding.message == (
        "3 metrics drive each other through quantified links (c, d, e), and their loops"
        " together keep the effect from settling (spectral radius ≥ 1); the strongest loop"
        " found: c → d → e → c, gain 0.675; lower an elasticity"
    )
    # A member's link to itself is a loop the walk does not take: shown when stronger.
    selfish = graph_of(
        "  r: {revenue: true}\n"
        "  a: {drives: [{to: b, elasticity: 0.5}, {to: r, elasticity: 1}]}\n"
        "  b: {drives: [{to: a, elasticity: 0.5}, {to: b, elasticity: -1}]}\n"
    )
    (loop,) = divergent_loops(selfish)
    assert (loop.loop, loop.gain, loop.alone) == (("b", "b"), -1.0, False)


def test_a_self_loop_with_gain_one_diverges_and_below_one_converges() -> None:
    base = (
        "  r: {revenue: true}\n  a: {drives: [{to: a, elasticity: %s}, {to: r, elasticity: 1}]}\n"
    )
    assert compute(graph_of(base % "1.0")).divergent
    assert effects(base % "0.5")["a"] == pytest.approx(2.0)


def test_mixed_signs_loop_uses_the_true_spectral_radius() -> None:
    # Gains −0.9 × 0.9 = −0.81 around a → b → a: |M| has ρ 0.9 < 1, so it converges.
    got = effects(
        "  r: {revenue: true}\n"
        "  a: {drives: [{to: b, elasticity: -0.9}, {to: r, elasticity: 1}]}\n"
        "  b: {drives: [{to: a, elasticity: 0.9}]}\n"
    )
    assert got["a"] == pytest.approx(1 / (1 + 0.81))


def test_quantification_labels() -> None:
    report = compute(
        graph_of(
            "  r: {revenue: true}\n"
            "  full: {drives: [{to: r, elasticity: 0.5}]}\n"
            "  partial: {drives: [{to: full, elasticity: 0.5}, r]}\n"
            "  none: {drives: [r]}\n"
            "  lost: {}\n"
        )
    )
    labels = {m.id: (m.quantified, m.total) for m in report.metrics}
    assert labels["full"] == ("full", pytest.approx(0.5))
    assert labels["partial"] == ("partial", pytest.approx(0.25))
    assert labels["none"] == ("none", None)
    assert labels["lost"] == ("none", None)


def test_the_worked_example_matches_the_hand_computation() -> None:
    loop = 1 / (1 - 0.5 * 0.3 * 0.2)  # deals → customers → referrals → deals
    report = compute(
        graph_of(
            (REPO / "examples" / "b2b-referral-flywheel.yaml").read_text().split("metrics:\n", 1)[1]
        )
    )
    sessions = report.of("website_sessions")
    assert sessions is not None
    assert sessions.effects["new_revenue"] == pytest.approx(0.6 * 0.5 * 0.8 * 1.0 * loop)
    assert sessions.effects["expansion_revenue"] == pytest.approx(
        0.6 * 0.5 * 0.8 * 0.5 * 0.4 * loop
    )
    assert sessions.total == pytest.approx(0.8 * 0.24 * loop + 0.2 * 0.048 * loop)
    assert sessions.confidence == "estimated"
    assert report.weights == {"new_revenue": 0.8, "expansion_revenue": 0.2}
    assert [m.id for m in report.metrics[:2]] == ["deals", "sales_qualified_leads"]


# -- brute force: enumerate every path of a random DAG ------------------------------------------


@st.composite
def quantified_dags(draw: st.DrawFn) -> tuple[str, dict[tuple[int, int], float], set[int]]:
    n = draw(st.integers(2, 7))
    edges = {}
    for a in range(n):
        for b in range(a + 1, n):  # a → b only forward: acyclic
            if draw(st.booleans()):
                edges[(a, b)] = draw(st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 3)))
    revenue = {n - 1} | draw(st.sets(st.integers(0, n - 1), max_size=1))
    lines = []
    for i in range(n):
        drives = ", ".join(
            f"{{to: m{b}, elasticity: {e}}}" for (a, b), e in edges.items() if a == i
        )
        lines.append(f"  m{i}: {{{'revenue: true, ' if i in revenue else ''}drives: [{drives}]}}")
    return "\n".join(lines) + "\n", edges, revenue


def all_paths(start: int, target: int, edges: dict[tuple[int, int], float]) -> list[list[int]]:
    if start == target:
        return [[target]]
    return [
        [start, *rest] for (a, b) in edges if a == start for rest in all_paths(b, target, edges)
    ]


@settings(max_examples=200, deadline=None)
@given(quantified_dags())
def test_exact_solve_matches_path_enumeration_on_dags(
    case: tuple[str, dict[tuple[int, int], float], set[int]],
) -> None:
    text, edges, revenue = case
    report = compute(graph_of(text))
    for impact in report.metrics:
        node = int(impact.id[1:])
        for target in revenue:
            expected = sum(
                math.prod(edges[(a, b)] for a, b in pairwise(path))
                for path in all_paths(node, target, edges)
                if node != target
            )
            got = impact.effects.get(f"m{target}", 0.0)
            if impact.total is not None:
                assert got == pytest.approx(expected, abs=1e-9)


@st.composite
def looped_graphs(draw: st.DrawFn) -> str:
    """Up to 8 metrics with any links (self-links and loops included), each quantified or
    not, with elasticities that make some loops diverge and others not."""
    size = draw(st.integers(1, 8))
    lines = []
    for i in range(size):
        targets = draw(st.lists(st.integers(0, size - 1), max_size=3, unique=True))
        drives = []
        for t in targets:
            e = draw(st.one_of(st.none(), st.sampled_from([-1.5, -0.5, 0.3, 0.9, 1.0, 2.0])))
            drives.append(f"m{t}" if e is None else f"{{to: m{t}, elasticity: {e}}}")
        lines.append(f"  m{i}: {{drives: [{', '.join(drives)}]}}")
    return "version: 1\nmetrics:\n" + "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None)
@given(looped_graphs())
def test_the_rules_search_for_divergent_loops_finds_what_the_full_analysis_does(
    text: str,
) -> None:
    """The divergent-loop rule searches only the graph's own loops; `impact` searches the
    whole catalog: the same loops, the same gains, every time."""
    catalog = load_catalog_text(text, "m.yaml").catalog
    whole = loops(RevenueGraph(catalog)).divergent.values()
    quick = divergent_loops(RevenueGraph(catalog))  # a fresh graph: nothing shared
    assert sorted(quick, key=lambda d: d.members) == sorted(whole, key=lambda d: d.members)
    event(f"{len(quick)} divergent loops")


# -- the loader and the command line -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [("high", "RT017"), (".nan", "RT017"), (".inf", "RT017"), ("'0.4'", "RT017"), ("[1]", "RT017")],
)
def test_an_elasticity_that_is_not_a_finite_number_is_rt017(value: str, code: str) -> None:
    loaded = load_catalog_text(
        "version: 1\nmetrics:\n  r: {revenue: true}\n"
        f"  a: {{drives: [{{to: r, elasticity: {value}}}]}}\n"
    )
    assert [(f.code, f.location.line) for f in loaded.findings if f.location] == [(code, 4)]


def test_confidence_and_value_are_checked() -> None:
    loaded = load_catalog_text(
        "version: 1\nmetrics:\n  r: {revenue: true, value: lots}\n"
        "  a: {drives: [{to: r, elasticity: 0.3, confidence: measurd}]}\n"
    )
    messages = [(f.code, f.message) for f in loaded.findings]
    assert (
        messages[0][0] == "RT010"
        and "'value' of metric 'r' must be a finite number" in messages[0][1]
    )
    assert messages[1][0] == "RT010" and "did you mean 'measured'" in messages[1][1]


def test_impact_cli_json_what_if_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    catalog = "examples/b2b-referral-flywheel.yaml"
    document = json.loads(run_cli("impact", catalog, "--format", "json", "--top", "3").stdout)
    assert document["revenue_metrics"] == ["new_revenue", "expansion_revenue"]
    assert [m["id"] for m in document["metrics"]] == [
        "deals",
        "sales_qualified_leads",
        "marketing_qualified_leads",
    ]
    assert set(document["metrics"][0]) == {
        "id", "effects", "total", "quantified", "confidence", "reaches_revenue",
    }  # fmt: skip
    what_if = json.loads(
        run_cli(
            "impact",
            catalog,
            "--format",
            "json",
            "--what-if",
            "website_sessions=+10%",
            "--what-if",
            "website_sessions=-5%",
        ).stdout
    )["what_if"]
    loop = 1 / 0.97
    assert what_if["new_revenue"]["percent"] == pytest.approx(5 * 0.24 * loop)
    assert what_if["new_revenue"]["amount"] == pytest.approx(1_000_000 * 5 * 0.24 * loop / 100)
    text = run_cli("impact", catalog, "--what-if", "website_sessions=+10%", env={"COLUMNS": "200"})
    assert "+2.47%" in text.stdout and "+24,742 per period" in text.stdout
    assert "| deals |" in run_cli("impact", catalog, "--format", "markdown").stdout
    assert run_cli("impact", catalog, "--what-if", "nope=+1%").exit_code == 2
    assert run_cli("impact", catalog, "--what-if", "website_sessions=lots").exit_code == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # A number without % may be a value: the unit is never guessed.
        (["website_sessions=5000"], "give the change in percent, as in website_sessions=+5000%"),
        (["website_sessions=-5"], "as in website_sessions=-5%"),
        # Below -100% a metric would be negative; changes to one metric add up first.
        (["website_sessions=-150%"], "website_sessions would fall by 150%"),
        (["website_sessions=-60%", "website_sessions=-60%"], "would fall by 120%"),
    ],
)
def test_a_what_if_that_cannot_be_meant_is_exit_2(
    changes: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    options = [part for change in changes for part in ("--what-if", change)]
    result = run_cli("impact", "examples/b2b-referral-flywheel.yaml", *options)
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr


def test_a_metric_may_fall_by_all_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = run_cli(
        "impact", "examples/b2b-referral-flywheel.yaml", "--what-if", "website_sessions=-100%"
    )
    assert result.exit_code == 0 and "-24.7%" in result.stdout


def test_impact_text_piped_is_one_aligned_line_per_metric(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Piped or redirected, nothing is folded or cut (for grep, diff and files); on a
    terminal, a boxed table."""
    monkeypatch.chdir(REPO)
    catalog = "examples/b2b-referral-flywheel.yaml"
    lines = run_cli("impact", catalog, env={"COLUMNS": "60"}).stdout.splitlines()
    head = lines[1]
    assert head.split() == [
        "Metric", "Owner", "Team", "→", "new_revenue", "→", "expansion_revenue", "Total",
        "Quantified", "Weakest", "link",
    ]  # fmt: skip
    rows = lines[2:11]
    assert [row.split()[0] for row in rows[:3]] == [
        "deals",
        "sales_qualified_leads",
        "marketing_qualified_leads",
    ]
    assert "marketing_qualified_leads  demand-gen" in rows[2]
    # Numbers are right-aligned under their heading.
    total_end = head.index("Total") + len("Total")
    assert all(row[total_end - 1] in "0123456789—" for row in rows)
    assert not any("│" in line for line in lines)
    boxed = run_cli("impact", catalog, env={"FORCE_COLOR": "1", "COLUMNS": "200"}).stdout
    assert "┃" in boxed and "deals" in boxed


def test_unproven_paths_are_rt015() -> None:
    loaded = load_catalog_text(
        (REPO / "examples" / "b2b-referral-flywheel.yaml").read_text(), "f.yaml"
    )
    found = run_graph_checks(RevenueGraph(loaded.catalog))
    assert sorted(f.metric for f in found if f.code == "RT015") == ["referrals", "support_backlog"]


def test_tree_and_trace_show_elasticities(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    catalog = "examples/b2b-referral-flywheel.yaml"
    tree = run_cli("tree", "-m", "+deals", catalog, env={"COLUMNS": "200"}).stdout
    assert "sales_qualified_leads  SQLs  [e=0.8, measured]" in tree
    assert "support_backlog  Open support tickets  [e=-0.2, assumed]" in tree
    trace = json.loads(run_cli("trace", "website_sessions", catalog, "--format", "json").stdout)
    assert trace["effects"] == [pytest.approx(0.24), pytest.approx(0.048)]
    text = run_cli("trace", "website_sessions", catalog, env={"COLUMNS": "200"}).stdout
    assert "effect ×0.24" in text


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.dictionaries(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
            st.sampled_from([-2.0, -1.0, -0.5, 0.3, 0.9, 1.5]),
            min_size=1,
        )
    )
)
def test_the_strongest_loop_of_a_divergent_group_is_the_strongest_of_all_its_loops(
    edges: dict[tuple[int, int], float],
) -> None:
    """Against networkx's enumeration of every simple loop: the loop RT016 shows has the
    largest gain in absolute value of the group's (the walk along the strongest links
    showed 0.45 where 0.675 was there)."""
    import networkx as nx

    nodes = sorted({n for edge in edges for n in edge})

    def drives(n: int) -> str:
        return ", ".join(f"{{to: m{t}, elasticity: {e}}}" for (s, t), e in edges.items() if s == n)

    lines = ["  r: {revenue: true}"] + [f"  m{n}: {{drives: [{drives(n)}]}}" for n in nodes]
    graph = graph_of("\n".join(lines) + "\n")
    whole = nx.DiGraph()
    whole.add_weighted_edges_from((f"m{s}", f"m{t}", e) for (s, t), e in edges.items())
    for loop in divergent_loops(graph):
        group = whole.subgraph(loop.members)
        gains = [
            math.prod(group[a][b]["weight"] for a, b in pairwise([*cycle, cycle[0]]))
            for cycle in nx.simple_cycles(group)
        ]
        assert abs(loop.gain) == pytest.approx(max(abs(g) for g in gains))
        assert loop.gain == pytest.approx(
            math.prod(group[a][b]["weight"] for a, b in pairwise(loop.loop))
        )


def test_a_group_with_too_many_loops_to_go_through_is_walked() -> None:
    """Twelve metrics each linked to every other: more loops than the search goes
    through (LOOP_SEARCH_STEPS); the loop shown is then the walk along the strongest
    links, still a loop of the group with its own gain."""
    ids = [f"m{i}" for i in range(12)]

    def drives(m: str) -> str:
        return ", ".join(f"{{to: {t}, elasticity: 0.{i + 1}}}" for i, t in enumerate(ids) if t != m)

    lines = ["  r: {revenue: true}"] + [f"  {m}: {{drives: [{drives(m)}]}}" for m in ids]
    (loop,) = divergent_loops(graph_of("\n".join(lines) + "\n"))
    assert set(loop.loop) <= set(ids) and loop.loop[0] == loop.loop[-1]
    assert len(set(loop.loop)) == len(loop.loop) - 1  # a simple loop
    # m_i → m_t has elasticity 0.(t + 1), as written above.
    assert loop.gain == pytest.approx(
        math.prod(float(f"0.{ids.index(b) + 1}") for _, b in pairwise(loop.loop))
    )


def test_the_search_of_every_loop_shares_one_budget_across_the_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Thousands of small dense groups would each take the search its whole per-group
    budget (3,000 groups of 7: 14 s); one budget shared by all of them bounds it (1.5 s),
    past which a group is walked. Shown here with a budget too small for any search."""
    groups = "".join(
        f"  c{g}: {{drives: [{{to: d{g}, elasticity: 0.5}}, {{to: r, elasticity: 1}}]}}\n"
        f"  d{g}: {{drives: [{{to: c{g}, elasticity: 0.9}}, {{to: e{g}, elasticity: 0.9}}]}}\n"
        f"  e{g}: {{drives: [{{to: c{g}, elasticity: 1.5}}]}}\n"
        for g in range(2)
    )
    text = "  r: {revenue: true}\n" + groups
    searched = [loop.loop for loop in divergent_loops(graph_of(text))]
    assert searched == [("c0", "d0", "e0", "c0"), ("c1", "d1", "e1", "c1")]
    monkeypatch.setattr(leverage, "TOTAL_LOOP_SEARCH_STEPS", 3)
    walked = [loop.loop for loop in divergent_loops(graph_of(text))]
    assert walked == [("c0", "d0", "c0"), ("c1", "d1", "c1")]  # the strongest link each step
