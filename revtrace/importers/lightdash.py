"""Lightdash's metrics → a revtrace catalog (`revtrace import lightdash`).

Metrics are read where Lightdash users write them: under a dbt model's `meta.metrics` or
`config.meta.metrics`, under each column's `meta.metrics` or `config.meta.metrics` (a real
project uses both on one column), and in Lightdash's own YAML models (`type: model`,
`metrics:`). Each is named `model.metric`. A metric's `drivers:` are what Lightdash users
say moves it, so each driver drives the metric; `${metric}` references in the `sql` of a
non-aggregate metric make it computed from them. A driver that names no metric in the
files given is an error listing them (exit 1), or, with `--allow-missing`, dropped with a
warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from revtrace.importers.dbt import Imported, ImportResult
from revtrace.importers.files import (
    ImportFailed,
    NoMetrics,
    as_list,
    as_mapping,
    read_document,
    read_found,
    shown,
)
from revtrace.importers.parts import AGGREGATES, lightdash_copies, lightdash_parts
from revtrace.model.formula import quote_id

_REFERENCE = re.compile(r"\$\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)?)\s*\}")


class MissingDrivers(ImportFailed):
    """Drivers that name no metric in the files given (exit 1, unless allowed)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "drivers that name no metric in the files given: "
            + ", ".join(missing)
            + " (add the files that define them, or --allow-missing to drop these links)"
        )
        self.missing = missing


def import_lightdash(
    paths: Sequence[str], revenue: Sequence[str] = (), *, allow_missing: bool = False
) -> ImportResult:
    notes: list[str] = []
    sources: set[str] = set()
    found: dict[str, tuple[Imported, Mapping[str, Any], str]] = {}
    columns: dict[str, str | None] = {}  # the column each metric is defined on, if any
    for path in paths:
        for file in _files(Path(path)):
            document = read_found(file, Path(path)) if file != Path(path) else read_document(file)
            where = shown(file)
            for model, name, definition, column in _metrics(document):
                sources.add(where)
                metric_id = f"{model}.{name}"
                if metric_id in found:
                    notes.append(
                        f"{where}: metric '{metric_id}' is defined again; the first is kept"
                    )
                    continue
                found[metric_id] = (_imported(metric_id, definition, where), definition, model)
                columns[metric_id] = column
    if not found and all(Path(path).is_dir() for path in paths):
        # As `import dbt` does: a folder read in full without one metric is the wrong
        # folder, not an empty catalog (files named one by one may be empty, for --check).
        raise NoMetrics(
            f"{', '.join(paths)}: no Lightdash metric in its YAML files (a model's or a"
            " column's meta.metrics, or the metrics of a Lightdash YAML model)"
        )
    missing: list[str] = []
    for metric_id, (metric, definition, model) in found.items():
        if str(definition.get("type", "")).lower() not in AGGREGATES:
            # A non-aggregate metric's sql refers to metrics only (Lightdash computes it
            # from aggregated values): one not in the files given is said, not guessed.
            for reference in _REFERENCE.findall(str(definition.get("sql") or "")):
                if reference == "TABLE":
                    continue
                resolved = reference if "." in reference else f"{model}.{reference}"
                if resolved not in found:
                    notes.append(
                        f"{metric.source}: metric '{metric_id}': its sql"
                        f" refers to '{resolved}', not a metric in the files given: not linked"
                    )
                elif resolved not in metric.computed_from:
                    metric.computed_from.append(resolved)
        for driver in _strings(definition.get("drivers")):
            resolved = driver if "." in driver else f"{model}.{driver}"
            if resolved not in found:
                missing.append(f"{resolved} (a driver of {metric_id})")
                continue
            if resolved in metric.computed_from:
                # Computed from it, which says more than "driven by" (Lightdash's own
                # demo lists a ratio's inputs as its drivers too): one link, a
                # derivation, so a ratio of revenue is a view of revenue.
                continue
            drives = found[resolved][0].drives
            if metric_id not in drives:
                drives.append(metric_id)
    if missing and not allow_missing:
        raise MissingDrivers(missing)
    for wanted in revenue:
        if wanted not in found:
            raise ImportFailed(f"--revenue {wanted}: no metric of that name (write model.metric)")
        found[wanted][0].revenue = True
    copies = _link_copies(found, columns, notes)
    _link_parts(found, columns, copies, notes)
    notes += [f"driver {m} names no metric in the files given: link dropped" for m in missing]
    metrics = [found[k][0] for k in sorted(found)]
    return ImportResult(metrics, notes, sorted(sources))


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(f for f in path.rglob("*") if f.suffix in (".yml", ".yaml") and f.is_file())
        if not files:
            raise ImportFailed(f"{path}: no YAML file")
        return files
    return [path]


