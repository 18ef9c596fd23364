"""Reading a values file: CSV of each metric's value per period, every problem located.

Two shapes, told apart by the header:

    period,metric,value          period,sqls,win_rate,deal_size
    2026-09,sqls,100             2026-09,100,0.20,1000
    2026-09,win_rate,0.20        2026-10,120,0.25,900

A metric is named by its id, or by its name as the catalog or a BI tool shows it: exports
label their columns (Lightdash writes "Total revenue", or "Orders Total revenue" with table
names), and such a file is read as it is when the label names one metric only.

A problem never becomes a number: a value that is not one, or that is given twice, is left
out (and reported at its line and column), so what is computed from the rest is right or
absent, never silently wrong. Only when nothing usable remains can revtrace not run.
The CSV is split here rather than by the `csv` module so that each field keeps its column.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field

from revtrace.model.catalog import Location, Metric
from revtrace.model.findings import Finding
from revtrace.model.wording import plural, suggest
from revtrace.values.periods import PeriodError, gap_after, parse_period, period_text
from revtrace.values.problems import VALUES_PROBLEM

#: A values file is data, and can be large (10,000 metrics × 36 months in long form is
#: about 12 MB); beyond this it is refused rather than read into memory.
MAX_VALUES_BYTES = 256 * 1024 * 1024
#: Findings of one kind beyond this are counted, not listed (a file of a million bad rows
#: must not print a million lines).
MAX_FINDINGS_PER_KIND = 50


#: The first column of the wide form: `period`, or the time dimension MetricFlow exports
#: (`mf query --metrics revenue,orders --group-by metric_time__month --csv values.csv`).
_PERIOD_COLUMN = re.compile(r"\A(?:period|metric_time(?:__[a-z]+)?)\Z")
#: The words of a field name, as Lightdash makes its default label (`friendlyName`).
_WORDS = re.compile(r"[0-9]*[A-Za-z][a-z]*|[0-9]+")


class ValuesUnreadable(Exception):
    """The file cannot be used at all; `location` says where, when there is a place."""

    def __init__(
        self, reason: str, location: Location | str, findings: list[Finding] | None = None
    ) -> None:
        super().__init__(f"{location}: {reason}")
        self.reason = reason
        self.location = location
        #: The problems found before it gave up (each says why a value was left out).
        self.findings = findings or []


@dataclass(frozen=True)
class ValueTable:
    """Each metric's value per period, periods in chronological order."""

    file: str
    granularity: str
    periods: tuple[str, ...]
    series: Mapping[str, tuple[float | None, ...]]
    #: Positions i where the period before periods[i] is missing from the file: the
    #: change from periods[i - 1] to periods[i] spans more than one period.
    gaps: frozenset[int] = frozenset()
    #: The metrics the file has a problem about (RT020): a value of theirs may have been
    #: left out, and what has none says why.
    troubled: frozenset[str] = frozenset()

    def __contains__(self, metric: object) -> bool:
        return metric in self.series

    def no_values(self, metric: str, what: str | None = None) -> str:
        """Why `metric` has no `what` (default: values for it): "no values for orders", or
        "no usable …" where the file has a problem about the metric (a value given twice,
        neither used, read as if the file had none)."""
        what = f"values for {metric}" if what is None else what
        if metric in self.troubled:
            return f"no usable {what} (the values file's warnings say why)"
        return f"no {what}"

    def value(self, metric: str, index: int) -> float | None:
        values = self.series.get(metric)
        return None if values is None else values[index]

    def index_of(self, text: str) -> int:
        """The position of a period written as text. Raises ValueError, with a message."""
        try:
            granularity, ordinal = parse_period(text.strip())
        except PeriodError as exc:
            raise ValueError(str(exc)) from None
        if granularity != self.granularity:
            raise ValueError(
                f"'{text}' is a {granularity}; the periods of {self.file} are "
                f"{self.granularity}s ({self.periods[0]} … {self.periods[-1]})"
            )
        for position, period in enumerate(self.periods):
            if parse_period(period)[1] == ordinal:
                return position
        raise ValueError(
            f"{self.file} has no values for {text} (it covers {self.periods[0]} … "
            f"{self.periods[-1]})"
        )


