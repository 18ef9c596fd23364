r"""Reading a large catalog in two halves, on two processor cores.

Most of a large audit is spent turning YAML events into metrics (about 1.7 s of a
100,000-metric file in one process), and the work is the same for every metric. So this
process reads one half while a forked copy of it reads the other and sends its metrics
back as plain tuples through a pipe (marshal; pickling the objects costs three times as
much).

- A catalog of several files, none of them most of it, is cut between files: the second
  process reads the later files. A file it finds anything to report in is read again
  here, in order, so findings and duplicate ids come out exactly as always.
- One large file is cut between two metrics, as follows.

The result must be exactly what reading the whole file gives, so the cut is only made
where that is certain, and the halves are only used when both read cleanly:

- before `metrics:` there is nothing but comments, blank lines, `---` and a
  `version: N` line, and after it nothing starts at column 0 but comments: the metrics
  mapping runs to the end of the file, and nothing else is cut;
- the cut is at a line that starts a metric id at the indentation of the metric ids.
  A line indented that little ends any plain or block scalar in YAML, so the first half
  reads as a prefix of the whole; and if the cut falls inside a quoted scalar or a flow
  collection, one half does not parse;
- the second half is read with blank lines standing in for the first half (and
  `version`/`metrics:` on the last two of them), so every line and column is exact
  (the first half must have no line break YAML counts other than \n and \r\n);
- either half reporting anything at all, a metric id in both halves, or the forked
  process failing in any way, and the file is read again the ordinary way, which reports
  what there is to report exactly as it always does.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from revtrace.model.catalog import Keep, Link, Location, Metric

#: Catalogs smaller than this (characters of a file, bytes of several) are read in one
#: process: below it the saving is a few milliseconds (25 ms against 31 ms at 300 KB),
#: and ordinary catalogs never fork.
MIN_CHARS = 1_000_000

#: The share of the metrics this process reads itself.
SHARE = 0.5

_HEADER_LINE = re.compile(r"[ \t]*(?:#.*)?|---[ \t]*(?:#.*)?|version:[ \t]*\d+[ \t]*(?:#.*)?")
_METRICS_LINE = re.compile(r"^metrics:[ \t]*(?:#[^\n]*)?\r?\n", re.MULTILINE)
_AT_COLUMN_0 = re.compile(r"\n[^\s#]")
#: The first metric id: after blank and comment lines only, indented, a word or a quote.
_FIRST_ID = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*( +)[\w\"']")


Reader = Callable[[str, str], "list[Metric] | None"]


def available() -> bool:
    """Whether this platform can fork safely for this purpose (Linux and the BSDs; macOS
    system libraries are not fork-safe, Windows has no fork)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def split(text: str) -> tuple[str, str] | None:
    """The two halves to read, or None when the file cannot be cut with certainty."""
    metrics_line = _METRICS_LINE.search(text)
    if metrics_line is None:
        return None
    header = text[: metrics_line.start()]
    if not all(_HEADER_LINE.fullmatch(line.rstrip("\r")) for line in header.split("\n")):
        return None
    body_start = metrics_line.end()
    if _AT_COLUMN_0.search(text, body_start - 1) is not None:
        return None
    first_id = _FIRST_ID.match(text, body_start)
    if first_id is None:
        return None
    indent = len(first_id.group(1))
    cut_line = re.compile(rf"\n {{{indent}}}[\w\"']")
    # Near the middle: the second process also encodes its metrics for the trip back, and
    # this one decodes them, which about evens out.
    cut = cut_line.search(text, first_id.end() + int((len(text) - first_id.end()) * SHARE))
    if cut is None:
        return None
    position = cut.start() + 1
    first = text[:position]
    if _other_breaks(first):
        return None
    line = text.count("\n", 0, position)  # the 0-based line the second half starts on
    second = "\n" * (line - 2) + "version: 1\nmetrics:\n" + text[position:]
    return first, second


def _other_breaks(text: str) -> bool:
    r"""Whether `text` has a line break YAML counts besides \n and \r\n (a lone \r, NEL,
    LS or PS): with one in the first half, counting \n would misplace every line of the
    second. (String scans, not a regular expression: this runs over megabytes.)"""
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        return True
    return "\r" in text and text.count("\r") != text.count("\r\n")


