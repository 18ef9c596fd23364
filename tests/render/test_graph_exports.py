"""`revtrace graph` (Mermaid, DOT, JSON), selectors, `tree --reverse`, and the scorecard."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, check_golden, run_cli

Write = Callable[..., Path]
CATALOGS = [
    "metrics.yaml",
    "examples/b2b-saas.yaml",
    "examples/ecommerce.yaml",
    "examples/customer-success.yaml",
]
HOSTILE_NAMES = """\
version: 1
metrics:
  revenue: {revenue: true, owner: x, name: "Re\\"ve\\"nue [1] --> ; <script>"}
  end: {owner: x, drives: [revenue], name: "end --> subgraph; classDef x fill:red"}
  graph: {owner: "a\\\\b", drives: [end], name: "digraph { node } -> \\\\\\"x\\\\\\""}
  subgraph: {owner: x, drives: [graph, subgraph2]}
  subgraph2: {owner: x, drives: [subgraph]}
"""


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("catalog", CATALOGS)
@pytest.mark.parametrize("fmt", ["mermaid", "dot", "json"])
def test_graph_matches_golden_and_is_deterministic(catalog: str, fmt: str) -> None:
    first = run_cli("graph", catalog, "--format", fmt)
    second = run_cli("graph", catalog, "--format", fmt)
    assert first.stdout == second.stdout
    check_golden(f"graph-{Path(catalog).stem}.{fmt}", first.stdout)
    if fmt == "json":
        document = json.loads(first.stdout)
        assert {n["id"] for n in document["nodes"]} >= {
            link["source"] for link in document["links"]
        }


def test_mermaid_styles_and_legend() -> None:
    text = run_cli("graph", "examples/ecommerce.yaml").stdout
    assert text.startswith("flowchart LR\n")
    assert (
        "classDef revenue" in text and "classDef nopath" in text and "classDef deprecated" in text
    )
    assert 'subgraph legend["Legend"]' in text
    assert re.search(r"^  linkStyle [\d,]+ stroke:#d92d20", text, re.MULTILINE)  # the loop


def test_hostile_names_stay_inside_escaped_labels(write_catalog: Write) -> None:
    path = write_catalog(HOSTILE_NAMES)
    mermaid = run_cli("graph", str(path)).stdout
    for line in mermaid.splitlines()[1:6]:
        assert re.fullmatch(r'  [me]_\w+\["[^"]*"\]', line), line
    assert "#quot;" in mermaid and "#lt;script#gt;" in mermaid
    dot = run_cli("graph", str(path), "--format", "dot").stdout
    assert '\\"ve\\"' in dot
    # Every node is named by its quoted id: a quoted name is never a DOT keyword.
    quoted = r'"(?:[^"\\]|\\.)*"'
    nodes = [line for line in dot.splitlines() if re.match(rf"  {quoted} \[label=", line)]
    assert len(nodes) == 5
    assert all(re.fullmatch(rf"  {quoted} \[label={quoted}(, .*)?\];", line) for line in nodes)
    assert '  "graph" -> "end";' in dot


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz is not installed (.ci/run installs it)"
)
@pytest.mark.parametrize("catalog", [*CATALOGS, "hostile"])
def test_graphviz_accepts_the_dot(catalog: str, write_catalog: Write) -> None:
    path = str(write_catalog(HOSTILE_NAMES)) if catalog == "hostile" else catalog
    dot = run_cli("graph", path, "--format", "dot").stdout
    rendered = subprocess.run(
        ["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60
    )
    assert rendered.returncode == 0, rendered.stderr
    assert "<svg" in rendered.stdout
    if catalog == "hostile":
        assert "&lt;script&gt;" in rendered.stdout


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("website_sessions", ["website_sessions"]),
        (
            "website_sessions+",
            [
                "revenue",
                "closed_won_deals",
                "pipeline",
                "sales_qualified_leads",
                "marketing_qualified_leads",
                "website_sessions",
            ],
        ),
        ("website_sessions+1", ["marketing_qualified_leads", "website_sessions"]),
        (
            "+website_sessions",
            [
                "website_sessions",
                "organic_search_sessions",
                "articles_published",
                "email_subscribers",
                "newsletter_click_through_rate",
            ],
        ),
        (
            "1+website_sessions",
            ["website_sessions", "organic_search_sessions", "newsletter_click_through_rate"],
        ),
        ("owner:web-team", ["website_sessions", "page_views", "pages_per_session", "bounce_rate"]),
        ("team:sales", ["closed_won_deals", "pipeline", "sales_qualified_leads"]),
        ("tag:seo", ["organic_search_sessions"]),
        ("status:deprecated", ["editorial_deadline_hit_rate"]),
        ("bounce_rate tag:seo", ["organic_search_sessions", "bounce_rate"]),
        (
            "*_rate",
            [
                "newsletter_click_through_rate",
                "bounce_rate",
                "newsletter_open_rate",
                "editorial_deadline_hit_rate",
            ],
        ),
        ("owner:web-team,*_rate", ["bounce_rate"]),
        ("team:market*,tag:seo", ["organic_search_sessions"]),
    ],
)
def test_selectors_choose_metrics(selector: str, expected: list[str]) -> None:
    document = json.loads(run_cli("graph", "-m", selector, "--format", "json").stdout)
    assert sorted(n["id"] for n in document["nodes"]) == sorted(expected)


def test_at_selector_is_both_directions() -> None:
    both = {
        n["id"]
        for n in json.loads(run_cli("graph", "-m", "@website_sessions", "--format", "json").stdout)[
            "nodes"
        ]
    }
    up = {
        n["id"]
        for n in json.loads(run_cli("graph", "-m", "website_sessions+", "--format", "json").stdout)[
            "nodes"
        ]
    }
    down = {
        n["id"]
        for n in json.loads(run_cli("graph", "-m", "+website_sessions", "--format", "json").stdout)[
            "nodes"
        ]
    }
    assert both == up | down


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("nope", "unknown metric 'nope'"),
        (
            "+website_session",
            "unknown metric 'website_session' in selector '+website_session';"
            " did you mean 'website_sessions'?",
        ),
        ("group:x", "unknown selector method 'group:'"),
        ("team:", "needs a value"),
        ("a++b", "is not a selector"),
        ("nothing_*", "selector 'nothing_*' matches no metric"),
        ("team:sales,tag:seo", "no metric is selected by all of 'team:sales', 'tag:seo'"),
    ],
)
def test_bad_selectors_are_exit_2(selector: str, message: str) -> None:
    for command in (["graph"], ["tree"], ["scorecard"], ["audit"]):
        result = run_cli(*command, "-m", selector)
        assert result.exit_code == 2, command
        assert message in result.stderr


def test_audit_with_a_selector_reports_only_those_metrics() -> None:
    document = json.loads(run_cli("audit", "-m", "owner:social", "--format", "json").stdout)
    assert {f["metric"] for f in document["findings"]} == {"social_followers", "social_impressions"}


def test_tree_reverse_and_drivers() -> None:
    drivers = json.loads(
        run_cli("tree", "-m", "+marketing_qualified_leads", "--format", "json").stdout
    )
    (root,) = drivers["roots"]
    assert [c["id"] for c in root["children"]] == ["website_sessions", "virtual_event_attendees"]
    reverse = json.loads(
        run_cli("tree", "-m", "marketing_qualified_leads", "--reverse", "--format", "json").stdout
    )
    assert reverse == drivers
    lineage = json.loads(
        run_cli("tree", "-m", "marketing_qualified_leads", "--format", "json").stdout
    )
    assert [c["id"] for c in lineage["roots"][0]["children"]] == ["sales_qualified_leads"]
    sources = json.loads(run_cli("tree", "--reverse", "--format", "json").stdout)
    assert [r["id"] for r in sources["roots"]] == [
        "articles_published",
        "email_subscribers",
        "virtual_event_attendees",
    ]
    team = json.loads(run_cli("tree", "-m", "team:sales", "--format", "json").stdout)
    assert [r["id"] for r in team["roots"]] == [
        "closed_won_deals",
        "pipeline",
        "sales_qualified_leads",
    ]


def test_scorecard_worst_first() -> None:
    document = json.loads(run_cli("scorecard", "--format", "json").stdout)
    rows = document["rows"]
    assert [r["team"] for r in rows] == ["marketing", "leadership", "sales"]
    marketing = rows[0]
    assert (marketing["metrics"], marketing["reaching_revenue"]) == (16, 8)
    assert marketing["share_reaching_revenue"] == 0.5
    assert marketing["median_distance"] == 5
    assert len(marketing["candidates_to_drop"]) == 8
    by_owner = json.loads(run_cli("scorecard", "--by", "owner", "--format", "json").stdout)
    assert by_owner["rows"][0]["owner"] == "social"
    markdown = run_cli("scorecard", "--format", "markdown").stdout
    assert "| marketing | 16 | 8 | 50% | 5 |" in markdown
    text = run_cli("scorecard", env={"COLUMNS": "160"}).stdout
    assert "marketing" in text and "50%" in text


def test_a_team_that_tracks_views_of_revenue_is_not_ranked_worst_for_them(
    write_catalog: Write,
) -> None:
    """Finance tracks revenue, profit and growth (views of revenue, computed from it):
    all three traced. Marketing tracks sessions (reaching) and a vanity metric: half.
    Counted as 'without a path', the views put finance first of 'worst first' (1 of 3,
    33%) with nothing to drop."""
    path = write_catalog(
        "version: 1\nmetrics:\n"
        "  revenue: {revenue: true, team: finance}\n"
        "  profit: {team: finance, formula: revenue - costs}\n"
        "  growth: {team: finance, computed_from: [revenue]}\n"
        "  costs: {team: finance, keep: {reason: margin, until: 2099-01-01}, drives: [profit]}\n"
        "  sessions: {team: marketing, drives: [revenue]}\n"
        "  likes: {team: marketing}\n"
    )
    rows = json.loads(run_cli("scorecard", str(path), "--format", "json").stdout)["rows"]
    assert [r["team"] for r in rows] == ["marketing", "finance"]
    marketing, finance = rows
    assert (marketing["traced"], marketing["share_traced"]) == (1, 0.5)
    assert finance["candidates_to_drop"] == [] and finance["views_of_revenue"] == 2
    # 4 metrics: revenue reaches, two views, costs kept by exception (not traced)
    assert (finance["reaching_revenue"], finance["traced"]) == (1, 3)
    assert (finance["share_reaching_revenue"], finance["share_traced"]) == (0.25, 0.75)
    markdown = run_cli("scorecard", str(path), "--format", "markdown").stdout
    assert "| marketing | 2 | 1 | 50% |" in markdown and "| finance | 4 | 3 | 75% |" in markdown


def test_scorecard_of_a_selection_and_keeps(write_catalog: Write) -> None:
    path = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true, team: a, owner: x}\n"
        "  k: {team: b, owner: x, keep: {reason: pilot}}\n  d: {team: b, owner: x}\n"
    )
    document = json.loads(run_cli("scorecard", str(path), "--format", "json").stdout)
    b = next(r for r in document["rows"] if r["team"] == "b")
    assert b["candidates_to_drop"] == ["d"]  # kept metrics are not candidates
    only_a = json.loads(run_cli("scorecard", str(path), "-m", "team:a", "--format", "json").stdout)
    assert [r["team"] for r in only_a["rows"]] == ["a"]


def test_metrics_without_a_team_are_their_own_row_never_a_team_of_that_name(
    write_catalog: Write,
) -> None:
    # A team called "(no team)" is a team; the metrics without one are null in JSON and
    # "(no team)" where people read it, in separate rows.
    path = write_catalog(
        "version: 1\nmetrics:\n  r: {revenue: true, team: '(no team)', owner: x}\n"
        "  a: {owner: x, drives: [r]}\n  b: {owner: x}\n"
    )
    rows = json.loads(run_cli("scorecard", str(path), "--format", "json").stdout)["rows"]
    assert [(r["team"], r["metrics"], r["candidates_to_drop"]) for r in rows] == [
        (None, 2, ["b"]),
        ("(no team)", 1, []),
    ]
    markdown = run_cli("scorecard", str(path), "--format", "markdown").stdout
    assert "| (no team) | 2 | 1 | 50% | 1 | b |" in markdown
    assert "| (no team) | 1 | 1 | 100% | 0 | — |" in markdown
    by_owner = run_cli("scorecard", str(path), "--by", "owner", "--format", "markdown").stdout
    assert "| x | 3 |" in by_owner


def test_dot_and_mermaid_box_the_metrics_without_a_path_apart_views_outside() -> None:
    """As in the report's picture: the candidates (and a kept metric) in a box of their
    own; the views of revenue, computed from it, stay with revenue."""
    dot = run_cli("graph", "examples/financials/", "--format", "dot").stdout
    inside = dot.split("subgraph cluster_no_path {", 1)[1].split("\n  }", 1)[0]
    boxed = re.findall(r'^\s+"([^"]+)" \[label=', inside, flags=re.M)
    assert boxed == ["cost_of_goods"]  # financials: the only metric without a path, kept
    assert 'label="No path to revenue"' in inside
    outside = dot.replace(inside, "")
    assert '"gross_profit" [label=' in outside and '"revenue_growth" [label=' in outside
    repo = run_cli("graph", "--format", "dot").stdout
    box = repo.split("subgraph cluster_no_path {", 1)[1].split("\n  }", 1)[0]
    rows = json.loads(run_cli("audit", "--format", "json").stdout)["metrics"]
    without = [row["id"] for row in rows if not row["reaches_revenue"]]
    assert re.findall(r'^\s+"([^"]+)" \[label=', box, flags=re.M) == without
    assert len(without) == 8
    mermaid = run_cli("graph").stdout  # the same box in Mermaid
    group = mermaid.split('subgraph no_path["No path to revenue"]\n', 1)[1].split("\n  end", 1)[0]
    assert re.findall(r"^    m_(\w+)\[", group, flags=re.M) == without
    financials = run_cli("graph", "examples/financials/").stdout
    assert "m_gross_profit[" not in financials.split("subgraph no_path", 1)[1].split("end")[0]


LOOSE = [f"vanity_{i:02d}" for i in range(30)]
LOOSE_CATALOG = (
    "version: 1\nmetrics:\n  revenue: {revenue: true}\n"
    "  orders: {drives: [revenue, referrals]}\n  referrals: {drives: [orders]}\n"
    + "".join(f"  {m}: {{}}\n" for m in LOOSE)
)


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz is not installed (.ci/run installs it)"
)
def test_dot_sets_many_metrics_linked_to_nothing_in_a_grid(write_catalog: Write) -> None:
    """30 metrics no link joins (an imported project has dozens): in one column, the
    exported picture of Lightdash's 110-metric demo was 1,938 × 5,082 points; invisible
    links chaining each row of a grid make it 2,754 × 2,447. Here 4 columns of 8."""
    dot = run_cli("graph", str(write_catalog(LOOSE_CATALOG)), "--format", "dot").stdout
    chains = re.findall(r"^    (.+) \[style=invis\];$", dot, flags=re.M)
    assert len(chains) == 8
    chained = [name.strip('"') for chain in chains for name in chain.split(" -> ")]
    assert sorted(chained) == LOOSE  # each exactly once, all of them
    # The first row: the first metric of each column, down each column in order.
    assert chains[0].split(" -> ") == [f'"{LOOSE[i]}"' for i in (0, 8, 16, 24)]
    layout = json.loads(
        subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True,
                       timeout=60, check=True).stdout
    )  # fmt: skip
    centres = {o["name"]: tuple(map(float, o["pos"].split(","))) for o in layout["objects"]
               if "pos" in o}  # fmt: skip
    xs = {round(centres[m][0]) for m in LOOSE}
    ys = {round(centres[m][1]) for m in LOOSE}
    assert len(xs) == 4 and len(ys) == 8
    few = run_cli("graph", str(write_catalog(LOOSE_CATALOG.split("  vanity_08")[0])), "-f", "dot")
    assert "style=invis" not in few.stdout  # eight stay as the layout puts them


def test_mermaid_chains_the_grid_after_the_real_links_so_link_styles_stay_theirs(
    write_catalog: Write,
) -> None:
    mermaid = run_cli("graph", str(write_catalog(LOOSE_CATALOG))).stdout
    lines = mermaid.splitlines()
    links = [i for i, line in enumerate(lines) if re.match(r"  m_\w+ -+>", line)]
    invisible = [i for i, line in enumerate(lines) if "~~~" in line]
    assert len(invisible) == 8 and min(invisible) > max(links)
    # linkStyle numbers links in order: the loop orders → referrals → orders is red.
    (style,) = [line for line in lines if line.startswith("  linkStyle")]
    numbered = [lines[i].strip() for i in links]
    cycle = {numbered[int(n)] for n in style.split()[1].split(",")}
    assert cycle == {"m_orders --> m_referrals", "m_referrals --> m_orders"}
    assert lines[invisible[0]] == "  " + " ~~~ ".join(f"m_{LOOSE[i]}" for i in (0, 8, 16, 24))


def test_without_a_single_team_the_scorecard_is_by_owner_and_says_why(
    write_catalog: Write,
) -> None:
    """An imported Lightdash project has owners (spotlight.owner) and no teams: by team it
    was one "(no team)" row. By default the card is then by owner, and says why; a team
    on any metric keeps it by team, and --by still decides."""
    path = str(
        write_catalog(
            "version: 1\nmetrics:\n  r: {revenue: true, owner: cfo}\n"
            "  a: {owner: growth, drives: [r]}\n  b: {owner: growth}\n"
        )
    )
    card = json.loads(run_cli("scorecard", path, "--format", "json").stdout)
    assert card["by"] == "owner"
    assert [(r["owner"], r["candidates_to_drop"]) for r in card["rows"]] == [
        ("growth", ["b"]),
        ("cfo", []),
    ]
    title = "Revenue alignment by owner, worst first (no metric has a team)"
    assert title in run_cli("scorecard", path).stdout
    assert f"### {title}" in run_cli("scorecard", path, "--format", "markdown").stdout
    report = Path(path).with_name("report.html")
    run_cli("report", path, "-o", str(report))
    assert f"<h2>{title}</h2>" in report.read_text(encoding="utf-8")
    by_team = json.loads(run_cli("scorecard", path, "--by", "team", "-f", "json").stdout)
    assert [r["team"] for r in by_team["rows"]] == [None]
    with_a_team = path.replace(".yaml", "-team.yaml")
    Path(with_a_team).write_text(
        Path(path).read_text(encoding="utf-8").replace("owner: cfo}", "owner: cfo, team: f}"),
        encoding="utf-8",
    )
    assert json.loads(run_cli("scorecard", with_a_team, "-f", "json").stdout)["by"] == "team"
