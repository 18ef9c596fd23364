"""The loader: every bad input ends in a finding with its exact code and location."""

from __future__ import annotations

import pytest

from revtrace.load import LoadResult, load_catalog_text
from revtrace.load.events import TOO_DEEP

PARSERS = [pytest.param(False, id="c-parser"), pytest.param(True, id="python-parser")]


def load(text: str | bytes, pure_python: bool = False) -> LoadResult:
    return load_catalog_text(text, "m.yaml", pure_python=pure_python)


def problems(result: LoadResult) -> list[tuple[str, int, int]]:
    return [(f.code, f.location.line, f.location.column) for f in result.findings if f.location]


VALID = """\
version: 1
metrics:
  revenue:
    name: Revenue
    revenue: true
    owner: vp
    team: leadership
    unit: USD
    source: finance
    description: Money in.
    tags: [north-star, finance]
  mql:
    name: MQLs
    status: deprecated
    drives:
      - revenue
      - to: revenue
        note: "a note"
"""


@pytest.mark.parametrize("pure", PARSERS)
def test_a_valid_catalog_loads_every_field(pure: bool) -> None:
    result = load(VALID, pure)
    assert result.findings == ()
    assert not result.fatal
    revenue = result.catalog.metrics["revenue"]
    assert revenue.revenue is True
    assert (revenue.owner, revenue.team, revenue.unit, revenue.source) == (
        "vp",
        "leadership",
        "USD",
        "finance",
    )
    assert revenue.tags == ("north-star", "finance")
    assert revenue.location.line == 3 and revenue.location.column == 3
    mql = result.catalog.metrics["mql"]
    assert mql.deprecated
    assert [(link.target, link.note) for link in mql.drives] == [
        ("revenue", None),
        ("revenue", "a note"),
    ]
    assert (mql.drives[0].location.line, mql.drives[0].location.column) == (16, 9)
    assert (mql.drives[1].location.line, mql.drives[1].location.column) == (17, 13)


def test_name_defaults_to_the_id_and_a_bare_metric_is_allowed() -> None:
    result = load("version: 1\nmetrics:\n  sessions:\n  revenue: {revenue: true}\n")
    assert result.findings == ()
    assert result.catalog.metrics["sessions"].name == "sessions"
    assert result.catalog.metrics["sessions"].revenue is False


@pytest.mark.parametrize("pure", PARSERS)
def test_yaml_11_words_and_numbers_are_ids_read_verbatim(pure: bool) -> None:
    text = (
        "version: 1\nmetrics:\n"
        "  no: {drives: [on, 2024, 1e3, 0x10, '2026-01-01']}\n"
        "  on: {revenue: true}\n  2024: {}\n  1e3: {}\n  0x10: {}\n  2026-01-01: {}\n"
    )
    result = load(text, pure)
    assert result.findings == ()
    assert list(result.catalog.metrics) == ["no", "on", "2024", "1e3", "0x10", "2026-01-01"]
    assert [link.target for link in result.catalog.metrics["no"].drives] == [
        "on",
        "2024",
        "1e3",
        "0x10",
        "2026-01-01",
    ]


