"""revtrace: trace every tracked business metric to revenue."""

__version__ = "0.1.0"
