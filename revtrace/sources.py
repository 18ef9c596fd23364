"""Catalog arguments (files, directories, glob patterns) → the catalog files to read.

Ids are global across files, so a catalog can be split by team: `metrics/sales.yaml`,
`metrics/marketing.yaml`, and links cross files freely.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence

from revtrace.loader import CatalogUnreadable

CATALOG_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARACTERS = frozenset("*?[")


def expand_catalog_paths(arguments: Sequence[str]) -> list[str]:
    """Every catalog file named by `arguments`, in a stable order, each once.

    A directory means every `.yaml`/`.yml` file below it, hidden folders excepted; its
    symbolic links to folders are not followed, so a link loop cannot trap the walk.
    Raises `CatalogUnreadable` for a pattern or directory that names no catalog.
    """
    files: list[str] = []
    for argument in arguments:
        if os.path.isdir(argument):
            found = _catalogs_below(argument)
            if not found:
                raise CatalogUnreadable(argument, "the directory holds no .yaml or .yml file")
            files.extend(found)
        elif not os.path.lexists(argument) and _GLOB_CHARACTERS & set(argument):
            matches = sorted(m for m in glob.glob(argument, recursive=True) if not os.path.isdir(m))
            if not matches:
                raise CatalogUnreadable(argument, "no file matches this pattern")
            files.extend(matches)
        else:
            files.append(argument)
    unique: list[str] = []
    seen: set[str] = set()
    for file in files:
        key = os.path.realpath(file)
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique


def _catalogs_below(directory: str) -> list[str]:
    found: list[str] = []
    for root, folders, names in os.walk(directory, followlinks=False):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        found.extend(
            os.path.join(root, name)
            for name in sorted(names)
            if name.endswith(CATALOG_SUFFIXES) and not name.startswith(".")
        )
    return found
