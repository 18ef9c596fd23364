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
import shutil
import sys
import tempfile
import zlib
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

import revtrace

#: The folder's default name, in the folder of the configuration file (else the current one).
DEFAULT_DIR = ".revtrace_cache"
#: Bumped whenever an entry's layout changes (older and newer entries are then misses).
FORMAT = 1
#: The most entries kept per kind by default.
KEEP = 2048
#: The header line's size: written first as blanks, then over them once the payload's
#: length and checksum are known (JSON allows the blanks that remain).
HEADER_BYTES = 1024
CHUNK_BYTES = 1 << 20
#: The largest entry read whole (a file reading: the largest catalog file, 32 MiB, reads
#: as about 50 MB of JSON); larger ones are only ever copied in pieces (`copy_to`).
MAX_READ_BYTES = 256 * 1024 * 1024

_PYTHON = "{}.{}.{}".format(*sys.version_info[:3])
_GITIGNORE = "# Created by revtrace: the cache is local to this machine.\n*\n"
#: Marks the folder as a cache for backup tools (https://bford.info/cachedir/).
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by revtrace.\n"
)


#: The libraries whose versions can change what revtrace reads or prints (the YAML parser,
#: the terminal's text, the numbers of `audit --values`, trace's loops).
LIBRARIES = ("PyYAML", "rich", "numpy", "networkx")


#: What the fingerprint reads: the modules, and the files they print from (the report's
#: script, style sheet and layout library; the `init` templates).
_CODE = (".py", ".js", ".css", ".yaml")


def code_version(package: str | None = None) -> str:
    """revtrace's version, a fingerprint of its code (each module's and asset's name and
    text), and the versions of the libraries it reads and prints with: a working copy
    whose reader changed must not read what the old reader wrote, though the version
    number is the same, nor a run after `pip install -U rich` replay text the old rich
    drew, nor a report an old picture script drew; the same code and libraries installed
    again (a CI run) read it."""
    from importlib import metadata

    digest = hashlib.blake2b(digest_size=8)
    for library in LIBRARIES:
        try:
            installed = metadata.version(library)
        except metadata.PackageNotFoundError:
            installed = "none"
        digest.update(f"{library}={installed};".encode())
    if package is None:
        package = os.path.dirname(os.path.abspath(revtrace.__file__))
    folders = [package]
    while folders:
        folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                folders.append(entry.path)
            elif entry.name.endswith(_CODE):
                with contextlib.suppress(OSError), open(entry.path, "rb") as module:
                    digest.update(os.path.relpath(entry.path, package).encode() + b"\0")
                    digest.update(module.read())
    return f"{revtrace.__version__}+{digest.hexdigest()}"


class NotACache(Exception):
    """A folder `clean` will not delete: it is not one revtrace made."""


