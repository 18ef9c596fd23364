"""What every command that reads a catalog does before and after its use case: settings,
files, analysis, errors, selection; then the one dispatch from a format to a renderer,
and where the output goes. Diagnostics go to stderr, machine output to stdout.

Heavy modules (PyYAML, networkx, rich) are imported inside the functions, so that
`revtrace --version` and `--help` start as fast as typer itself.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from functools import cache
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from revtrace.model.codes import EXIT_CANNOT_RUN, EXIT_CLEAN, EXIT_FINDINGS

if TYPE_CHECKING:
    from rich.console import Console

    from revtrace.analysis import Analysis
    from revtrace.analysis.policy import Policy
    from revtrace.analysis.select import Selector
    from revtrace.config import Settings
    from revtrace.load import CatalogUnreadable
    from revtrace.load.store import EntryWriter, Store
    from revtrace.values import ValuesUnreadable, ValueTable

T = TypeVar("T")

#: Catalogs larger than this take about a second or more to read and check.
PROGRESS_BYTES = 2_000_000


# -- the terminal --------------------------------------------------------------------------


def console(stderr: bool = False, copy_to: Callable[[str], object] | None = None) -> Console:
    """The terminal (stdout, or stderr); with `copy_to`, what is printed is also given to
    it, as printed (the cache's copy)."""
    stream = sys.stderr if stderr else sys.stdout
    file: Any = None if copy_to is None else _Copied(stream, copy_to)
    return _screen_class()(stderr=stderr, file=file, highlight=False, markup=False, emoji=False)


@cache
def _screen_class() -> type[Console]:
    """rich's console, but a reader that leaves (`| head`) is a BrokenPipeError like any
    other write's, for `answering` to handle: rich's own handling exits 1, which says
    "findings" whatever the run found."""
    from rich.console import Console

    class Screen(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True  # nothing more to draw
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return Screen


@contextmanager
def answering(code: int | Callable[[], int]) -> Iterator[None]:
    """Writing the output of a run whose exit code is `code` (or what `code()` says once
    the output is under way, for a command whose analysis runs as it prints). When the
    reader leaves before the end (`revtrace audit | head`), the rest is not written and
    the run exits with that code all the same, saying nothing: the verdict does not
    depend on how much of it was read (exit 0 would pass a gate with findings under
    `pipefail`, exit 1 fail one without)."""
    try:
        yield
    except BrokenPipeError:
        stdout_to_devnull()
        raise typer.Exit(code if isinstance(code, int) else code()) from None


def stdout_to_devnull() -> None:
    """Send what is left in stdout's buffer, and anything written later, nowhere: the
    reader has gone, and flushing at exit must not fail again."""
    with suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def terminal(stderr: bool = False) -> dict[str, object]:
    """What text on stdout (or stderr) looks like here, as rich decides it (size, colours,
    encoding): part of the key of a text output kept in the cache."""
    screen = console(stderr)
    return {
        "size": list(screen.size),
        "terminal": screen.is_terminal,
        "colours": screen.color_system,
        "no_colour": screen.no_color,
        "dumb": screen.is_dumb_terminal,
        "encoding": screen.encoding,
        "legacy_windows": screen.legacy_windows,
    }


@contextmanager
def copied_stderr(copy_to: Callable[[str], object]) -> Iterator[None]:
    """Everything printed on stderr meanwhile is also given to `copy_to` (the cache keeps
    what a command printed there with its output)."""
    original = sys.stderr
    sys.stderr = _Copied(original, copy_to)
    try:
        yield
    finally:
        sys.stderr = original


class _Copied:
    """A text stream that also gives what it is given to `copy_to`; everything else
    (isatty, encoding, fileno) is the stream's own, so rich sees the same terminal."""

    def __init__(self, stream: Any, copy_to: Callable[[str], object]) -> None:
        self._stream = stream
        self._copy_to = copy_to

    def write(self, text: str) -> int:
        self._copy_to(text)
        return int(self._stream.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def fail(message: str) -> NoReturn:
    """A one-line error on stderr and exit code 2: revtrace cannot run."""
    from rich.text import Text

    from revtrace.render.escape import visible

    line = Text("revtrace: error: ", style="bold red").append(visible(message))
    console(stderr=True).print(line, soft_wrap=True)
    raise typer.Exit(EXIT_CANNOT_RUN)


def note(message: str) -> None:
    """A diagnostic on stderr (never on stdout, which may be machine output), on one line
    even when it quotes a name with a line break or a terminal escape in it."""
    from rich.text import Text

    from revtrace.render.escape import visible

    console(stderr=True).print(Text(visible(message), style="dim"), soft_wrap=True)


# -- settings, files, analysis ---------------------------------------------------------------


def settings_from(config: Path | None, **flags: Any) -> Settings:
    """The effective settings: the configuration file, then the flags given (by setting
    name, None for a flag not given)."""
    from revtrace.config import ConfigError, inside_repository, load_settings

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        fail(str(exc))
    found = settings.config_file
    if (
        config is None
        and found is not None
        and Path(found).resolve().parent != Path.cwd().resolve()
        and not inside_repository()
    ):
        # Found above the current folder, outside any repository: say so, as a setting
        # from an unexpected place can change what a gate lets through.
        note(f"revtrace: using the configuration in {found}")
    for name, value in flags.items():
        if value is not None:
            setting = name.replace("_", "-")
            settings.set(setting, value, f"--{setting}")
    return settings


def catalog_files(
    arguments: Sequence[str] | None, settings: Settings
) -> tuple[list[str], list[str]]:
    """(the catalog arguments, the files they name). Exit 2 when they name nothing."""
    from revtrace.load import CatalogUnreadable, expand_catalog_paths

    paths = list(arguments) if arguments else list(settings.catalog)
    try:
        files = expand_catalog_paths(paths)
    except CatalogUnreadable as exc:
        fail(f"cannot read {exc.path}: {exc.reason}")
    if arguments and settings.sources["catalog"] != "default":
        _part_of_the_catalog(files, settings)
    return paths, files


def _part_of_the_catalog(files: list[str], settings: Settings) -> None:
    """A note when the files named are some of the configured catalog's: links to metrics
    defined in the others are then reported as undefined (RT002), true of what was read
    but not of the catalog, and a reader might 'fix' them."""
    from revtrace.load import CatalogUnreadable, expand_catalog_paths
    from revtrace.model.wording import plural

    try:
        configured = {os.path.realpath(f) for f in expand_catalog_paths(settings.catalog)}
    except CatalogUnreadable:
        return  # the configured catalog is not there: nothing to compare with
    named = {os.path.realpath(f) for f in files}
    if named < configured:
        left = len(configured) - len(named)
        others = "the other file" if left == 1 else f"the other {left} files"
        note(
            f"revtrace: reading {plural(len(named), 'file')} of the {len(configured)} of the"
            f" configured catalog ({', '.join(settings.catalog)}): links to metrics in"
            f" {others} are reported as undefined (RT002), a revenue metric there as"
            " missing (RT004). Without arguments, revtrace reads the whole catalog."
        )


def today() -> date:
    # REVTRACE_TODAY pins "today" for reproducible runs and tests of `keep: {until: …}`.
    pinned = os.environ.get("REVTRACE_TODAY")
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            fail(f"REVTRACE_TODAY={pinned}: not a date written YYYY-MM-DD")
    return date.today()


def read_sources(files: list[str], arguments: list[str]) -> list[tuple[str, bytes]]:
    """Each catalog file's bytes, read once (the cache's keys and the loader use them)."""
    from revtrace.load import CatalogUnreadable, read_catalog_bytes

    try:
        return [(file, read_catalog_bytes(file)) for file in files]
    except CatalogUnreadable as exc:
        unreadable(exc, arguments)


def unreadable(exc: CatalogUnreadable, arguments: list[str]) -> NoReturn:
    hint = ""
    if exc.reason == "no such file" and arguments == ["metrics.yaml"]:
        hint = " (run revtrace in the folder that holds metrics.yaml, or name the catalog)"
    fail(f"cannot read {exc.path}: {exc.reason}{hint}")


def analyse_files(
    sources: list[tuple[str, bytes]],
    arguments: list[str],
    *,
    errors_only: bool = False,
    values: str | None = None,
    store: Store | None = None,
) -> Analysis:
    from revtrace.analysis import analyse_read
    from revtrace.load import CatalogUnreadable
    from revtrace.load.cache import FileCache
    from revtrace.model.findings import Severity
    from revtrace.values import ValuesUnreadable

    minimum = Severity.ERROR if errors_only else Severity.INFO
    cache = FileCache(store, background=True) if store is not None else None
    try:
        with _progress(sources):
            return analyse_read(sources, today(), minimum, values, cache=cache, release=True)
    except ValuesUnreadable as exc:
        values_unreadable(exc)
    except CatalogUnreadable as exc:
        unreadable(exc, arguments)


def cache_store(settings: Settings, no_cache: bool) -> Store | None:
    """The cache to use: none with --no-cache or REVTRACE_NO_CACHE, else `cache_folder`."""
    from revtrace.load.store import Store

    if no_cache or os.environ.get("REVTRACE_NO_CACHE", "").lower() in ("1", "true", "yes"):
        return None
    return Store(cache_folder(settings))


def cache_folder(settings: Settings) -> str:
    """The cache-dir setting (or REVTRACE_CACHE_DIR), else .revtrace_cache beside the
    configuration file, else in the current folder."""
    from revtrace.load.store import DEFAULT_DIR

    if settings.cache_dir is not None:
        return settings.cache_dir
    found = settings.config_file
    return os.path.join(os.path.dirname(found), DEFAULT_DIR) if found else DEFAULT_DIR


def values_unreadable(exc: ValuesUnreadable) -> NoReturn:
    """The problems found in a values file, then why nothing in it can be used: exit 2."""
    from revtrace.render import text

    text.print_findings(console(stderr=True), exc.findings)
    fail(f"{exc.location}: {exc.reason}")


def read_values(run: Session, path: str | None) -> ValueTable:
    """The values file of explain and fit (--values, else the `values` setting); its
    problems are printed on stderr, each at its line, and the rest is used."""
    from revtrace.render import text
    from revtrace.values import ValuesUnreadable
    from revtrace.values import read_values as read

    chosen = path or run.settings.values
    if chosen is None:
        fail("name the values file: --values FILE (or the `values` setting)")
    try:
        table, problems = read(chosen, run.analysis.catalog.metrics)
    except ValuesUnreadable as exc:
        values_unreadable(exc)
    if problems:
        text.print_findings(console(stderr=True), problems)
    return table


def _progress(sources: list[tuple[str, bytes]]) -> AbstractContextManager[object]:
    """A spinner on stderr while a large catalog is read and checked, on a terminal only:
    never in piped or machine output."""
    from contextlib import nullcontext

    size = sum(len(data) for _, data in sources)
    if size < PROGRESS_BYTES:
        return nullcontext()  # and rich is not imported
    err = console(stderr=True)
    if not err.is_terminal:
        return nullcontext()
    megabytes = size / 1_000_000
    return err.status(f"Reading and checking {len(sources)} catalog file(s), {megabytes:.0f} MB…")


def policy_of(settings: Settings) -> Policy:
    from revtrace.analysis.policy import Policy, PolicyError
    from revtrace.rules import ALL_RULES

    try:
        return Policy.build(
            ALL_RULES,
            select=settings.select,
            ignore=settings.ignore,
            severity=settings.severity,
            fail_on=settings.fail_on,
            where=settings.sources,
        )
    except PolicyError as exc:
        fail(str(exc))


@dataclass
class Session:
    """A command's catalog, read, and analysed when first asked for: the preamble every
    catalog command shares (audit may answer from the cache without analysing)."""

    settings: Settings
    arguments: list[str]
    files: list[str]
    #: Each file's bytes, as read once.
    sources: list[tuple[str, bytes]]
    #: The cache, unless --no-cache.
    store: Store | None
    #: The exit code so far: 1 when a view command printed catalog errors on stderr.
    code: int = EXIT_CLEAN
    #: The -m selectors as given (with any that were typed unquoted after the first).
    selectors: list[str] | None = None
    values: str | None = None
    #: A view command: only the error rules run, and the catalog's errors are printed on
    #: stderr when it is analysed (exit code 1).
    errors_only: bool = False
    _analysis: Analysis | None = None

    @property
    def analysis(self) -> Analysis:
        if self._analysis is None:
            sources, self.sources = self.sources, []  # emptied once read (see analyse_read)
            self._analysis = analyse_files(
                sources,
                self.arguments,
                errors_only=self.errors_only,
                values=self.values,
                store=self.store,
            )
            if self.errors_only:
                self.code = _report_errors(self._analysis)
        return self._analysis


#: `team:sales`, `owner:x`, `tag:y`, `status:z`: selectors no catalog path looks like.
_METHOD_SELECTOR = re.compile(r"\A(?:team|owner|tag|status):[^/\\]+\Z")


def open_catalog(
    catalogs: list[str] | None,
    config: Path | None,
    *,
    view: bool,
    selectors: list[str] | None = None,
    no_cache: bool = False,
    **flags: Any,
) -> Session:
    """Settings → files → the analysis, when a command first asks for it (a run answered
    from the cache never does). A `view` command (tree, trace, graph, …) needs only the
    error rules, prints the catalog's errors on stderr as it is analysed and exits 1
    after its output; audit and report run every rule and report the findings themselves.

    With -m, `-m team:sales team:marketing` typed without quotes puts `team:marketing`
    among the catalog arguments: a method selector that names no file is taken as the
    selector it plainly is."""
    if selectors and catalogs:
        moved = [a for a in catalogs if _METHOD_SELECTOR.match(a) and not os.path.exists(a)]
        if moved:
            catalogs = [a for a in catalogs if a not in moved] or None
            selectors = [*selectors, *moved]
    settings = settings_from(config, **flags)
    arguments, files = catalog_files(catalogs, settings)
    run = Session(
        settings,
        arguments,
        files,
        read_sources(files, arguments),
        cache_store(settings, no_cache),
        selectors=selectors,
        values=None if view else settings.values,
        errors_only=view,
    )
    return run


def _report_errors(analysis: Analysis) -> int:
    """Catalog errors go to stderr and make the exit code 1."""
    from revtrace.render import text

    errors = analysis.errors
    if not errors:
        return EXIT_CLEAN
    from revtrace.model.wording import plural

    err = console(stderr=True)
    text.print_findings(err, errors)
    err.print(
        f"revtrace: the catalog has {plural(len(errors), 'error')}; what is shown may be"
        " incomplete. Run 'revtrace audit' for the full report.",
        soft_wrap=True,
    )
    return EXIT_FINDINGS


# -- selection -----------------------------------------------------------------------------


def selectors(texts: list[str] | None, session: Session) -> list[Selector]:
    """Parse -m selectors and check that their metrics exist (exit 2 when not)."""
    from revtrace.analysis.select import SelectorError, parse, resolve

    if not texts:
        return []
    try:
        parsed = parse(texts)
        resolve(parsed, session.analysis.graph)
    except SelectorError as exc:
        if session.analysis.incomplete:
            # The metric may be in the part of the catalog that could not be read.
            raise typer.Exit(session.code or EXIT_FINDINGS) from None
        fail(str(exc))
    return parsed


def selector_texts(texts: list[str] | None) -> list[str]:
    """Each selector as written (`-m "a b"` is two)."""
    return [part for text in texts or () for part in text.split()]


def selected(texts: list[str] | None, session: Session) -> list[str]:
    """The metric ids the -m selectors choose (all metrics without one), catalog order."""
    from revtrace.analysis.select import resolve

    chosen = selectors(texts, session)
    if not chosen:
        return list(session.analysis.catalog.metrics)
    return or_fail(lambda: resolve(chosen, session.analysis.graph))


def or_fail(action: Callable[[], T]) -> T:
    """Run a use case; an error it raises for bad user input is exit 2, one line."""
    from revtrace.analysis.explain import ExplainError
    from revtrace.analysis.impact import WhatIfError
    from revtrace.analysis.select import SelectorError

    try:
        return action()
    except (SelectorError, WhatIfError, ExplainError) as exc:
        fail(str(exc))


def unknown_metric(session: Session, metric: str) -> NoReturn:
    from revtrace.model.wording import suggest

    analysis = session.analysis
    if analysis.incomplete:
        # The metric may be in the part of the catalog that could not be read.
        raise typer.Exit(session.code or EXIT_FINDINGS)
    fail(f"unknown metric '{metric}'{suggest(metric, analysis.catalog.metrics)}")


# -- output ----------------------------------------------------------------------------------


def show(
    view: str,
    format_name: str,
    value: object,
    *,
    output: Path | None = None,
    force: bool = False,
    protected: Sequence[str] = (),
    sink: EntryWriter | None = None,
    **text_options: Any,
) -> None:
    """The one dispatch from a format to a renderer: `text` draws on the terminal (or,
    with `output`, into a file without colour); every other format is a document,
    written as it is rendered. What is written is also copied into `sink` (the cache's
    copy of the output)."""
    if format_name == "text":
        from rich.console import Console

        from revtrace.render import text_renderer

        draw = text_renderer(view)
        if output is None:
            draw(console(copy_to=None if sink is None else sink.write_text), value, **text_options)
            return
        buffer = StringIO()
        screen = Console(file=buffer, width=100, color_system=None, highlight=False, markup=False)
        draw(screen, value, **text_options)
        emit(buffer.getvalue(), output, force, protected, sink)
        return
    from revtrace.render import document_parts

    emit(document_parts(view, format_name, value), output, force, protected, sink)


def emit(
    document: str | Iterable[str],
    output: Path | None,
    force: bool,
    protected: Sequence[str],
    sink: EntryWriter | None = None,
) -> None:
    """Machine output to stdout, or atomically to `output` (never over a catalog file,
    never over anything without --force); a document in pieces is written piece by piece."""
    pieces: Iterable[str] = [document] if isinstance(document, str) else document
    if sink is not None:
        pieces = _tee(pieces, sink)
    if output is None:
        write = sys.stdout.write
        for piece in pieces:
            write(piece)
        sys.stdout.flush()
        return
    from revtrace.output import OutputError, write_file

    try:
        write_file(str(output), pieces, force=force, protected=list(protected))
    except OutputError as exc:
        fail(str(exc))


def _tee(pieces: Iterable[str], sink: EntryWriter) -> Iterator[str]:
    for piece in pieces:
        sink.write_text(piece)
        yield piece