def _link_copies(
    found: Mapping[str, tuple[Imported, Mapping[str, Any], str]],
    columns: Mapping[str, str | None],
    notes: list[str],
) -> dict[str, str]:
    """Each metric that copies another (`parts.lightdash_copies`) imported as the formula
    of it, the same number: a view of revenue where it copies revenue. The copies."""
    copies = lightdash_copies(
        [(metric_id, model, columns[metric_id], d) for metric_id, (_, d, model) in found.items()],
        {metric_id for metric_id, (metric, _, _) in found.items() if metric.revenue},
    )
    for copy, original in copies.items():
        metric = found[copy][0]
        metric.formula = quote_id(original)
        notes.append(
            f"{metric.source}: metric '{copy}': it computes what '{original}' computes (the"
            " same aggregation of the same expression, shown otherwise): imported as the"
            f" formula '{original}', the same number"
        )
    return copies


def _link_parts(
    found: Mapping[str, tuple[Imported, Mapping[str, Any], str]],
    columns: Mapping[str, str | None],
    copies: Mapping[str, str],
    notes: list[str],
) -> None:
    """Each metric's filters (not carried: said), and the link from each part to the
    metric it is a part of (`parts.lightdash_parts`), or to what that one copies."""
    wholes = lightdash_parts(
        [(metric_id, model, columns[metric_id], d) for metric_id, (_, d, model) in found.items()]
    )
    for metric_id, (metric, definition, _) in found.items():
        whole, summed = wholes.get(metric_id, (None, None))
        whole = copies.get(whole, whole) if whole is not None else None
        if whole is not None and whole not in metric.drives:
            metric.drives.append(whole)
        where = f"{metric.source}: metric '{metric_id}'"
        if definition.get("filters"):
            notes.append(
                f"{where}: its filters are not carried (revtrace has none)"
                + (
                    f"; it keeps some of the rows of '{whole}', so it is a part of it: linked"
                    f" as driving '{whole}'"
                    if whole is not None
                    else ""
                )
            )
        elif whole is not None:
            notes.append(
                f"{where}: it adds up {summed} only where a condition holds (case when … end),"
                f" as '{whole}' adds it up everywhere, so it is a part of it: linked as driving"
                f" '{whole}'"
            )


def _metrics(
    document: Mapping[str, Any],
) -> Iterator[tuple[str, str, Mapping[str, Any], str | None]]:
    """(model, metric name, definition, the column it is defined on or None) for every
    metric a document defines."""
    if document.get("type") == "model" and isinstance(document.get("name"), str):
        yield from _named(document["name"], document.get("metrics"), None)
    for model in as_list(document.get("models")):
        if not isinstance(model, Mapping) or not isinstance(model.get("name"), str):
            continue
        name = model["name"]
        for holder in (
            model,
            *(c for c in as_list(model.get("columns")) if isinstance(c, Mapping)),
        ):
            column = None if holder is model else holder.get("name")
            for meta in (
                as_mapping(holder.get("meta")),
                as_mapping(as_mapping(holder.get("config")).get("meta")),
            ):
                yield from _named(
                    name, meta.get("metrics"), column if isinstance(column, str) else None
                )


def _named(
    model: str, metrics: object, column: str | None
) -> Iterator[tuple[str, str, Mapping[str, Any], str | None]]:
    if isinstance(metrics, Mapping):
        for name, definition in metrics.items():
            if isinstance(name, str) and isinstance(definition, Mapping):
                yield model, name, definition, column
    for entry in as_list(metrics):  # the list form: [{name: …, …}]
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            yield model, entry["name"], entry, column


def _imported(metric_id: str, definition: Mapping[str, Any], source: str) -> Imported:
    spotlight = as_mapping(definition.get("spotlight"))
    settings = as_mapping(as_mapping(definition.get("meta")).get("revtrace"))
    owner = spotlight.get("owner")
    return Imported(
        id=metric_id,
        name=str(definition["label"]) if definition.get("label") else None,
        description=str(definition["description"]).strip() or None
        if definition.get("description")
        else None,
        owner=str(owner) if isinstance(owner, (str, int)) else None,
        revenue=settings.get("revenue") is True,
        tags=["lightdash", *(f"lightdash:{c}" for c in _strings(spotlight.get("categories")))],
        source=source,
    )


def _strings(value: object) -> list[str]:
    return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []
