"""A command's whole output, kept in the cache under everything it depends on.

The per-file cache (`revtrace.load.cache`) saves reading the files that did not change;
the graph and the rules still look at the whole catalog. When *nothing* changed (the
common case in pre-commit and CI re-runs), the document the command printed last time is
the answer: it is printed again, with the same exit code, without loading or analysing
anything.

The key is everything the document depends on: each catalog file's name and bytes, the
values file's and the baseline's bytes, the effective settings, the options, today's
date (a `keep` exception can expire), the current folder, the versions (in the store's
key) and, for text on a terminal, the terminal as rich sees it (size, colours,
encoding). A run whose inputs cannot all be read is not kept (the ordinary path reports
why). Used by `audit` and `report`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revtrace.cli.session import Session, emit, terminal, today

if TYPE_CHECKING:
    from revtrace.load.store import EntryWriter

KIND = "runs"
#: A values file or baseline larger than this is not keyed (the values file's own limit).
MAX_KEYED_BYTES = 256 * 1024 * 1024
#: Whole outputs kept: the last few runs, and at most so many bytes of them (a
#: 1,000,000-metric audit's JSON is 400 MB: the newest is always kept).
KEEP = 16
MAX_BYTES = 1 << 30


def answer(
    run: Session, command: str, options: dict[str, Any], output: Path | None, force: bool
) -> tuple[str | None, int | None]:
    """(the key to keep this run's output under, the exit code of a run with exactly the
    same inputs whose output was just printed again from the cache, or None). Text on
    the terminal is kept per terminal, as rich sees it."""
    if run.store is None:
        return None, None
    if options.get("format") == "text" and output is None:
        screen = terminal()
        if screen["legacy_windows"]:
            return None, None  # styles go to the console by calls, not in the text
        options = {**options, "terminal": screen}
    entry_key = key(run, command, options)
    return entry_key, replay(run, entry_key, output, force)


def key(run: Session, command: str, options: dict[str, Any]) -> str | None:
    """The cache key of this run's output; None when it is not to be cached."""
    store = run.store
    if store is None:
        return None
    described = json.dumps(
        {
            "command": command,
            "options": options,
            "settings": asdict(run.settings),
            "arguments": run.arguments,
            "today": today().isoformat(),
            "folder": os.getcwd(),
        },
        sort_keys=True,
        default=str,
    )
    parts: list[str | bytes] = [described]
    for name, data in run.sources:
        parts += [name, data]
    for extra in (run.settings.values, run.settings.baseline):
        if extra is not None:
            content = _read(extra)
            if content is None:
                return None
            parts += [extra, content]
    return store.key("run", *parts)


def replay(run: Session, entry_key: str | None, output: Path | None, force: bool) -> int | None:
    """Print the output kept under `entry_key` (as the run printed it) and return its exit
    code; None, printing nothing, when there is none."""
    store = run.store
    if entry_key is None or store is None:
        return None
    binary = getattr(sys.stdout, "buffer", None)
    if output is None and binary is not None and _utf8(sys.stdout):
        # The bytes as they were kept, checked whole first, then copied in pieces: a
        # 1,000,000-metric audit's JSON is 360 MB, never needed in memory.
        sys.stdout.flush()
        fields = store.copy_to(KIND, entry_key, binary)
        binary.flush()
        if fields is not None:
            store.touch(KIND, entry_key)
        return _code(fields)
    entry = store.read(KIND, entry_key)
    if entry is None or _code(entry[0]) is None:
        return None
    try:
        document = entry[1].decode("utf-8")
    except UnicodeDecodeError:
        return None
    emit(document, output, force, run.files)
    store.touch(KIND, entry_key)
    return _code(entry[0])


def _code(fields: dict[str, Any] | None) -> int | None:
    code = None if fields is None else fields.get("code")
    return code if type(code) is int and code in (0, 1) else None


def _utf8(stream: Any) -> bool:
    encoding = getattr(stream, "encoding", None) or ""
    return encoding.lower().replace("-", "").replace("_", "") == "utf8"


@contextmanager
def recording(run: Session, entry_key: str | None, code: int) -> Iterator[EntryWriter | None]:
    """Where this run's output is copied as it is printed, for the next run with the same
    inputs: put in place when the output is complete, dropped if it is not (a closed
    pipe, an interruption)."""
    if entry_key is None or run.store is None:
        yield None
        return
    sink = run.store.writer(KIND, entry_key, {"code": code})
    try:
        yield sink
    except BaseException:
        sink.abandon()
        raise
    if sink.commit():
        run.store.prune(KIND, KEEP, MAX_BYTES)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_KEYED_BYTES + 1)
    except (OSError, ValueError):
        return None
    return data if len(data) <= MAX_KEYED_BYTES else None
