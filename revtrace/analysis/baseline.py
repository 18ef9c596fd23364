"""Baselines: accept today's findings so a gate can be switched on in a catalog that
already has some, and report only what is new.

Findings are keyed on (rule code, metric id), never on line numbers, which move with
every edit; the baseline stores how many findings each key had, so a second finding of
the same kind on the same metric is still new.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from revtrace import __version__
from revtrace.model.findings import Finding

FORMAT_VERSION = 1

Key = tuple[str, str]


class BaselineError(Exception):
    """A baseline file revtrace cannot use (exit code 2)."""


def key_of(finding: Finding) -> Key:
    return (finding.code, finding.metric or "")


@dataclass(frozen=True)
class StaleEntry:
    """A baseline entry that no longer occurs: the baseline can shrink."""

    code: str
    metric: str
    count: int


@dataclass(frozen=True)
class BaselineResult:
    new: list[Finding]
    matched: int
    stale: list[StaleEntry]


def dumps(findings: Iterable[Finding]) -> str:
    counts: Counter[Key] = Counter()
    rules: dict[Key, str] = {}
    for finding in findings:
        key = key_of(finding)
        counts[key] += 1
        rules[key] = finding.rule
    entries = [
        {"code": code, "rule": rules[(code, metric)], "metric": metric or None, "count": count}
        for (code, metric), count in sorted(counts.items())
    ]
    document = {
        "tool": "revtrace",
        "version": __version__,
        "baseline_format": FORMAT_VERSION,
        "findings": entries,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def loads(text: str, name: str) -> Counter[Key]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{name}:{exc.lineno}:{exc.colno}: not a revtrace baseline: invalid JSON ({exc.msg})"
        ) from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise BaselineError(f"{name}: not a revtrace baseline: no 'findings' list")
    counts: Counter[Key] = Counter()
    for index, entry in enumerate(entries):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("code"), str)
            and isinstance(entry.get("metric"), (str, type(None)))
            and isinstance(entry.get("count", 1), int)
        ):
            raise BaselineError(f"{name}: entry {index + 1} of 'findings' is malformed")
        counts[(entry["code"], entry["metric"] or "")] += max(1, entry.get("count", 1))
    return counts


def read(path: str) -> Counter[Key]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: no such baseline file (create it with --write-baseline)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline ({exc})") from None
    return loads(text, path)


def apply(findings: Iterable[Finding], baseline: Counter[Key]) -> BaselineResult:
    remaining = Counter(baseline)
    new: list[Finding] = []
    matched = 0
    for finding in findings:
        key = key_of(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            matched += 1
        else:
            new.append(finding)
    stale = [
        StaleEntry(code, metric, count)
        for (code, metric), count in sorted(remaining.items())
        if count > 0
    ]
    return BaselineResult(new, matched, stale)
