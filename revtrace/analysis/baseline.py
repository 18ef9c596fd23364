"""Baselines: accept today's findings so a gate can be switched on in a catalog that
already has some, and report only what is new.

Findings are keyed on (rule code, metric id), never on line numbers, which move with
every edit; a finding about a file rather than a metric is keyed on its file, so one
accepted in one file accepts nothing in another. The baseline stores how many findings
each key had, so a second finding of the same kind on the same metric is still new. A file
that is not valid YAML (RT011) is never accepted: the rules that would judge the rest of
the catalog cannot run while it is broken, so accepting it would open the gate.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from revtrace import __version__
from revtrace.load.rules import YAML_SYNTAX
from revtrace.model.findings import Finding

FORMAT_VERSION = 1
#: A baseline larger than this is refused (a real one is kilobytes).
MAX_BYTES = 32 * 1024 * 1024
#: The largest count an entry may give.
MAX_COUNT = 10**9

#: (rule code, metric id or "", file for a finding about no metric, else "").
Key = tuple[str, str, str]

#: Never accepted by a baseline (see the module docstring).
NEVER_ACCEPTED = frozenset({YAML_SYNTAX.code})


class BaselineError(Exception):
    """A baseline file revtrace cannot use (exit code 2)."""


def key_of(finding: Finding) -> Key:
    file = finding.location.file if finding.metric is None and finding.location else ""
    return (finding.code, finding.metric or "", file)


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
        {
            "code": code,
            "rule": rules[(code, metric, file)],
            "metric": metric or None,
            **({"file": file} if file else {}),
            "count": count,
        }
        for (code, metric, file), count in sorted(counts.items())
        if code not in NEVER_ACCEPTED
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
    except (RecursionError, ValueError) as exc:
        # Nesting deeper than Python's parser goes, or a number of thousands of digits.
        raise BaselineError(f"{name}: not a revtrace baseline: {exc}") from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise BaselineError(f"{name}: not a revtrace baseline: no 'findings' list")
    written = document.get("baseline_format", FORMAT_VERSION)
    if type(written) is not int or written < 1:
        raise BaselineError(f"{name}: not a revtrace baseline: 'baseline_format' is not 1, 2, …")
    if written > FORMAT_VERSION:
        # Its entries may mean something this version cannot tell: reading them anyway
        # could accept findings the baseline never accepted.
        raise BaselineError(
            f"{name}: written in baseline format {written} by a newer revtrace; this one reads"
            f" format {FORMAT_VERSION}: upgrade revtrace, or write the baseline again"
            " with --write-baseline"
        )
    counts: Counter[Key] = Counter()
    for index, entry in enumerate(entries):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("code"), str)
            and isinstance(entry.get("metric"), (str, type(None)))
            and isinstance(entry.get("file", ""), str)
            and type(entry.get("count", 1)) is int  # not a bool
            and 0 < entry.get("count", 1) <= MAX_COUNT
        ):
            raise BaselineError(f"{name}: entry {index + 1} of 'findings' is malformed")
        metric = entry.get("metric") or ""
        key = (entry["code"], metric, "" if metric else entry.get("file", ""))
        counts[key] += entry.get("count", 1)
    return counts


def read(path: str) -> Counter[Key]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # never all of /dev/zero
        if len(data) > MAX_BYTES:
            raise BaselineError(f"{path}: the baseline is larger than {MAX_BYTES // 2**20} MiB")
        text = data.decode("utf-8")
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
        if remaining[key] > 0 and finding.code not in NEVER_ACCEPTED:
            remaining[key] -= 1
            matched += 1
        else:
            new.append(finding)
    stale = [
        StaleEntry(code, metric or file, count)
        for (code, metric, file), count in sorted(remaining.items())
        if count > 0
    ]
    return BaselineResult(new, matched, stale)
