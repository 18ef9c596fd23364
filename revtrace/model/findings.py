"""Findings, their severities, the rules that produce them, and the exit-code policy.

There is one finding type for everything revtrace reports, from a YAML syntax error to a
metric with no path to revenue, so every renderer handles every problem the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from revtrace.model.catalog import Location
from revtrace.model.codes import EXIT_CANNOT_RUN, EXIT_CLEAN, EXIT_FINDINGS

__all__ = [
    "EXIT_CANNOT_RUN",
    "EXIT_CLEAN",
    "EXIT_FINDINGS",
    "Finding",
    "Rule",
    "Severity",
    "count_by_severity",
]


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    rule: str
    severity: Severity
    message: str
    location: Location | None
    metric: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        if loc is None:
            return ("", 0, 0, self.code, self.metric or "")
        return (loc.file, loc.line, loc.column, self.code, self.metric or "")


@dataclass(frozen=True, slots=True)
class Rule:
    """A check with a stable code (`RT001`) and a kebab-case name (`no-path-to-revenue`).

    `doc` is the user documentation: what the rule means, why, and a failing and a
    passing example. `revtrace rules` and the README are generated from it.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str = ""
    #: An error of this rule may leave out of the graph what its input said (a link, a
    #: revenue mark: the input is not read), so a chain through the metric it is about
    #: may be cut by it. The caveats of a verdict name such errors down the chain; errors
    #: that leave every link in place (an invalid elasticity) only on the metric itself.
    cuts_links: bool = False

    def finding(
        self, message: str, location: Location | None, metric: str | None = None
    ) -> Finding:
        return Finding(self.code, self.name, self.severity, message, location, metric)


def count_by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts
