"""The typer application, and the console-script entry point that guards it."""

from __future__ import annotations

import copy
import gc
import inspect
import os
import signal
import sys
from collections.abc import Sequence
from contextlib import suppress
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from revtrace import __version__
from revtrace.model.codes import EXIT_CANNOT_RUN, EXIT_CLEAN, Terminated


class _Application(TyperGroup):
    """The command group, with usage errors (a bad option value, an unknown command) as
    one line on stderr and exit code 2, as the README promises, instead of a panel."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        _plain_types(self)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            sys.stderr.write("revtrace: interrupted\n")
            result = 130
        except typer.TyperException as exc:
            if not standalone_mode:
                raise
            if str(exc).strip():  # none when no command was named: the help is shown
                sys.stderr.write(usage_error_line(exc, self._command_path(args)) + "\n")
            result = EXIT_CANNOT_RUN
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else EXIT_CLEAN)

    def _command_path(self, args: Sequence[str] | None) -> str:
        """`revtrace import dbt` for `import dbt --x …`: the (sub)commands the arguments
        name, for an error raised without its command (an option missing its value)."""
        path = ["revtrace"]
        group: TyperGroup = self
        for word in sys.argv[1:] if args is None else args:
            command = group.commands.get(word)
            if command is None:
                break
            path.append(word)
            if not isinstance(command, TyperGroup):
                break
            group = command
        return " ".join(path)


def _plain_types(group: TyperGroup) -> None:
    """Drop the type column typer shows in --help beside an argument (`<str>`), where
    the argument's name already says what it takes. typer has no setting for this: its
    help asks the parameter's type for a metavar and shows `<name>` when there is none,
    so each argument gets a copy of its type (converting as before) that answers "".
    (Flags show no type already.)"""
    for command in group.commands.values():
        if isinstance(command, TyperGroup):
            _plain_types(command)
        for param in command.params:
            kind = getattr(param, "type", None)  # typer ≥ 0.29 has none: help unchanged
            if param.param_type_name != "argument" or kind is None or hasattr(kind, "_plain"):
                continue
            quiet = copy.copy(kind)
            setattr(quiet, "get_metavar", _no_type)  # noqa: B010
            setattr(quiet, "_plain", True)  # noqa: B010
            param.type = quiet


def _no_type(*args: object, **kwargs: object) -> str:
    return ""


def usage_error_line(exc: Exception, fallback: str = "revtrace") -> str:
    """`revtrace: error: Invalid value for '--fail-on': … (see 'revtrace audit --help')`;
    the command is the error's own, else `fallback`."""
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    context = getattr(exc, "ctx", None)
    command = getattr(context, "command_path", None) or fallback
    flat = " ".join(str(message).split())
    return f"revtrace: error: {flat} (see '{command} --help')"


app = typer.Typer(
    name="revtrace",
    cls=_Application,
    help=(
        "Trace every business metric to revenue. Reads a metrics.yaml catalog and reports"
        " the metrics with no path to revenue: candidates to drop."
    ),
    epilog=(
        "Exit codes: 0 clean, 1 findings (or a catalog with errors), 2 cannot run. Docs: README.md."
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"revtrace {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Trace every business metric to revenue."""


def help_paragraphs(doc: str) -> str:
    """A docstring as `--help` should show it: each paragraph one line, for rich to wrap
    to the terminal. Typer keeps a docstring's line breaks, and rich then broke each
    wrapped line a second time ("summed over / every / path")."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def finish_help() -> None:
    """Give every registered command its help from its docstring, one line a paragraph
    (sub-commands such as `import dbt` included)."""
    commands = list(app.registered_commands)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            commands += group.typer_instance.registered_commands
    for command in commands:
        if command.help is None and command.callback is not None and command.callback.__doc__:
            command.help = help_paragraphs(command.callback.__doc__)


def _exit_now(code: object) -> NoReturn:
    """Flush and leave without tearing down millions of objects one by one (which takes
    longer than writing the report on large catalogs)."""
    status = code if isinstance(code, int) else (0 if code is None else 1)
    # From here a signal ends the process at once, never with a traceback (this runs
    # outside every handler of `main`): as an interrupted command while the output may
    # still be incomplete, with the command's own code once it is all out.
    _end_on_signal(None)
    if not isinstance(code, (int, type(None))):
        sys.stderr.write(f"{code}\n")
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # BrokenPipeError is an OSError
            stream.flush()
    _end_on_signal(status)
    _wait_for_the_cache()
    os._exit(status)


def _end_on_signal(status: int | None) -> None:
    """Make Ctrl-C, SIGTERM and SIGHUP end the process with `status`, or, when None, as a
    command stopped by that signal (128 + its number)."""

    def end(number: int, _frame: object) -> None:
        if status is None:
            with suppress(OSError):
                os.write(2, b"revtrace: interrupted\n")
        os._exit(128 + number if status is None else status)

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            with suppress(ValueError, OSError):  # ValueError: not the main thread
                signal.signal(number, end)


#: How long revtrace waits, once its output is done, for the cache's writer (writing a
#: 1,000,000-metric catalog's readings takes a few seconds).
WRITER_SECONDS = 60.0


def _wait_for_the_cache() -> None:
    """Let the cache's background writer (a large catalog's readings) finish before
    leaving, with stdout and stderr already handed back: a pipe reading revtrace ends now,
    and the process ends once the cache is whole. Looked up, not imported: a run that
    read no catalog (`--version`) has no writer and must not import the loader."""
    split = sys.modules.get("revtrace.load.split")
    if split is None or not split.in_background_now():
        return
    try:
        quiet = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return  # the output cannot be handed back first: the writer finishes alone
    for stream in (1, 2):
        with suppress(OSError):
            os.dup2(quiet, stream)
    # A signal while waiting ends the process with the command's code (`_end_on_signal`):
    # the answer is out; the writer finishes alone. Anything else raised here must not
    # turn a finished command into a traceback either.
    with suppress(BaseException):
        split.wait_for_background(WRITER_SECONDS)


def main() -> None:
    """Console-script entry point: no Python traceback ever reaches the user."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            # A name in any script must print even where the terminal's encoding is ASCII.
            reconfigure(errors="backslashreplace")
    # A one-shot process: the cyclic garbage collector only costs time here (about a
    # second on a 100,000-metric catalog, measured), and the objects revtrace builds hold
    # no reference cycles worth collecting.
    gc.disable()
    try:
        app(prog_name="revtrace")
    except SystemExit as exit_:
        _exit_now(exit_.code)
    except KeyboardInterrupt:
        sys.stderr.write("revtrace: interrupted\n")
        sys.exit(130)
    except Terminated as stop:
        # SIGTERM or SIGHUP while writing a file: the temporary file is already gone.
        number = stop.args[0] if stop.args and isinstance(stop.args[0], int) else 15
        sys.stderr.write("revtrace: terminated; the output file was left as it was\n")
        _exit_now(128 + number)
    except MemoryError:
        # Before anything else that could need memory: one line, no traceback.
        os.write(2, b"revtrace: error: out of memory (is the catalog far larger than expected?)\n")
        os._exit(EXIT_CANNOT_RUN)
    except BrokenPipeError:
        # `revtrace tree | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_CLEAN)
    except Exception as exc:  # the last line of defence, see the docstring
        if os.environ.get("REVTRACE_DEBUG"):
            raise
        sys.stderr.write(
            f"revtrace: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in revtrace. Set REVTRACE_DEBUG=1 for the traceback and report it.\n"
        )
        sys.exit(EXIT_CANNOT_RUN)
