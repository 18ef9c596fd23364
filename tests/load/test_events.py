"""The one safety guard: anchors, aliases, tags and repeated keys are refused wherever they
stand, on every reading path (libyaml in one process or two, and PyYAML's pure reader)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from revtrace.load import load_catalog_text
from revtrace.load.events import may_carry_markers

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
