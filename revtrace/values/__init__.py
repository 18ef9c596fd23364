"""The values layer: a file of each metric's historical values, and what the numbers say
about the catalog's links. It reads the model only; numpy is imported where a fit needs
it, never when this package is imported (`--version` and a plain audit do not load it)."""

from revtrace.values.reader import (
    MAX_VALUES_BYTES,
    ValuesUnreadable,
    ValueTable,
    read_values,
    read_values_bytes,
)

__all__ = [
    "MAX_VALUES_BYTES",
    "ValueTable",
    "ValuesUnreadable",
    "read_values",
    "read_values_bytes",
]
