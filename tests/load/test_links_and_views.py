"""Links declared away from their source (top-level `links:` overlays, `computed_from`),
signs, and views of revenue: read, merged, located, and shown as such everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revtrace.analysis import Analysis, analyse_sources, impact
from revtrace.load import load_catalog_text, load_sources
from revtrace.schema import catalog_schema
from tests.conftest import picture_status, report_picture, run_cli

Write = Callable[..., Path]
HINT = "; did you mean 'orders'?"

DEFINITIONS = """\
version: 1
metrics:
  revenue: {revenue: true, owner: cfo}
  cost: {owner: cfo}
  profit:
    owner: cfo
    computed_from: [revenue, cost]
  revenue_growth: {owner: cfo, computed_from: [revenue]}
  orders: {owner: ops}
  aov: {owner: ops}
  churn: {owner: cs}
"""
OVERLAY = """\
version: 1
links:
  - {from: orders, to: revenue, elasticity: 1, confidence: measured, note: "orders x AOV"}
  - {from: aov, to: revenue, elasticity: 1}
  - {from: churn, to: revenue, sign: negative}
"""


def catalog(write: Write, overlay: str = OVERLAY) -> list[str]:
    return [str(write(DEFINITIONS, "metrics.yaml")), str(write(overlay, "links.yaml"))]


def audit_json(files: list[str]) -> dict[str, object]:
    document = json.loads(run_cli("audit", *files, "-f", "json").stdout)
    assert isinstance(document, dict)
    return document


def test_overlay_links_join_the_metrics_they_start_from(write_catalog: Write) -> None:
    files = catalog(write_catalog)
    graph = json.loads(run_cli("graph", *files, "-f", "json").stdout)
    links = {(link["source"], link["target"]): link for link in graph["links"]}
    assert links[("orders", "revenue")]["kind"] == "links"
    assert links[("orders", "revenue")]["elasticity"] == 1
    assert links[("churn", "revenue")]["sign"] == "negative"
    assert links[("cost", "profit")]["kind"] == "computed_from"
    rows = {row["id"]: row for row in audit_json(files)["metrics"]}  # type: ignore[union-attr]
    assert rows["orders"]["reaches_revenue"] and rows["churn"]["next"] == "revenue"


def test_metrics_computed_from_revenue_are_views_not_candidates(write_catalog: Write) -> None:
    files = catalog(write_catalog)
    document = audit_json(files)
    rows = {row["id"]: row for row in document["metrics"]}  # type: ignore[union-attr]
    assert rows["profit"]["view_of"] == "revenue"
    assert rows["revenue_growth"]["view_of"] == "revenue"
    assert rows["cost"]["view_of"] is None
    candidates = [f["metric"] for f in document["findings"] if f["code"] == "RT001"]  # type: ignore[union-attr]
    # What only feeds a view still needs a path of its own.
    assert candidates == ["cost"]
    assert document["summary"]["views"] == 2  # type: ignore[index]
    text = run_cli("audit", *files).stdout
    assert "(2 views of revenue)" in text
    assert "its chains end at 'profit', computed from revenue (a view of it)" in text


def test_a_view_is_shown_as_a_view_in_trace_tree_graph_and_report(
    write_catalog: Write, tmp_path: Path
) -> None:
    files = catalog(write_catalog)
    trace = run_cli("trace", "profit", *files).stdout
    assert "is a view of revenue: computed from revenue" in trace
    assert json.loads(run_cli("trace", "profit", *files, "-f", "json").stdout)["view_of"] == (
        "revenue"
    )
    tree = run_cli("tree", *files).stdout
    views = tree.split("Views of revenue (2):\n", 1)[1].split("\n\n", 1)[0]
    assert "profit  computed from revenue" in views and "revenue_growth" in views
    # Views are not candidates; what only feeds a view is one.
    assert tree.split("No path to revenue (1):\n", 1)[1] == "  cost\n"
    assert json.loads(run_cli("tree", *files, "-f", "json").stdout)["views"] == {
        "profit": "revenue",
        "revenue_growth": "revenue",
    }
    mermaid = run_cli("graph", *files).stdout
    assert "m_revenue -.-> m_profit" in mermaid and "class m_profit,m_revenue_growth" in mermaid
    assert 'style=dotted, label="computed from"' in run_cli("graph", *files, "-f", "dot").stdout
    report = tmp_path / "r.html"
    run_cli("report", *files, "-o", str(report))
    html = report.read_text(encoding="utf-8")
    picture = report_picture(html)
    assert picture_status(html)["profit"] == "view"
    # Identity links are drawn dotted (derived) and keep their kind and evidence.
    ids = [n["id"] for n in picture["nodes"]]
    links = {(ids[e["s"]], ids[e["t"]]): e for e in picture["edges"]}
    assert any(e["kind"] == "computed_from" and e["derived"] for e in links.values())
    assert (links["orders", "revenue"]["kind"], links["orders", "revenue"]["elasticity"]) == (
        "links",
        1.0,
    )
    assert (links["churn", "revenue"]["kind"], links["churn", "revenue"]["sign"]) == (
        "links",
        "negative",
    )


def test_a_sign_is_shown_and_must_agree_with_the_elasticity(write_catalog: Write) -> None:
    files = catalog(write_catalog)
    assert "churn  [negative]" in run_cli("tree", *files).stdout
    # trace says what each hop's link says, in text and JSON.
    assert "1. churn ─[negative]→ revenue  (1 link)" in run_cli("trace", "churn", *files).stdout
    assert "orders ─[e=1, measured]→ revenue" in run_cli("trace", "orders", *files).stdout
    (hops,) = json.loads(run_cli("trace", "churn", *files, "-f", "json").stdout)["links"]
    assert hops == [{"kind": "links", "elasticity": None, "sign": "negative", "confidence": None}]
    wrong = OVERLAY + "  - {from: aov, to: cost, sign: positive, elasticity: -0.2}\n"
    findings = audit_json(catalog(write_catalog, wrong))["findings"]
    (conflict,) = [f for f in findings if f["code"] == "RT017"]  # type: ignore[union-attr]
    assert (conflict["file"].endswith("links.yaml"), conflict["line"], conflict["column"]) == (
        True,
        6,
        5,
    )
    assert "is positive, but its elasticity is -0.2" in conflict["message"]


def test_a_pair_declared_twice_keeps_the_first_and_says_so(write_catalog: Write) -> None:
    overlay = OVERLAY + "  - {from: orders, to: revenue, elasticity: 0.5}\n"
    document = audit_json(catalog(write_catalog, overlay))
    (repeat,) = [f for f in document["findings"] if f["code"] == "RT018"]  # type: ignore[union-attr]
    assert (repeat["severity"], repeat["line"]) == ("info", 6)
    assert "orders → revenue is already declared at" in repeat["message"]
    graph = json.loads(run_cli("graph", *catalog(write_catalog, overlay), "-f", "json").stdout)
    (kept,) = [
        link for link in graph["links"] if (link["source"], link["target"]) == ("orders", "revenue")
    ]
    assert kept["elasticity"] == 1  # the first declaration wins


def test_a_pair_named_twice_in_one_drives_list_keeps_the_first_everywhere(
    write_catalog: Write,
) -> None:
    """`drives: [{to: revenue, elasticity: 0.2}, {to: revenue, elasticity: -3}]` was said
    nowhere: the graph drew e=0.2, its JSON gave both links, and `impact` added them up
    (-2.8: the sign of a's leverage flipped). The first declaration is used by every
    command, as for a `links:` entry, and the second is RT018."""
    path = str(
        write_catalog(
            "version: 1\nmetrics:\n  revenue: {revenue: true, owner: cfo}\n"
            "  b:\n    owner: x\n"
            "    drives: [{to: revenue, elasticity: 0.2}, {to: revenue, elasticity: -3}]\n"
            "  a: {owner: x, drives: [{to: b, elasticity: 0.5}]}\n"
        )
    )
    document = audit_json([path])
    (repeat,) = [f for f in document["findings"] if f["code"] == "RT018"]  # type: ignore[union-attr]
    # At its target, as every link is.
    assert (repeat["line"], repeat["column"], repeat["metric"]) == (6, 51, "b")
    assert repeat["message"] == (
        f"b → revenue is already declared at {path}:6:19; this declaration is ignored"
    )
    graph = json.loads(run_cli("graph", path, "-f", "json").stdout)
    assert [(k["source"], k["target"], k["elasticity"]) for k in graph["links"]] == [
        ("b", "revenue", 0.2),
        ("a", "b", 0.5),
    ]
    rows = json.loads(run_cli("impact", path, "-f", "json").stdout)["metrics"]
    leverage = {row["id"]: row["total"] for row in rows}
    assert leverage["b"] == pytest.approx(0.2)
    assert leverage["a"] == pytest.approx(0.5 * 0.2)  # by hand: the path's product
    # A `links:` entry for the pair names the first declaration as the one kept.
    overlay = str(
        write_catalog("version: 1\nlinks:\n  - {from: b, to: revenue, elasticity: 0.7}\n", "l.yaml")
    )
    repeats = [
        f["message"]
        for f in audit_json([path, overlay])["findings"]  # type: ignore[union-attr]
        if f["code"] == "RT018"
    ]
    assert (
        repeats
        == [f"b → revenue is already declared at {path}:6:19; this declaration is ignored"] * 2
    )


@st.composite
def _drives_lists(draw: st.DrawFn) -> tuple[list[str], dict[str, list[tuple[str, float | None]]]]:
    ids = draw(st.lists(st.sampled_from(["revenue", "a", "b", "c", "d"]), min_size=1, unique=True))
    targets = st.sampled_from([*ids, "nowhere"])
    entry = st.tuples(targets, st.one_of(st.none(), st.sampled_from([0.5, -2.0, 1.0])))
    return ids, {m: draw(st.lists(entry, max_size=4)) for m in ids}


def _text(ids: list[str], drives: dict[str, list[tuple[str, float | None]]]) -> bytes:
    lines = ["version: 1", "metrics:"]
    for m in ids:
        entries = [t if e is None else f"{{to: {t}, elasticity: {e}}}" for t, e in drives[m]]
        mark = "revenue: true, " if m == "revenue" else ""
        lines.append(f"  {m}: {{{mark}owner: o, drives: [{', '.join(entries)}]}}")
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=150, deadline=None)
@given(_drives_lists())
def test_a_repeated_pair_is_read_as_if_only_its_first_declaration_were_written(
    drawn: tuple[list[str], dict[str, list[tuple[str, float | None]]]],
) -> None:
    """Against the same catalog with the repeats left out, by hand: the same links, the
    same leverage, the same findings (each on its line), plus one RT018 per repeat."""
    ids, drives = drawn
    firsts: dict[str, list[tuple[str, float | None]]] = {}
    repeats = 0
    for m in ids:
        named: set[str] = set()
        firsts[m] = []
        for target, elasticity in drives[m]:
            if target in named and target in ids:
                repeats += 1
                continue
            named.add(target)
            firsts[m].append((target, elasticity))
    written = analyse_sources([("m.yaml", _text(ids, drives))])
    expected = analyse_sources([("m.yaml", _text(ids, firsts))])
    for m in ids:
        assert [(k.target, k.elasticity) for k in written.catalog.metrics[m].drives] == [
            (k.target, k.elasticity) for k in expected.catalog.metrics[m].drives
        ]

    def said(analysis: Analysis) -> list[tuple[str, str | None, int | None]]:
        return sorted(
            (f.code, f.metric, f.location.line if f.location else None)
            for f in analysis.findings
            if f.code != "RT018"
        )

    assert said(written) == said(expected)
    assert sum(f.code == "RT018" for f in written.findings) == repeats
    if not any(f.code == "RT016" for f in expected.findings):
        totals = {m.id: m.total for m in impact(written).report.metrics}
        assert totals == {m.id: m.total for m in impact(expected).report.metrics}


GENERATED = """\
# Generated by `revtrace import lightdash .` from models/orders.yml.
version: 1
metrics:
  revenue: {revenue: true}
  orders: {drives: [revenue]}
  visits: {drives: [orders, {to: revenue, sign: negative}]}
"""


@pytest.mark.parametrize("first", ["generated", "links"])
def test_a_links_entry_gives_an_unquantified_link_its_elasticity(first: str) -> None:
    """A link an import generated (a Lightdash driver) is quantified in the hand-written
    file beside it: whichever file is read first, the link carries the elasticity, where
    it is written, and nothing is reported; an entry that disagrees is still RT018."""
    overlay = (
        "version: 1\nlinks:\n"
        "  - {from: orders, to: revenue, elasticity: 1.0, confidence: estimated}\n"
        "  - {from: visits, to: orders, elasticity: 0.4, note: fitted}\n"
        "  - {from: visits, to: revenue, elasticity: 0.2}\n"  # its sign says negative
    )
    files = [("generated.yaml", GENERATED.encode()), ("links.yaml", overlay.encode())]
    loaded = load_sources(files if first == "generated" else files[::-1])
    links = {
        (link.source, link.target): link
        for metric in loaded.catalog.metrics.values()
        for link in metric.drives
    }
    orders = links["orders", "revenue"]
    assert (orders.elasticity, orders.confidence, str(orders.location)) == (
        1.0,
        "estimated",
        "links.yaml:3:5",
    )
    assert (links["visits", "orders"].elasticity, links["visits", "orders"].note) == (0.4, "fitted")
    # The sign disagrees: the generated declaration stays, and the entry is reported.
    assert links["visits", "revenue"].elasticity is None
    assert [(f.code, str(f.location)) for f in loaded.findings if f.code == "RT018"] == [
        ("RT018", "links.yaml:5:5")
    ]
    # A sign completes an unsigned link too; a sign that disagrees does not.
    signed = load_sources(
        [
            ("generated.yaml", GENERATED.encode()),
            (
                "links.yaml",
                b"version: 1\nlinks:\n  - {from: orders, to: revenue, sign: negative}\n"
                b"  - {from: visits, to: revenue, sign: positive}\n",
            ),
        ]
    )
    by_pair = {
        (link.source, link.target): link
        for metric in signed.catalog.metrics.values()
        for link in metric.drives
    }
    assert (by_pair["orders", "revenue"].sign, by_pair["visits", "revenue"].sign) == (
        "negative",
        "negative",
    )
    assert [str(f.location) for f in signed.findings if f.code == "RT018"] == ["links.yaml:4:5"]
    # A second entry for a link already quantified is a repeat, as before.
    again = overlay + "  - {from: orders, to: revenue, elasticity: 2.0}\n"
    repeat = load_sources([("generated.yaml", GENERATED.encode()), ("links.yaml", again.encode())])
    assert [str(f.location) for f in repeat.findings if f.code == "RT018"] == [
        "links.yaml:5:5",
        "links.yaml:6:5",
    ]


def test_links_from_or_to_undefined_metrics_are_located_with_a_suggestion(
    write_catalog: Write,
) -> None:
    overlay = OVERLAY + "  - {from: order, to: revenue}\n  - {from: aov, to: revenu}\n"
    findings = audit_json(catalog(write_catalog, overlay))["findings"]
    unknown = [(f["line"], f["message"]) for f in findings if f["code"] == "RT002"]  # type: ignore[union-attr]
    assert unknown == [
        (6, "a link in 'links' starts from 'order', which is not a defined metric" + HINT),
        (7, "'aov' drives 'revenu', which is not a defined metric; did you mean 'revenue'?"),
    ]
    text = DEFINITIONS.replace("computed_from: [revenue, cost]", "computed_from: [revenue, costs]")
    result = load_catalog_text(text)
    assert not result.findings  # the loader reads it; the graph rule reports it
    findings = audit_json([str(write_catalog(text))])["findings"]
    assert any(
        f["code"] == "RT002" and "'profit' is computed from 'costs'" in f["message"]
        for f in findings  # type: ignore[union-attr]
    )


def test_bad_overlay_entries_are_located(write_catalog: Write) -> None:
    overlay = (
        "version: 1\nlinks:\n  - {to: revenue}\n  - sessions\n"
        "  - {from: a b, to: revenue, weight: 2}\n"
    )
    findings = [
        (f.code, f.location.line, f.message)
        for f in load_catalog_text(overlay).findings
        if f.location
    ]
    assert ("RT010", 3, "the link at line 3 has no 'from'") in findings
    assert any(
        code == "RT010" and line == 4 and "a mapping with 'from' and 'to'" in m
        for code, line, m in findings
    )
    assert any(
        code == "RT010" and line == 5 and "unknown field 'weight'" in m
        for code, line, m in findings
    )
    assert any(
        code == "RT010" and line == 5 and "ids cannot have" in m for code, line, m in findings
    )


def test_a_file_with_links_is_read_alike_in_one_process_and_two() -> None:
    definitions = DEFINITIONS.encode() + b"".join(
        f"  filler_{i}: {{owner: x}}\n".encode() for i in range(200)
    )
    sources = [("a.yaml", definitions), ("b.yaml", OVERLAY.encode()), ("c.yaml", definitions[:60])]
    assert load_sources(sources, split_from=0) == load_sources(sources)
    alone = load_sources([("a.yaml", definitions)], split_from=0)
    assert alone == load_sources([("a.yaml", definitions)])
    merged = {m.id: m for m in load_sources(sources).catalog.metrics.values()}
    assert [link.kind for link in merged["orders"].drives] == ["links"]


def test_the_schema_describes_links_computed_from_and_sign() -> None:
    import yaml

    schema = catalog_schema()
    jsonschema.validate(yaml.safe_load(DEFINITIONS), schema)
    jsonschema.validate(yaml.safe_load(OVERLAY), schema)
    bad = yaml.safe_load(OVERLAY.replace("sign: negative", "sign: down"))
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted sign: down")


# -- formula: identities ---------------------------------------------------------------------

FORMULAS = """\
version: 1
metrics:
  revenue:
    revenue: true
    owner: cfo
    formula: "new_revenue + expansion_revenue - churned_revenue"
    value: 120
  new_revenue: {owner: x, formula: "deals * average_deal_size", value: 100}
  expansion_revenue: {owner: x, value: 50}
  churned_revenue: {owner: x, value: 30}
  deals: {owner: x, formula: "sqls * win_rate"}
  average_deal_size: {owner: x}
  sqls: {owner: x}
  win_rate: {owner: x}
  profit: {owner: x, formula: "revenue - costs"}
  costs: {owner: x}
"""


def test_each_formula_input_is_an_identity_link_with_its_exact_elasticity(
    write_catalog: Write,
) -> None:
    path = str(write_catalog(FORMULAS))
    graph = json.loads(run_cli("graph", path, "-f", "json").stdout)
    links = {(link["source"], link["target"]): link for link in graph["links"]}
    assert links[("deals", "new_revenue")]["kind"] == "formula"
    assert links[("deals", "new_revenue")]["elasticity"] == 1.0
    assert links[("churned_revenue", "revenue")]["elasticity"] == pytest.approx(-30 / 120)
    assert links[("new_revenue", "revenue")]["elasticity"] == pytest.approx(100 / 120)
    # Leverage multiplies along the identities: sqls → deals → new_revenue → revenue.
    impact = json.loads(run_cli("impact", path, "-f", "json").stdout)
    by_id = {m["id"]: m for m in impact["metrics"]}
    assert by_id["sqls"]["total"] == pytest.approx(1.0 * 1.0 * 100 / 120)
    # profit = revenue − costs is a view of revenue; costs still needs a path of its own.
    document = audit_json([path])
    rows = {row["id"]: row for row in document["metrics"]}  # type: ignore[union-attr]
    assert rows["profit"]["view_of"] == "revenue"
    candidates = [f["metric"] for f in document["findings"] if f["code"] == "RT001"]  # type: ignore[union-attr]
    assert candidates == ["costs"]


def test_formula_mistakes_are_located_at_their_character(write_catalog: Write) -> None:
    text = (
        FORMULAS
        + '  bad: {owner: x, formula: "sqls * (win_rate"}\n'
        + '  typo: {owner: x, formula: "sqlz / 2"}\n'
    )
    findings = audit_json([str(write_catalog(text))])["findings"]
    placed = {(f["code"], f["line"], f["column"]) for f in findings}  # type: ignore[union-attr]
    assert ("RT010", 17, 36) in placed  # the '(' that is never closed
    assert ("RT002", 18, 30) in placed  # the formula that names 'sqlz'
    messages = " ".join(f["message"] for f in findings)  # type: ignore[union-attr]
    assert (
        "the formula of 'typo' uses 'sqlz', which is not a defined metric; did you mean 'sqls'?"
        in messages
    )


def test_formulas_that_go_round_are_an_error_naming_the_loop(write_catalog: Write) -> None:
    text = (
        "version: 1\nmetrics:\n"
        '  revenue: {revenue: true, owner: x, formula: "orders * aov"}\n'
        '  orders: {owner: x, formula: "revenue / aov"}\n'
        "  aov: {owner: x}\n"
        '  silly: {owner: x, formula: "silly * 2"}\n'
    )
    findings = audit_json([str(write_catalog(text))])["findings"]
    loops = [f for f in findings if f["code"] == "RT019"]  # type: ignore[union-attr]
    assert [(f["metric"], f["line"]) for f in loops] == [("revenue", 3), ("silly", 6)]
    assert "'revenue' and 'orders' are defined in terms of each other" in loops[0]["message"]
    assert not [f for f in findings if f["code"] == "RT005"]  # not "drives itself"


def test_a_view_is_no_candidate_in_the_scorecard_either(write_catalog: Write) -> None:
    arguments = ["scorecard", *catalog(write_catalog), "--by", "team", "-f", "json"]
    card = json.loads(run_cli(*arguments).stdout)
    candidates = {row["team"]: row["candidates_to_drop"] for row in card["rows"]}
    assert candidates[None] == ["cost"]  # not profit, not revenue_growth
