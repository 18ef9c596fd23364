"""Reading the user's semantic-layer files, shared by the importers: size-limited, YAML
(anchors allowed: these are the user's dbt files, not catalogs) or JSON, every failure
an `ImportFailed` with the file and, where there is one, the line."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from revtrace.load.decode import syntax_finding
from revtrace.load.events import TOO_DEEP, too_deep
from revtrace.load.files import MAX_FILE_BYTES


class ImportFailed(Exception):
    """Input revtrace cannot import (exit code 2)."""


class NoMetrics(ImportFailed):
    """A folder read in full held no metric this importer reads (the wrong folder, or a
    project of the other kind: the CLI looks for that). `notes`: what was seen and left
    out on the way (a model whose semantic model is turned off), said before the error."""

    def __init__(self, message: str, notes: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.notes = list(notes)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_document(path: Path) -> Mapping[str, Any]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFailed(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"{path}: cannot read it ({exc})") from None
    try:
        if path.suffix == ".json":
            document = json.loads(text)
        else:
            _refuse_deep_nesting(path, text)
            # libyaml where present: the pure reader takes 3 s for 12,000 metrics in 200 files.
            document = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        # The catalog's own words for YAML mistakes, at the line to fix.
        finding = syntax_finding(str(path), text, exc, byte_offsets=_LOADER is not yaml.SafeLoader)
        message = finding.message.removeprefix("invalid YAML: ")
        raise ImportFailed(f"{finding.location}: not valid YAML: {message}") from None
    except (ValueError, RecursionError) as exc:
        where = getattr(exc, "problem_mark", None)
        at = f":{where.line + 1}:{where.column + 1}" if where is not None else ""
        raise ImportFailed(f"{path}{at}: not valid {path.suffix[1:].upper()} ({exc})") from None
    return document if isinstance(document, Mapping) else {}


def read_found(path: Path, folder: Path) -> Mapping[str, Any]:
    """A file found under `folder` (read whole, as dbt and Lightdash read a project): one
    that cannot be read says which folder it was found in, and the way round it, as it
    may define no metric at all (a sources file with a tab in it stopped the import of a
    whole project)."""
    try:
        return read_document(path)
    except ImportFailed as exc:
        raise ImportFailed(
            f"{exc} (found in {folder}, whose YAML files are all read: fix it, or import"
            " only the files or folders that define metrics)"
        ) from None


def is_revtrace_catalog(document: Mapping[str, Any]) -> bool:
    """A revtrace catalog (`version: 1` with `metrics:` or `links:`), which a dbt project
    may hold beside its models (revtrace import's own output, say): dbt's files say
    `version: 2`, and a manifest has `nodes`."""
    return (
        document.get("version") == 1
        and ("metrics" in document or "links" in document)
        and "nodes" not in document
    )


def _refuse_deep_nesting(path: Path, text: str) -> None:
    """ImportFailed for YAML nested deeper than libyaml 0.2.6 allows, before it is
    composed, where the parser does not refuse it itself (older libyaml composes it
    recursively in C, and crashes)."""
    deep = too_deep(text, _LOADER)
    if deep is not None and deep.start_mark is not None:
        mark = deep.start_mark
        raise ImportFailed(f"{path}:{mark.line + 1}:{mark.column + 1}: not valid YAML: {TOO_DEEP}")


def shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
