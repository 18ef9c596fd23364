"""The command-line edge: options in, a use case, a renderer and an exit code out."""

from revtrace.cli.commands import app, main

__all__ = ["app", "main"]