class Store:
    """One cache folder. `version` is revtrace's, with its code's fingerprint (a test may
    pretend to be another)."""

    def __init__(self, root: str, *, version: str | None = None) -> None:
        self.root = root
        self.version = code_version() if version is None else version
        self._made: set[str] = set()
        #: The digest of each content hashed so far, by the object's identity (the object
        #: is kept with it, so the identity cannot pass to another).
        self._digests: dict[int, tuple[bytes, str]] = {}

    def content(self, data: bytes, *, last: bool = False) -> str:
        """A digest of `data`, to put in a key in its place: a run's key and each file's
        both name a catalog file's bytes, which are hashed once (SHA-256, which processors
        compute in hardware: 11 ms for 15 MB, against 20 ms for BLAKE2b, twice). `last`:
        the bytes are not asked about again, and are not kept for it (at 1,000,000
        metrics they are 150 MB the analysis needs)."""
        known = self._digests.pop(id(data), None) if last else self._digests.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        digest = hashlib.sha256(data).hexdigest()
        if not last:
            self._digests[id(data)] = (data, digest)
        return digest

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
        """(the header's own fields, the payload) of an entry; None when it is missing,
        larger than any entry revtrace writes to be read whole, or not exactly what this
        revtrace wrote under this key."""
        try:
            with open(self._path(kind, key), "rb") as handle:
                data = handle.read(MAX_READ_BYTES + 1)
        except (OSError, ValueError):
            return None
        if len(data) > MAX_READ_BYTES:
            return None
        end = data.find(b"\n", 0, HEADER_BYTES + 1)
        header = self._header(kind, key, data[: end + 1]) if end >= 0 else None
        payload = data[end + 1 :]
        if (
            header is None
            or header["length"] != len(payload)
            or header["crc32"] != zlib.crc32(payload)
        ):
            return None
        fields = header.get("fields")
        return (fields if isinstance(fields, dict) else {}), payload

    def _header(self, kind: str, key: str, line: bytes) -> dict[str, Any] | None:
        """An entry's first line, if it is the header this revtrace writes for this key."""
        if not line.endswith(b"\n"):
            return None
        try:
            header = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if (
            not isinstance(header, dict)
            or header.get("format") != FORMAT
            or header.get("revtrace") != self.version
            or header.get("python") != _PYTHON
            or header.get("kind") != kind
            or header.get("key") != key
            or type(header.get("length")) is not int
            or type(header.get("crc32")) is not int
        ):
            return None
        return header

    def write(
        self, kind: str, key: str, payload: bytes, fields: Mapping[str, Any] | None = None
    ) -> bool:
        """Write an entry (atomically); False when the cache cannot be written."""
        writer = self.writer(kind, key, fields)
        writer.write(payload)
        return writer.commit()

    def writer(self, kind: str, key: str, fields: Mapping[str, Any] | None = None) -> EntryWriter:
        """An entry written piece by piece (a document as it is printed), then committed."""
        return EntryWriter(self, kind, key, dict(fields or {}))

    def copy_to(
        self,
        kind: str,
        key: str,
        out: BinaryIO,
        begin: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any] | None:
        """Copy an entry's payload to `out` once it is checked whole (read twice, never
        all in memory), and return its header's fields; None, writing nothing, when the
        entry is missing or not exactly what this revtrace wrote under this key, or when
        `begin`, given the fields once the entry is checked, says not to. Once copying
        has begun, a failure to read or write is raised, never a miss: the run must not
        print the output a second time after part of it."""
        try:
            handle = open(self._path(kind, key), "rb")  # noqa: SIM115 - closed below
        except (OSError, ValueError):
            return None
        with handle:
            try:
                header = self._header(kind, key, handle.readline(HEADER_BYTES + 1))
                if header is None:
                    return None
                start = handle.tell()
                crc, length = 0, 0
                while chunk := handle.read(CHUNK_BYTES):
                    crc = zlib.crc32(chunk, crc)
                    length += len(chunk)
            except (OSError, ValueError):
                return None
            if length != header["length"] or crc != header["crc32"]:
                return None
            fields = header.get("fields")
            fields = fields if isinstance(fields, dict) else {}
            if begin is not None and not begin(fields):
                return None
            handle.seek(start)
            while chunk := handle.read(CHUNK_BYTES):
                out.write(chunk)
        return fields

    def prune(self, kind: str, keep: int = KEEP, max_bytes: int | None = None) -> None:
        """Remove the oldest entries of a kind (temporary files a killed run left among
        them) beyond the newest `keep`, and beyond `max_bytes` in all (the newest entry
        is always kept)."""
        folder = os.path.join(self.root, kind)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        if len(entries) <= keep and max_bytes is None:
            return
        dated = []
        for entry in entries:
            with contextlib.suppress(OSError):
                status = entry.stat()
                dated.append((status.st_mtime, status.st_size, entry.path))
        dated.sort(reverse=True)
        total = 0
        for position, (_, size, path) in enumerate(dated):
            total += size
            if position >= keep or (max_bytes is not None and position and total > max_bytes):
                with contextlib.suppress(OSError):
                    os.remove(path)

    def touch(self, kind: str, key: str) -> None:
        """Mark an entry used now (pruning removes the least recently used first)."""
        with contextlib.suppress(OSError, ValueError):
            os.utime(self._path(kind, key))

    def is_cache(self) -> bool:
        """Whether the folder is a revtrace cache (its CACHEDIR.TAG says so)."""
        try:
            with open(os.path.join(self.root, "CACHEDIR.TAG"), encoding="ascii") as tag:
                return tag.read(len(_CACHEDIR_TAG) + 1) == _CACHEDIR_TAG
        except (OSError, ValueError):
            return False

    def clear(self) -> None:
        """Delete the folder, which must be a revtrace cache (raises `NotACache`): a
        `cache-dir` set to the project's own folder must never empty it."""
        if not os.path.lexists(self.root):
            return
        if os.path.islink(self.root) or not os.path.isdir(self.root) or not self.is_cache():
            raise NotACache(self.root)
        shutil.rmtree(self.root)

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, kind, key)

    def _make(self, folder: str) -> None:
        """Make the cache folder and `folder` in it. A folder that exists is used only if
        it is a revtrace cache already or empty: a cache-dir pointed at the project (or
        any folder of the user's) must never get a `.gitignore` of `*` (which would hide
        every new file from git) or entries among the user's files (raises OSError: the
        run goes on without the cache)."""
        if folder in self._made:
            return
        if not os.path.isdir(self.root):
            os.makedirs(self.root, exist_ok=True)
        elif not self.is_cache() and any(os.scandir(self.root)):
            raise OSError(f"{self.root} is not a revtrace cache")
        # The tag first (it makes the folder ours), then the .gitignore; both written
        # again when missing, so that a .gitignore someone deleted comes back.
        for name, text in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", _GITIGNORE)):
            path = os.path.join(self.root, name)
            if not os.path.exists(path):
                with open(path, "w", encoding="ascii") as out:
                    out.write(text)
        os.makedirs(folder, exist_ok=True)
        self._made.add(folder)


