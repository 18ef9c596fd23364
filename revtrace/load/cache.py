"""One catalog file's reading, kept in the cache between runs (see `store`).

A reading is everything the loader takes from one file on its own: its metrics, its
top-level links, the findings about it, and whether it was YAML at all. Across files
(duplicate ids, links attached to their sources) the builder works afresh on every run,
from the readings, so that a finding about two files is always about both as they are now.

The key is the file's bytes, its name as shown (locations and messages carry it) and
whether libyaml or PyYAML's Python parser read it. The entry is JSON, read back with every
value's type and every choice checked: an entry that does not hold what `encode` writes
is a miss, whatever it holds.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any, NamedTuple

from revtrace.load import split
from revtrace.load.store import Store
from revtrace.model.catalog import (
    CONFIDENCES,
    LINK_KINDS,
    SIGNS,
    STATUSES,
    Link,
    Location,
    Metric,
)
from revtrace.model.findings import Finding, Severity

KIND = "files"


class FileReading(NamedTuple):
    """What one file says. `ok` is False when it is not YAML revtrace can read (RT011)."""

    ok: bool
    metrics: list[Metric]
    links: list[Link]
    findings: list[Finding]


#: With `background`, readings of at least this many metrics in all are written by a
#: forked process while this one goes on (writing 100,000 metrics' JSON takes 0.3 s).
BACKGROUND_METRICS = 20_000


class FileCache:
    """The readings of catalog files in a `Store`. New readings are written by `flush`;
    with `background`, a large batch of them by a forked process, so that a run's first
    time costs what a run without the cache does (the CLI; never in a library call)."""

    def __init__(self, store: Store, *, background: bool = False) -> None:
        self.store = store
        self.background = background
        #: Readings written (or handed to the process that writes them).
        self.written = 0
        self._pending: list[tuple[str, FileReading]] = []

    def key(self, file: str, data: bytes, parser: str) -> str:
        return self.store.key("file", file, parser, data)

    def get(self, key: str, file: str) -> FileReading | None:
        entry = self.store.read(KIND, key)
        if entry is None:
            return None
        self.store.touch(KIND, key)  # used: the last to be pruned
        try:
            return decode(file, json.loads(entry[1]))
        except (_Bad, ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError):
            return None

    def put(self, key: str, reading: FileReading) -> None:
        self._pending.append((key, reading))

    def flush(self, files: int, size: int = 0) -> None:
        """Write the readings put since the last flush, then keep the entries used last:
        at least the default number and four per file of this catalog (`files`), and at
        most 1 GiB or six times this catalog's `size` in bytes, whichever is more."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        keep = (4 * files + 2048, max(1 << 30, 6 * size))
        metrics = sum(len(reading.metrics) for _, reading in pending)
        large = self.background and metrics >= BACKGROUND_METRICS and split.available()
        if large and split.in_background(lambda: self._write(pending, keep)):
            self.written += len(pending)
            return
        self.written += self._write(pending, keep)

    def _write(self, pending: list[tuple[str, FileReading]], keep: tuple[int, int]) -> int:
        """Write readings; how many were written."""
        for written, (key, reading) in enumerate(pending):
            payload = json.dumps(encode(reading), separators=(",", ":")).encode("ascii")
            if not self.store.write(KIND, key, payload):
                return written  # the folder cannot be written: nor can the rest
        self.store.prune(KIND, *keep)
        return len(pending)


# -- the entry: plain JSON ----------------------------------------------------------------


def encode(reading: FileReading) -> dict[str, Any]:
    return {
        "ok": reading.ok,
        "metrics": split.encode(reading.metrics),
        "links": [
            [
                link.source,
                link.target,
                link.location.line,
                link.location.column,
                link.note,
                link.elasticity,
                link.confidence,
                link.kind,
                link.sign,
            ]
            for link in reading.links
        ],
        "findings": [
            [
                f.code,
                f.rule,
                int(f.severity),
                f.message,
                None if f.location is None else list(f.location),
                f.metric,
            ]
            for f in reading.findings
        ],
    }


class _Bad(Exception):
    """The entry does not hold what `encode` writes."""


