"""Catalog files → a `Catalog` plus findings located at file:line:column.

Every safety guard lives here. The loader never composes a YAML node tree and never lets
PyYAML resolve scalar types: it walks the parser's event stream (the C parser where
PyYAML has it) and interprets each event itself. That is what makes it safe and exact:

* every scalar is read verbatim as text, so `no`, `on`, `2024` and `1e3` are ids, not a
  boolean or a number, and `revenue:` accepts only `true` or `false`;
* anchors, aliases and tags are refused at the event that carries them, so an alias bomb
  is rejected at its first anchor, before anything is expanded, and no tag can ask for an
  object to be built;
* duplicate keys are caught at every level (PyYAML's own loaders silently keep the last);
* nothing recurses on the file's nesting depth, so a 10,000-deep document cannot
  overflow the stack.

A file that cannot be opened raises `CatalogUnreadable` (exit code 2). Anything wrong
*inside* a file that opens is a finding.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from revtrace.catalog import (
    MAX_ID_LENGTH,
    STATUSES,
    SUPPORTED_VERSIONS,
    Catalog,
    Keep,
    Link,
    Location,
    Metric,
    is_valid_id,
)
from revtrace.catalog import is_valid_id as _is_valid_id
from revtrace.findings import Finding
from revtrace.rules.loading import DUPLICATE_METRIC, INVALID_FIELD, YAML_SYNTAX
from revtrace.wording import quoted_list, suggest

#: Larger files are refused before they are read (exit code 2): a catalog of 100,000
#: metrics is about 13 MB, so this leaves room for five times that.
MAX_FILE_BYTES = 64 * 1024 * 1024

TOP_LEVEL_FIELDS = ("version", "metrics")
METRIC_FIELDS = (
    "name",
    "description",
    "owner",
    "team",
    "unit",
    "source",
    "tags",
    "status",
    "revenue",
    "drives",
    "keep",
)
LINK_FIELDS = ("to", "note")
KEEP_FIELDS = ("reason", "until", "by")
_TEXT_FIELDS = frozenset({"name", "description", "owner", "team", "unit", "source"})

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_NODE_STARTS = (ScalarEvent, MappingStartEvent, SequenceStartEvent)

_C_PARSER: Any = getattr(yaml, "CSafeLoader", None)


class CatalogUnreadable(Exception):
    """A catalog path that cannot be read at all: missing, a directory, no permission."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot read {path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class LoadResult:
    catalog: Catalog
    findings: tuple[Finding, ...]
    #: A file was not valid YAML (RT011): the catalog is incomplete, so graph rules,
    #: which would report its missing half as broken links, must not run.
    fatal: bool


def load_catalog(
    paths: Sequence[str | os.PathLike[str]], *, pure_python: bool = False
) -> LoadResult:
    """Read catalog files into one catalog; ids are global across files."""
    return load_sources(
        [(os.fspath(p), read_catalog_bytes(os.fspath(p))) for p in paths],
        pure_python=pure_python,
    )


def load_sources(sources: Sequence[tuple[str, bytes]], *, pure_python: bool = False) -> LoadResult:
    """Load catalog files already read into memory, as (display name, bytes) pairs."""
    builder = _CatalogBuilder()
    fatal = False
    for name, data in sources:
        fatal |= not builder.add_file(name, data, pure_python=pure_python)
    return builder.result(fatal)


def load_catalog_text(
    text: str | bytes, file: str = "<string>", *, pure_python: bool = False
) -> LoadResult:
    """Load one catalog from memory (for tests and for tools that already hold the text)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_sources([(file, data)], pure_python=pure_python)


def read_catalog_bytes(path: str) -> bytes:
    try:
        if Path(path).is_dir():
            raise CatalogUnreadable(path, "it is a directory, not a catalog file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise CatalogUnreadable(path, "no such file") from None
    except IsADirectoryError:
        raise CatalogUnreadable(path, "it is a directory, not a catalog file") from None
    except PermissionError:
        raise CatalogUnreadable(path, "permission denied") from None
    except OSError as exc:
        raise CatalogUnreadable(path, exc.strerror or str(exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise CatalogUnreadable(
            path, f"the file is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit"
        )
    return data


class _Refused(Exception):
    """Stops reading a file: a refused YAML feature or a syntax error."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


