"""The exit codes every command shares, and the severities `--fail-on` takes.

Kept apart from `findings` (and free of imports) so that the command line can name them
without loading anything: `revtrace --version` starts as fast as typer itself.
"""

# Exit codes: 0 clean, 1 findings (or a catalog with errors), 2 cannot run.
EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_CANNOT_RUN = 2

#: The lowest severity that makes audit exit 1, or never.
FAIL_ON_CHOICES = ("error", "warning", "info", "never")


class Terminated(BaseException):
    """SIGTERM or SIGHUP while a file is written: unwinds like Ctrl-C, so the temporary
    file is removed; the command line ends with 128 + the signal's number."""
