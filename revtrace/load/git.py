"""Catalog files as they were at a git revision, read with git (no checkout)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from revtrace.load.files import CATALOG_SUFFIXES, MAX_FILE_BYTES


class GitError(Exception):
    """git is missing, this is not a repository, or the revision does not exist (exit 2)."""


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], capture_output=True, check=False, timeout=60)
    except FileNotFoundError:
        raise GitError("git is not installed, so --since cannot read older catalogs") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not answer within 60 s") from None


def read_at_revision(
    revision: str, arguments: Sequence[str], files: Sequence[str]
) -> list[tuple[str, bytes]]:
    """The catalog as it was at `revision`: the files named by `arguments` (directories
    listed at that revision) plus `files` (today's files), each read with `git show`.
    A file that did not exist then is simply absent."""
    if revision.startswith("-"):
        raise GitError(f"'{revision}' is not a git revision")
    check = _git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if check.returncode != 0:
        inside = _git("rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0:
            raise GitError("--since needs a git repository, and this is not inside one")
        raise GitError(f"unknown git revision '{revision}'")
    commit = check.stdout.decode().strip()
    wanted: list[str] = []
    for argument in arguments:
        if os.path.isdir(argument):
            listing = _git("ls-tree", "-r", "--name-only", "-z", commit, "--", argument)
            listed = listing.stdout.decode("utf-8", "surrogateescape").split("\0")
            wanted.extend(sorted(n for n in listed if n and n.endswith(CATALOG_SUFFIXES)))
    wanted.extend(files)
    names: list[str] = []
    seen: set[str] = set()
    for name in wanted:
        normal = os.path.normpath(os.path.relpath(name))
        if normal not in seen:
            seen.add(normal)
            names.append(name)
    return _read_blobs(commit, names)


def _read_blobs(commit: str, names: list[str]) -> list[tuple[str, bytes]]:
    """Each file as it was at `commit`, in two git processes whatever the number of files
    (one per file took a minute for 5,000), and none larger than the catalog limit."""
    if not names:
        return []
    specs = [f"{commit}:./{os.path.normpath(os.path.relpath(name))}" for name in names]
    if any("\n" in spec for spec in specs):
        raise GitError("a catalog file name holds a line break, which --since cannot read")
    request = "".join(spec + "\n" for spec in specs).encode("utf-8", "surrogateescape")
    sizes = _git_input(request, "cat-file", "--batch-check").stdout.decode().splitlines()
    present: list[tuple[str, str]] = []
    for name, spec, answer in zip(names, specs, sizes, strict=False):
        fields = answer.split()
        if len(fields) != 3 or fields[1] != "blob":
            continue  # missing at that revision (or not a file): absent, as for git show
        if int(fields[2]) > MAX_FILE_BYTES:
            raise GitError(
                f"{name} at {commit[:12]} is larger than the {MAX_FILE_BYTES // 2**20} MiB limit"
            )
        present.append((name, spec))
    if not present:
        return []
    request = "".join(spec + "\n" for _, spec in present).encode("utf-8", "surrogateescape")
    output = _git_input(request, "cat-file", "--batch").stdout
    sources: list[tuple[str, bytes]] = []
    position = 0
    for name, _ in present:
        header_end = output.index(b"\n", position)
        size = int(output[position:header_end].split()[2])
        start = header_end + 1
        sources.append((name, output[start : start + size]))
        position = start + size + 1
    return sources


def _git_input(data: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(
            ["git", *args], input=data, capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise GitError("git is not installed, so --since cannot read older catalogs") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not answer within 60 s") from None
    if done.returncode != 0:
        raise GitError(f"git {args[0]} failed: {done.stderr.decode(errors='replace').strip()}")
    return done