#: (catalog text, the (code, line, column) it must produce, a phrase of the message)
FORMAT_CASES: list[tuple[str, tuple[str, int, int], str]] = [
    ("version: 1\nmetrics:\n  a:\n    drive: [b]\n", ("RT010", 4, 5), "did you mean 'drives'"),
    ("version: 1\nmetrics:\n  a:\n    ownr: x\n", ("RT010", 4, 5), "did you mean 'owner'"),
    ("version: 1\nmetric: {}\n", ("RT010", 2, 1), "did you mean 'metrics'"),
    ("version: 1\nmetrics:\n  a: {drives: [{to: b, nte: x}]}\n", ("RT010", 3, 24), "'note'"),
    ("version: 1\nmetrics:\n  a: {revenue: yes}\n", ("RT010", 3, 16), "true or false"),
    ("version: 1\nmetrics:\n  a: {revenue: 'true'}\n", ("RT010", 3, 16), "quoted"),
    ("version: 1\nmetrics:\n  a: {status: retired}\n", ("RT010", 3, 15), "'active' or"),
    ("version: 1\nmetrics:\n  a: {tags: seo}\n", ("RT010", 3, 13), "a list of text"),
    ("version: 1\nmetrics:\n  a: {tags: [[x]]}\n", ("RT010", 3, 14), "a tag"),
    ("version: 1\nmetrics:\n  a: {drives: b}\n", ("RT010", 3, 15), "drives: [b]"),
    ("version: 1\nmetrics:\n  a: {drives: [[b]]}\n", ("RT010", 3, 16), "a link"),
    ("version: 1\nmetrics:\n  a: {drives: [{note: x}]}\n", ("RT010", 3, 16), "no 'to'"),
    ("version: 1\nmetrics:\n  a: {drives: [~]}\n", ("RT010", 3, 16), "empty link"),
    ("version: 1\nmetrics:\n  a: {name: [x]}\n", ("RT010", 3, 13), "must be text"),
    ("version: 1\nmetrics:\n  a: [x]\n", ("RT010", 3, 6), "a mapping of fields"),
    ("version: 1\nmetrics: [a, b]\n", ("RT010", 2, 10), "'metrics' must be"),
    ("version: 2\nmetrics: {}\n", ("RT010", 1, 10), "unsupported catalog version"),
    ("version: [1]\nmetrics: {}\n", ("RT010", 1, 10), "'version' must be"),
    ("metrics: {}\n", ("RT010", 1, 1), "missing 'version"),
    ("version: 1\n", ("RT010", 1, 1), "missing 'metrics:'"),
    ("", ("RT010", 1, 1), "the file is empty"),
    ("# only a comment\n", ("RT010", 2, 1), "the file is empty"),
    ("[1, 2]\n", ("RT010", 1, 1), "not a list"),
    ("just text\n", ("RT010", 1, 1), "not 'just text'"),
    ("version: 1\nmetrics: {}\n---\nversion: 1\n", ("RT010", 3, 1), "several YAML documents"),
    ("version: 1\nmetrics:\n  bad id: {}\n", ("RT010", 3, 3), "ids cannot have (' ')"),
    ("version: 1\nmetrics:\n  a: {drives: [b c]}\n", ("RT010", 3, 16), "ids cannot have"),
    ("version: 1\nmetrics:\n  ? [a]\n  : {}\n", ("RT010", 3, 5), "must be text"),
    ("version: 1\nmetrics:\n  a: {owner: x, owner: y}\n", ("RT010", 3, 17), "duplicate key"),
    ("version: 1\nversion: 1\nmetrics: {}\n", ("RT010", 2, 1), "first at line 1"),
    (
        "version: 1\nmetrics:\n  a: {drives: [{to: b, to: c}]}\n",
        ("RT010", 3, 24),
        "duplicate key 'to'",
    ),
]


@pytest.mark.parametrize(("text", "expected", "needle"), FORMAT_CASES)
@pytest.mark.parametrize("pure", PARSERS)
def test_each_format_problem_is_rt010_at_its_location(
    text: str, expected: tuple[str, int, int], needle: str, pure: bool
) -> None:
    result = load(text, pure)
    assert expected in problems(result)
    finding = next(
        f
        for f in result.findings
        if f.location and (f.code, f.location.line, f.location.column) == expected
    )
    assert needle in finding.message


def test_an_id_longer_than_200_characters_is_rejected() -> None:
    long_id = "x" * 201
    result = load(f"version: 1\nmetrics:\n  {long_id}: {{}}\n  {'y' * 200}: {{}}\n")
    assert problems(result) == [("RT010", 3, 3)]
    assert "201 characters" in result.findings[0].message


def test_unicode_ids_are_valid_and_columns_count_characters() -> None:
    result = load(
        "version: 1\nmetrics:\n  выручка: {revenue: true}\n  лиды: {drives: [выручка, 💰]}\n"
    )
    assert problems(result) == [("RT010", 4, 28)]
    assert "'💰'" in result.findings[0].message


@pytest.mark.parametrize("pure", PARSERS)
def test_duplicate_metric_id_is_rt003_naming_the_first_line(pure: bool) -> None:
    result = load("version: 1\nmetrics:\n  a: {owner: x}\n  b: {}\n  a: {owner: y}\n", pure)
    assert problems(result) == [("RT003", 5, 3)]
    assert "line 3" in result.findings[0].message
    assert result.catalog.metrics["a"].owner == "x"


SYNTAX_CASES: list[tuple[str, tuple[str, int, int], str]] = [
    ("version: 1\nmetrics:\n  a: &x {}\n  b: *x\n", ("RT011", 3, 6), "anchor '&x'"),
    (
        "version: 1\nmetrics:\n  a: !!python/object:os.system {}\n",
        ("RT011", 3, 6),
        "tag '!!python/object:os.system'",
    ),
    ("version: 1\nmetrics:\n  a: !custom {}\n", ("RT011", 3, 6), "tag '!custom'"),
    ("version: 1\nmetrics: {a: 1\n", ("RT011", 2, 10), "is not closed"),
    ("version: 1\nmetrics:\n  a: [\n", ("RT011", 4, 1), "invalid YAML"),
    ("version: 1\nmetrics:\n\ta: {}\n", ("RT011", 3, 1), "a tab character: YAML indents"),
    (
        "version: 1\nmetrics:\n  a:\n\towner: x\n",
        ("RT011", 4, 1),
        "a tab character: YAML indents with spaces only",
    ),
    (
        "version: 1\nmetrics:\n  a:\n    owner: @cfo\n",
        ("RT011", 4, 12),
        "a value cannot start with '@' in YAML: put the value in quotes",
    ),
    ("version: 1\nmetrics:\n  a: {owner: `x`}\n", ("RT011", 3, 14), "cannot start with '`'"),
    ("version: 1\nmetrics:\n  a: x\x00y\n", ("RT011", 3, 7), "U+0000"),
    ("version: 1\nmetrics:\n  a: x\x1by\n", ("RT011", 3, 7), "U+001B"),
]


