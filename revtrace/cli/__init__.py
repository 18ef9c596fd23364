"""The command-line edge: options in, a use case from `revtrace.analysis`, a renderer from
`revtrace.render`, and an exit code out. No logic here.

`app` defines the application and the entry point, `session` what every catalog command
does before and after its use case, `options` the shared options and choices,
`commands` and `info` the commands themselves.
"""

from revtrace.cli import commands, evidence, imports, info
from revtrace.cli.app import app, finish_help, main

finish_help()

__all__ = ["app", "commands", "evidence", "imports", "info", "main"]
