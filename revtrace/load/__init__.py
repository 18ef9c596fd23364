"""The load layer: catalog files → a `Catalog` and located findings.

bytes (`files`, `git`) → text (`decode`) → checked YAML events (`events`, the one safety
guard) → metrics (`reader`) → one catalog (`builder`), with a large catalog read in two
processes (`split`). Imports nothing above the model: no graph, no networkx, no rich.
"""

from revtrace.load.builder import (
    LoadResult,
    first_declarations,
    load_catalog,
    load_catalog_text,
    load_sources,
    read_clean,
)
from revtrace.load.files import (
    MAX_FILE_BYTES,
    CatalogUnreadable,
    expand_catalog_paths,
    read_catalog_bytes,
)

__all__ = [
    "MAX_FILE_BYTES",
    "CatalogUnreadable",
    "LoadResult",
    "expand_catalog_paths",
    "first_declarations",
    "load_catalog",
    "load_catalog_text",
    "load_sources",
    "read_catalog_bytes",
    "read_clean",
]
