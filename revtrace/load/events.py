"""The one safety guard: every YAML event of a catalog file reaches the reader through here.

revtrace never composes a YAML node tree and never lets PyYAML resolve scalar types: it
walks the parser's event stream (the C parser where PyYAML has it). `EventStream` is the
only way the reader gets an event, and it guarantees three things for every path that
reads a catalog (one process or two, every field):

* anchors, aliases and tags are refused at the event that carries them (`Refused`), so an
  alias bomb is rejected at its first anchor, before anything is expanded, and no tag can
  ask for an object to be built;
* every mapping is read through `mapping()`, the one place where a repeated key is
  caught (PyYAML's own loaders silently keep the last) and a key that is not text is
  reported;
* nothing recurses on the file's nesting depth (`skip` counts levels), so a 10,000-deep
  document cannot overflow the stack; and nothing deeper than `MAX_NESTING` levels is read
  at all, whatever the parser (see there).

Speed, without a second guard: an anchor needs an `&`, an alias a `*` and a tag a `!` in
the text. A file with none of the three cannot produce an event that carries one, so its
events are taken from the parser as they come; any other file has every event checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any, NoReturn

import yaml
from yaml.events import (
    AliasEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from revtrace.load.rules import INVALID_FIELD
from revtrace.model.catalog import Location
from revtrace.model.findings import Finding

NULLS = frozenset({"", "~", "null", "Null", "NULL"})

#: YAML nested deeper than this is refused: libyaml's own limit since 0.2.6 (PyYAML 6.0.4's
#: wheels), kept whatever the parser, because older libyaml takes quadratic time on
#: nested flow collections (80,000 levels: 18 s; a 2 MB file: hours), PyYAML's Python
#: parser about a millisecond a level, and both composers recurse (libyaml's in C: a
#: crash). Events come from the parser as they are asked for, so stopping at this depth
#: bounds the parser's work too.
MAX_NESTING = 1000
#: The message of an RT011 for it.
TOO_DEEP = f"nesting deeper than {MAX_NESTING:,} levels; YAML this deep is refused"


def nesting_beyond(events: Iterable[Event], limit: int | None = None) -> Event | None:
    """The first event that opens a collection more than `limit` (`MAX_NESTING`) levels
    deep, or None; stops there, so a parser's work on a deeper file is bounded."""
    limit = MAX_NESTING if limit is None else limit
    depth = 0
    for event in events:
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            depth += 1
            if depth > limit:
                return event
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            depth -= 1
    return None


def too_deep(text: str, loader: Any) -> Event | None:
    """For YAML about to be composed (recursively): the first event nested deeper than
    `MAX_NESTING` where `loader`'s parser does not refuse it itself, else None. A YAML
    mistake is left to the reading that follows, which reports it where it is."""
    if parser_limits_nesting(loader):
        return None
    try:
        return nesting_beyond(yaml.parse(text, Loader=loader))
    except yaml.YAMLError:
        return None


@cache
def parser_limits_nesting(loader: Any) -> bool:
    """Whether `loader`'s parser refuses nesting beyond `MAX_NESTING` by itself (libyaml
    0.2.6 and later): then checking it again costs a second parse for nothing. PyYAML's
    Python parser never does."""
    if loader is yaml.SafeLoader:
        return False
    probe = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    try:
        for _ in yaml.parse(probe, Loader=loader):
            pass
    except yaml.YAMLError:
        return True
    return False


_MARKERS = ("&", "*", "!")

#: Repeated keys reported one by one in a mapping; the rest are counted in one finding, so
#: that a 30 MiB file of one key repeated cannot produce 15 million findings.
MAX_REPEATS_REPORTED = 20

#: Called for a key met a second time in one mapping: (key, its event, the line of the
#: first, the value event, not yet consumed).
OnRepeat = Callable[[str, Any, int, Event], None]


class Refused(Exception):
    """Stops reading a file: a refused YAML feature (reported as RT011)."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


def may_carry_markers(text: str) -> bool:
    """Whether `text` could hold an anchor, an alias or a tag at all."""
    return any(marker in text for marker in _MARKERS)


def is_null(event: ScalarEvent) -> bool:
    return bool(event.implicit[0]) and event.value in NULLS


def describe(event: Event) -> str:
    """What an event is, for messages: 'a mapping', 'an empty value', "'text'"."""
    if isinstance(event, MappingStartEvent):
        return "a mapping"
    if isinstance(event, SequenceStartEvent):
        return "a list"
    if isinstance(event, ScalarEvent):
        if is_null(event):
            return "an empty value"
        value = event.value if len(event.value) <= 40 else event.value[:37] + "..."
        return f"'{value}'"
    return "nothing"


def _checking(parse: Callable[[], Event], file: str) -> Callable[[], Event]:
    """`parse`, refusing every event that carries an anchor, an alias or a tag."""

    def checked() -> Event:
        event: Any = parse()
        kind = event.__class__
        if kind is AliasEvent or (
            (kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent)
            and (event.anchor is not None or event.tag is not None)
        ):
            _refuse(event, file)
        return event  # type: ignore[no-any-return]

    return checked


def _refuse(event: Any, file: str) -> NoReturn:
    mark = event.start_mark
    location = Location(file, mark.line + 1, mark.column + 1)
    if isinstance(event, AliasEvent):
        raise Refused(
            f"alias '*{event.anchor}' refused: revtrace does not expand YAML anchors and"
            " aliases (they can make a small file enormous); write the value out",
            location,
        )
    if event.anchor is not None:
        raise Refused(
            f"anchor '&{event.anchor}' refused: revtrace does not expand YAML anchors"
            " and aliases (they can make a small file enormous); write the value out",
            location,
        )
    tag = event.tag.replace("tag:yaml.org,2002:", "!!")
    raise Refused(
        f"tag '{tag}' refused: catalogs are plain data and revtrace builds no"
        " objects from YAML tags; remove the tag",
        location,
    )


class EventStream:
    """One file's events, checked, with the helpers every part of the reader shares."""

    def __init__(self, file: str, text: str, parser: Any, findings: list[Finding]) -> None:
        self.file = file
        self.findings = findings
        parse: Callable[[], Event] = parser.get_event
        #: The next event: the parser's own method where no event can carry an anchor,
        #: alias or tag (see the module docstring), else one that checks each event.
        #: (A closure over the parser, not a bound method stored on self: that would be a
        #: reference cycle, which revtrace's collector-less run would never free.)
        self.next: Callable[[], Event] = (
            _checking(parse, file) if may_carry_markers(text) else parse
        )

    # -- places and reports ----------------------------------------------------------------

    def loc(self, event: Event) -> Location:
        # Every event from a parser carries its marks; only hand-built events lack them.
        mark: Any = event.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def report(self, message: str, event: Event, metric: str | None = None) -> None:
        self.findings.append(INVALID_FIELD.finding(message, self.loc(event), metric))

    def wrong_type(self, what: str, expected: str, event: Event, metric: str | None) -> None:
        """Report a value of the wrong kind and skip it."""
        self.report(f"{what} must be {expected}, not {describe(event)}", event, metric)
        self.skip(event)

    # -- structure -------------------------------------------------------------------------

    def skip(self, event: Event) -> None:
        """Consume the rest of the node that `event` starts, without recursion."""
        depth = 1 if isinstance(event, (MappingStartEvent, SequenceStartEvent)) else 0
        while depth:
            event = self.next()
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                depth += 1
                if depth > MAX_NESTING:  # everything deeper than the catalog's shape is here
                    raise Refused(TOO_DEEP, self.loc(event))
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                depth -= 1

    def mapping(
        self,
        where: str | None,
        metric: str | None = None,
        *,
        key_what: str | None = None,
        on_repeat: OnRepeat | None = None,
    ) -> Iterator[tuple[str, Any, Any]]:
        """The (key, key event, value event) pairs of the mapping being read, each key
        once: the one place where repeated keys and keys that are not text are caught.

        `where` names the mapping in messages (None: "metric '`metric`'", built only
        when there is something to report: this runs for every metric). A key that is not
        text is reported (as `key_what`, default "a key in `where`") and skipped with its
        value. A repeated key goes to `on_repeat`, or by default is reported as RT010 and
        its value skipped. The caller must consume each value.
        """
        repeats = 0
        # The first line of each key, not its event: the mapping of metric ids is as long as
        # the catalog, and holding every key's event (and marks) until its end cost the
        # rest of the run 5% in scattered memory (measured).
        seen: dict[str, int] = {}
        next_event = self.next
        while True:
            key_event: Any = next_event()
            kind = key_event.__class__
            if kind is MappingEndEvent:
                if repeats > MAX_REPEATS_REPORTED:
                    self.report(
                        f"and {repeats - MAX_REPEATS_REPORTED} more duplicate keys in"
                        f" {where or self._metric_label(metric)}, not listed one by one",
                        key_event,
                        metric,
                    )
                return
            if kind is not ScalarEvent:
                what = key_what or f"a key in {where or self._metric_label(metric)}"
                self.report(f"{what} must be text, not {describe(key_event)}", key_event, metric)
                self.skip(key_event)
                self.skip(next_event())
                continue
            key = key_event.value
            value = next_event()
            first = seen.get(key)
            if first is None:
                seen[key] = key_event.start_mark.line + 1
                yield key, key_event, value
            elif on_repeat is not None:
                on_repeat(key, key_event, first, value)
            else:
                repeats += 1
                if repeats <= MAX_REPEATS_REPORTED:
                    self.report(
                        f"duplicate key '{key}' in {where or self._metric_label(metric)} (first"
                        f" at line {first}); YAML would silently keep only one of them",
                        key_event,
                        metric,
                    )
                self.skip(value)

    @staticmethod
    def _metric_label(metric: str | None) -> str:
        return f"metric '{metric}'"
