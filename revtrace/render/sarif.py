"""SARIF 2.1.0, the format GitHub code scanning and other dashboards read.

One run; `tool.driver.rules` lists every rule; each result has a stable
`partialFingerprints` entry keyed on rule and metric (never on line numbers), so code
scanning follows a finding across edits instead of closing and reopening it.

GitHub code scanning rejects a whole run of more than 25,000 results (MAX_RESULTS). Past
that, the most severe findings are kept (errors, then warnings, then notes, each in
catalog order) and the run says, in a tool execution notification, how many were left
out and where to see them all: a file that uploads, rather than one refused whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from revtrace import __version__
from revtrace.analysis import AuditReport
from revtrace.model.catalog import Location
from revtrace.model.findings import Finding, Severity
from revtrace.render.escape import sarif_text
from revtrace.rules import ALL_RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: Results per run GitHub code scanning accepts (its documented hard limit).
MAX_RESULTS = 25_000


def repository_root(start: Path | None = None) -> Path:
    """The nearest folder upwards that holds `.git`, else the current folder."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def artifact_uri(file: str, root: Path) -> str:
    """The file as a URI relative to the repository (absolute outside it). A name that is
    not UTF-8 (git can store one) is percent-encoded byte by byte, never an error."""
    path = Path(file).resolve()
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        return "file://" + quote(path.as_posix().encode("utf-8", "surrogateescape"))
    return quote(relative.encode("utf-8", "surrogateescape"))


def audit(report: AuditReport, root: Path | None = None, limit: int = MAX_RESULTS) -> str:
    root = root or repository_root()
    rules = list(ALL_RULES.values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    findings = list(report.findings)
    if len(findings) > limit:
        kept = set(sorted(range(len(findings)), key=lambda i: -findings[i].severity)[:limit])
        findings = [finding for i, finding in enumerate(findings) if i in kept]
    results = [
        _result(finding, index[finding.code], root, report.caveats_of(finding))
        for finding in findings
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "revtrace",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [
                    {
                        "id": rule.code,
                        "name": rule.name,
                        "shortDescription": {"text": rule.summary},
                        "fullDescription": {"text": rule.doc.split("\n\n")[0]},
                        "help": {"text": rule.doc, "markdown": rule.doc},
                        "defaultConfiguration": {"level": LEVEL[rule.severity]},
                    }
                    for rule in rules
                ],
            }
        },
        "results": results,
    }
    left_out = len(report.findings) - len(findings)
    if left_out:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {
                        "level": "warning",
                        "message": {
                            "text": f"{left_out:,} of {len(report.findings):,} findings are"
                            f" left out: GitHub code scanning rejects a run of more than"
                            f" {limit:,} results. The most severe are kept; `revtrace audit"
                            " --format json` lists every finding."
                        },
                    }
                ],
            }
        ]
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _result(
    finding: Finding, rule_index: int, root: Path, caveats: Sequence[Finding] = ()
) -> dict[str, Any]:
    """One finding as a SARIF result; a candidate to drop's caveats (the errors that may
    have caused its verdict) as related locations its message links to, which code
    scanning shows as links to those lines."""
    text = sarif_text(finding.message)
    located = [caveat for caveat in caveats if caveat.location is not None]
    if caveats:
        # Each linked to its related location by number; one without a place is named.
        links = [
            f"[the error at {sarif_text(str(caveat.location))} ({caveat.code} {caveat.rule})]"
            f"({located.index(caveat) + 1})"
            if caveat in located
            else sarif_text(f"the error {caveat.code} {caveat.rule}")
            for caveat in caveats
        ]
        many = len(links) > 1
        text += (
            "; maybe a consequence of "
            + (", ".join(links[:-1]) + " and " + links[-1] if many else links[0])
            + f": fix {'them' if many else 'it'} first"
        )
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "partialFingerprints": {
            "revtraceFinding/v1": hashlib.sha256(
                f"{finding.code}\0{finding.metric or ''}".encode()
            ).hexdigest()
        },
    }
    if finding.metric is not None:
        result["properties"] = {"metric": finding.metric}
    if finding.location is not None:
        result["locations"] = [{"physicalLocation": _physical(finding.location, root)}]
    related = [
        {
            "id": number,
            "physicalLocation": _physical(caveat.location, root),
            "message": {"text": sarif_text(f"{caveat.code} {caveat.rule}: {caveat.message}")},
        }
        for number, caveat in enumerate(located, 1)
        if caveat.location is not None  # for the type checker: `located` has them all
    ]
    if related:
        result["relatedLocations"] = related
    return result


def _physical(location: Location, root: Path) -> dict[str, Any]:
    return {
        "artifactLocation": {
            "uri": artifact_uri(location.file, root),
            "uriBaseId": "%SRCROOT%",
        },
        "region": {"startLine": location.line, "startColumn": location.column},
    }