class _CatalogBuilder:
    def __init__(self) -> None:
        self.metrics: dict[str, Metric] = {}
        self.findings: list[Finding] = []
        self.files: list[str] = []

    def result(self, fatal: bool) -> LoadResult:
        catalog = Catalog(metrics=self.metrics, files=tuple(self.files))
        return LoadResult(catalog, tuple(self.findings), fatal)

    def add_file(self, file: str, data: bytes, *, pure_python: bool) -> bool:
        """Read one file's metrics in; False when the file could not be read as YAML."""
        self.files.append(file)
        text = _decode(file, data, self.findings)
        if text is None:
            return False
        parser: Any = None
        try:
            # The pure-Python reader checks characters as it is built, so it may raise too.
            parser = yaml.SafeLoader(text) if pure_python or _C_PARSER is None else _C_PARSER(text)
            metrics = _FileReader(file, text, parser, self.findings).read_file()
        except _Refused as refused:
            self.findings.append(YAML_SYNTAX.finding(refused.message, refused.location))
            return False
        except yaml.YAMLError as exc:
            self.findings.append(_syntax_finding(file, text, exc))
            return False
        finally:
            if parser is not None:
                parser.dispose()
        for metric in metrics:
            first = self.metrics.get(metric.id)
            if first is None:
                self.metrics[metric.id] = metric
                continue
            where = (
                f"line {first.location.line}"
                if first.location.file == file
                else f"{first.location.file}:{first.location.line}"
            )
            self.findings.append(
                DUPLICATE_METRIC.finding(
                    f"metric '{metric.id}' is already defined at {where};"
                    " this definition is ignored",
                    metric.location,
                    metric.id,
                )
            )
        return True


def _decode(file: str, data: bytes, findings: list[Finding]) -> str | None:
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if data.startswith(bom):
            findings.append(
                YAML_SYNTAX.finding(
                    f"the file is {encoding}; revtrace reads UTF-8 catalogs, save it as UTF-8",
                    Location(file, 1, 1),
                )
            )
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        findings.append(
            YAML_SYNTAX.finding(
                f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                Location(file, line, column),
            )
        )
        return None
    # A UTF-8 byte-order mark is harmless, but it would shift every column on line 1.
    return text[1:] if text.startswith("\ufeff") else text


def _syntax_finding(file: str, text: str, exc: yaml.YAMLError) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        location = Location(file, mark.line + 1, mark.column + 1)
    else:
        position = getattr(exc, "position", None)
        location = (
            _location_of_index(file, text, position)
            if position is not None
            else Location(file, 1, 1)
        )
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if isinstance(exc, yaml.reader.ReaderError) or problem is None:
        character = getattr(exc, "character", None)
        if isinstance(character, str):
            character = ord(character)
        if isinstance(character, int):
            message = (
                f"the file contains the control character U+{character:04X},"
                " which YAML does not allow"
            )
        else:
            message = str(exc).splitlines()[0]
    else:
        message = f"{context}: {problem}" if context else str(problem)
    return YAML_SYNTAX.finding(f"invalid YAML: {message}", location)


def _location_of_index(file: str, text: str, index: int) -> Location:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Location(file, line, column)


def _describe(event: Event) -> str:
    if isinstance(event, MappingStartEvent):
        return "a mapping"
    if isinstance(event, SequenceStartEvent):
        return "a list"
    if isinstance(event, ScalarEvent):
        if _is_null(event):
            return "an empty value"
        value = event.value if len(event.value) <= 40 else event.value[:37] + "..."
        return f"'{value}'"
    return "nothing"


def _is_null(event: ScalarEvent) -> bool:
    return bool(event.implicit[0]) and event.value in _NULLS


