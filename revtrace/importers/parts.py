"""Which metrics are parts of others: the one business link a semantic layer implies (food
revenue is a part of revenue, and moves it: revenue = food revenue + the rest). A part
adds up, with the same additive aggregation on the same model, the same expression as
its whole over some of the rows: those a filter keeps, or those a `case when` keeps. Read
by `revtrace import dbt` (`find_parts`) and `revtrace import lightdash`
(`lightdash_parts`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import islice

from revtrace.importers.files import as_list, as_mapping

#: Aggregations whose value over some of the rows is a part of their value over all.
_ADDITIVE = frozenset({"sum", "count", "sum_boolean"})


#: The words of a `case` expression. Found in one pass: a regular expression that matched
#: the whole `case when … then … end` backtracked quadratically on a hostile `expr` (16,000
#: `then`s: 42 s).
_CASE_WORDS = re.compile(r"\b(case|when|then|else|end)\b", re.IGNORECASE)


def _case_part(expression: str, agg: str) -> str | None:
    """X, when `expression` is `case when <condition> then X [else 0 | else null] end` (one
    branch, nothing nested, no such word elsewhere) and aggregating it with `agg` adds up
    a part of what aggregating X adds up: a sum with `else 0` (or null, or no else); a
    count only without one (`else 0` counts every row)."""
    text = expression.strip()
    # Six words are one too many: the rest of a long expression is never looked at.
    found = islice(_CASE_WORDS.finditer(text), 6)
    words = [(m.group().lower(), m.start(), m.end()) for m in found]
    shape = [word for word, _, _ in words]
    if shape not in (["case", "when", "then", "end"], ["case", "when", "then", "else", "end"]):
        return None
    if words[0][1] != 0 or words[-1][2] != len(text):
        return None
    condition = text[words[1][2] : words[2][1]].strip()
    summed = text[words[2][2] : words[3][1]].strip()
    otherwise = text[words[3][2] : words[4][1]].strip().lower() if len(words) == 5 else None
    if not condition or not summed or otherwise not in (None, "0", "0.0", "null"):
        return None
    if agg == "count" and otherwise not in (None, "null"):
        return None
    return _sql(summed)


def _sql(expression: str) -> str:
    """An expression compared as SQL compares it: spacing and letter case aside."""
    return " ".join(expression.split()).casefold()


class _Measures:
    """The semantic models' measures: each one's aggregation; the additive ones by (model,
    aggregation, expression added up); those that add up part of another's expression."""

    def __init__(self, semantic_models: Sequence[object]) -> None:
        self.aggs: dict[str, str] = {}
        self.adding: dict[tuple[str, ...], str] = {}
        self.part_of: dict[str, tuple[tuple[str, ...], str]] = {}
        for model in semantic_models:
            place = str(as_mapping(model).get("name"))
            for measure in as_list(as_mapping(model).get("measures")):
                if isinstance(measure, Mapping) and isinstance(measure.get("name"), str):
                    self._add(place, measure["name"], measure)

    def _add(self, place: str, name: str, measure: Mapping[str, object]) -> None:
        agg = str(measure.get("agg", "")).lower()
        self.aggs[name] = agg
        if agg not in _ADDITIVE:
            return
        expression = str(measure.get("expr") or name)  # MetricFlow: the column of its name
        self.adding.setdefault((place, agg, _sql(expression)), name)
        summed = _case_part(expression, agg)
        if summed is not None:
            self.part_of[name] = ((place, agg, summed), summed)


def find_parts(
    semantic_models: Sequence[object], entries: Sequence[tuple[object, str]]
) -> dict[str, tuple[str, str | None]]:
    """Simple metrics → (the simple metric they are a part of, the expression both add
    up, or None for a filter). A filtered simple metric is a part of the unfiltered one
    on the same additive measure (legacy spec), or with the same `agg` and `expr` on the
    same model (latest spec), over the rows the filter keeps. So is one whose `expr` is
    `case when <condition> then X else 0 end` of one that adds up X, with the same `agg`
    on the same model (jaffle-shop's food revenue, of revenue). Food revenue is then a
    part of revenue and moves it (revenue = food revenue + the rest): a link the semantic
    layer implies, where every other business link waits for the user."""
    measures = _Measures(semantic_models)
    whole: dict[tuple[str, ...], str] = {}
    filtered: list[tuple[tuple[str, ...], str]] = []
    cased: list[tuple[tuple[str, ...], str, str]] = []
    for entry, model in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        if str(entry.get("type") or "simple") != "simple":
            continue
        name = entry["name"]
        measure = measure_name(as_mapping(entry.get("type_params")).get("measure"))
        agg = str(entry.get("agg") or "").lower()
        if measure is not None and measures.aggs.get(measure) in _ADDITIVE:
            key: tuple[str, ...] = ("measure", measure)
            part = measures.part_of.get(measure)
            if part is not None and part[0] in measures.adding:
                cased.append((("measure", measures.adding[part[0]]), name, part[1]))
        elif measure is None and model and agg in _ADDITIVE and "expr" in entry:
            key = ("model", model, agg, _sql(str(entry["expr"])))
            summed = _case_part(str(entry["expr"]), agg)
            if summed is not None:
                cased.append((("model", model, agg, summed), name, summed))
        else:
            continue
        if entry.get("filter"):
            filtered.append((key, name))
        else:
            whole.setdefault(key, name)
    found: dict[str, tuple[str, str | None]] = {
        name: (whole[key], None) for key, name in filtered if whole.get(key, name) != name
    }
    for key, name, summed in cased:
        if name not in found and whole.get(key, name) != name:
            found[name] = (whole[key], summed)
    return found


def measure_name(value: object) -> str | None:
    """A measure's name, given as a name or as a mapping with `name`."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return str(value["name"])
    return None


#: `${TABLE}.amount`, which Lightdash also lets a metric write `${amount}`.
_TABLE_COLUMN = re.compile(r"\$\{\s*TABLE\s*\}\.(\w+)")


def lightdash_parts(
    metrics: Sequence[tuple[str, str, str | None, Mapping[str, object]]],
) -> dict[str, tuple[str, str | None]]:
    """Lightdash metrics (id, model, the column it is defined on or None, definition) →
    (the metric they are a part of, the expression both add up for a `case when`, None
    for a filter), as `find_parts` for dbt: a `sum` or a `count` with `filters:` of the
    one without on the same expression and model (deals' won amount, of their amount),
    or one whose `sql` is a `case when` of the other's."""
    wholes: dict[tuple[str, str, str], str] = {}
    candidates: list[tuple[str, tuple[str, str, str], str | None]] = []
    for metric_id, model, column, definition in metrics:
        agg = str(definition.get("type", "")).lower()
        if agg not in ("sum", "count"):
            continue
        sql = definition.get("sql") or (f"${{TABLE}}.{column}" if column else None)
        if not isinstance(sql, str):
            continue
        expression = _sql(_TABLE_COLUMN.sub(r"${\1}", sql))
        if definition.get("filters"):
            candidates.append((metric_id, (model, agg, expression), None))
            continue
        wholes.setdefault((model, agg, expression), metric_id)
        summed = _case_part(expression, agg)
        if summed is not None:
            candidates.append((metric_id, (model, agg, summed), summed))
    return {
        metric_id: (wholes[key], summed)
        for metric_id, key, summed in candidates
        if wholes.get(key, metric_id) != metric_id
    }
