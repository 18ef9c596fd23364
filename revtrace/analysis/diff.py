"""What a change to the catalog did to its paths to revenue.

The question a reviewer asks of a pull request that edits metric definitions: did it add
metrics that trace to nothing, and did it cut a path that used to exist? For every
metric that lost its path, the report names the removed links (or metrics, or revenue
marks) that its old paths ran through: the cut.
"""

from __future__ import annotations

import difflib
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from revtrace.analysis.baseline import Key, key_of
from revtrace.model.findings import Finding

if TYPE_CHECKING:
    from revtrace.analysis.core import Analysis

Edge = tuple[str, str]


@dataclass(frozen=True)
class LostPaths:
    """Metrics that reached revenue before the change and do not after it."""

    metrics: list[str]
    #: What the change removed from those metrics' old paths, as readable phrases.
    causes: list[str]


@dataclass(frozen=True)
class CatalogChange:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added_without_path: list[str] = field(default_factory=list)
    lost_paths: list[LostPaths] = field(default_factory=list)
    links_added: list[Edge] = field(default_factory=list)
    links_removed: list[Edge] = field(default_factory=list)
    #: Findings of the new catalog that the old one did not have (keyed on rule + metric).
    new_findings: list[Finding] = field(default_factory=list)
    #: Findings the old catalog had that the change resolved.
    resolved: list[Key] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.links_added or self.links_removed)


@dataclass(frozen=True)
class DiffReport:
    """`revtrace diff`: the change between two catalogs, named as the user named them."""

    change: CatalogChange
    old: str
    new: str


def compare(
    old: Analysis, new: Analysis, new_findings_of: list[Finding] | None = None
) -> CatalogChange:
    """Compare two analysed catalogs. `new_findings_of` are the new catalog's findings
    after policy (default: all of them); the old catalog's are compared the same way."""
    old_ids, new_ids = set(old.catalog.metrics), set(new.catalog.metrics)
    old_edges = set(old.graph.edges())
    new_edges = set(new.graph.edges())
    added = [m for m in new.catalog.metrics if m not in old_ids]
    removed = [m for m in old.catalog.metrics if m not in new_ids]
    added_without_path = [m for m in added if not new.graph.reaches_revenue(m)]
    lost = [
        m
        for m in new.catalog.metrics
        if m in old_ids and old.graph.reaches_revenue(m) and not new.graph.reaches_revenue(m)
    ]
    findings = list(new.findings) if new_findings_of is None else new_findings_of
    old_counts: Counter[Key] = Counter(key_of(f) for f in old.findings)
    remaining = Counter(old_counts)
    new_findings: list[Finding] = []
    for finding in findings:
        key = key_of(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new_findings.append(finding)
    return CatalogChange(
        added=added,
        removed=removed,
        added_without_path=added_without_path,
        lost_paths=_explain_lost(old, new, lost, new_edges),
        links_added=sorted(new_edges - old_edges),
        links_removed=sorted(old_edges - new_edges),
        new_findings=new_findings,
        resolved=sorted(k for k, count in remaining.items() if count > 0),
    )


def _explain_lost(
    old: Analysis, new: Analysis, lost: list[str], new_edges: set[Edge]
) -> list[LostPaths]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for metric in lost:
        causes = tuple(_cuts(old, new, metric, new_edges))
        groups.setdefault(causes, []).append(metric)
    return [LostPaths(metrics, list(causes)) for causes, metrics in groups.items()]


def _cuts(old: Analysis, new: Analysis, metric: str, new_edges: set[Edge]) -> list[str]:
    """What the change removed from the routes `metric` had to revenue in the old catalog."""
    graph = old.graph
    causes: list[str] = []
    seen = {metric}
    queue = deque([metric])
    while queue:
        node = queue.popleft()
        if graph.is_revenue(node):
            if not new.graph.is_revenue(node):
                what = "removing" if node not in new.catalog else "unmarking"
                if f"{what} revenue metric {node}" not in causes:
                    causes.append(f"{what} revenue metric {node}")
            continue
        for target in graph.successors(node):
            if target not in graph.distance:
                continue  # that link never led to revenue
            if target not in new.catalog:
                # A removed revenue metric is named once, as the revenue metric it was
                # ("removing metric revenue and removing revenue metric revenue").
                kind = "revenue metric" if graph.is_revenue(target) else "metric"
                cause = f"removing {kind} {target}"
            elif node not in new.catalog:
                cause = ""  # named already, as the removed metric it is
            elif (node, target) not in new_edges:
                cause = _cut_link(new, node, target)
            else:
                cause = ""
            if cause and cause not in causes:
                causes.append(cause)
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return causes


def _cut_link(new: Analysis, node: str, target: str) -> str:
    """A link the change took away, or turned into one to an undefined metric (a typo in a
    `drives:` list): "removing orders → revenue" sent the reader looking for a removal."""
    targets = [link.target for link in new.catalog.metrics[node].drives]
    close = difflib.get_close_matches(
        target, [t for t in targets if t not in new.catalog], n=1, cutoff=0.6
    )
    if close:
        return f"turning {node} → {target} into {node} → {close[0]} (not a defined metric)"
    return f"removing {node} → {target}"
