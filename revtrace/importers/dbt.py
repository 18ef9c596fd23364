"""dbt's metrics → a revtrace catalog (`revtrace import dbt`).

Reads the Semantic Layer's metrics (MetricFlow: `type: simple | ratio | derived |
cumulative | conversion`) from a dbt project folder, its YAML files or
`target/semantic_manifest.json` / `target/manifest.json`, and legacy dbt_metrics YAML
(`calculation_method: derived`, `expression: "{{metric('a')}} - …"`). What a metric is
computed from becomes `formula:` where it is same-period arithmetic and `computed_from:`
otherwise; the business links a semantic layer does not record are written by hand in
another file, under `links:`.

Jinja is never rendered. A dbt YAML file is the user's own, not a catalog, so anchors are
allowed in it (PyYAML's safe loader, under the catalog size limit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from revtrace.importers.dbt_config import config_value, project_configs, with_project_configs
from revtrace.importers.files import (
    ImportFailed,
    NoMetrics,
    as_list,
    as_mapping,
    is_revtrace_catalog,
    read_document,
    read_found,
    shown,
)
from revtrace.importers.parts import find_copies, find_parts, measure_name
from revtrace.model.formula import FormulaError, quote_id
from revtrace.model.formula import parse as parse_formula

#: `{{ metric('revenue') }}` in a legacy expression.
_LEGACY_REFERENCE = re.compile(r"\{\{\s*metric\(\s*['\"]([^'\"]+)['\"]\s*\)\s*\}\}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: `{{ Metric('revenue', group_by=[…]) }}` inside a filter.
_METRIC_IN_FILTER = re.compile(r"Metric\(\s*\\?['\"]([^'\"\\]+)")


@dataclass
class Imported:
    """One metric as revtrace will write it."""

    id: str
    name: str | None = None
    description: str | None = None
    owner: str | None = None
    team: str | None = None
    revenue: bool = False
    formula: str | None = None
    computed_from: list[str] = field(default_factory=list)
    #: The metrics this one moves (Lightdash's `drivers:`, turned round).
    drives: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: str = ""
    keep: dict[str, str] | None = None


@dataclass
class ImportResult:
    metrics: list[Imported]
    #: What was not carried over, or skipped, each with where it came from.
    notes: list[str]
    sources: list[str]


NO_DBT_METRIC = (
    "no dbt metric in its YAML files (top-level 'metrics:' or 'semantic_models:', or a"
    " model's 'semantic_model:' or 'metrics:')"
)


def import_dbt(paths: Sequence[str], revenue: Sequence[str] = ()) -> ImportResult:
    """Every metric the paths define, in a stable order (by id)."""
    notes: list[str] = []
    documents: list[tuple[str, Mapping[str, Any]]] = []
    #: Each file's configs from dbt_project.yml's `metrics:`, outermost first.
    configs: dict[str, list[Mapping[str, Any]]] = {}
    for path in paths:
        documents.extend(_documents(Path(path), notes, configs))
    groups = _groups(documents)
    raw: list[tuple[str, Mapping[str, Any]]] = []
    # Semantic models and saved queries are expected to stay behind: one summary line, not
    # one per model, so the notes about metrics are not lost among them.
    models = measures = dimensions = queries = 0
    for name, document in documents:
        for model in _turned_off(document):
            count = len(as_list(model.get("metrics")))
            notes.append(
                f"{name}: model '{model.get('name', '?')}' has its semantic model turned off"
                f" ('semantic_model: false' or 'enabled: false'), so dbt has none of its"
                f" {_count(count, 'metric')}: not imported"
            )
        for model in _semantic_models_latest(document):
            models += 1
            dimensions += sum(
                isinstance(c, Mapping) and isinstance(c.get("dimension"), Mapping)
                for c in as_list(model.get("columns"))
            )
        raw += _enabled_entries(name, document, configs.get(name, []), notes)
        for model in as_list(document.get("semantic_models")):
            if isinstance(model, Mapping):
                models += 1
                measures += len(as_list(model.get("measures")))
                dimensions += len(as_list(model.get("dimensions")))
        queries += sum(isinstance(q, Mapping) for q in as_list(document.get("saved_queries")))
    # The latest spec has no measures (simple metrics replaced them): not counted then.
    inside = [_count(measures, "measure")] * bool(measures) + [_count(dimensions, "dimension")]
    parts = [f"{_count(models, 'semantic model')} ({', '.join(inside)})"] * bool(models) + [
        _count(queries, "saved query")
    ] * bool(queries)
    if parts:
        notes.append(f"{' and '.join(parts)} not carried: revtrace tracks metrics")
    simple_on: dict[str, str] = {}
    for _, entry in raw:
        measure = measure_name(as_mapping(entry.get("type_params")).get("measure"))
        if entry.get("type") == "simple" and measure and not (entry.get("filter")):
            simple_on.setdefault(measure, entry["name"])
    imported: dict[str, Imported] = {}
    copies, wholes = _implied(documents, raw, revenue)
    for source, entry in raw:
        metric = _metric(source, entry, groups, (simple_on, wholes), notes)
        if metric.id in imported:
            notes.append(f"{source}: metric '{metric.id}' is defined again; the first is kept")
            continue
        imported[metric.id] = metric
    _as_copies(imported, copies, notes)
    if not imported and all(Path(path).is_dir() for path in paths):
        # Files that look like dbt's (Lightdash's own models have `metrics:` too) but
        # define none: a folder read in full without one is the wrong folder.
        raise NoMetrics(f"{', '.join(paths)}: {NO_DBT_METRIC}", _located(notes))
    for wanted in revenue:
        if wanted not in imported:
            raise ImportFailed(f"--revenue {wanted}: no metric of that name in the input")
        imported[wanted].revenue = True
    return ImportResult(
        [imported[k] for k in sorted(imported)], _located(notes), sorted({s for s, _ in documents})
    )


def _semantic_models_latest(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The models of a document written in dbt's latest Semantic Layer spec: those with a
    `semantic_model:` (`true` or a mapping) or `metrics:` of their own, unless their
    semantic model is turned off."""
    return [
        model
        for model in as_list(document.get("models"))
        if isinstance(model, Mapping)
        and (model.get("semantic_model") not in (None, False) or "metrics" in model)
        and not _is_off(model)
    ]


