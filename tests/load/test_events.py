"""The one safety guard: anchors, aliases, tags and repeated keys are refused wherever they
stand, on every reading path (libyaml in one process or two, and PyYAML's pure reader)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import revtrace.load.events as events_module
from revtrace.load import load_catalog_text
from revtrace.load.events import may_carry_markers, nesting_beyond

# Each template puts a marker (`{m}`) in one place of the grammar; `{v}` is a value there.
PLACES = {
    "top-level value": "version: 1\nmetrics: {m}{{}}\n",
    "metric id": "version: 1\nmetrics:\n  {m}a: {{}}\n",
    "metric definition": "version: 1\nmetrics:\n  a: {m}{{}}\n",
    "text field": "version: 1\nmetrics:\n  a: {{owner: {m}x}}\n",
    "field key": "version: 1\nmetrics:\n  a: {{{m}owner: x}}\n",
    "revenue": "version: 1\nmetrics:\n  a: {{revenue: {m}true}}\n",
    "a tag": "version: 1\nmetrics:\n  a: {{tags: [{m}x]}}\n",
    "drives list": "version: 1\nmetrics:\n  a: {{drives: {m}[b]}}\n  b: {{}}\n",
    "drives item": "version: 1\nmetrics:\n  a: {{drives: [{m}b]}}\n  b: {{}}\n",
    "link mapping": "version: 1\nmetrics:\n  a: {{drives: [{m}{{to: b}}]}}\n  b: {{}}\n",
    "link field": "version: 1\nmetrics:\n  a: {{drives: [{{to: b, note: {m}x}}]}}\n  b: {{}}\n",
    "keep field": "version: 1\nmetrics:\n  a: {{keep: {{reason: {m}x}}}}\n",
    "version": "version: {m}1\nmetrics: {{}}\n",
}
MARKERS = {"anchor": "&x ", "tag": "!!str "}
READS = {
    "libyaml": {},
    "libyaml, two processes": {"split_from": 0},
    "pure Python": {"pure_python": True},
}


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("marker", MARKERS)
@pytest.mark.parametrize("place", PLACES)
def test_a_marker_anywhere_is_refused_on_every_path(place: str, marker: str, read: str) -> None:
    text = PLACES[place].format(m=MARKERS[marker])
    # Many metrics after it, so that the two-process read really cuts the file.
    text += "".join(f"  pad{i}: {{}}\n" for i in range(40)) if "metrics:\n" in text else ""
    result = load_catalog_text(text, "c.yaml", **READS[read])  # type: ignore[arg-type]
    assert result.fatal
    refused = [f for f in result.findings if f.code == "RT011"]
    assert len(refused) == 1 and marker in refused[0].message
    where = refused[0].location
    assert where is not None
    line = text.splitlines()[where.line - 1]
    assert line[where.column - 1 :].startswith(MARKERS[marker].strip())


@pytest.mark.parametrize("read", READS)
def test_an_alias_is_refused_on_every_path(read: str) -> None:
    text = "version: 1\nmetrics:\n  a: {owner: x}\n  b: {owner: *x}\n"
    result = load_catalog_text(text, "c.yaml", **READS[read])  # type: ignore[arg-type]
    assert [
        (f.code, f.location.line, f.location.column) for f in result.findings if f.location
    ] == [("RT011", 4, 14)]


@pytest.mark.parametrize(
    "text, where",
    [
        ("version: 1\nversion: 1\nmetrics: {}\n", "the catalog"),
        ("version: 1\nmetrics:\n  a: {owner: x, owner: y}\n", "metric 'a'"),
        ("version: 1\nmetrics:\n  a: {keep: {reason: x, reason: y}}\n", "'keep' of metric 'a'"),
        ("version: 1\nmetrics:\n  a: {drives: [{to: b, to: b}]}\n  b: {}\n", "a link of"),
    ],
)
def test_a_repeated_key_is_reported_in_every_mapping(text: str, where: str) -> None:
    findings = load_catalog_text(text).findings
    assert any(
        f.code == "RT010" and "duplicate key" in f.message and where in f.message for f in findings
    )


def test_a_file_without_marker_characters_cannot_carry_a_marker() -> None:
    # What lets such a file skip the per-event check: each marker needs its character.
    assert not may_carry_markers("version: 1\nmetrics:\n  a: {owner: 'x'}\n")
    for marker in ("&a", "*a", "!t", "!!str", "!<tag:x>"):
        assert may_carry_markers(f"a: {marker} x")


def test_reading_a_catalog_loads_neither_networkx_nor_rich_nor_typer() -> None:
    code = (
        "import sys\n"
        "from revtrace.load import load_catalog_text\n"
        "load_catalog_text('version: 1\\nmetrics: {a: {revenue: true}}\\n')\n"
        "heavy = ('networkx', 'rich', 'typer', 'revtrace.graph')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_repeated_keys_are_capped_per_mapping_and_counted() -> None:
    # A file of one key repeated 15 million times once made 15 million findings (13.7 GB).
    text = "version: 1\nmetrics:\n  a: {" + ", ".join(["x: 1"] * 1_000) + "}\n"
    findings = [f for f in load_catalog_text(text).findings if "duplicate key" in f.message]
    assert len(findings) == 21
    assert findings[-1].message == (
        "and 979 more duplicate keys in metric 'a', not listed one by one"
    )


# -- nesting: refused beyond MAX_NESTING levels, whatever the parser -----------------------


def test_nesting_beyond_stops_at_the_first_event_too_deep() -> None:
    import yaml

    pulled = 0

    def events(depth: int) -> Iterator[yaml.Event]:
        nonlocal pulled
        for event in yaml.parse("[" * depth + "]" * depth, Loader=yaml.SafeLoader):
            pulled += 1
            yield event

    assert nesting_beyond(events(50), limit=50) is None
    pulled = 0
    deep = nesting_beyond(events(60), limit=50)
    assert isinstance(deep, yaml.SequenceStartEvent)
    assert deep.start_mark is not None and deep.start_mark.column == 50  # the 51st '['
    assert pulled == 2 + 51  # stream and document start, then 51 openers: no further


def test_the_parser_is_trusted_to_limit_nesting_only_where_it_does() -> None:
    import yaml

    assert not events_module.parser_limits_nesting(yaml.SafeLoader)  # PyYAML's own: never
    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is not None:
        from yaml import _yaml  # type: ignore[attr-defined]

        libyaml = tuple(int(part) for part in _yaml.get_version_string().split("."))
        assert events_module.parser_limits_nesting(c_loader) == (libyaml >= (0, 2, 6))


@pytest.mark.parametrize("read", READS)
def test_a_value_nested_deeper_than_the_limit_is_refused_on_every_path(
    read: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # libyaml 0.2.6 refuses 1,000 levels itself; older libyaml (quadratic time) and
    # PyYAML's Python parser (a millisecond a level) do not, so revtrace stops reading
    # there. A lower limit shows it on every parser, at the opener that goes too deep.
    monkeypatch.setattr(events_module, "MAX_NESTING", 40)
    text = "version: 1\nmetrics:\n  a: {name: " + "[" * 60 + "]" * 60 + "}\n"
    text += "".join(f"  pad{i}: {{}}\n" for i in range(40))
    result = load_catalog_text(text, "c.yaml", **READS[read])  # type: ignore[arg-type]
    assert result.fatal
    refused = [f for f in result.findings if f.code == "RT011"]
    assert [f.message for f in refused] == [events_module.TOO_DEEP]
    assert refused[0].location is not None
    # 'name' is skipped from its first '[' (column 13, level 1 of the skip): the 41st
    # '[' (column 53) is the level too deep.
    assert (refused[0].location.line, refused[0].location.column) == (3, 13 + 40)


def test_an_import_nested_too_deep_is_refused_before_it_is_composed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import revtrace.importers.files as files

    # As on a parser without its own limit (older libyaml composes this in C: a crash).
    monkeypatch.setattr(events_module, "parser_limits_nesting", lambda loader: False)
    monkeypatch.setattr(events_module, "MAX_NESTING", 40)
    deep = tmp_path / "deep.yml"
    deep.write_text("metrics:\n  " + "- " * 60 + "x\n")
    with pytest.raises(files.ImportFailed) as failed:
        files.read_document(deep)
    # The mapping is the first level: the 40th "- " (column 81) opens the 41st.
    assert str(failed.value) == f"{deep}:2:81: not valid YAML: {events_module.TOO_DEEP}"
    shallow = tmp_path / "shallow.yml"
    shallow.write_text("metrics:\n  " + "- " * 30 + "x\n")
    assert list(files.read_document(shallow)) == ["metrics"]


def test_a_patched_file_nested_too_deep_is_refused_before_it_is_composed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from revtrace.load import patch

    monkeypatch.setattr(events_module, "parser_limits_nesting", lambda loader: False)
    monkeypatch.setattr(events_module, "MAX_NESTING", 40)
    with pytest.raises(patch.PatchError, match="nesting deeper than"):
        patch.apply("version: 1\nmetrics:\n  a: {name: " + "[" * 60 + "]" * 60 + "}\n", [])
    assert patch.apply("version: 1\nmetrics: {}\n", []) == ("version: 1\nmetrics: {}\n", [])