def read_in_two(file: str, text: str, read: Reader) -> list[Metric] | None:
    """The metrics of `file`, read in two processes with `read` (which returns None when
    it finds anything to report); None when the file must be read the ordinary way."""
    halves = split(text)
    if halves is None:
        return None
    first, second = halves
    try:
        child = _Child.start(lambda: marshal.dumps(encode(read(file, second))))
    except OSError:
        return None
    try:
        mine = read(file, first)
    finally:
        payload = child.result()
    if mine is None or payload is None:
        return None
    theirs = decode(file, marshal.loads(payload))
    if theirs is None:
        return None
    metrics = mine + theirs
    if len({metric.id for metric in metrics}) != len(metrics):
        return None  # reported, with both places, by the ordinary read
    return metrics


FileReader = Callable[[str, bytes], "list[Metric] | None"]


def read_later_files(
    sources: Sequence[tuple[str, bytes]], read: FileReader, min_chars: int | None = None
) -> _Later | None:
    """For a catalog of several files, none of them most of it: a second process reads
    the later files (about half the bytes) with `read`, which returns None for a file
    with anything to report, while this one reads the earlier ones. None when it is not
    worth it (one file, or one file most of the catalog: `read_in_two` cuts that one)."""
    sizes = [len(data) for _, data in sources]
    total = sum(sizes)
    if min_chars is None:
        min_chars = MIN_CHARS
    if len(sources) < 2 or total < min_chars or max(sizes) * 2 > total or not available():
        return None
    first_later = 1
    running = sizes[0]
    while running < total * SHARE and first_later < len(sources) - 1:
        running += sizes[first_later]
        first_later += 1
    later = list(enumerate(sources))[first_later:]

    def work() -> bytes:
        return marshal.dumps([(index, encode(read(name, data))) for index, (name, data) in later])

    try:
        child = _Child.start(work)
    except OSError:
        return None
    return _Later(child, {index: name for index, (name, _) in later})


class _Later:
    """The files a second process reads: each one's metrics, or None to read it here."""

    def __init__(self, child: _Child, names: dict[int, str]) -> None:
        self._child: _Child | None = child
        self._names = names
        self._metrics: dict[int, list[Metric] | None] = {}

    def take(self, index: int) -> list[Metric] | None:
        if index not in self._names:
            return None
        self.close()
        return self._metrics.pop(index, None)

    def close(self) -> None:
        """Wait for the second process (once), and keep what it read."""
        if self._child is None:
            return
        payload = self._child.result()
        self._child = None
        if payload is not None:
            for index, plain in marshal.loads(payload):
                self._metrics[index] = decode(self._names[index], plain)


#: The processes `in_background` started, for `wait_for_background`.
_BACKGROUND: list[int] = []


def in_background(work: Callable[[], object]) -> bool:
    """Run `work` in a forked process while this one goes on, its standard streams on
    /dev/null, so that a pipe or a terminal reading this process is not held by it. False
    when no process could be made. The command line waits for it before it exits
    (`wait_for_background`), after closing its own output.

    Started as soon as there is work, not as this process leaves (tried: 0.05 s faster on
    a 100,000-metric run, as the pages the run touches after a fork are copied): it is
    then nearly always done before the run is."""

    def detached() -> bytes:
        quiet = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(quiet, stream)
        work()
        return b""

    try:
        child = _Child.start(detached)
    except OSError:
        return False
    os.close(child.pipe)  # nothing comes back
    _BACKGROUND.append(child.pid)
    return True


def in_background_now() -> bool:
    """Whether work `in_background` started may still be going on."""
    return bool(_BACKGROUND)


