"""Which metrics are parts of others: the one business link a semantic layer implies (food
revenue is a part of revenue, and moves it: revenue = food revenue + the rest). A part
adds up, with the same additive aggregation on the same model, the same expression as
its whole over some of the rows: those a filter keeps, or those a `case when` keeps. Read
by `revtrace import dbt` (`find_parts`) and `revtrace import lightdash`
(`lightdash_parts`).

And which metrics are copies of others: the same number under another name or format
(Lightdash's "Total Paid (Millions)" beside "Total Paid"; a dbt metric on the measure
another already exposes), found by `find_copies` and `lightdash_copies`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from itertools import islice
from typing import Any

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


#: Lightdash's aggregate metric types: a metric of another type is computed from others.
AGGREGATES = frozenset(
    {
        "sum", "count", "count_distinct", "average", "min", "max", "median", "percentile",
        "sum_distinct", "average_distinct",
    }
)  # fmt: skip

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


#: What a definition may say without changing its number: its name and words, how it is
#: shown, who answers for it. Any other key (one revtrace does not know included) makes
#: two definitions differ: a copy is only ever found where it certainly is one.
_DBT_WORDS = frozenset(
    {"name", "label", "description", "meta", "config", "group", "tags", "fill_nulls_with",
     "join_to_timespine", "metadata"}
)  # fmt: skip
_DBT_MEASURE_WORDS = frozenset(
    {"name", "label", "description", "meta", "config", "create_metric", "metadata"}
)
_LIGHTDASH_WORDS = frozenset(
    {
        "label", "description", "format", "round", "compact", "groups", "group_label",
        "hidden", "urls", "show_underlying_values", "spotlight", "tags", "ai_hint", "meta",
        "drivers",
    }
)  # fmt: skip
#: How dbt fills the periods without rows: the same number wherever there are some.
_GAPS = frozenset({"fill_nulls_with", "join_to_timespine"})
#: dbt metric types computed from other metrics (a formula or a view already): not copies.
_DERIVED_KINDS = frozenset({"derived", "ratio", "cumulative", "conversion", "expression"})


def _computes(place: str, definition: Mapping[Any, object], words: frozenset[str],
              **expressions: str) -> str | None:  # fmt: skip
    """What a definition computes, as text equal for two definitions that compute the same
    number: on the same model, every key but `words` the same, and `expressions` (a key →
    its expression, compared as SQL compares it) in place of theirs. None when it cannot
    be told (keys that are not text, a value nested too deep)."""
    fields = {k: v for k, v in definition.items() if k not in words}
    if not all(isinstance(k, str) for k in fields):
        return None
    fields.update(expressions)
    try:
        return json.dumps([place, _given(fields)], sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return None


def _present(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    """The keys a mapping gives a value (`_given`, one level deep)."""
    return {k: v for k, v in mapping.items() if v is not None and v != [] and v != {}}


def _given(value: object) -> object:
    """`value` without the keys it leaves empty (`filter: null`, `metrics: []`): how a
    manifest writes every key a YAML file leaves out."""
    if isinstance(value, Mapping):
        return {k: _given(v) for k, v in _present(value).items()}
    if isinstance(value, list):
        return [_given(v) for v in value]
    return value


def _copies(keyed: Sequence[tuple[str, str | None]], revenue: Collection[str]) -> dict[str, str]:
    """Metric → the metric it is a copy of, among metrics with the same key: the first
    marked revenue, else the first; metrics marked revenue are left as they are."""
    groups: dict[str, list[str]] = {}
    for metric, key in keyed:
        if key is not None:
            groups.setdefault(key, []).append(metric)
    found: dict[str, str] = {}
    for members in groups.values():
        original = next((m for m in members if m in revenue), members[0])
        for metric in members:
            if metric != original and metric not in revenue and metric not in found:
                found[metric] = original
    return found


def find_copies(
    semantic_models: Sequence[object],
    entries: Sequence[tuple[object, str]],
    revenue: Collection[str],
) -> dict[str, str]:
    """dbt metrics → the metric each is a copy of: unfiltered metrics that aggregate the
    same (the same measure, or measures alike but for their name and words, or the same
    `agg` and `expr` on the same model) and differ only in name and words (`label`,
    `description`, `meta`, …). Metrics computed from others (ratio, derived, cumulative,
    conversion) are left out: they are views of their inputs already."""
    measures: dict[str, str | None] = {}
    for model in semantic_models:
        place = str(as_mapping(model).get("name"))
        for measure in as_list(as_mapping(model).get("measures")):
            if isinstance(measure, Mapping) and isinstance(measure.get("name"), str):
                expression = _sql(str(measure.get("expr") or measure["name"]))
                measures.setdefault(
                    measure["name"], _computes(place, measure, _DBT_MEASURE_WORDS, expr=expression)
                )
    keyed: list[tuple[str, str | None]] = []
    for entry, model in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        kind = str(entry.get("type") or entry.get("calculation_method") or "simple").lower()
        if kind in _DERIVED_KINDS or entry.get("filter") or entry.get("filters"):
            continue
        params = _present(as_mapping(entry.get("type_params")))
        measure = measure_name(params.get("measure"))
        given = _present(as_mapping(params.get("measure")))
        # A manifest lists the measure again under `input_measures`.
        if measure is not None and (
            params.keys() - _GAPS - {"measure", "input_measures"}
            or given.keys() - _GAPS - {"name"}
            or not measures.get(measure)
        ):
            keyed.append((entry["name"], None))  # a filter on the measure, …
            continue
        extra: dict[str, str] = {"type": kind}
        if measure is not None:
            extra["type_params"] = str(measures[measure])
        if "agg" in entry:  # latest spec: without `expr`, the column of its name
            extra["agg"] = str(entry["agg"]).lower()
            extra["expr"] = _sql(str(entry.get("expr") or entry["name"]))
        keyed.append((entry["name"], _computes(model, entry, _DBT_WORDS, **extra)))
    return _copies(keyed, revenue)


def lightdash_copies(
    metrics: Sequence[tuple[str, str, str | None, Mapping[str, object]]],
    revenue: Collection[str],
) -> dict[str, str]:
    """Lightdash metrics (as `lightdash_parts` takes them) → the metric each is a copy of:
    aggregates without filters, of the same type over the same expression on the same
    model, that differ only in name, words and format (the healthcare demo's "Total Paid",
    "Total Paid (Millions)" and "(Billions)")."""
    keyed: list[tuple[str, str | None]] = []
    for metric_id, model, column, definition in metrics:
        agg = str(definition.get("type", "")).lower()
        sql = definition.get("sql") or (f"${{TABLE}}.{column}" if column else None)
        if agg not in AGGREGATES or definition.get("filters") or not isinstance(sql, str):
            continue
        expression = _sql(_TABLE_COLUMN.sub(r"${\1}", sql))
        keyed.append(
            (metric_id, _computes(model, definition, _LIGHTDASH_WORDS, type=agg, sql=expression))
        )
    return _copies(keyed, revenue)
