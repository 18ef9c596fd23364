"""Which findings are reported, at what severity, and when audit fails.

Rule selectors work as ruff users expect: a code (`RT001`), a prefix (`RT00`), a rule
name (`no-path-to-revenue`) or `ALL`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from revtrace.model.findings import EXIT_CLEAN, EXIT_FINDINGS, Finding, Rule, Severity
from revtrace.model.wording import suggest


class PolicyError(Exception):
    """A rule selector or severity that names no rule (exit code 2)."""


def resolve_selectors(selectors: Iterable[str], rules: Mapping[str, Rule], where: str) -> set[str]:
    """The rule codes that `selectors` name; raises PolicyError for one that names none."""
    codes: set[str] = set()
    by_name = {rule.name: code for code, rule in rules.items()}
    for raw in selectors:
        for selector in (part.strip() for part in raw.split(",")):
            if not selector:
                continue
            if selector.upper() == "ALL":
                codes.update(rules)
            elif selector in by_name:
                codes.add(by_name[selector])
            else:
                matched = {code for code in rules if code.startswith(selector.upper())}
                if not matched:
                    hint = suggest(selector.upper(), rules) or suggest(selector, by_name)
                    raise PolicyError(
                        f"{where}: '{selector}' is not a rule code, prefix or name{hint}"
                        " (see 'revtrace rules')"
                    )
                codes.update(matched)
    return codes


@dataclass(frozen=True)
class Policy:
    selected: frozenset[str]
    severities: Mapping[str, Severity]
    #: The lowest severity that fails the audit; None: never fail.
    fail_on: Severity | None

    @classmethod
    def build(
        cls,
        rules: Mapping[str, Rule],
        *,
        select: Sequence[str] | None,
        ignore: Sequence[str],
        severity: Mapping[str, str],
        fail_on: str,
        where: Mapping[str, str],
    ) -> Policy:
        selected = (
            resolve_selectors(select, rules, where.get("select", "--select"))
            if select is not None
            else set(rules)
        )
        if not selected and select is not None:
            # `--select ''` (an unset CI variable) or `select = []`: a gate that checks
            # nothing would pass everything in silence.
            raise PolicyError(
                f"{where.get('select', '--select')}: the selection names no rule, so nothing"
                " would be checked; leave it out to report every rule (or write ALL)"
            )
        selected -= resolve_selectors(ignore, rules, where.get("ignore", "--ignore"))
        if not selected:
            # `--select RT001 --ignore RT0`, or `ignore = ["ALL"]`: the same silent gate.
            raise PolicyError(
                f"{where.get('ignore', '--ignore')}: it ignores every rule that is selected,"
                " so nothing would be checked; ignore fewer rules"
            )
        severities: dict[str, Severity] = {}
        for selector, level in severity.items():
            codes = resolve_selectors([selector], rules, where.get("severity", "severity"))
            for code in codes:
                severities[code] = Severity.parse(level)
        return cls(
            frozenset(selected),
            severities,
            None if fail_on == "never" else Severity.parse(fail_on),
        )

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """The selected findings, with their configured severities."""
        kept = []
        for finding in findings:
            if finding.code not in self.selected:
                continue
            level = self.severities.get(finding.code)
            if level is not None and level is not finding.severity:
                finding = dataclasses.replace(finding, severity=level)
            kept.append(finding)
        return kept

    def exit_code(self, findings: Iterable[Finding]) -> int:
        if self.fail_on is None:
            return EXIT_CLEAN
        threshold = self.fail_on
        return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_CLEAN


@dataclass(frozen=True)
class RuleDocs:
    """What `revtrace rules` shows: every rule, a line each; or the rules named on the
    command line with their whole documentation, as `ruff rule E501` does (a pip install
    has no docs/rules.md to open)."""

    rules: tuple[Rule, ...]
    #: Named: each rule's whole documentation, with its failing and passing examples.
    detailed: bool


def rule_docs(rules: Mapping[str, Rule], names: Sequence[str]) -> RuleDocs:
    """Every rule (no names), or those the names select (codes, prefixes, rule names or
    ALL, as `--select` takes them), in code order. Raises PolicyError for a name that
    selects none."""
    if not names:
        return RuleDocs(tuple(rules.values()), detailed=False)
    codes = resolve_selectors(names, rules, "revtrace rules")
    if not codes:
        raise PolicyError("revtrace rules: the names select no rule; name a code, such as RT001")
    return RuleDocs(tuple(rule for code, rule in rules.items() if code in codes), detailed=True)
