"""The importers: metric definitions from where teams already keep them (dbt's Semantic
Layer, Lightdash) → revtrace catalog text. They read the user's files and return values;
the CLI writes the catalog."""

from revtrace.importers.dbt import ImportResult, import_dbt, to_catalog
from revtrace.importers.files import ImportFailed, NoMetrics
from revtrace.importers.lightdash import MissingDrivers, import_lightdash

__all__ = [
    "ImportFailed",
    "ImportResult",
    "MissingDrivers",
    "NoMetrics",
    "import_dbt",
    "import_lightdash",
    "to_catalog",
]