@dataclass
class _Reading:
    """The state of one read: what has been kept, and what has been reported."""

    file: str
    known: Collection[str] | None
    #: The catalog's metrics, to read columns named by a metric's name (see `lookup`).
    catalog: Mapping[str, Metric] | None = None
    granularity: str | None = None
    granularity_line: int = 0
    #: ordinal → (the period as first written, its line)
    periods: dict[int, tuple[str, int]] = field(default_factory=dict)
    #: metric → ordinal → (value, line); None once a second value made it unusable
    cells: dict[str, dict[int, tuple[float | None, int]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)
    #: A folded name → the ids of the metrics it names; built when a name is first met.
    labels: dict[str, list[str]] | None = None
    #: The metrics a problem was reported about (past the listing's limit too).
    troubled: set[str] = field(default_factory=set)

    def report(
        self, kind: str, message: str, line: int, column: int, metric: str | None = None
    ) -> None:
        if metric is not None:
            self.troubled.add(metric)
        count = self.counts.get(kind, 0) + 1
        self.counts[kind] = count
        if count <= MAX_FINDINGS_PER_KIND:
            location = Location(self.file, line, column)
            self.findings.append(VALUES_PROBLEM.finding(message, location, metric))

    def summarise(self) -> None:
        for kind, count in self.counts.items():
            if count > MAX_FINDINGS_PER_KIND:
                more = count - MAX_FINDINGS_PER_KIND
                self.findings.append(
                    VALUES_PROBLEM.finding(
                        f"{plural(more, 'more problem')} like the ones above ({kind}) not listed",
                        Location(self.file, 1, 1),
                    )
                )

    def period(self, text: str, line: int, column: int) -> int | None:
        """The ordinal of a row's period, or None (reported) when it cannot be used."""
        try:
            granularity, ordinal = parse_period(text)
        except PeriodError as exc:
            self.report("period", str(exc), line, column)
            return None
        if self.granularity is None:
            self.granularity, self.granularity_line = granularity, line
        elif granularity != self.granularity:
            self.report(
                "granularity",
                f"'{text}' is a {granularity}, but the file's periods are {self.granularity}s"
                f" (from line {self.granularity_line}); one granularity per file: row left out",
                line,
                column,
            )
            return None
        self.periods.setdefault(ordinal, (period_text(text), line))
        return ordinal

    def lookup(self, text: str) -> list[str]:
        """The metrics a column or a row names: its id, else those whose name it is, as
        the catalog gives it or as Lightdash labels it by default (`unique_deals` is
        "Unique deals", "Orders Unique deals" with the table's name), letter case and
        spacing aside. Several when the name is ambiguous; none when nothing is named."""
        if self.known is None or text in self.known:
            return [text]
        if self.catalog is None:
            return []
        if self.labels is None:
            self.labels = _labels(self.catalog)
        return self.labels.get(_fold(text), [])

    def metric(self, text: str, line: int, column: int) -> str | None:
        """The id of the metric a column or a row names, or None (reported once per text)
        when it names none, or several."""
        if not text:
            self.report("metric", "a row without a metric id", line, column)
            return None
        found = self.lookup(text)
        if len(found) == 1:
            return found[0]
        if text not in self.unknown:
            self.unknown[text] = line
            if found:
                names = ", ".join(found[:3]) + (", …" if len(found) > 3 else "")
                message = (
                    f"'{text}' is the name of {len(found)} metrics ({names}), so its values"
                    " are not used: name the column by the metric's id (from Lightdash:"
                    " export with table names)"
                )
                self.report("ambiguous", message, line, column)
            else:
                self.report(
                    "unknown",
                    f"'{text}' is not a metric of the catalog, so its values are not used"
                    + (self.named_after(text) or suggest(text, self.known or ())),
                    line,
                    column,
                    text,
                )
        return None

    def named_after(self, text: str) -> str:
        """`; did you mean 'deals.won'?` when the text ends with one metric's name after
        words revtrace cannot check (a table's own label in Lightdash, "Pipeline Won
        deals"): said, never used, as the words before might name another table."""
        if self.labels is None:
            return ""
        words = _fold(text).split(" ")
        for start in range(1, len(words)):
            found = self.labels.get(" ".join(words[start:]), [])
            if len(found) == 1:
                return f"; did you mean '{found[0]}' (its name ends the column's)?"
            if found:
                return (
                    f"; it ends with the name of {len(found)} metrics"
                    f" ({', '.join(found[:3])}{', …' if len(found) > 3 else ''}): name the"
                    " column by the metric's id"
                )
        return ""

    def cell(self, metric: str, ordinal: int, text: str, line: int, column: int) -> None:
        value = self.number(text, line, column, metric)
        row = self.cells.setdefault(metric, {})
        previous = row.get(ordinal)
        if previous is not None:
            self.report(
                "duplicate",
                f"a second value for '{metric}' in {self.periods[ordinal][0]} (the first is"
                f" on line {previous[1]}): neither is used",
                line,
                column,
                metric,
            )
            row[ordinal] = (None, previous[1])
            return
        if text.strip() == "" and value is None:
            return  # an empty cell: no value for that period, said plainly by the file
        row[ordinal] = (value, line)

    def number(self, text: str, line: int, column: int, metric: str) -> float | None:
        text = text.strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            hint = ""
            if "," in text:
                hint = " (write numbers without thousands separators: 1234.5)"
            elif text.endswith("%"):
                hint = " (write a percentage as a fraction: 12% is 0.12)"
            elif text[:1] in "$€£¥":
                hint = " (write amounts without a currency sign)"
            shown = text if len(text) <= 40 else text[:40] + "…"
            self.report("number", f"'{shown}' is not a number{hint}", line, column, metric)
            return None
        if not math.isfinite(value):
            self.report("number", f"'{text}' is not a finite number", line, column, metric)
            return None
        return value


def read_values(
    path: str | os.PathLike[str], known: Mapping[str, Metric] | Collection[str] | None = None
) -> tuple[ValueTable, list[Finding]]:
    """Read a values file; `known` are the catalog's metric ids (others are reported), or
    its metrics by id (then a column may name a metric by its name too). Raises
    ValuesUnreadable when it cannot be read or nothing usable remains."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read(MAX_VALUES_BYTES + 1)
    except IsADirectoryError:
        raise ValuesUnreadable("is a directory, not a values file", name) from None
    except FileNotFoundError:
        raise ValuesUnreadable("no such file", name) from None
    except OSError as exc:
        raise ValuesUnreadable(exc.strerror or "cannot be read", name) from None
    return read_values_bytes(data, name, known)


def read_values_bytes(
    data: bytes, name: str, known: Mapping[str, Metric] | Collection[str] | None = None
) -> tuple[ValueTable, list[Finding]]:
    if len(data) > MAX_VALUES_BYTES:
        raise ValuesUnreadable(f"larger than the {MAX_VALUES_BYTES // 2**20} MiB limit", name)
    text = _decode(data, name)
    reading = _Reading(name, known, known if isinstance(known, Mapping) else None)
    rows = _rows(text, reading)
    header = next(rows, None)
    if header is None:
        raise ValuesUnreadable(
            "the file is empty: write a header (period,metric,value)", Location(name, 1, 1)
        )
    line, fields = header
    names = [f.casefold() for f, _ in fields]
    if {"period", "metric", "value"} <= set(names):
        _long(rows, reading, names.index("period"), names.index("metric"), names.index("value"))
    elif len(names) > 1 and _PERIOD_COLUMN.match(names[0]):
        _wide(rows, reading, fields, line, named=True)
    elif len(names) > 1 and any(reading.lookup(f) for f, _ in fields[1:]):
        # An export whose first column is its time dimension, under its own label
        # (Lightdash: "Order date month").
        _wide(rows, reading, fields, line, named=False)
    else:
        raise ValuesUnreadable(
            "the header must be period,metric,value (long form) or period,<metric>,…"
            " (wide form: the periods first, then one column per metric, named by its id"
            " or its name; MetricFlow's metric_time__month,<metric>,… too)",
            Location(name, line, 1),
        )
    try:
        table = _table(reading)
    finally:
        reading.summarise()
    return table, sorted(reading.findings, key=Finding.sort_key)


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data:
        raise ValuesUnreadable("a binary file, not CSV text", name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ValuesUnreadable(
            "not UTF-8 text (save it as UTF-8)", Location(name, line, column)
        ) from None
    return text.removeprefix("\ufeff")


def _rows(text: str, reading: _Reading) -> Iterator[tuple[int, list[tuple[str, int]]]]:
    """(line, [(field, column)]) for each non-blank line; a line that cannot be split is
    reported and left out."""
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        fields = _split(line)
        if isinstance(fields, tuple):
            message, column = fields
            reading.report("csv", message, number, column)
            continue
        yield number, fields


def _split(line: str) -> list[tuple[str, int]] | tuple[str, int]:
    """The fields of one CSV line with the column (from 1) each starts at; or (what is
    wrong, column). Quoted fields (with commas in them, or a doubled quote for a quote)
    are read; a quote left open at the end of the line is an error: values never span
    lines."""
    if '"' not in line:
        # The common case, without quotes: a plain split, each column counted once.
        fields = []
        column = 1
        for text in line.split(","):
            fields.append((text.strip(), column))
            column += len(text) + 1
        return fields
    fields = []
    position = 0
    while True:
        start = position
        if line.startswith('"', position):
            parts = []
            cursor = position + 1
            while True:
                close = line.find('"', cursor)
                if close < 0:
                    return (f"a quote opened at column {start + 1} is never closed", start + 1)
                parts.append(line[cursor:close])
                if line.startswith('"', close + 1):
                    parts.append('"')
                    cursor = close + 2
                    continue
                position = close + 1
                break
            rest = line.find(",", position)
            if line[position : len(line) if rest < 0 else rest].strip():
                return ("text after a closing quote", position + 1)
            value = "".join(parts)
            position = len(line) if rest < 0 else rest
        else:
            end = line.find(",", position)
            end = len(line) if end < 0 else end
            value = line[position:end].strip()
            position = end
        fields.append((value, start + 1))
        if position >= len(line):
            return fields
        position += 1  # the comma


def _long(
    rows: Iterator[tuple[int, list[tuple[str, int]]]],
    reading: _Reading,
    period_at: int,
    metric_at: int,
    value_at: int,
) -> None:
    needed = max(period_at, metric_at, value_at) + 1
    for line, fields in rows:
        if len(fields) < needed:
            reading.report(
                "fields",
                f"{plural(len(fields), 'field')}; the header has at least {needed}: row left out",
                line,
                1,
            )
            continue
        ordinal = reading.period(fields[period_at][0], line, fields[period_at][1])
        if ordinal is None:
            continue
        text, column = fields[metric_at]
        metric = reading.metric(text, line, column)
        if metric is None:
            continue
        value, value_column = fields[value_at]
        reading.cell(metric, ordinal, value, line, value_column)


def _wide(
    rows: Iterator[tuple[int, list[tuple[str, int]]]],
    reading: _Reading,
    header: list[tuple[str, int]],
    header_line: int,
    *,
    named: bool,
) -> None:
    """The wide form; `named`: the first column's header says it is the period (else it
    must hold periods, which its first row shows)."""
    columns: list[tuple[int, str]] = []
    seen: dict[str, tuple[str, int]] = {}
    for position, (text, column) in enumerate(header[1:], 1):
        metric = reading.metric(text, header_line, column)
        if metric is None:
            continue
        if metric in seen:
            first, at = seen[metric]
            again = (
                f"is a column twice (first at column {at})"
                if first == text
                else f"names the same metric as '{first}' (column {at})"
            )
            reading.report(
                "header",
                f"'{text}' {again}: neither is used",
                header_line,
                column,
                metric,
            )
            columns = [(p, m) for p, m in columns if m != metric]
            continue
        seen[metric] = (text, column)
        columns.append((position, metric))
    used = {position for position, _ in columns}
    others = [position for position in range(1, len(header)) if position not in used]
    first_row: dict[int, tuple[int, list[str]]] = {}
    for line, fields in rows:
        if not named:
            _holds_periods(reading, header[0][0], line, fields[0])
            named = True
        ordinal = reading.period(fields[0][0], line, fields[0][1])
        if ordinal is None:
            continue
        _one_row_per_period(reading, header, others, first_row, ordinal, line, fields)
        if len(fields) != len(header):
            reading.report(
                "fields",
                f"{plural(len(fields), 'field')}; the header has {len(header)}",
                line,
                fields[-1][1],
            )
        for position, metric in columns:
            if position < len(fields):
                value, column = fields[position]
                reading.cell(metric, ordinal, value, line, column)


def _holds_periods(reading: _Reading, name: str, line: int, cell: tuple[str, int]) -> None:
    """Stop at the first row when a first column under another name than `period` holds
    no periods: then the file is not in the wide form, and each row's "not a period"
    would hide that."""
    try:
        parse_period(cell[0])
    except PeriodError as exc:
        raise ValuesUnreadable(
            f"the first column, '{name}', holds no periods ({exc}): put the periods first,"
            " then one column per metric",
            Location(reading.file, line, cell[1]),
            reading.findings,
        ) from None


def _one_row_per_period(
    reading: _Reading,
    header: list[tuple[str, int]],
    others: list[int],
    first: dict[int, tuple[int, list[str]]],
    ordinal: int,
    line: int,
    fields: list[tuple[str, int]],
) -> None:
    """Refuse a wide file grouped by more than the period: two rows of one period that
    differ in a column that is no metric (MetricFlow's `--group-by metric_time__month,
    customer__region`) hold each region's values, and no row is the period's total. Read
    cell by cell, each such value was "given twice" and left out, but a period with one
    region's row only kept it, as if it were the total."""
    dimensions = [fields[p][0] if p < len(fields) else "" for p in others]
    earlier, before = first.setdefault(ordinal, (line, dimensions))
    differ = [p for p, a, b in zip(others, before, dimensions, strict=True) if a != b]
    if not differ:
        return
    names = ", ".join(repr(header[p][0]) for p in differ)
    raise ValuesUnreadable(
        f"{reading.periods[ordinal][0]} is on line {earlier} too, with another {names}: the"
        " values are grouped by more than the period, so no row is the period's total;"
        " export one row per period (MetricFlow: --group-by metric_time__month alone)",
        Location(reading.file, line, fields[differ[0]][1] if differ[0] < len(fields) else 1),
        reading.findings,
    )


def _fold(text: str) -> str:
    """A name as compared: letter case and runs of spaces aside."""
    return " ".join(text.split()).casefold()


def _friendly(name: str) -> str:
    """Lightdash's default label of a field or table name, folded: `unique_deals`, and
    `uniqueDeals` are "unique deals" (its `friendlyName`)."""
    if name.isascii() and name.islower() and name.replace("_", "").isalpha():
        return " ".join(filter(None, name.split("_")))  # the usual id, the same, quicker
    words: list[str] = []
    for part in filter(None, name.split("_")):
        text = part.lower() if part == part.upper() else part
        words.extend(_WORDS.findall(text) or [part])
    return _fold(" ".join(words))


def _labels(metrics: Mapping[str, Metric]) -> dict[str, list[str]]:
    """Each name a column may give a metric by (folded) → the metrics it names: the
    catalog's name, the id's default label and, for an id `table.field` (Lightdash's),
    both with the table's default label before them."""
    labels: dict[str, list[str]] = {}
    for metric_id, metric in metrics.items():
        table, _, name = metric_id.rpartition(".")
        own = {_fold(metric.name), _friendly(name)}
        if table:
            prefix = _friendly(table)
            own |= {f"{prefix} {label}" for label in own}
        for label in own:
            labels.setdefault(label, []).append(metric_id)
    return labels


def _table(reading: _Reading) -> ValueTable:
    name = reading.file
    ordinals = sorted(reading.periods)
    if not ordinals or reading.granularity is None:
        raise ValuesUnreadable(
            "no usable rows: the file has a header and "
            + ("no row that can be used (see above)" if reading.findings else "no values"),
            name,
            reading.findings,
        )
    position = {ordinal: i for i, ordinal in enumerate(ordinals)}
    series: dict[str, tuple[float | None, ...]] = {}
    for metric, cells in reading.cells.items():
        values: list[float | None] = [None] * len(ordinals)
        for ordinal, (value, _) in cells.items():
            values[position[ordinal]] = value
        if any(v is not None for v in values):
            series[metric] = tuple(values)
    if not series:
        raise ValuesUnreadable("no usable values: every value was left out", name, reading.findings)
    if len(ordinals) < 2:
        raise ValuesUnreadable(
            f"one period only ({reading.periods[ordinals[0]][0]}): a change needs two",
            name,
            reading.findings,
        )
    gaps = gap_after(reading.granularity, ordinals)
    for i in gaps:
        text, line = reading.periods[ordinals[i]]
        before = reading.periods[ordinals[i - 1]][0]
        reading.report(
            "gap",
            f"a gap before {text}: the period after {before} is missing; the change across"
            " the gap is not used by fit",
            line,
            1,
        )
    return ValueTable(
        name,
        reading.granularity,
        tuple(reading.periods[o][0] for o in ordinals),
        series,
        frozenset(gaps),
        frozenset(reading.troubled),
    )
