"""dbt_project.yml's `metrics:` configs, applied to the metrics under them as dbt applies
them: by resource path (the project's name, then each folder under the model path),
`+meta` merged key by key, `+group` and `+enabled` replaced, the innermost level and the
metric's own `config` winning."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from revtrace.importers.files import as_mapping


def project_configs(settings: Mapping[str, Any], root: Path, file: Path) -> list[Mapping[str, Any]]:
    """dbt_project.yml's `metrics:` configs on the way to `file`'s metrics, outermost
    first: the block itself, the project's name, then one level per folder under the
    model path (dbt's resource path), as dbt applies `+meta`, `+group` and `+enabled`."""
    node = as_mapping(settings.get("metrics"))
    levels = [node]
    for part in (str(settings.get("name")), *file.relative_to(root).parent.parts):
        node = as_mapping(node.get(part))
        if not node:
            break
        levels.append(node)
    return levels


#: The configs revtrace reads from dbt_project.yml, written with `+` or without.
PROJECT_CONFIGS = ("meta", "group", "enabled")


def with_project_configs(
    entry: Mapping[str, Any], levels: list[Mapping[str, Any]]
) -> Mapping[str, Any]:
    """The metric with dbt_project.yml's configs under its own (the innermost level wins,
    the metric's own `config` over all; `meta` merges key by key, as dbt's does). The
    deepest level may name the metric itself."""
    if not levels:
        return entry
    chain = [*levels, as_mapping(levels[-1].get(str(entry["name"])))]
    config: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for level in chain:
        for key in PROJECT_CONFIGS:
            for spelled in (f"+{key}", key):
                if spelled in level:
                    if key == "meta":
                        meta.update(as_mapping(level[spelled]))
                    else:
                        config[key] = level[spelled]
    own = as_mapping(entry.get("config"))
    config.update(own)
    config["meta"] = {**meta, **as_mapping(entry.get("meta")), **as_mapping(own.get("meta"))}
    return {**entry, "config": config}


def config_value(entry: Mapping[str, Any], key: str) -> Any:
    """A config of a metric: under `config:` (dbt 1.10 and later) or on the metric."""
    config = as_mapping(entry.get("config"))
    return config[key] if key in config else entry.get(key)
