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
from functools import partial
from itertools import chain, islice, repeat
from operator import is_not
from typing import Any, NamedTuple

from revtrace.load import split
from revtrace.load.store import Store
from revtrace.model.catalog import (
    CONFIDENCES,
    LINK_KINDS,
    SIGNS,
    STATUSES,
    Keep,
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
        return self.store.key("file", file, parser, self.store.content(data, last=True))

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


# -- the entry: plain JSON, the metrics by column ------------------------------------------
#
# A partial run reads most of the catalog from here, so the metrics are kept one list per
# field (a column), not one list per metric: JSON reads a few long lists of plain values
# faster than many short ones, and a column is checked and turned into named tuples by
# builtins running over the whole list (`map`, `set`, `zip`) instead of a Python loop per
# metric (100,000 metrics: 0.25 s instead of 0.38 s, measured; JSON 0.08 s instead of
# 0.11, checking and building 0.17 s instead of 0.27). The few fields that
# are rarely set (`keep`, `computed_from`, `formula`) are kept as rows with the metric's
# index. test_cache round-trips a metric with every field set.

_STR: frozenset[type] = frozenset({str})
_STR_OR_NONE: frozenset[type] = frozenset({str, type(None)})
_FLOAT_OR_NONE: frozenset[type] = frozenset({float, type(None)})
_INT: frozenset[type] = frozenset({int})
_BOOL: frozenset[type] = frozenset({bool})
_LIST: frozenset[type] = frozenset({list})


def encode(reading: FileReading) -> dict[str, Any]:
    return {
        "ok": reading.ok,
        "metrics": _metric_columns(reading.metrics),
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


def _metric_columns(metrics: list[Metric]) -> dict[str, list[Any]]:
    links = [link for metric in metrics for link in metric.drives]
    keeps, derived, formulas = [], [], []
    for index, metric in enumerate(metrics):
        if metric.keep is not None:
            keep = metric.keep
            until = None if keep.until is None else keep.until.toordinal()
            where = keep.location
            keeps.append([index, where.line, where.column, keep.reason, until, keep.by])
        for link in metric.computed_from:
            where = link.location
            derived.append([index, link.source, where.line, where.column])
        if metric.formula is not None:
            at = metric.formula_at
            formulas.append([index, metric.formula, *([] if at is None else [at.line, at.column])])
    return {
        "id": [m.id for m in metrics],
        "line": [m.location.line for m in metrics],
        "column": [m.location.column for m in metrics],
        "name": [m.name for m in metrics],
        "description": [m.description for m in metrics],
        "owner": [m.owner for m in metrics],
        "team": [m.team for m in metrics],
        "unit": [m.unit for m in metrics],
        "source": [m.source for m in metrics],
        "tags": [list(m.tags) for m in metrics],
        "status": [m.status for m in metrics],
        "revenue": [m.revenue for m in metrics],
        "value": [m.value for m in metrics],
        "drives": [len(m.drives) for m in metrics],
        "target": [link.target for link in links],
        "target_line": [link.location.line for link in links],
        "target_column": [link.location.column for link in links],
        "note": [link.note for link in links],
        "elasticity": [link.elasticity for link in links],
        "confidence": [link.confidence for link in links],
        "sign": [link.sign for link in links],
        "keep": keeps,
        "computed_from": derived,
        "formula": formulas,
    }


class _Bad(Exception):
    """The entry does not hold what `encode` writes."""


def decode(file: str, plain: Any) -> FileReading:
    """A reading from its entry, every value checked (raises `_Bad` otherwise)."""
    if not isinstance(plain, dict) or type(plain.get("ok")) is not bool:
        raise _Bad
    columns = plain["metrics"]
    links = plain["links"]
    findings = plain["findings"]
    if not (isinstance(columns, dict) and isinstance(links, list) and isinstance(findings, list)):
        raise _Bad
    return FileReading(
        plain["ok"],
        _metrics(file, columns),
        [_link(file, row) for row in links],
        [_finding(row) for row in findings],
    )


def _column(columns: dict[str, Any], name: str, types: frozenset[type], length: int) -> list[Any]:
    """The column `name`: a list of `length` values of the given types."""
    values = columns[name]
    if type(values) is not list or len(values) != length or not set(map(type, values)) <= types:
        raise _Bad
    return values


def _positions(*columns: list[int]) -> None:
    for values in columns:
        if values and min(values) < 1:
            raise _Bad


def _numbers(values: list[Any]) -> None:
    if any(map(math.isnan, filter(partial(is_not, None), values))):
        raise _Bad


def _choices(values: list[Any], choices: frozenset[str | None]) -> None:
    # Only after the types are checked: a list among the values is not hashable.
    if not set(values) <= choices:
        raise _Bad


def _shared(values: list[Any]) -> list[Any]:
    """The column with each distinct value held once (owners, teams and units repeat)."""
    seen: dict[Any, Any] = {}
    return list(map(seen.setdefault, values, values))


_STATUSES = frozenset(STATUSES)
_CONFIDENCES = frozenset((*CONFIDENCES, None))
_SIGNS = frozenset((*SIGNS, None))


class _Columns(NamedTuple):
    """An entry's columns, each checked: what every metric and every link holds."""

    ids: list[str]
    lines: list[int]
    columns: list[int]
    names: list[str]
    descriptions: list[str | None]
    owners: list[str | None]
    teams: list[str | None]
    units: list[str | None]
    sources: list[str | None]
    tags: list[list[str]]
    statuses: list[str]
    revenue: list[bool]
    values: list[float | None]
    drives: list[int]
    targets: list[str]
    target_lines: list[int]
    target_columns: list[int]
    notes: list[str | None]
    elasticities: list[float | None]
    confidences: list[str | None]
    signs: list[str | None]


def _metrics(file: str, plain: Any) -> list[Metric]:
    columns = _checked(plain)
    keeps, derived, formulas, formulas_at = _rarely_set(file, plain, columns.ids)
    # Built with tuple.__new__, skipping the named tuples' argument handling: every value
    # is checked, and the fields are given in order.
    new: Any = tuple.__new__
    link_sources = chain.from_iterable(map(repeat, columns.ids, columns.drives))
    link_places = map(
        new, repeat(Location), zip(repeat(file), columns.target_lines, columns.target_columns)
    )
    every_link = map(
        new,
        repeat(Link),
        zip(
            link_sources,
            columns.targets,
            link_places,
            columns.notes,
            columns.elasticities,
            columns.confidences,
            repeat("drives"),
            columns.signs,
        ),
    )
    # Each metric's links: the next `drives[i]` of them (islice of 0 gives the empty tuple).
    by_metric = list(map(tuple, map(islice, repeat(every_link), columns.drives)))
    places = map(new, repeat(Location), zip(repeat(file), columns.lines, columns.columns))
    return list(
        map(
            new,
            repeat(Metric),
            zip(
                columns.ids,
                places,
                columns.names,
                columns.descriptions,
                columns.owners,
                columns.teams,
                columns.units,
                columns.sources,
                map(tuple, columns.tags),
                columns.statuses,
                columns.revenue,
                by_metric,
                keeps,
                columns.values,
                derived,
                formulas,
                formulas_at,
                strict=True,
            ),
        )
    )


def _checked(plain: Any) -> _Columns:
    """The columns of an entry's metrics, each of the right length and types, its
    positions, numbers and choices valid (raises `_Bad` otherwise)."""
    ids = plain["id"]
    if type(ids) is not list:
        raise _Bad
    count = len(ids)
    _column(plain, "id", _STR, count)
    owners, teams, units, sources = (
        _shared(_column(plain, name, _STR_OR_NONE, count))
        for name in ("owner", "team", "unit", "source")
    )
    tags = _column(plain, "tags", _LIST, count)
    if not set(map(type, chain.from_iterable(tags))) <= _STR:
        raise _Bad
    drives = _column(plain, "drives", _INT, count)
    if drives and min(drives) < 0:
        raise _Bad
    links = sum(drives)
    columns = _Columns(
        ids,
        _column(plain, "line", _INT, count),
        _column(plain, "column", _INT, count),
        _column(plain, "name", _STR, count),
        _column(plain, "description", _STR_OR_NONE, count),
        owners,
        teams,
        units,
        sources,
        tags,
        _shared(_column(plain, "status", _STR, count)),
        _column(plain, "revenue", _BOOL, count),
        _column(plain, "value", _FLOAT_OR_NONE, count),
        drives,
        _column(plain, "target", _STR, links),
        _column(plain, "target_line", _INT, links),
        _column(plain, "target_column", _INT, links),
        _column(plain, "note", _STR_OR_NONE, links),
        _column(plain, "elasticity", _FLOAT_OR_NONE, links),
        _column(plain, "confidence", _STR_OR_NONE, links),
        _column(plain, "sign", _STR_OR_NONE, links),
    )
    _choices(columns.statuses, _STATUSES)
    _choices(columns.confidences, _CONFIDENCES)
    _choices(columns.signs, _SIGNS)
    _numbers(columns.values)
    _numbers(columns.elasticities)
    _positions(columns.lines, columns.columns, columns.target_lines, columns.target_columns)
    return columns


def _rarely_set(
    file: str, plain: Any, ids: list[str]
) -> tuple[list[Keep | None], list[tuple[Link, ...]], list[str | None], list[Location | None]]:
    """Each metric's `keep`, `computed_from`, `formula` and where the formula is, from the
    rows of the few metrics that set them (checked; raises `_Bad` otherwise)."""
    count = len(ids)
    keeps: list[Keep | None] = [None] * count
    derived: list[tuple[Link, ...]] = [()] * count
    formulas: list[str | None] = [None] * count
    formulas_at: list[Location | None] = [None] * count
    for row in _rows(plain, "keep", 6, count):
        index, line, column, reason, until, by = row
        _position(line, column)
        _text(reason, optional=True)
        _text(by, optional=True)
        if until is not None:
            if type(until) is not int or not _FIRST_DAY <= until <= _LAST_DAY:
                raise _Bad
            until = date.fromordinal(until)
        if keeps[index] is not None:
            raise _Bad
        keeps[index] = Keep(Location(file, line, column), reason, until, by)
    for index, source, line, column in _rows(plain, "computed_from", 4, count):
        _text(source)
        _position(line, column)
        link = Link(source, ids[index], Location(file, line, column), kind="computed_from")
        derived[index] = (*derived[index], link)
    for row in _rows(plain, "formula", (2, 4), count):
        index, text = row[0], row[1]
        _text(text)
        if formulas[index] is not None:
            raise _Bad
        formulas[index] = text
        if len(row) == 4:
            _position(row[2], row[3])
            formulas_at[index] = Location(file, row[2], row[3])
    return keeps, derived, formulas, formulas_at


_FIRST_DAY = date.min.toordinal()
_LAST_DAY = date.max.toordinal()


def _rows(columns: dict[str, Any], name: str, size: int | tuple[int, ...], count: int) -> list[Any]:
    """The sparse rows `name`, each a list of `size` values starting with a metric's index."""
    rows = columns[name]
    sizes = (size,) if isinstance(size, int) else size
    if type(rows) is not list:
        raise _Bad
    for row in rows:
        if type(row) is not list or len(row) not in sizes:
            raise _Bad
        index = row[0]
        if type(index) is not int or not 0 <= index < count:
            raise _Bad
    return rows


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