def _turned_off(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The models with metrics of their own whose semantic model is turned off: dbt
    defines metrics only on a model with semantic modeling on, so these are not metrics
    of the project (importing them would trace metrics nobody can query)."""
    return [
        model
        for model in as_list(document.get("models"))
        if isinstance(model, Mapping) and as_list(model.get("metrics")) and _is_off(model)
    ]


def _is_off(model: Mapping[str, Any]) -> bool:
    switch = model.get("semantic_model")
    return switch is False or (isinstance(switch, Mapping) and switch.get("enabled") is False)


def _metric_entries(document: Mapping[str, Any]) -> list[Any]:
    """The document's metric definitions in the file's order: its `metrics:` (a list, or a
    manifest's mapping) and, in the latest spec (dbt 1.12, Fusion), each model's own."""
    return [entry for entry, _ in _entries_and_models(document)]


def _entries_and_models(document: Mapping[str, Any]) -> list[tuple[Any, str]]:
    """`_metric_entries`, each with the name of the model it is defined on ('' for one
    at the top level)."""
    if _lightdash_model(document):
        return []
    metrics = document.get("metrics")
    top = [
        (entry, "")
        for entry in (list(metrics.values()) if isinstance(metrics, Mapping) else as_list(metrics))
    ]
    on_models = [
        (entry, str(model.get("name")))
        for model in _semantic_models_latest(document)
        for entry in as_list(model.get("metrics"))
    ]
    keys = list(document)
    if "metrics" not in keys or ("models" in keys and keys.index("models") < keys.index("metrics")):
        return [*on_models, *top, *_created(document)]
    return [*top, *on_models, *_created(document)]


def _created(document: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], str]]:
    """The simple metrics dbt makes of the measures marked `create_metric: true` (legacy
    spec): named after the measure, with its label and description."""
    return [
        (
            {
                "name": measure["name"],
                **{key: measure[key] for key in ("label", "description") if key in measure},
                "type": "simple",
                "type_params": {"measure": measure["name"]},
            },
            "",
        )
        for model in as_list(document.get("semantic_models"))
        for measure in as_list(as_mapping(model).get("measures"))
        if isinstance(measure, Mapping)
        and measure.get("create_metric") is True
        and isinstance(measure.get("name"), str)
    ]


def _groups(documents: list[tuple[str, Mapping[str, Any]]]) -> dict[str, dict[str, str]]:
    """dbt's groups by name, each with its owner's name (or email), for their metrics."""
    groups: dict[str, dict[str, str]] = {}
    for _, document in documents:
        for group in as_list(document.get("groups")):
            if isinstance(group, Mapping) and isinstance(group.get("name"), str):
                owner = group.get("owner")
                groups[group["name"]] = {
                    "owner": str(owner.get("name") or owner.get("email") or "")
                    if isinstance(owner, Mapping)
                    else "",
                }
    return groups


def _lightdash_model(document: Mapping[str, Any]) -> bool:
    """Lightdash's own YAML model (`type: model`, a top-level key no dbt file has): its
    `metrics:` are Lightdash's, not dbt's."""
    return document.get("type") == "model"


def _holds_metrics(document: Mapping[str, Any]) -> bool:
    """A dbt file with something `import dbt` reads, in either spec."""
    if _lightdash_model(document):
        return False
    return (
        "metrics" in document
        or "semantic_models" in document
        or bool(_semantic_models_latest(document))
        or bool(_turned_off(document))  # read, to say why its metrics are not imported
    )


_NOTE = re.compile(r"\A(?P<file>[^:]+): metric '(?P<name>[^']+)'")
#: A `name: x` key in YAML (block or flow) or JSON; the value is group 1.
_NAME = re.compile(r"""(?:^|[\s{,-])["']?name["']?\s*:\s*["']?([^"',}\s]+)["']?\s*(?:[,}]|$)""")


def _located(notes: list[str]) -> list[str]:
    """Each note about a named metric gets the line that names it (`file:line: …`): the
    parsed document keeps no positions, the file's text does. Each file is scanned once."""
    lines: dict[str, dict[str, int]] = {}
    located = []
    for note in notes:
        match = _NOTE.match(note)
        if match is None:
            located.append(note)
            continue
        file = match.group("file")
        if file not in lines:
            lines[file] = _name_lines(file)
        line = lines[file].get(match.group("name"))
        located.append(note.replace(f"{file}: ", f"{file}:{line}: ", 1) if line else note)
    return located


_SECTION = re.compile(r"""^(\s*)["']?(metrics|semantic_models|saved_queries)["']?\s*:""")


def _name_lines(file: str) -> dict[str, int]:
    """The line of each `name:` value in a file (nothing if it cannot be read again). A
    name used twice (a measure and the metric on it, an input of a derived metric) is
    placed at the one in the top-level `metrics` section, least indented, first."""
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    best: dict[str, tuple[bool, int, int]] = {}
    section, section_indent = "", -1
    for number, line in enumerate(text.splitlines(), 1):
        key = _SECTION.match(line)
        if key is not None and (section_indent < 0 or len(key.group(1)) <= section_indent):
            section, section_indent = key.group(2), len(key.group(1))
        match = _NAME.search(line)
        if match is not None:
            rank = (section != "metrics", len(line) - len(line.lstrip(" -{")), number)
            best[match.group(1)] = min(best.get(match.group(1), rank), rank)
    return {name: rank[2] for name, rank in best.items()}


def _count(number: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"


def _documents(
    path: Path, notes: list[str], configs: dict[str, list[Mapping[str, Any]]]
) -> list[tuple[str, Mapping[str, Any]]]:
    """The YAML or JSON documents a path holds: a dbt project folder (its model paths),
    a folder of YAML, a YAML file, or a manifest. In a project folder, `configs` gets the
    `metrics:` configs of dbt_project.yml that apply to each file's metrics."""
    if path.is_dir():
        project = path / "dbt_project.yml"
        roots = [path]
        settings: Mapping[str, Any] = {}
        if project.is_file():
            settings = read_document(project)
            model_paths = settings.get("model-paths") or settings.get("source-paths") or ["models"]
            roots = [path / str(p) for p in as_list(model_paths)]
        found: list[tuple[str, Mapping[str, Any]]] = []
        catalogs: list[str] = []
        for root in roots:
            for file in sorted(root.rglob("*")):
                if (
                    file.suffix in (".yml", ".yaml")
                    and file.is_file()
                    and file.name != "dbt_project.yml"
                ):
                    document = read_found(file, path)
                    if is_revtrace_catalog(document):
                        catalogs.append(shown(file))
                    elif _holds_metrics(document) or as_list(document.get("groups")):
                        # Groups too: dbt projects often keep them in a file of their
                        # own, and a metric's owner may be its group's.
                        found.append((shown(file), document))
                        configs[shown(file)] = project_configs(settings, root, file)
        notes.extend(f"{catalog}: a revtrace catalog, not dbt: skipped" for catalog in catalogs)
        if not found:
            skipped = f" (skipped {_count(len(catalogs), 'revtrace catalog')})" * bool(catalogs)
            raise NoMetrics(f"{path}: {NO_DBT_METRIC}{skipped}")
        return found
    document = read_document(path)
    if is_revtrace_catalog(document):
        raise ImportFailed(
            f"{shown(path)}: a revtrace catalog (version: 1), not a dbt file;"
            f" audit it with 'revtrace audit {shown(path)}'"
        )
    if path.suffix == ".json" and isinstance(document.get("nodes"), Mapping):
        notes.append(f"{shown(path)}: a dbt manifest; its metrics and semantic models are read")
    return [(shown(path), document)]


def _enabled_entries(
    name: str, document: Mapping[str, Any], levels: list[Mapping[str, Any]], notes: list[str]
) -> list[tuple[str, Mapping[str, Any]]]:
    """The document's metric entries with dbt_project.yml's configs under their own, the
    disabled ones and those without a name left out, said."""
    kept: list[tuple[str, Mapping[str, Any]]] = []
    for entry in _metric_entries(document):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            notes.append(f"{name}: an entry of 'metrics' without a name was skipped")
            continue
        configured = with_project_configs(entry, levels)
        if config_value(configured, "enabled") is False:
            notes.append(
                f"{name}: metric '{entry['name']}' is disabled ('enabled: false', in its"
                " config or dbt_project.yml), so dbt has no such metric: not imported"
            )
        else:
            kept.append((name, configured))
    return kept


def _reference(value: object) -> tuple[str | None, Mapping[str, Any]]:
    """A metric input: a name, or a mapping with `name` (and `alias`, `filter`, …)."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return str(value["name"]), value
    return None, {}


def _implied(
    documents: list[tuple[str, Mapping[str, Any]]],
    raw: list[tuple[str, Mapping[str, Any]]],
    revenue: Sequence[str],
) -> tuple[dict[str, str], dict[str, tuple[str, str | None]]]:
    """What the semantic layer implies between the imported metrics: each copy of another
    (`parts.find_copies`: the one marked revenue is what the others copy), and each part
    of another (`parts.find_parts`), of what that one copies if it is a copy."""
    kept = {entry["name"] for _, entry in raw}  # a disabled whole is no link's target
    marked = {*revenue, *(e["name"] for _, e in raw if _settings(e).get("revenue") is True)}
    models = [m for _, document in documents for m in as_list(document.get("semantic_models"))]
    entries = [pair for _, document in documents for pair in _entries_and_models(document)]
    found = find_copies(models, entries, marked)
    copies = {copy: original for copy, original in found.items() if {copy, original} <= kept}
    wholes = {
        part: (copies.get(whole, whole), summed)
        for part, (whole, summed) in find_parts(models, entries).items()
        if whole in kept
    }
    return copies, wholes


def _as_copies(
    imported: Mapping[str, Imported], copies: Mapping[str, str], notes: list[str]
) -> None:
    """Each copy the formula of what it copies: the same number, said."""
    for copy, original in copies.items():
        metric = imported[copy]
        metric.formula = quote_id(original)
        notes.append(
            f"{metric.source}: metric '{copy}': it computes what '{original}' computes (the"
            " same aggregation of the same expression, under another name): imported as the"
            f" formula '{original}', the same number"
        )


def _part_of_a_whole(
    metric: Imported,
    entry: Mapping[str, Any],
    found: tuple[str | None, str | None],
    notes: list[str],
) -> None:
    """A simple metric's filter (not carried, said), and its link to the metric it is a
    part of (`parts.find_parts`): by its filter, or by a `case when` expression."""
    source, name = metric.source, metric.id
    whole, summed = found
    if not entry.get("filter"):
        if whole is not None:
            metric.drives.append(whole)
            notes.append(
                f"{source}: metric '{name}': it adds up {summed} only where a condition"
                f" holds (case when … end), as '{whole}' adds it up everywhere, so it is a"
                f" part of it: linked as driving '{whole}'"
            )
        return
    metric.tags.append("dbt:filtered")
    if whole is not None:
        metric.drives.append(whole)
    notes.append(
        f"{source}: metric '{name}': its filter is not carried (revtrace has none)"
        + (
            f"; it keeps some of the rows of '{whole}', so it is a part of it: linked as"
            f" driving '{whole}'"
            if whole is not None
            else ""
        )
    )
    for reference in _METRIC_IN_FILTER.findall(json.dumps(entry.get("filter"))):
        notes.append(
            f"{source}: metric '{name}': its filter refers to metric '{reference}'"
            " (Jinja, never rendered): reported, not linked"
        )


def _metric(
    source: str,
    entry: Mapping[str, Any],
    groups: Mapping[str, Mapping[str, str]],
    found: tuple[Mapping[str, str], Mapping[str, tuple[str, str | None]]],
    notes: list[str],
) -> Imported:
    """One metric; `found`: the unfiltered simple metric on each measure, and each
    filtered simple metric's whole (`parts.find_parts`)."""
    simple_on, parts = found
    name = str(entry["name"])
    config = entry.get("config") if isinstance(entry.get("config"), Mapping) else {}
    meta = _meta(entry)
    group = entry.get("group") or config.get("group")  # type: ignore[union-attr]
    settings = _settings(entry)
    kind = str(entry.get("type") or entry.get("calculation_method") or "simple")
    metric = Imported(
        id=name,
        name=str(entry["label"]) if entry.get("label") else None,
        description=_text(entry.get("description")),
        owner=_text(meta.get("owner")) or (groups.get(str(group), {}).get("owner") or None),
        team=_text(meta.get("team")) or (str(group) if group else None),
        revenue=settings.get("revenue") is True,
        tags=["dbt", f"dbt:{kind}"],
        source=source,
        keep=_keep(settings.get("keep")),
    )
    _part_of_a_whole(metric, entry, parts.get(name, (None, None)), notes)
    params = _type_params(entry)
    if kind == "ratio":
        numerator, _ = _reference(params.get("numerator"))
        denominator, _ = _reference(params.get("denominator"))
        if numerator and denominator:
            metric.formula = f"{quote_id(numerator)} / {quote_id(denominator)}"
    elif kind == "derived" and "expression" in entry:
        _legacy_derived(metric, str(entry.get("expression") or ""), source, notes)
    elif kind == "derived":
        _derived(metric, params, source, notes)
    elif kind == "cumulative":
        base, _ = _reference(params.get("metric") or params.get("input_metric"))
        measure = measure_name(params.get("measure"))
        base = base or (simple_on.get(measure) if measure else None)
        if base:
            metric.computed_from = [base]
        elif measure:
            notes.append(
                f"{source}: metric '{name}': cumulative over measure '{measure}', which no"
                " unfiltered simple metric exposes; no link"
            )
    elif kind == "conversion":
        conversion = {**as_mapping(params.get("conversion_type_params")), **params}
        for measure_key, metric_key in (
            ("base_measure", "base_metric"),
            ("conversion_measure", "conversion_metric"),
        ):
            base, _ = _reference(conversion.get(metric_key))
            measure = measure_name(conversion.get(measure_key))
            base = base or (simple_on.get(measure) if measure else None)
            if base and base not in metric.computed_from:
                metric.computed_from.append(base)
    return metric


def _meta(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A metric's `meta`, its config's over its own."""
    return {
        **as_mapping(entry.get("meta")),
        **as_mapping(as_mapping(entry.get("config")).get("meta")),
    }


def _settings(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """What a metric's `meta: {revtrace: …}` says (revenue, keep)."""
    return as_mapping(_meta(entry).get("revtrace"))


#: What dbt's latest spec writes as keys of the metric itself, and the legacy spec under
#: `type_params` (`input_metrics` was `metrics`).
_PROMOTED = (
    "numerator", "denominator", "expr", "input_metric", "window", "grain_to_date",
    "base_metric", "conversion_metric", "entity", "calculation",
)  # fmt: skip


def _type_params(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A metric's type parameters, from `type_params` (legacy spec) or from the metric's
    own keys (latest spec); `type_params` wins where both are given."""
    params = {key: entry[key] for key in _PROMOTED if key in entry}
    if "input_metrics" in entry:
        params["metrics"] = entry["input_metrics"]
    return {**params, **as_mapping(entry.get("type_params"))}


def _derived(metric: Imported, params: Mapping[str, Any], source: str, notes: list[str]) -> None:
    """`expr` over its inputs: a formula when it is same-period arithmetic of them
    (aliases replaced by the metrics' names), else `computed_from` each input once."""
    inputs: list[str] = []
    aliases: dict[str, str] = {}
    same_period = True
    for item in as_list(params.get("metrics")):
        name, details = _reference(item)
        if name is None:
            continue
        if name not in inputs:
            inputs.append(name)
        alias = details.get("alias")
        if isinstance(alias, str):
            aliases[alias] = name
        offset = details.get("offset_window") or details.get("offset_to_grain")
        if offset:
            same_period = False
            if isinstance(offset, Mapping):
                offset = f"{offset.get('count', '')} {offset.get('granularity', '')}".strip()
            notes.append(
                f"{source}: metric '{metric.id}': input '{name}' is offset ({offset}):"
                " computed_from, not a formula"
            )
        if details.get("filter"):
            same_period = False
            notes.append(
                f"{source}: metric '{metric.id}': input '{name}' is filtered"
                " (the filter is not carried): computed_from, not a formula"
            )
    expression = str(params.get("expr") or "")
    if same_period and expression:
        rewritten = _IDENTIFIER.sub(
            lambda m: quote_id(aliases.get(m.group(), m.group())), expression
        )
        try:
            formula = parse_formula(rewritten)
        except FormulaError:
            formula = None
        if formula is not None and set(formula.inputs) <= set(inputs):
            metric.formula = rewritten
            return
        notes.append(
            f"{source}: metric '{metric.id}': expr '{expression}' is not plain arithmetic of"
            " its inputs: computed_from, not a formula"
        )
    metric.computed_from = inputs


def _legacy_derived(metric: Imported, expression: str, source: str, notes: list[str]) -> None:
    inputs = list(dict.fromkeys(_LEGACY_REFERENCE.findall(expression)))
    rewritten = _LEGACY_REFERENCE.sub(lambda m: quote_id(m.group(1)), expression)
    try:
        parse_formula(rewritten)
    except FormulaError:
        notes.append(
            f"{source}: metric '{metric.id}': expression '{expression}' is not plain"
            " arithmetic: computed_from, not a formula"
        )
        metric.computed_from = inputs
        return
    metric.formula = rewritten


def _text(value: object) -> str | None:
    if not isinstance(value, (str, int, float)):
        return None
    return str(value).strip() or None


def _keep(value: object) -> dict[str, str] | None:
    if not isinstance(value, Mapping):
        return None
    return {k: str(v) for k, v in value.items() if k in ("reason", "until", "by")}


def to_catalog(result: ImportResult, command: str) -> str:
    """The catalog text: deterministic, every string a JSON string (valid YAML)."""
    out = [
        f"# Generated by `{command}` from {', '.join(result.sources)}.",
        "# Do not edit: regenerate it. Put hand-written links in another file under `links:`.",
        "version: 1",
        "metrics:",
    ]
    for metric in result.metrics:
        out.append(f"  {_key(metric.id)}:")
        for key, value in _fields(metric):
            out.append(f"    {key}: {value}")
    return "\n".join(out) + "\n"


def _fields(metric: Imported) -> Iterable[tuple[str, str]]:
    if metric.name:
        yield "name", _scalar(metric.name)
    if metric.description:
        yield "description", _scalar(metric.description)
    if metric.owner:
        yield "owner", _scalar(metric.owner)
    if metric.team:
        yield "team", _scalar(metric.team)
    yield "source", _scalar(metric.source)
    yield "tags", "[" + ", ".join(_scalar(t) for t in metric.tags) + "]"
    if metric.revenue:
        yield "revenue", "true"
    if metric.formula:
        yield "formula", _scalar(metric.formula)
    if metric.computed_from:
        yield "computed_from", "[" + ", ".join(_scalar(m) for m in metric.computed_from) + "]"
    if metric.drives:
        yield "drives", "[" + ", ".join(_scalar(m) for m in sorted(metric.drives)) + "]"
    if metric.keep:
        yield (
            "keep",
            "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in sorted(metric.keep.items())) + "}",
        )


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
#: Words YAML 1.1 tools would read as something other than text.
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})


def _key(text: str) -> str:
    """A metric id as a key: plain when every YAML reader takes it as the same text."""
    plain = _PLAIN_KEY.fullmatch(text) and text.lower() not in _YAML_WORDS
    return text if plain else _scalar(text)


#: What YAML does not allow raw in a file (DEL, C1 controls, non-characters) or would read
#: as a line break inside quotes (NEL, LS, PS): written as escapes instead.
_UNSAFE_IN_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _scalar(text: str) -> str:
    """A double-quoted YAML scalar (JSON's escapes are YAML's) that reads back as `text`."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _UNSAFE_IN_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)
