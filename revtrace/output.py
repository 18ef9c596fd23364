"""Writing files safely: atomically, never over a catalog, never over anything without
`--force`.

The new content goes to a temporary file in the target's folder, which is then renamed
over the target in one step, so a reader (or an interrupted run, or a full disk) sees the
old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable


class OutputError(Exception):
    """A file revtrace will not or cannot write (exit code 2)."""


def write_file(path: str, text: str, *, force: bool = False, protected: Iterable[str] = ()) -> None:
    # Through a symbolic link, the file it points to is what gets replaced.
    target = os.path.realpath(path)
    if target in {os.path.realpath(p) for p in protected}:
        raise OutputError(f"{path} is a catalog file; revtrace never writes to a catalog")
    if os.path.isdir(target):
        raise OutputError(f"{path} is a directory")
    if os.path.exists(target) and not os.path.isfile(target):
        # A device or a pipe (/dev/stdout, a FIFO): write into it; never replace it.
        _write_stream(path, target, text)
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
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _write_stream(path: str, target: str, text: str) -> None:
    try:
        with open(target, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
