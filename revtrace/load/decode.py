"""Bytes → text, and a YAML error → a located RT011 finding."""

from __future__ import annotations

import codecs

import yaml

from revtrace.load.rules import YAML_SYNTAX
from revtrace.model.catalog import Location
from revtrace.model.findings import Finding

_OTHER_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(file: str, data: bytes, findings: list[Finding]) -> str | None:
    """The file's text, or None (reported in `findings`) when it is not UTF-8."""
    for bom, encoding in _OTHER_ENCODINGS:
        if data.startswith(bom):
            findings.append(
                YAML_SYNTAX.finding(
                    f"the file is {encoding}; revtrace reads UTF-8 catalogs, save it as UTF-8",
                    Location(file, 1, 1),
                )
            )
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        findings.append(
            YAML_SYNTAX.finding(
                f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                Location(file, line, column),
            )
        )
        return None
    # A UTF-8 byte-order mark is harmless, but it would shift every column on line 1.
    return text[1:] if text.startswith("\ufeff") else text


def syntax_finding(
    file: str, text: str, exc: yaml.YAMLError, *, byte_offsets: bool = False
) -> Finding:
    """RT011 for a YAML error, at the line to fix, in plain words where the parser's
    words are jargon ("while scanning a simple key: could not find expected ':'").
    `byte_offsets`: the error came from libyaml, whose positions count UTF-8 bytes, not
    characters (a control character after non-ASCII text was placed lines too far)."""
    if byte_offsets and getattr(exc, "position", None) is not None:
        exc.position = _character_index(text, exc.position)  # type: ignore[attr-defined]
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if isinstance(exc, yaml.reader.ReaderError) or problem is None:
        location = _mark_location(file, text, problem_mark or context_mark, exc)
        character = getattr(exc, "character", None)
        if isinstance(character, str):
            character = ord(character)
        if isinstance(character, int):
            message = (
                f"the file contains the control character U+{character:04X},"
                " which YAML does not allow"
            )
        else:
            message = str(exc).splitlines()[0]
        return YAML_SYNTAX.finding(f"invalid YAML: {message}", location)
    plain = _plain_words(str(problem), str(context or ""), text, context_mark, problem_mark)
    if plain is not None:
        words, at_context = plain
        mark = context_mark if at_context and context_mark is not None else problem_mark
        return YAML_SYNTAX.finding(
            f"invalid YAML: {words}", _mark_location(file, text, mark or context_mark, exc)
        )
    message = f"{context}: {problem}" if context else str(problem)
    location = _mark_location(file, text, problem_mark or context_mark, exc)
    return YAML_SYNTAX.finding(f"invalid YAML: {message}", location)


def _plain_words(
    problem: str, context: str, text: str, context_mark: object, problem_mark: object = None
) -> tuple[str, bool] | None:
    """(what went wrong in plain words, whether the context mark is the line to fix),
    for the errors newcomers make most; None for the others."""
    start = _line_at(text, context_mark)
    if "cannot start any token" in problem:
        # libyaml does not say which character (PyYAML's Python parser does).
        found = _line_at(text, problem_mark)[:1]
        if found == "\t":
            return "a tab character: YAML indents with spaces only", False
        if found in ("@", "`"):
            return f"a value cannot start with '{found}' in YAML: put the value in quotes", False
    if "could not find expected ':'" in problem:
        key = start.strip()[:40]
        return f"missing ':' after '{key}'? (a key and its value are written 'key: value')", True
    if problem.startswith("mapping values are not allowed"):
        return (
            "a ':' YAML does not expect here: is this line indented more than the line above,"
            " or does a value contain ': ' (then put it in quotes)?",
            False,
        )
    if "did not find expected key" in problem or problem.startswith("expected <block end>"):
        return (
            "this line is indented differently from the lines above it: line it up with"
            " the keys of the same mapping",
            False,
        )
    if "did not find expected '-' indicator" in problem:
        return "this line is indented differently from the list items above it", False
    if "'\\t'" in problem or "\t" in problem or "tab character" in problem:
        return "a tab character: YAML indents with spaces only", False
    if "',' or ']'" in problem:
        return "a list opened with '[' here is not closed: a ',' or the ']' is missing", True
    if "',' or '}'" in problem:
        return "a mapping opened with '{' here is not closed: a ',' or the '}' is missing", True
    if "end of stream" in problem and "quoted scalar" in context:
        return "a quoted value that starts here is never closed: add the closing quote", True
    return None


def _line_at(text: str, mark: object) -> str:
    """The text of the line a parser mark is on, from the mark's column."""
    line = getattr(mark, "line", None)
    column = getattr(mark, "column", 0)
    if not isinstance(line, int):
        return ""
    lines = text.splitlines()
    return lines[line][column:] if 0 <= line < len(lines) else ""


def _mark_location(file: str, text: str, mark: object, exc: yaml.YAMLError) -> Location:
    line = getattr(mark, "line", None)
    if isinstance(line, int):
        return Location(file, line + 1, int(getattr(mark, "column", 0)) + 1)
    position = getattr(exc, "position", None)
    return location_of_index(file, text, position) if position is not None else Location(file, 1, 1)


def _character_index(text: str, byte_offset: int) -> int:
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def location_of_index(file: str, text: str, index: int) -> Location:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Location(file, line, column)
