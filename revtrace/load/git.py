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
    A file git sees as renamed since (`git mv`, or staged) is read from its old path,
    under today's name: its metrics were not added by the change. A file that did not
    exist then is simply absent."""
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
    sources = _read_blobs(commit, [(name, name) for name in names])
    found = {name for name, _ in sources}
    missing = [name for name in names if name not in found]
    if missing:
        renamed = _renamed_since(commit)
        earlier = [
            (name, renamed[normal])
            for name in missing
            if (normal := os.path.normpath(os.path.relpath(name))) in renamed
        ]
        if earlier:
            sources += _read_blobs(commit, earlier)
            order = {name: index for index, name in enumerate(names)}
            sources.sort(key=lambda source: order[source[0]])
    return sources


def _renamed_since(commit: str) -> dict[str, str]:
    """Today's path → its path at `commit`, both relative to the current folder, for the
    files git finds renamed since (tracked ones); empty if git cannot say. The files as
    they are and as staged are both asked about: `git mv` stages the rename with the
    content it had, which git's similarity threshold always recognises, however much the
    file was edited afterwards."""
    renamed: dict[str, str] = {}
    for staged in ((), ("--cached",)):
        done = _git(
            "diff", *staged, "--name-status", "-z", "-M", "--diff-filter=R", "--relative",
            commit, "--",
        )  # fmt: skip
        if done.returncode != 0:
            continue
        fields = done.stdout.decode("utf-8", "surrogateescape").split("\0")
        # -z: each rename is three fields, "R<score>", the old path and the new one.
        for at in range(0, len(fields) - 2, 3):
            status, old, new = fields[at : at + 3]
            if status.startswith("R") and old and new:
                renamed.setdefault(os.path.normpath(new), old)
    return renamed


def _read_blobs(commit: str, files: list[tuple[str, str]]) -> list[tuple[str, bytes]]:
    """Each (name, path) as the file at `path` was at `commit`, under `name`, in two git
    processes whatever the number of files (one per file took a minute for 5,000), and
    none larger than the catalog limit."""
    if not files:
        return []
    names = [name for name, _ in files]
    specs = [f"{commit}:./{os.path.normpath(os.path.relpath(path))}" for _, path in files]
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