class EntryWriter:
    """One entry being written: to a temporary file, renamed into place on `commit`. Any
    failure (no folder, a full disk, text that is not UTF-8) abandons it quietly."""

    def __init__(self, store: Store, kind: str, key: str, fields: dict[str, Any]) -> None:
        self.store, self.kind, self.key, self.fields = store, kind, key, fields
        self.crc = 0
        self.length = 0
        self.handle: BinaryIO | None = None
        self.temporary: str | None = None
        folder = os.path.join(store.root, kind)
        try:
            store._make(folder)
            descriptor, self.temporary = tempfile.mkstemp(
                dir=folder, prefix=".tmp-", suffix=".part"
            )
            self.handle = os.fdopen(descriptor, "wb")
            self.handle.write(b" " * HEADER_BYTES + b"\n")
        except (OSError, ValueError):
            self.abandon()

    def write(self, data: bytes) -> None:
        if self.handle is None:
            return
        try:
            self.handle.write(data)
        except (OSError, ValueError):
            self.abandon()
            return
        self.crc = zlib.crc32(data, self.crc)
        self.length += len(data)

    def write_text(self, text: str) -> None:
        if self.handle is None:
            return
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not kept, printed as always
            self.abandon()
            return
        self.write(data)

    def commit(self) -> bool:
        """Put the entry in place; False when it was abandoned or cannot be."""
        if self.handle is None or self.temporary is None:
            return False
        header = {
            "format": FORMAT,
            "revtrace": self.store.version,
            "python": _PYTHON,
            "kind": self.kind,
            "key": self.key,
            "length": self.length,
            "crc32": self.crc,
            "fields": self.fields,
        }
        line = json.dumps(header, ensure_ascii=True).encode("ascii")
        if len(line) > HEADER_BYTES:
            self.abandon()
            return False
        try:
            self.handle.seek(0)
            self.handle.write(line)
            self.handle.close()
            os.replace(self.temporary, self.store._path(self.kind, self.key))  # noqa: SLF001
        except (OSError, ValueError):
            self.abandon()
            return False
        self.handle = self.temporary = None
        return True

    def abandon(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError, ValueError):
                self.handle.close()
        if self.temporary is not None:
            with contextlib.suppress(OSError):
                os.remove(self.temporary)
        self.handle = self.temporary = None