@pytest.mark.parametrize(("text", "expected", "needle"), SYNTAX_CASES)
@pytest.mark.parametrize("pure", PARSERS)
def test_syntax_and_refused_features_are_rt011(
    text: str, expected: tuple[str, int, int], needle: str, pure: bool
) -> None:
    result = load(text, pure)
    assert result.fatal
    assert problems(result)[-1] == expected
    assert needle in result.findings[-1].message
    assert result.catalog.metrics == {}


def test_non_utf8_bytes_are_rt011_at_the_bad_byte() -> None:
    result = load(b"version: 1\nmetrics:\n  ab\xff: {}\n")
    assert problems(result) == [("RT011", 3, 5)]
    assert "0xff" in result.findings[0].message


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16_is_rt011(bom: bytes) -> None:
    result = load(bom + "version: 1".encode("utf-16-le"))
    assert problems(result) == [("RT011", 1, 1)]
    assert "UTF-16" in result.findings[0].message


def test_a_utf8_bom_and_crlf_line_ends_are_fine() -> None:
    result = load(
        b"\xef\xbb\xbfversion: 1\r\nmetrics:\r\n  r: {revenue: true}\r\n  x: {bad: 1}\r\n"
    )
    assert problems(result) == [("RT010", 4, 7)]


def test_billion_laughs_is_refused_fast() -> None:
    lines = ["version: 1", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    # Refused at the first anchor, so nothing is ever expanded.
    result = load("\n".join(lines) + "\n")
    assert problems(result) == [("RT011", 2, 5)]


@pytest.mark.parametrize(
    "pure",
    # The pure-Python parser takes about a second on this (a millisecond a level, up to
    # the limit; ten seconds before revtrace stopped at it): a slow test.
    [
        pytest.param(False, id="c-parser"),
        pytest.param(True, marks=pytest.mark.slow, id="python-parser"),
    ],
)
def test_deep_nesting_does_not_overflow_the_stack(pure: bool) -> None:
    depth = 10_000
    text = "version: 1\nmetrics:\n  a: {owner: " + "[" * depth + "]" * depth + "}\n"
    result = load(text, pure)
    # The value is reported where it starts; then the nesting is refused at 1,000 levels:
    # by libyaml 0.2.6 itself, or by revtrace (older libyaml, PyYAML's Python parser).
    assert problems(result)[0] == ("RT010", 3, 14)
    refused = [f.message for f in result.findings if f.code == "RT011"]
    assert len(refused) == 1
    assert "exceeded maximum nesting depth" in refused[0] or refused[0] == TOO_DEEP


def test_the_c_and_python_parsers_agree_on_a_messy_catalog() -> None:
    text = (
        "version: 1\nmetrics:\n  r: {revenue: true, team: [x]}\n  a: {drives: [r, zz, a], x: 1}\n"
        "  a: {}\n  b:\n    drives:\n      - to: r\n        note: [bad]\n"
    )
    assert load(text, False).findings == load(text, True).findings


@pytest.mark.parametrize("pure_python", PARSERS)
def test_a_dbt_file_is_said_to_look_like_one_once(pure_python: bool) -> None:
    # A folder given to revtrace may hold dbt's own YAML: its first dbt key (or dbt's
    # `version: 2`) says so, the other findings stay as they are.
    dbt = "version: 2\nsemantic_models: []\nsaved_queries: []\nmetrics:\n  - name: a\n"
    messages = [f.message for f in load(dbt, pure_python).findings]
    hinted = [m for m in messages if "this looks like a dbt file" in m]
    assert len(hinted) == 1 and hinted[0].startswith("unsupported catalog version '2'")
    assert any(m.startswith("unknown top-level key 'saved_queries'") for m in messages)
    project = "name: shop\nprofile: shop\nmodel-paths: [models]\n"
    hinted = [f.message for f in load(project).findings if "looks like a dbt" in f.message]
    assert [m.split(" (")[0] for m in hinted] == ["unknown top-level key 'profile'"]
    plain = "version: 1\nmetrcs: {}\n"  # a catalog's own mistake gets no dbt hint
    assert not any("dbt" in f.message for f in load(plain).findings)
