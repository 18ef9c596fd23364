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


def syntax_finding(file: str, text: str, exc: yaml.YAMLError) -> Finding:
    """RT011 for a YAML error, at the place the parser names."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        location = Location(file, mark.line + 1, mark.column + 1)
    else:
        position = getattr(exc, "position", None)
        location = (
            location_of_index(file, text, position)
            if position is not None
            else Location(file, 1, 1)
        )
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if isinstance(exc, yaml.reader.ReaderError) or problem is None:
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
    else:
        message = f"{context}: {problem}" if context else str(problem)
    return YAML_SYNTAX.finding(f"invalid YAML: {message}", location)


def location_of_index(file: str, text: str, index: int) -> Location:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Location(file, line, column)
