"""The catalog grammar: one file's checked YAML events → metrics, and findings about them.

Every event comes through `EventStream` (the safety guard), every mapping through its
`mapping()`. Every scalar is read verbatim as text, so `no`, `on`, `2024` and `1e3` are
ids, not a boolean or a number, and `revenue:` accepts only `true` or `false`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from revtrace.load.events import NULLS, EventStream, describe, is_null
from revtrace.load.rules import INVALID_ELASTICITY, INVALID_FIELD
from revtrace.model.catalog import (
    CONFIDENCES,
    MAX_ELASTICITY,
    MAX_ID_LENGTH,
    SIGNS,
    STATUSES,
    SUPPORTED_VERSIONS,
    Keep,
    Link,
    Location,
    Metric,
    is_valid_id,
)
from revtrace.model.findings import Finding
from revtrace.model.formula import FormulaError, parse
from revtrace.model.wording import quoted_list, suggest

TOP_LEVEL_FIELDS = ("version", "metrics", "links")
#: Top-level keys of dbt's YAML files: a file with one is dbt's, not a catalog.
DBT_TOP_LEVEL = frozenset(
    {"models", "sources", "semantic_models", "saved_queries", "exposures", "seeds",
     "snapshots", "macros", "groups", "unit_tests", "data_tests", "analyses",
     # dbt_project.yml's
     "profile", "config-version", "model-paths", "require-dbt-version"}
)  # fmt: skip
#: Said once per file, at the first of those keys or at dbt's `version: 2`.
DBT_HINT = (
    "; this looks like a dbt file: revtrace reads its own catalogs, and 'revtrace import"
    " dbt' writes one from dbt's metrics"
)
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
    "value",
    "computed_from",
    "formula",
)
LINK_FIELDS = ("to", "note", "elasticity", "confidence", "sign")
OVERLAY_FIELDS = ("from", "to", "note", "elasticity", "confidence", "sign")
KEEP_FIELDS = ("reason", "until", "by")
TEXT_FIELDS = frozenset({"name", "description", "owner", "team", "unit", "source"})
#: Text fields whose values repeat across metrics (kept once each, see `read_metric`).
SHARED_FIELDS = frozenset({"owner", "team", "unit", "source"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


def read_file(
    file: str, text: str, parser: Any, findings: list[Finding]
) -> tuple[list[Metric], list[Link]]:
    """The metrics of one file, and the links of its top-level `links:` list; problems go
    to `findings`. Raises `Refused` and PyYAML's errors, which stop the file (the builder
    reports them as RT011)."""
    reader = _FileReader(EventStream(file, text, parser, findings))
    return reader.read_file(), reader.overlay


class _FileReader:
    """Walks one file's events, building metrics and reporting problems."""

    def __init__(self, events: EventStream) -> None:
        self.events = events
        self.next = events.next
        self.report = events.report
        self.wrong_type = events.wrong_type
        self.skip = events.skip
        self.loc = events.loc
        #: The links of the file's top-level `links:` list.
        self.overlay: list[Link] = []
        shared: dict[str, str] = {}
        self.shared = shared.setdefault
        #: Whether this file was said to look like dbt's (`DBT_HINT`).
        self.said_dbt = False

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
        elif isinstance(root, ScalarEvent) and is_null(root):
            self.report("the catalog is empty; it starts with 'version: 1' and 'metrics:'", root)
        else:
            self.report(
                f"a catalog must be a mapping with 'version' and 'metrics', not {describe(root)}",
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
        version_seen = metrics_seen = links_seen = False
        misspelt: set[str] = set()  # top-level keys reported as a misspelling of these
        for key, key_event, value in self.events.mapping("the catalog"):
            if key == "version":
                version_seen = True
                self.read_version(value)
            elif key == "metrics":
                metrics_seen = True
                self.read_metrics(value, metrics)
            elif key == "links":
                links_seen = True
                self.read_overlay(value)
            else:
                hint = suggest(key, TOP_LEVEL_FIELDS)
                misspelt.update(field for field in TOP_LEVEL_FIELDS if f"'{field}'" in hint)
                self.report(
                    f"unknown top-level key '{key}'{hint}"
                    " (a catalog has 'version', 'metrics' and 'links')"
                    + self.dbt_hint(key in DBT_TOP_LEVEL),
                    key_event,
                )
                self.skip(value)
        # A misspelt key is reported where it is; "missing" would point elsewhere.
        if not version_seen and "version" not in misspelt:
            self.report("missing 'version: 1' at the top of the catalog", start)
        if not (metrics_seen or links_seen) and "metrics" not in misspelt:
            self.report("missing 'metrics:', the mapping of metric ids to definitions", start)

    def dbt_hint(self, applies: bool) -> str:
        """`DBT_HINT` where it `applies`, the first time in the file; else nothing."""
        if not applies or self.said_dbt:
            return ""
        self.said_dbt = True
        return DBT_HINT

    def read_overlay(self, value: Event) -> None:
        """Top-level `links:`: links between metrics defined anywhere in the catalog, for
        a file of links kept apart from generated definitions (an overlay)."""
        if isinstance(value, ScalarEvent) and is_null(value):
            return
        if not isinstance(value, SequenceStartEvent):
            self.wrong_type("'links'", "a list of links with 'from' and 'to'", value, None)
            return
        while not isinstance(item := self.next(), SequenceEndEvent):
            if not isinstance(item, MappingStartEvent):
                self.wrong_type("an entry of 'links'", "a mapping with 'from' and 'to'", item, None)
                continue
            where = f"the link at line {self.loc(item).line}"
            ends, fields = self.read_link_fields(where, None, OVERLAY_FIELDS)
            missing = [end for end in ("from", "to") if end not in ends]
            if missing:
                self.report(f"{where} has no {quoted_list(missing)}", item)
                continue
            source, target = ends["from"].value, ends["to"].value
            for end in ("from", "to"):
                if not is_valid_id(ends[end].value):
                    self.report(_bad_id_message(ends[end].value, f"'{end}' of {where}"), ends[end])
            link = Link(source, target, self.loc(item), fields.get("note"), kind="links")
            self.overlay.append(self._with_evidence(link, fields, where, None))

    def read_version(self, value: Event) -> None:
        if not isinstance(value, ScalarEvent):
            self.wrong_type("'version'", "a number", value, None)
            return
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        if value.value.strip() not in {str(v) for v in SUPPORTED_VERSIONS}:
            self.report(
                f"unsupported catalog version {describe(value)};"
                f" this revtrace reads version {supported}"
                + self.dbt_hint(value.value.strip() == "2"),
                value,
            )

    def read_metrics(self, value: Event, metrics: list[Metric]) -> None:
        if isinstance(value, ScalarEvent) and is_null(value):
            return
        if not isinstance(value, MappingStartEvent):
            self.wrong_type("'metrics'", "a mapping of metric ids to definitions", value, None)
            return

        def repeated(metric_id: str, key_event: Any, _first: int, definition: Event) -> None:
            # A repeated metric id is RT003 (not RT010), reported by the builder, which
            # also catches repeats across files; the first definition is kept.
            self.skip(definition)
            metrics.append(Metric(id=metric_id, location=self.loc(key_event), name=metric_id))

        for metric_id, key_event, definition in self.events.mapping(
            "'metrics'", key_what="a metric id", on_repeat=repeated
        ):
            if not is_valid_id(metric_id):
                self.report(_bad_id_message(metric_id, "metric id"), key_event, metric_id)
            metrics.append(self.read_metric(metric_id, self.loc(key_event), definition))

    # -- a metric ------------------------------------------------------------------------------

    def read_metric(self, metric_id: str, location: Location, value: Event) -> Metric:
        if isinstance(value, ScalarEvent) and is_null(value):
            return Metric(id=metric_id, location=location, name=metric_id)
        if not isinstance(value, MappingStartEvent):
            self.wrong_type(
                f"the definition of metric '{metric_id}'", "a mapping of fields", value, metric_id
            )
            return Metric(id=metric_id, location=location, name=metric_id)
        fields: dict[str, Any] = {}
        readers = _FIELD_READERS
        for key, key_event, field_value in self.events.mapping(None, metric_id):
            if key in TEXT_FIELDS:
                # Most fields are plain text: read inline, this runs for every field.
                if field_value.__class__ is ScalarEvent:
                    text = field_value.value
                    if field_value.implicit[0] and text in NULLS:
                        fields[key] = None
                    elif key in SHARED_FIELDS:
                        # One copy of each owner and team (a few hundred of them) instead
                        # of one per metric: 120 MB at 1,000,000 metrics.
                        fields[key] = self.shared(text, text)
                    else:
                        fields[key] = text
                else:
                    self.wrong_type(
                        f"'{key}' of metric '{metric_id}'", "text", field_value, metric_id
                    )
                continue
            reader = readers.get(key)
            if reader is None:
                self.report(
                    f"unknown field '{key}' in metric '{metric_id}'{suggest(key, METRIC_FIELDS)}",
                    key_event,
                    metric_id,
                )
                self.skip(field_value)
                continue
            read = reader(self, metric_id, key_event, field_value)
            if key == "formula" and isinstance(read, tuple):
                fields["formula"], fields["formula_at"] = read
            elif read is not None:
                fields[key] = read
        name = fields.pop("name", None) or metric_id
        return Metric(id=metric_id, location=location, name=name, **fields)

    # -- values ------------------------------------------------------------------------------

    def read_text(self, what: str, value: Event, metric: str | None) -> str | None:
        if isinstance(value, ScalarEvent):
            return None if is_null(value) else value.value
        self.wrong_type(what, "text", value, metric)
        return None

    def read_revenue(self, metric_id: str, _key: Event, value: Event) -> bool:
        return self.read_bool(f"'revenue' of metric '{metric_id}'", value, metric_id)

    def read_value(self, metric_id: str, _key: Event, value: Event) -> float | None:
        return self.read_number(f"'value' of metric '{metric_id}'", value, metric_id)

    def read_computed_from(self, metric_id: str, _key: Event, value: Event) -> tuple[Link, ...]:
        """`computed_from: [ids]`: the metric is derived from these (a window, an offset,
        a cumulative sum): each drives it, as a derivation with no elasticity."""
        if isinstance(value, ScalarEvent) and is_null(value):
            return ()
        what = f"'computed_from' of metric '{metric_id}'"
        if not isinstance(value, SequenceStartEvent):
            self.wrong_type(what, "a list of metric ids", value, metric_id)
            return ()
        links: list[Link] = []
        while not isinstance(item := self.next(), SequenceEndEvent):
            if not isinstance(item, ScalarEvent) or is_null(item):
                self.wrong_type(f"an entry of {what}", "a metric id", item, metric_id)
                continue
            if not is_valid_id(item.value):
                self.report(_bad_id_message(item.value, f"an entry of {what}"), item, metric_id)
            links.append(Link(item.value, metric_id, self.loc(item), kind="computed_from"))
        return tuple(links)

    def read_formula(
        self, metric_id: str, _key: Event, value: Event
    ) -> tuple[str, Location] | None:
        """`formula:` text, checked now so that a mistake is located at its character."""
        text = self.read_text(f"'formula' of metric '{metric_id}'", value, metric_id)
        if text is None:
            return None
        start = self.loc(value)
        quoted = 1 if getattr(value, "style", None) in ('"', "'") else 0
        try:
            parse(text)
        except FormulaError as exc:
            where = Location(start.file, start.line, start.column + quoted + exc.column - 1)
            self.events.findings.append(
                INVALID_FIELD.finding(
                    f"'formula' of metric '{metric_id}': {exc.message}"
                    " (a formula is metric ids, numbers, + - * / and parentheses)",
                    where,
                    metric_id,
                )
            )
            return None
        return text, Location(start.file, start.line, start.column + quoted)

    def read_status(self, metric_id: str, _key: Event, value: Event) -> str | None:
        status = self.read_text(f"'status' of metric '{metric_id}'", value, metric_id)
        if status is not None and status not in STATUSES:
            self.report(
                f"'status' of metric '{metric_id}' must be {quoted_list(STATUSES, 'or')},"
                f" not '{status}'{suggest(status, STATUSES)}",
                value,
                metric_id,
            )
            return None
        return status

    def read_number(
        self, what: str, value: Event, metric: str | None, rule_code: str = "RT010"
    ) -> float | None:
        """A finite number; anything else is reported (RT017 for elasticities)."""
        if isinstance(value, ScalarEvent) and is_null(value):
            return None
        if isinstance(value, ScalarEvent) and value.implicit[0]:
            try:
                number = float(value.value.replace("_", ""))
            except ValueError:
                number = None
            if number is not None and math.isfinite(number):
                return number
        rule = INVALID_ELASTICITY if rule_code == "RT017" else INVALID_FIELD
        self.events.findings.append(
            rule.finding(
                f"{what} must be a finite number, not {describe(value)}", self.loc(value), metric
            )
        )
        self.skip(value)
        return None

    def read_elasticity(self, what: str, value: Event, metric: str | None) -> float | None:
        number = self.read_number(what, value, metric, rule_code="RT017")
        if number is not None and abs(number) > MAX_ELASTICITY:
            self.events.findings.append(
                INVALID_ELASTICITY.finding(
                    f"{what} must be between -{MAX_ELASTICITY:g} and {MAX_ELASTICITY:g}"
                    f" (the % change in the target for a 1% change in the source), not {number:g}",
                    self.loc(value),
                    metric,
                )
            )
            return None
        return number

    def read_bool(self, what: str, value: Event, metric: str) -> bool:
        if isinstance(value, ScalarEvent) and value.implicit[0]:
            if value.value in _TRUE:
                return True
            if value.value in _FALSE or is_null(value):
                return False
        if isinstance(value, ScalarEvent):
            quoted = "" if value.implicit[0] else " (quoted, so it is text)"
            self.report(
                f"{what} must be true or false, not {describe(value)}{quoted}", value, metric
            )
            return False
        self.wrong_type(what, "true or false", value, metric)
        return False

    def read_keep(self, metric_id: str, keep_key: Event, value: Event) -> Keep | None:
        if isinstance(value, ScalarEvent) and is_null(value):
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
        where = f"'keep' of metric '{metric_id}'"
        for key, key_event, field_value in self.events.mapping(where, metric_id):
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

    def read_tags(self, metric_id: str, _key: Event, value: Event) -> tuple[str, ...]:
        if isinstance(value, ScalarEvent) and is_null(value):
            return ()
        if not isinstance(value, SequenceStartEvent):
            self.wrong_type(f"'tags' of metric '{metric_id}'", "a list of text", value, metric_id)
            return ()
        tags: list[str] = []
        while not isinstance(item := self.next(), SequenceEndEvent):
            if isinstance(item, ScalarEvent) and not is_null(item):
                tags.append(item.value)
            else:
                self.wrong_type(f"a tag of metric '{metric_id}'", "text", item, metric_id)
        return tuple(tags)

    # -- links -------------------------------------------------------------------------------

    def read_drives(self, metric_id: str, _key: Event, value: Event) -> tuple[Link, ...]:
        if isinstance(value, ScalarEvent) and is_null(value):
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
        file = self.events.file
        next_event = self.next
        while True:
            # The common case, a plain or quoted id, is handled inline: catalogs have
            # more links than anything else, so this loop sets the loader's speed.
            item: Any = next_event()
            kind = item.__class__
            if kind is SequenceEndEvent:
                break
            if (
                kind is ScalarEvent
                and not (item.implicit[0] and item.value in NULLS)
                and is_valid_id(item.value)
            ):
                mark = item.start_mark
                links.append(
                    Link(metric_id, item.value, Location(file, mark.line + 1, mark.column + 1))
                )
                continue
            link = self.read_link(metric_id, item)
            if link is not None:
                links.append(link)
        return tuple(links)

    def read_link(self, metric_id: str, item: Event) -> Link | None:
        if isinstance(item, ScalarEvent):
            if is_null(item):
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
        where = f"a link of metric '{metric_id}'"
        ends, fields = self.read_link_fields(where, metric_id, LINK_FIELDS)
        if "to" not in ends:
            self.report(f"{where} has no 'to'", item, metric_id)
            return None
        link = self._link(metric_id, ends["to"].value, ends["to"], fields.get("note"))
        return self._with_evidence(link, fields, where, metric_id)

    def read_link_fields(
        self, where: str, metric: str | None, allowed: tuple[str, ...]
    ) -> tuple[dict[str, ScalarEvent], dict[str, Any]]:
        """The fields of a link written as a mapping: its ends (`to`, and `from` in a
        top-level `links:` entry) as events, and the rest as values."""
        ends: dict[str, ScalarEvent] = {}
        fields: dict[str, Any] = {}
        for key, key_event, value in self.events.mapping(where, metric):
            what = f"'{key}' in {where}"
            if key in ("to", "from") and key in allowed:
                if isinstance(value, ScalarEvent) and not is_null(value):
                    ends[key] = value
                else:
                    self.wrong_type(what, "a metric id", value, metric)
            elif key == "elasticity":
                fields[key] = self.read_elasticity(what, value, metric)
            elif key == "confidence":
                fields[key] = self.read_choice(what, value, metric, CONFIDENCES)
            elif key == "sign":
                fields[key] = self.read_choice(what, value, metric, SIGNS)
            elif key == "note":
                fields[key] = self.read_text(what, value, metric)
            else:
                self.report(
                    f"unknown field '{key}' in {where}{suggest(key, allowed)}", key_event, metric
                )
                self.skip(value)
        return ends, fields

    def _with_evidence(
        self, link: Link, fields: dict[str, Any], where: str, metric: str | None
    ) -> Link:
        elasticity, sign = fields.get("elasticity"), fields.get("sign")
        if sign is not None and elasticity and (elasticity > 0) != (sign == "positive"):
            self.events.findings.append(
                INVALID_ELASTICITY.finding(
                    f"the sign of {where} is {sign}, but its elasticity is"
                    f" {elasticity:g}: one of them is wrong",
                    link.location,
                    metric,
                )
            )
        if elasticity is None and fields.get("confidence") is None and sign is None:
            return link
        return link._replace(elasticity=elasticity, confidence=fields.get("confidence"), sign=sign)

    def read_choice(
        self, what: str, value: Event, metric: str | None, choices: tuple[str, ...]
    ) -> str | None:
        text = self.read_text(what, value, metric)
        if text is not None and text not in choices:
            self.report(
                f"{what} must be {quoted_list(choices, 'or')}, not '{text}'"
                + suggest(text, choices),
                value,
                metric,
            )
            return None
        return text

    def _link(self, metric_id: str, target: str, event: Event, note: str | None) -> Link:
        if not is_valid_id(target):
            self.report(
                _bad_id_message(target, f"link target of metric '{metric_id}'"), event, metric_id
            )
        return Link(source=metric_id, target=target, location=self.loc(event), note=note)


#: The readers of the fields that are not plain text, by field name; each takes the reader,
#: the metric id, the key event and the value event. (Unbound functions in a module-level
#: table: bound methods stored on the reader would make a reference cycle per file.)
_FIELD_READERS: dict[str, Callable[[_FileReader, str, Any, Any], object]] = {
    "tags": _FileReader.read_tags,
    "status": _FileReader.read_status,
    "revenue": _FileReader.read_revenue,
    "drives": _FileReader.read_drives,
    "keep": _FileReader.read_keep,
    "value": _FileReader.read_value,
    "computed_from": _FileReader.read_computed_from,
    "formula": _FileReader.read_formula,
}


def _bad_id_message(text: str, what: str) -> str:
    if len(text) > MAX_ID_LENGTH:
        return f"{what} is {len(text)} characters long; ids are at most {MAX_ID_LENGTH}"
    if not text:
        return f"{what} is empty"
    bad = sorted({c for c in text if not is_valid_id(c)})
    # Non-ASCII ones by code point: an invisible letter shows as nothing, even quoted.
    shown = ", ".join(repr(c) if c.isascii() else f"U+{ord(c):04X}" for c in bad[:5])
    return (
        f"{what} '{text}' has characters ids cannot have ({shown}); ids are letters,"
        " digits, '_', '-' and '.'"
    )
