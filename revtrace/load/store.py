"""The cache directory: entries of bytes under content keys, shared by concurrent runs.

Like ruff's `.ruff_cache`, it is an optimisation that must never change an answer, so:

- an entry's name is a hash of everything its content depends on (the bytes read,
  revtrace's version, the Python version, the options), never a file's mtime or size: an
  edit that keeps both is a different key;
- every entry starts with a one-line JSON header naming its format, revtrace's and
  Python's versions, its key, the length and CRC-32 of what follows. An entry whose header
  does not match exactly (corrupt, truncated, written by another version, copied from
  another key) is a miss: it is ignored, and the run writes it again;
- entries are data (JSON or text), never code: nothing is unpickled or evaluated, and the
  readers of an entry check every value's type as they would a catalog's;
- an entry is written to a temporary file in the same folder, then renamed over the name
  (`os.replace`, atomic on POSIX and Windows): two runs writing the same entry at once
  leave one whole entry, never a mix;
- the cache is best effort: a folder that cannot be created or written (read-only checkout,
  full disk) costs the speed, never the run.

Entries are kept per kind (`files`: one catalog file's reading; `runs`: one command's
whole output); the oldest of a kind, by when they were written, are removed once there
are more than `keep` of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import zlib
from collections.abc import Mapping
from typing import Any

import revtrace

#: The folder's default name, in the folder of the configuration file (else the current one).
DEFAULT_DIR = ".revtrace_cache"
#: Bumped whenever an entry's layout changes (older and newer entries are then misses).
FORMAT = 1
#: The most entries kept per kind by default.
KEEP = 2048

_PYTHON = "{}.{}.{}".format(*sys.version_info[:3])
_GITIGNORE = "# Created by revtrace: the cache is local to this machine.\n*\n"
#: Marks the folder as a cache for backup tools (https://bford.info/cachedir/).
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by revtrace.\n"
)


class Store:
    """One cache folder. `version` is revtrace's (a test may pretend to be another)."""

    def __init__(self, root: str, *, version: str = revtrace.__version__) -> None:
        self.root = root
        self.version = version
        self._made: set[str] = set()

    def key(self, *parts: str | bytes) -> str:
        """The key of an entry depending on `parts` (and on the versions)."""
        digest = hashlib.blake2b(digest_size=20)
        for part in (self.version, _PYTHON, str(FORMAT), *parts):
            data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
            # The length first, so that ("ab", "c") and ("a", "bc") are different keys.
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def read(self, kind: str, key: str) -> tuple[dict[str, Any], bytes] | None:
        """(the header's own fields, the payload) of an entry; None when it is missing or
        is not exactly what this revtrace wrote under this key."""
        try:
            with open(self._path(kind, key), "rb") as handle:
                data = handle.read()
        except (OSError, ValueError):
            return None
        end = data.find(b"\n")
        if end < 0:
            return None
        try:
            header = json.loads(data[:end])
        except (ValueError, RecursionError):
            return None
        payload = data[end + 1 :]
        if (
            not isinstance(header, dict)
            or header.get("format") != FORMAT
            or header.get("revtrace") != self.version
            or header.get("python") != _PYTHON
            or header.get("kind") != kind
            or header.get("key") != key
            or header.get("length") != len(payload)
            or header.get("crc32") != zlib.crc32(payload)
        ):
            return None
        fields = header.get("fields")
        return (fields if isinstance(fields, dict) else {}), payload

    def write(
        self, kind: str, key: str, payload: bytes, fields: Mapping[str, Any] | None = None
    ) -> bool:
        """Write an entry (atomically); False when the cache cannot be written."""
        header = {
            "format": FORMAT,
            "revtrace": self.version,
            "python": _PYTHON,
            "kind": kind,
            "key": key,
            "length": len(payload),
            "crc32": zlib.crc32(payload),
            "fields": dict(fields or {}),
        }
        line = json.dumps(header, ensure_ascii=True).encode("ascii") + b"\n"
        folder = os.path.join(self.root, kind)
        temporary = None
        try:
            self._make(folder)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(line)
                out.write(payload)
            os.replace(temporary, self._path(kind, key))
            temporary = None
        except (OSError, ValueError):
            return False
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.remove(temporary)
        return True

    def prune(self, kind: str, keep: int = KEEP) -> None:
        """Remove the oldest entries of a kind (temporary files a killed run left among
        them) beyond the newest `keep`."""
        folder = os.path.join(self.root, kind)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        if len(entries) <= keep:
            return
        dated = []
        for entry in entries:
            with contextlib.suppress(OSError):
                dated.append((entry.stat().st_mtime, entry.path))
        dated.sort(reverse=True)
        for _, path in dated[keep:]:
            with contextlib.suppress(OSError):
                os.remove(path)

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, kind, key)

    def _make(self, folder: str) -> None:
        if folder in self._made:
            return
        if not os.path.isdir(self.root):
            os.makedirs(self.root, exist_ok=True)
        # Written every time the folder is first used in a run (cheap), so that a
        # .gitignore someone deleted comes back.
        for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            path = os.path.join(self.root, name)
            if not os.path.exists(path):
                with open(path, "w", encoding="ascii") as out:
                    out.write(text)
        os.makedirs(folder, exist_ok=True)
        self._made.add(folder)
