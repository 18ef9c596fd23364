"""Metric selectors, as dbt users write them.

| selector | selects |
|---|---|
| `ID` | the metric |
| `+ID` | the metric and everything that drives it, transitively |
| `ID+` | the metric and everything it drives, up to revenue |
| `2+ID`, `ID+3` | the same, at most that many links away |
| `@ID` | both: `+ID` and `ID+` |
| `team:marketing`, `owner:editorial`, `tag:seo`, `status:deprecated` | metrics with that field |
| `website_*`, `+*_leads`, `team:sales*` | dbt's wildcards (`*`, `?`, `[abc]`) in an id or value |
| `team:marketing,status:deprecated` | metrics selected by both (dbt's intersection) |

Several selectors, space-separated or given with several `-m`, select their union.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from revtrace.graph.revenue_graph import RevenueGraph
from revtrace.model.wording import suggest

METHODS = ("team", "owner", "tag", "status")
_GRAPH_SELECTOR = re.compile(
    r"\A(?P<at>@)?(?:(?P<up>\d*)\+)?(?P<id>[^+@\s]+)(?:\+(?P<down>\d*))?\Z"
)


#: What makes an id or a value a pattern: characters an id cannot hold (`[\\w.-]`).
_WILDCARD = re.compile(r"[*?\[]")


class SelectorError(Exception):
    """A selector that names nothing revtrace knows (exit code 2)."""


@dataclass(frozen=True)
class Selector:
    text: str
    metric: str | None = None
    method: str | None = None
    value: str | None = None
    #: Include drivers (`+ID`), at most this many links away (None: no limit).
    drivers: bool = False
    drivers_depth: int | None = None
    #: Include what it drives (`ID+`), at most this many links away.
    driven: bool = False
    driven_depth: int | None = None
    #: `a,b`: the metrics every one of these selects (then `metric` and `method` are None).
    all_of: tuple[Selector, ...] = ()


def parse(texts: Iterable[str]) -> list[Selector]:
    selectors = []
    for text in texts:
        for part in text.split():
            selectors.append(_parse_term(part))
    return selectors


def _parse_term(text: str) -> Selector:
    pieces = text.split(",")
    if len(pieces) == 1:
        return _parse_one(text)
    if not all(pieces):
        raise SelectorError(
            f"'{text}' is not a selector: a comma joins two selectors, as in"
            " 'team:sales,tag:seo' (the metrics both select)"
        )
    return Selector(text, all_of=tuple(_parse_one(piece) for piece in pieces))


def _parse_one(text: str) -> Selector:
    method, colon, value = text.partition(":")
    if colon:
        if method not in METHODS:
            raise SelectorError(
                f"unknown selector method '{method}:'{suggest(method, METHODS)}"
                f" (methods: {', '.join(m + ':' for m in METHODS)})"
            )
        if not value:
            raise SelectorError(f"selector '{text}' needs a value after '{method}:'")
        return Selector(text, method=method, value=value)
    match = _GRAPH_SELECTOR.match(text)
    if match is None:
        raise SelectorError(f"'{text}' is not a selector (see 'revtrace tree --help')")
    up, down = match.group("up"), match.group("down")
    both = match.group("at") is not None
    return Selector(
        text,
        metric=match.group("id"),
        drivers=both or up is not None,
        drivers_depth=int(up) if up else None,
        driven=both or down is not None,
        driven_depth=int(down) if down else None,
    )


def resolve(selectors: Sequence[Selector], graph: RevenueGraph) -> list[str]:
    """The selected metric ids, in catalog order. Raises SelectorError for an unknown id or
    a selector that matches no metric."""
    chosen: set[str] = set()
    for selector in selectors:
        chosen.update(_select(selector, graph))
    return [m for m in graph.catalog.metrics if m in chosen]


def _select(selector: Selector, graph: RevenueGraph) -> set[str]:
    catalog = graph.catalog
    if selector.all_of:
        found = set.intersection(*(_select(part, graph) for part in selector.all_of))
        if not found:
            raise SelectorError(
                f"selector '{selector.text}' matches no metric: no metric is selected by"
                f" all of {', '.join(repr(part.text) for part in selector.all_of)}"
            )
        return found
    if selector.method is not None:
        matched = {m.id for m in catalog.metrics.values() if _matches(m, selector)}
        if not matched:
            raise SelectorError(_matches_nothing(selector, graph))
        return matched
    starts = named_metrics(selector, graph)
    chosen = set(starts)
    # From every metric a pattern matches at once: linear in the graph, where one walk
    # per metric (`+*`) grew with metrics × lineage.
    if selector.drivers:
        chosen.update(_walk(starts, graph.drivers_of, selector.drivers_depth))
    if selector.driven:
        chosen.update(_walk(starts, graph.driven_toward_revenue, selector.driven_depth))
    return chosen


def named_metrics(selector: Selector, graph: RevenueGraph) -> list[str]:
    """The metric an id selector names, or each metric its pattern (`website_*`) matches,
    in catalog order, before any graph operator. Raises SelectorError for an unknown id
    (with a suggestion) or a pattern that matches nothing."""
    catalog = graph.catalog.metrics
    metric = selector.metric or ""
    where = "" if selector.text == metric else f" in selector '{selector.text}'"
    if not _WILDCARD.search(metric):
        if metric not in catalog:
            raise SelectorError(f"unknown metric '{metric}'{where}{suggest(metric, catalog)}")
        return [metric]
    matched = [m for m in catalog if fnmatchcase(m, metric)]
    if not matched:
        raise SelectorError(
            f"selector '{selector.text}' matches no metric (no metric id matches '{metric}')"
        )
    return matched


def _matches_nothing(selector: Selector, graph: RevenueGraph) -> str:
    """Why an empty selection is an error, and what the user may have meant: an empty
    selection would pass every gate silently."""
    method = selector.method or ""
    values: list[str] = []
    for metric in graph.catalog.metrics.values():
        found = metric.tags if method == "tag" else (getattr(metric, method, None),)
        values.extend(v for v in found if isinstance(v, str) and v not in values)
    # Compared on the value alone: the shared `team:` would make any two look alike.
    hint = suggest(selector.value or "", values).replace("'", f"'{method}:", 1)
    if not hint and values:
        shown = ", ".join(sorted(values)[:8]) + (", …" if len(values) > 8 else "")
        hint = f" (the catalog's {method} values: {shown})"
    elif not values:
        hint = f" (no metric has a {method})"
    return f"selector '{selector.text}' matches no metric{hint}"


def _matches(metric: object, selector: Selector) -> bool:
    wanted = selector.value or ""
    found = (
        getattr(metric, "tags", ())
        if selector.method == "tag"
        else (getattr(metric, selector.method or "", None),)
    )
    if _WILDCARD.search(wanted):
        return any(isinstance(v, str) and fnmatchcase(v, wanted) for v in found)
    return wanted in found


def _walk(starts: list[str], step: Callable[[str], Iterable[str]], depth: int | None) -> set[str]:
    """Every metric at most `depth` steps from one of `starts` (breadth-first from all of
    them together: within `depth` of the nearest is within `depth` of one)."""
    seen = set(starts)
    queue = deque((start, 0) for start in starts)
    while queue:
        node, level = queue.popleft()
        if depth is not None and level >= depth:
            continue
        for nxt in step(node):
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, level + 1))
    return seen
