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
why), nor one that fails. Used by `audit`, `report`, and every command that reads a
catalog through `serve`; not by `diff` (two catalogs) or `import`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from revtrace.cli.session import (
    Session,
    answering,
    copied_stderr,
    emit,
    stdout_to_devnull,
    terminal,
    today,
)
from revtrace.cli.session import show as session_show
from revtrace.model.codes import EXIT_CLEAN

if TYPE_CHECKING:
    from revtrace.load.store import EntryWriter

KIND = "runs"
#: A values file or baseline larger than this is not keyed (the values file's own limit).
MAX_KEYED_BYTES = 256 * 1024 * 1024
#: Whole outputs kept: the last few runs, and at most so many bytes of them (a
#: 1,000,000-metric audit's JSON is 400 MB: the newest is always kept).
KEEP = 16
MAX_BYTES = 1 << 30


#: Parameters of a command that are not options of its output: the catalog and the
#: configuration are in the key as what they say; where the output goes is not.
NOT_OPTIONS = frozenset({"catalogs", "config", "no_cache", "output", "force"})


@dataclass(frozen=True)
class Output:
    """Where a served command's output goes: in its format, to stdout or its -o file
    (never over a catalog), copied into the cache's entry as it is written."""

    format_name: str
    path: Path | None
    force: bool
    protected: list[str]
    sink: EntryWriter | None

    def show(self, view: str, value: object) -> None:
        """Render `value` as `view` (see `session.show`)."""
        session_show(
            view,
            self.format_name,
            value,
            output=self.path,
            force=self.force,
            protected=self.protected,
            sink=self.sink,
        )

    def emit(self, document: str) -> None:
        """Write a document as it is (see `session.emit`)."""
        emit(document, self.path, self.force, self.protected, self.sink)


def serve(
    run: Session,
    command: str,
    parameters: dict[str, Any],
    show: Callable[[Output], object],
    format_name: str,
    output: Path | None = None,
    force: bool = False,
    files: Sequence[str | None] = (),
) -> NoReturn:
    """A command whose output depends only on the catalog, its options and `files` (tree,
    trace, graph, scorecard, impact, explain, fit): its output and what it printed on
    stderr (the catalog's errors, a values file's problems, notes) from the cache when a
    run with the same inputs and parameters left them, else `show(sink)`, kept for the
    next run; then exit with the run's code. `show` computes the output and gives it to
    the `Output` it is handed. `parameters` are all the command's
    parameters (`locals()` on entry): a new option is in the key without anyone
    remembering to put it there."""
    options = {name: value for name, value in parameters.items() if name not in NOT_OPTIONS}
    options.update(format=format_name, selectors=run.selectors)
    entry_key, code = answer(run, command, options, output, force, stderr=True, files=files)
    if code is None:
        with answering(lambda: run.code), recording(run, entry_key, EXIT_CLEAN) as sink:
            # What went to stderr before the output began, and after: replayed in order.
            before: list[str] = []
            after: list[str] = []
            with copied_stderr(
                lambda text: (after if sink and sink.length else before).append(text)
            ):
                show(Output(format_name, output, force, run.files, sink))
            if sink is not None:
                sink.fields.update(code=run.code, stderr="".join(before), after="".join(after))
        code = run.code
    raise typer.Exit(code)


def answer(
    run: Session,
    command: str,
    options: dict[str, Any],
    output: Path | None,
    force: bool,
    *,
    stderr: bool = False,
    files: Sequence[str | None] = (),
) -> tuple[str | None, int | None]:
    """(the key to keep this run's output under, the exit code of a run with exactly the
    same inputs whose output was just printed again from the cache, or None). Text on
    the terminal is kept per terminal, as rich sees it; with `stderr` (what the command
    prints there is kept too), per stderr's terminal as well; `files` (a values file named
    by an option) are inputs too."""
    if run.store is None:
        return None, None
    screens = []
    if options.get("format") == "text" and output is None:
        screens.append(("terminal", terminal()))
    if stderr:
        screens.append(("errors_terminal", terminal(stderr=True)))
    for name, screen in screens:
        if screen["legacy_windows"]:
            return None, None  # styles go to the console by calls, not in the text
        options = {**options, name: screen}
    entry_key = key(run, command, options, files)
    return entry_key, replay(run, entry_key, output, force)


def key(
    run: Session, command: str, options: dict[str, Any], files: Sequence[str | None] = ()
) -> str | None:
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
        parts += [name, store.content(data)]
    for extra in (run.settings.values, run.settings.baseline, *files):
        if extra is not None:
            content = _read(extra)
            if content is None:
                return None
            parts += [extra, content]
    return store.key("run", *parts)


def replay(run: Session, entry_key: str | None, output: Path | None, force: bool) -> int | None:
    """Print the output kept under `entry_key` as the run printed it (what it printed on
    stderr first) and return its exit code; None, printing nothing, when there is none."""
    store = run.store
    if entry_key is None or store is None:
        return None

    decided: list[int] = []

    def begin(fields: dict[str, Any]) -> bool:
        errors, after = fields.get("stderr", ""), fields.get("after", "")
        code = _code(fields)
        if code is None or not isinstance(errors, str) or not isinstance(after, str):
            return False
        _stderr(errors)
        decided.append(code)
        return True

    binary = getattr(sys.stdout, "buffer", None)
    try:
        if output is None and binary is not None and _utf8(sys.stdout):
            # The bytes as they were kept, checked whole first, then copied in pieces: a
            # 1,000,000-metric audit's JSON is 400 MB, never needed in memory.
            sys.stdout.flush()
            fields = store.copy_to(KIND, entry_key, binary, begin)
            binary.flush()
        else:
            entry = store.read(KIND, entry_key)
            try:
                document = None if entry is None else entry[1].decode("utf-8")
            except UnicodeDecodeError:
                document = None
            if entry is None or document is None or not begin(entry[0]):
                return None
            emit(document, output, force, run.files)
            fields = entry[0]
    except BrokenPipeError:
        if not decided:
            raise
        # The reader left (`| head`): the kept run's code is this run's all the same, as
        # `answering` gives a run that is not kept.
        stdout_to_devnull()
        return decided[0]
    if fields is None:
        return None
    _stderr(fields.get("after", ""))
    store.touch(KIND, entry_key)
    return _code(fields)


def _stderr(text: str) -> None:
    if text:
        sys.stdout.flush()
        sys.stderr.write(text)
        sys.stderr.flush()


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