class _FileReader:
    """Walks one file's event stream, building metrics and reporting problems."""

    def __init__(self, file: str, text: str, parser: Any, findings: list[Finding]) -> None:
        self.file = file
        self.text = text
        self._get_event: Callable[[], Event] = parser.get_event
        self.findings = findings

    # -- events ---------------------------------------------------------------------------

    def loc(self, event: Event) -> Location:
        # Every event from a parser carries its marks; only hand-built events lack them.
        mark: Any = event.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def next(self) -> Event:
        """The next event; anchors, aliases and tags stop the file here (RT011)."""
        event = self._get_event()
        kind = event.__class__
        if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:  # type: ignore[attr-defined]
                self._refuse(event)
        elif kind is AliasEvent:
            self._refuse(event)
        return event

    def _check(self, event: Any) -> None:
        """Refuse `event` if it carries an anchor, an alias or a tag."""
        kind = event.__class__
        if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                self._refuse(event)
        elif kind is AliasEvent:
            self._refuse(event)

    def _refuse(self, event: Any) -> NoReturn:
        if isinstance(event, AliasEvent):
            raise _Refused(
                f"alias '*{event.anchor}' refused: revtrace does not expand YAML anchors and"
                " aliases (they can make a small file enormous); write the value out",
                self.loc(event),
            )
        if event.anchor is not None:
            raise _Refused(
                f"anchor '&{event.anchor}' refused: revtrace does not expand YAML anchors"
                " and aliases (they can make a small file enormous); write the value out",
                self.loc(event),
            )
        tag = event.tag.replace("tag:yaml.org,2002:", "!!")
        raise _Refused(
            f"tag '{tag}' refused: catalogs are plain data and revtrace builds no"
            " objects from YAML tags; remove the tag",
            self.loc(event),
        )

    def skip(self, event: Event) -> None:
        """Consume the rest of the node that `event` starts, without recursion."""
        depth = 1 if isinstance(event, (MappingStartEvent, SequenceStartEvent)) else 0
        while depth:
            event = self.next()
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                depth += 1
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                depth -= 1

    def report(self, message: str, event: Event, metric: str | None = None) -> None:
        self.findings.append(INVALID_FIELD.finding(message, self.loc(event), metric))

    def wrong_type(self, what: str, expected: str, event: Event, metric: str | None) -> None:
        self.report(f"{what} must be {expected}, not {_describe(event)}", event, metric)
        self.skip(event)

    def keys(
        self, where: str, metric: str | None = None
    ) -> Iterable[tuple[str, ScalarEvent, Event]]:
        """The (key, key event, first value event) pairs of the mapping being read.

        Non-text keys and repeated keys are reported and their values skipped, so callers
        only see each key once.
        """
        seen: dict[str, int] = {}
        while True:
            key_event = self.next()
            if isinstance(key_event, MappingEndEvent):
                return
            if not isinstance(key_event, ScalarEvent):
                self.report(
                    f"a key in {where} must be text, not {_describe(key_event)}", key_event, metric
                )
                self.skip(key_event)
                self.skip(self.next())
                continue
            key = key_event.value
            value_event = self.next()
            if key in seen:
                self.report(
                    f"duplicate key '{key}' in {where} (first at line {seen[key]});"
                    " YAML would silently keep only one of them",
                    key_event,
                    metric,
                )
                self.skip(value_event)
                continue
            seen[key] = key_event.start_mark.line + 1  # type: ignore[union-attr]
            yield key, key_event, value_event

    # -- the document -----------------------------------------------------------------------

    def read_file(self) -> list[Metric]:
        metrics: list[Metric] = []
        event = self.next()
        assert isinstance(event, StreamStartEvent)
        event = self.next()
        if isinstance(event, StreamEndEvent):
            self.report(
                "the file is empty; a catalog starts with 'version: 1' and 'metrics:'", event
            )
            return metrics
        assert isinstance(event, DocumentStartEvent)
        root = self.next()
        if isinstance(root, MappingStartEvent):
            self.read_top(root, metrics)
        elif isinstance(root, ScalarEvent) and _is_null(root):
            self.report("the catalog is empty; it starts with 'version: 1' and 'metrics:'", root)
        else:
            self.report(
                f"a catalog must be a mapping with 'version' and 'metrics', not {_describe(root)}",
                root,
            )
            self.skip(root)
        event = self.next()
        assert isinstance(event, DocumentEndEvent)
        event = self.next()
        if isinstance(event, DocumentStartEvent):
            self.report(
                "the file holds several YAML documents; a catalog file holds one"
                " (split the catalog into several files instead)",
                event,
            )
        return metrics

    def read_top(self, start: MappingStartEvent, metrics: list[Metric]) -> None:
        version_seen = metrics_seen = False
        for key, key_event, value in self.keys("the catalog"):
            if key == "version":
                version_seen = True
                self.read_version(value)
            elif key == "metrics":
                metrics_seen = True
                self.read_metrics(value, metrics)
            else:
                self.report(
                    f"unknown top-level key '{key}'{suggest(key, TOP_LEVEL_FIELDS)}"
                    " (a catalog has 'version' and 'metrics')",
                    key_event,
                )
                self.skip(value)
        if not version_seen:
            self.report("missing 'version: 1' at the top of the catalog", start)
        if not metrics_seen:
            self.report("missing 'metrics:', the mapping of metric ids to definitions", start)

    def read_version(self, value: Event) -> None:
        if not isinstance(value, ScalarEvent):
            self.wrong_type("'version'", "a number", value, None)
            return
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        if value.value.strip() not in {str(v) for v in SUPPORTED_VERSIONS}:
            shown = _describe(value)
            self.report(
                f"unsupported catalog version {shown}; this revtrace reads version {supported}",
                value,
            )

    def read_metrics(self, value: Event, metrics: list[Metric]) -> None:
        if isinstance(value, ScalarEvent) and _is_null(value):
            return
        if not isinstance(value, MappingStartEvent):
            self.wrong_type("'metrics'", "a mapping of metric ids to definitions", value, None)
            return
        seen: dict[str, Location] = {}
        for metric_id, key_event, definition in self._metric_keys():
            location = self.loc(key_event)
            if metric_id in seen:
                # Keep the first definition; the builder reports the second as RT003.
                self.skip(definition)
                metrics.append(Metric(id=metric_id, location=location, name=metric_id))
                continue
            seen[metric_id] = location
            if not is_valid_id(metric_id):
                self.report(_bad_id_message(metric_id, "metric id"), key_event, metric_id)
            metrics.append(self.read_metric(metric_id, location, definition))

    def _metric_keys(self) -> Iterable[tuple[str, ScalarEvent, Event]]:
        # Like `keys`, but a repeated metric id is RT003 (not RT010), reported by the
        # builder, which also catches repeats across files.
        while True:
            key_event = self.next()
            if isinstance(key_event, MappingEndEvent):
                return
            if not isinstance(key_event, ScalarEvent):
                self.report(f"a metric id must be text, not {_describe(key_event)}", key_event)
                self.skip(key_event)
                self.skip(self.next())
                continue
            yield key_event.value, key_event, self.next()

    def read_metric(self, metric_id: str, location: Location, value: Event) -> Metric:
        fields: dict[str, Any] = {}
        if isinstance(value, ScalarEvent) and _is_null(value):
            return Metric(id=metric_id, location=location, name=metric_id)
        if not isinstance(value, MappingStartEvent):
            self.wrong_type(
                f"the definition of metric '{metric_id}'", "a mapping of fields", value, metric_id
            )
            return Metric(id=metric_id, location=location, name=metric_id)
        # The keys loop is written out (not `self.keys`): it runs for every field of every
        # metric, and most fields are plain text, read inline.
        get_event = self._get_event
        seen: dict[str, int] = {}
        while True:
            key_event: Any = get_event()
            kind = key_event.__class__
            if kind is MappingEndEvent:
                break
            if kind is not ScalarEvent or key_event.anchor is not None or key_event.tag is not None:
                self._check(key_event)
                self.report(
                    f"a key in metric '{metric_id}' must be text, not {_describe(key_event)}",
                    key_event,
                    metric_id,
                )
                self.skip(key_event)
                self.skip(self.next())
                continue
            key = key_event.value
            field_value: Any = get_event()
            kind = field_value.__class__
            if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
                if field_value.anchor is not None or field_value.tag is not None:
                    self._refuse(field_value)
            elif kind is AliasEvent:
                self._refuse(field_value)
            if key in seen:
                self.report(
                    f"duplicate key '{key}' in metric '{metric_id}' (first at line {seen[key]});"
                    " YAML would silently keep only one of them",
                    key_event,
                    metric_id,
                )
                self.skip(field_value)
                continue
            seen[key] = key_event.start_mark.line + 1
            if key in _TEXT_FIELDS:
                if kind is ScalarEvent:
                    text = field_value.value
                    fields[key] = None if field_value.implicit[0] and text in _NULLS else text
                else:
                    self.wrong_type(
                        f"'{key}' of metric '{metric_id}'", "text", field_value, metric_id
                    )
            elif key == "tags":
                fields["tags"] = self.read_tags(metric_id, field_value)
            elif key == "status":
                status = self.read_text(f"'status' of metric '{metric_id}'", field_value, metric_id)
                if status is not None and status not in STATUSES:
                    self.report(
                        f"'status' of metric '{metric_id}' must be {quoted_list(STATUSES, 'or')},"
                        f" not '{status}'{suggest(status, STATUSES)}",
                        field_value,
                        metric_id,
                    )
                elif status is not None:
                    fields["status"] = status
            elif key == "revenue":
                fields["revenue"] = self.read_bool(
                    f"'revenue' of metric '{metric_id}'", field_value, metric_id
                )
            elif key == "drives":
                fields["drives"] = self.read_drives(metric_id, field_value)
            elif key == "keep":
                fields["keep"] = self.read_keep(metric_id, key_event, field_value)
            else:
                self.report(
                    f"unknown field '{key}' in metric '{metric_id}'{suggest(key, METRIC_FIELDS)}",
                    key_event,
                    metric_id,
                )
                self.skip(field_value)
        name = fields.pop("name", None) or metric_id
        return Metric(id=metric_id, location=location, name=name, **fields)

    def read_text(self, what: str, value: Event, metric: str | None) -> str | None:
        if isinstance(value, ScalarEvent):
            return None if _is_null(value) else value.value
        self.wrong_type(what, "text", value, metric)
        return None

    def read_bool(self, what: str, value: Event, metric: str) -> bool:
        if isinstance(value, ScalarEvent) and value.implicit[0]:
            if value.value in _TRUE:
                return True
            if value.value in _FALSE or _is_null(value):
                return False
        if isinstance(value, ScalarEvent):
            quoted = "" if value.implicit[0] else " (quoted, so it is text)"
            self.report(
                f"{what} must be true or false, not {_describe(value)}{quoted}", value, metric
            )
            return False
        self.wrong_type(what, "true or false", value, metric)
        return False

    def read_keep(self, metric_id: str, keep_key: Event, value: Event) -> Keep | None:
        if isinstance(value, ScalarEvent) and _is_null(value):
            return None
        if not isinstance(value, MappingStartEvent):
            self.wrong_type(
                f"'keep' of metric '{metric_id}'",
                "a mapping with 'reason', 'until' and 'by'",
                value,
                metric_id,
            )
            return None
        found: dict[str, Any] = {}
        for key, key_event, field_value in self.keys(f"'keep' of metric '{metric_id}'", metric_id):
            what = f"'{key}' in 'keep' of metric '{metric_id}'"
            if key in ("reason", "by"):
                found[key] = self.read_text(what, field_value, metric_id)
            elif key == "until":
                text = self.read_text(what, field_value, metric_id)
                if text is not None:
                    try:
                        found["until"] = date.fromisoformat(text.strip())
                    except ValueError:
                        self.report(
                            f"{what} must be a date written YYYY-MM-DD, not '{text}'",
                            field_value,
                            metric_id,
                        )
            else:
                self.report(
                    f"unknown field '{key}' in 'keep' of metric '{metric_id}'"
                    + suggest(key, KEEP_FIELDS),
                    key_event,
                    metric_id,
                )
                self.skip(field_value)
        return Keep(location=self.loc(keep_key), **found)

    def read_tags(self, metric_id: str, value: Event) -> tuple[str, ...]:
        if isinstance(value, ScalarEvent) and _is_null(value):
            return ()
        if not isinstance(value, SequenceStartEvent):
            self.wrong_type(f"'tags' of metric '{metric_id}'", "a list of text", value, metric_id)
            return ()
        tags: list[str] = []
        while not isinstance(item := self.next(), SequenceEndEvent):
            if isinstance(item, ScalarEvent) and not _is_null(item):
                tags.append(item.value)
            else:
                self.wrong_type(f"a tag of metric '{metric_id}'", "text", item, metric_id)
        return tuple(tags)

    def read_drives(self, metric_id: str, value: Event) -> tuple[Link, ...]:
        if isinstance(value, ScalarEvent) and _is_null(value):
            return ()
        if not isinstance(value, SequenceStartEvent):
            hint = (
                f" (write 'drives: [{value.value}]')"
                if isinstance(value, ScalarEvent) and value.value
                else ""
            )
            self.wrong_type(
                f"'drives' of metric '{metric_id}'", f"a list of metric ids{hint}", value, metric_id
            )
            return ()
        links: list[Link] = []
        file = self.file
        get_event = self._get_event
        while True:
            # The common case, a plain or quoted id, is handled inline: catalogs have
            # more links than anything else, so this loop sets the loader's speed.
            item: Any = get_event()
            kind = item.__class__
            if kind is SequenceEndEvent:
                break
            if (
                kind is ScalarEvent
                and item.anchor is None
                and item.tag is None
                and not (item.implicit[0] and item.value in _NULLS)
                and _is_valid_id(item.value)
            ):
                mark = item.start_mark
                links.append(
                    Link(metric_id, item.value, Location(file, mark.line + 1, mark.column + 1))
                )
                continue
            if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
                if item.anchor is not None or item.tag is not None:
                    self._refuse(item)
            elif kind is AliasEvent:
                self._refuse(item)
            link = self.read_link(metric_id, item)
            if link is not None:
                links.append(link)
        return tuple(links)

    def read_link(self, metric_id: str, item: Event) -> Link | None:
        if isinstance(item, ScalarEvent):
            if _is_null(item):
                self.report(f"an empty link in 'drives' of metric '{metric_id}'", item, metric_id)
                return None
            return self._link(metric_id, item.value, item, None)
        if not isinstance(item, MappingStartEvent):
            self.wrong_type(
                f"a link of metric '{metric_id}'",
                "a metric id or a mapping with 'to' and 'note'",
                item,
                metric_id,
            )
            return None
        target_event: ScalarEvent | None = None
        note: str | None = None
        for key, key_event, field_value in self.keys(f"a link of metric '{metric_id}'", metric_id):
            if key == "to":
                if isinstance(field_value, ScalarEvent) and not _is_null(field_value):
                    target_event = field_value
                else:
                    self.wrong_type(
                        f"'to' in a link of metric '{metric_id}'",
                        "a metric id",
                        field_value,
                        metric_id,
                    )
            elif key == "note":
                note = self.read_text(
                    f"'note' in a link of metric '{metric_id}'", field_value, metric_id
                )
            else:
                self.report(
                    f"unknown field '{key}' in a link of metric '{metric_id}'"
                    + suggest(key, LINK_FIELDS),
                    key_event,
                    metric_id,
                )
                self.skip(field_value)
        if target_event is None:
            self.report(f"a link of metric '{metric_id}' has no 'to'", item, metric_id)
            return None
        return self._link(metric_id, target_event.value, target_event, note)

    def _link(self, metric_id: str, target: str, event: Event, note: str | None) -> Link:
        if not is_valid_id(target):
            self.report(
                _bad_id_message(target, f"link target of metric '{metric_id}'"), event, metric_id
            )
        return Link(source=metric_id, target=target, location=self.loc(event), note=note)


def _bad_id_message(text: str, what: str) -> str:
    if len(text) > MAX_ID_LENGTH:
        return f"{what} is {len(text)} characters long; ids are at most {MAX_ID_LENGTH}"
    if not text:
        return f"{what} is empty"
    bad = sorted({c for c in text if not is_valid_id(c)})
    shown = ", ".join(repr(c) for c in bad[:5])
    return (
        f"{what} '{text}' has characters ids cannot have ({shown}); ids are letters,"
        " digits, '_', '-' and '.'"
    )