def decode(file: str, plain: Any) -> FileReading:
    """A reading from its entry, every value checked (raises `_Bad` otherwise)."""
    if not isinstance(plain, dict) or type(plain.get("ok")) is not bool:
        raise _Bad
    rows = plain["metrics"]
    links = plain["links"]
    findings = plain["findings"]
    if not (isinstance(rows, list) and isinstance(links, list) and isinstance(findings, list)):
        raise _Bad
    for row in rows:
        _check_metric(row)
    return FileReading(
        plain["ok"],
        split.decode(file, rows) or [],
        [_link(file, row) for row in links],
        [_finding(row) for row in findings],
    )


_TEXT = (str,)
_TEXT_OR_NONE = (str, type(None))


def _text(value: Any, optional: bool = False) -> None:
    if type(value) not in (_TEXT_OR_NONE if optional else _TEXT):
        raise _Bad


def _position(line: Any, column: Any, least: int = 1) -> None:
    if type(line) is not int or type(column) is not int or line < least or column < least:
        raise _Bad


def _number(value: Any) -> None:
    if value is not None and (type(value) is not float or math.isnan(value)):
        raise _Bad


def _choice(value: Any, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise _Bad


def _check_metric(row: Any) -> None:
    if type(row) is not list or len(row) != 18:
        raise _Bad
    _text(row[0])
    _position(row[1], row[2])
    _text(row[3])
    for value in row[4:9]:
        _text(value, optional=True)
    tags = row[9]
    if type(tags) is not list or any(type(tag) is not str for tag in tags):
        raise _Bad
    row[9] = tuple(tags)  # as the model holds them (split.decode takes the row as it is)
    if row[10] not in STATUSES or type(row[11]) is not bool:
        raise _Bad
    drives = row[12]
    if type(drives) is not list:
        raise _Bad
    if not drives:
        row[12] = ()  # split.decode builds a tuple of links only when there are some
    for link in drives:
        if type(link) is not list or len(link) != 7:
            raise _Bad
        _text(link[0])
        _position(link[1], link[2])
        _text(link[3], optional=True)
        _number(link[4])
        _choice(link[5], CONFIDENCES)
        _choice(link[6], SIGNS)
    keep = row[13]
    if keep is not None:
        if type(keep) is not list or len(keep) != 5:
            raise _Bad
        _position(keep[0], keep[1])
        _text(keep[2], optional=True)
        if keep[3] is not None and (
            type(keep[3]) is not int or not date.min.toordinal() <= keep[3] <= date.max.toordinal()
        ):
            raise _Bad
        _text(keep[4], optional=True)
    _number(row[14])
    derived = row[15]
    if type(derived) is not list:
        raise _Bad
    for link in derived:
        if type(link) is not list or len(link) != 3:
            raise _Bad
        _text(link[0])
        _position(link[1], link[2])
    _text(row[16], optional=True)
    if row[17] is not None:
        if type(row[17]) is not list or len(row[17]) != 2:
            raise _Bad
        _position(*row[17])


def _link(file: str, row: Any) -> Link:
    if type(row) is not list or len(row) != 9:
        raise _Bad
    source, target, line, column, note, elasticity, confidence, kind, sign = row
    _text(source)
    _text(target)
    _position(line, column)
    _text(note, optional=True)
    _number(elasticity)
    _choice(confidence, CONFIDENCES)
    if kind not in LINK_KINDS:
        raise _Bad
    _choice(sign, SIGNS)
    return Link(
        source, target, Location(file, line, column), note, elasticity, confidence, kind, sign
    )


def _finding(row: Any) -> Finding:
    if type(row) is not list or len(row) != 6:
        raise _Bad
    code, rule, severity, message, location, metric = row
    _text(code)
    _text(rule)
    _text(message)
    _text(metric, optional=True)
    if type(severity) is not int or severity not in tuple(Severity):
        raise _Bad
    where = None
    if location is not None:
        if type(location) is not list or len(location) != 3:
            raise _Bad
        _text(location[0])
        _position(location[1], location[2], least=0)
        where = Location(*location)
    return Finding(code, rule, Severity(severity), message, where, metric)
