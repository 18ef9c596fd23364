"""The importers: metric definitions from where teams already keep them (dbt's Semantic
Layer) → revtrace catalog text. They read the user's files and return values; the CLI
writes the catalog."""

from revtrace.importers.dbt import ImportFailed, ImportResult, import_dbt, to_catalog

__all__ = ["ImportFailed", "ImportResult", "import_dbt", "to_catalog"]
