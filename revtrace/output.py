"""Writing files safely: atomically, never over a catalog, never over anything without
`--force`.

The new content goes to a temporary file in the target's folder, which is then renamed
over the target in one step, so a reader (or an interrupted run, or a full disk) sees the
old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator

from revtrace.model.codes import Terminated


class OutputError(Exception):
    """A file revtrace will not or cannot write (exit code 2)."""


def write_file(
    path: str, text: str | Iterable[str], *, force: bool = False, protected: Iterable[str] = ()
) -> None:
    """Write `text` (or its pieces, as they come) to `path`, atomically."""
    pieces: Iterable[str] = [text] if isinstance(text, str) else text
    # Through a symbolic link, the file it points to is what gets replaced.
    target = os.path.realpath(path)
    if target in {os.path.realpath(p) for p in protected}:
        raise OutputError(f"{path} is a catalog file; revtrace never writes to a catalog")
    if os.path.isdir(target):
        raise OutputError(f"{path} is a directory")
    existing = _stat(path)
    if existing is not None and (
        not stat.S_ISREG(existing.st_mode) or _is_standard_output(existing)
    ):
        # A device or a pipe (/dev/stdout, a FIFO), or the file standard output already
        # writes to (`-o /dev/stdout >> log`): write into it as it is opened (appending
        # where the shell appends); never replace it.
        _write_stream(path, pieces)
        return
    if os.path.lexists(path) and not force:
        raise OutputError(f"{path} already exists; add --force to overwrite it")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=".revtrace-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with _signals_interrupt(), os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            for piece in pieces:
                stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
        if existing is not None:
            mode = stat.S_IMODE(existing.st_mode)  # --force keeps a 0600 file 0600
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        with _signals_interrupt():
            os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _write_stream(path: str, pieces: Iterable[str]) -> None:
    try:
        existing = _stat(path)
        if existing is not None and _is_standard_output(existing):
            for piece in pieces:
                sys.stdout.write(piece)
            sys.stdout.flush()
            return
        with open(path, "w", encoding="utf-8", newline="") as stream:
            for piece in pieces:
                stream.write(piece)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _is_standard_output(status: os.stat_result) -> bool:
    try:
        own = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (a test runner's)
        return False
    return (own.st_dev, own.st_ino) == (status.st_dev, status.st_ino)


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While a file is written: SIGTERM and SIGHUP stop the write the way Ctrl-C does (the
    temporary file is removed, the target untouched), instead of killing the process
    with a half-written hidden file left behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s]
    previous = {}

    def stop(number: int, frame: object) -> None:
        raise Terminated(number)

    for number in wanted:
        previous[number] = signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