def wait_for_background(seconds: float) -> bool:
    """Wait until the work `in_background` started has ended, for at most `seconds` (a
    stalled disk must not hold the command forever; the work then goes on alone). True
    when it has all ended: a container or a CI step that ends with this process, and a
    cache saved right after it, find the cache written whole."""
    deadline = time.monotonic() + seconds
    while _BACKGROUND:
        try:
            done, _ = os.waitpid(_BACKGROUND[0], os.WNOHANG)
        except ChildProcessError:
            done = _BACKGROUND[0]  # already reaped
        if done:
            _BACKGROUND.pop(0)
        elif time.monotonic() >= deadline:
            return False
        else:
            time.sleep(0.01)
    return True


class _Child:
    """A forked process computing bytes, and the pipe they come back through."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid = pid
        self.pipe = pipe

    @classmethod
    def start(cls, work: Callable[[], bytes]) -> _Child:
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork in a process with threads (the progress
            # spinner's): the child only parses, encodes and writes to a pipe, taking
            # no lock another thread could hold.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; its output is checked in the parent
            code = 1
            try:
                os.close(read_end)
                view = memoryview(work())
                while view:
                    view = view[os.write(write_end, view) :]
                code = 0
            finally:
                # Never return into the caller's code, never flush its buffers.
                os._exit(code)
        os.close(write_end)
        return cls(pid, read_end)

    def result(self) -> bytes | None:
        """The child's bytes, once it has exited; None if it failed."""
        chunks: list[bytes] = []
        try:
            while chunk := os.read(self.pipe, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self.pipe)
            _, status = os.waitpid(self.pid, 0)
        if status != 0 or not chunks:
            return None
        return b"".join(chunks)


# -- metrics as plain tuples ----------------------------------------------------------------
#
# One tuple per metric, in the named tuple's field order, each location as (line, column)
# (the file is the same for every location) and the date as an ordinal. test_parallel
# round-trips a metric with every field set.


def encode(metrics: list[Metric] | None) -> tuple[tuple[Any, ...], ...] | None:
    if metrics is None:
        return None
    rows = []
    for metric in metrics:
        where = metric.location
        drives = tuple(
            [
                (
                    link.target,
                    link.location.line,
                    link.location.column,
                    link.note,
                    link.elasticity,
                    link.confidence,
                    link.sign,
                )
                for link in metric.drives
            ]
        )
        derived = tuple(
            (link.source, link.location.line, link.location.column) for link in metric.computed_from
        )
        keep: tuple[Any, ...] | None = None
        if metric.keep is not None:
            given = metric.keep
            until = None if given.until is None else given.until.toordinal()
            keep = (given.location.line, given.location.column, given.reason, until, given.by)
        # metric[2:11] is name … revenue, in field order.
        rows.append(
            (
                metric.id,
                where.line,
                where.column,
                *metric[2:11],
                drives,
                keep,
                metric.value,
                derived,
                metric.formula,
                None if metric.formula_at is None else tuple(metric.formula_at[1:]),
            )
        )
    return tuple(rows)


def decode(file: str, plain: Any) -> list[Metric] | None:
    if plain is None:
        return None
    # Built with tuple.__new__, skipping the named tuples' argument handling: the values
    # come from `encode`, in field order, already checked by the reader in the child.
    new: Any = tuple.__new__
    metrics: list[Metric] = []
    for row in plain:
        metric_id = row[0]
        drives = row[12]
        if drives:
            drives = tuple(
                [
                    new(
                        Link,
                        (metric_id, target, new(Location, (file, line, col)), n, e, c, "drives", s),
                    )
                    for target, line, col, n, e, c, s in drives
                ]
            )
        derived = (
            tuple(
                [
                    Link(source, metric_id, Location(file, line, column), kind="computed_from")
                    for source, line, column in row[15]
                ]
            )
            if row[15]
            else ()
        )
        keep = row[13]
        if keep is not None:
            until = None if keep[3] is None else date.fromordinal(keep[3])
            keep = Keep(Location(file, keep[0], keep[1]), keep[2], until, keep[4])
        location = new(Location, (file, row[1], row[2]))
        formula_at = None if row[17] is None else Location(file, row[17][0], row[17][1])
        metrics.append(
            new(
                Metric,
                (
                    metric_id,
                    location,
                    *row[3:12],
                    drives,
                    keep,
                    row[14],
                    derived,
                    row[16],
                    formula_at,
                ),
            )
        )
    return metrics
