"""Catalog files as they were at a git revision, read with git (no checkout)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from revtrace.load.files import CATALOG_SUFFIXES


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
            names = [n for n in listing.stdout.decode("utf-8", "replace").split("\0") if n]
            wanted.extend(sorted(n for n in names if n.endswith(CATALOG_SUFFIXES)))
    wanted.extend(files)
    sources: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for name in wanted:
        normal = os.path.normpath(os.path.relpath(name))
        if normal in seen:
            continue
        seen.add(normal)
        shown = _git("show", f"{commit}:./{normal}")
        if shown.returncode == 0:
            sources.append((name, shown.stdout))
    return sources
