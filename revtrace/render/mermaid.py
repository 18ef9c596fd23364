"""Mermaid flowcharts, which GitHub renders inline in Markdown.

Node ids are generated (`m0`, `m1`, …) so that no catalog id can collide with Mermaid
syntax (`end`, `-->`, `;`); the catalog's own text goes only into quoted, escaped labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from revtrace.render.escape import mermaid_label

if TYPE_CHECKING:
    from revtrace.analysis.analyse import Analysis

CLASS_STYLES = {
    "revenue": "fill:#d1fadf,stroke:#12b76a,color:#054f31",
    "nopath": "fill:#fef0c7,stroke:#f79009,color:#7a2e0e",
    "deprecated": "fill:#f2f4f7,stroke:#98a2b3,color:#344054,stroke-dasharray:4 3",
}


def flowchart(
    nodes: Sequence[tuple[str, str]],
    edges: Iterable[tuple[str, str]],
    classes: Mapping[str, str] | None = None,
    direction: str = "LR",
) -> str:
    """`nodes` are (id, label) pairs; `classes` maps an id to one of CLASS_STYLES."""
    classes = classes or {}
    ids = {node_id: f"m{index}" for index, (node_id, _) in enumerate(nodes)}
    lines = [f"flowchart {direction}"]
    for node_id, label in nodes:
        lines.append(f'  {ids[node_id]}["{mermaid_label(label)}"]')
    for source, target in edges:
        if source in ids and target in ids:
            lines.append(f"  {ids[source]} --> {ids[target]}")
    used = sorted(set(classes.values()))
    for name in used:
        lines.append(f"  classDef {name} {CLASS_STYLES[name]}")
    for name in used:
        members = [ids[n] for n, c in classes.items() if c == name and n in ids]
        if members:
            lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


def graph(analysis: Analysis, metrics: Sequence[str]) -> str:
    """The lineage graph of `metrics` (all, or a selection) as a Mermaid flowchart, with
    revenue on the right and a legend."""
    catalog = analysis.catalog
    graph_ = analysis.graph
    chosen = set(metrics)
    nodes = [(m, _label(analysis, m)) for m in metrics]
    edges = [
        (link.source, link.target)
        for m in metrics
        for link in catalog.metrics[m].drives
        if link.target in chosen
    ]
    classes = classes_of(analysis, metrics)
    ids = {node_id: f"m{index}" for index, (node_id, _) in enumerate(nodes)}
    lines = ["flowchart LR"]
    lines += [f'  {ids[node_id]}["{mermaid_label(label)}"]' for node_id, label in nodes]
    cycle_links: list[int] = []
    for index, (source, target) in enumerate(dict.fromkeys(edges)):
        lines.append(f"  {ids[source]} --> {ids[target]}")
        if graph_.in_cycle(source, target):
            cycle_links.append(index)
    lines += [
        '  subgraph legend["Legend"]',
        '    legend_revenue["revenue metric"]',
        '    legend_nopath["no path to revenue"]',
        '    legend_deprecated["deprecated"]',
        "  end",
    ]
    for name, style in CLASS_STYLES.items():
        lines.append(f"  classDef {name} {style}")
    for name in CLASS_STYLES:
        members = [ids[n] for n in metrics if classes.get(n) == name]
        lines.append(f"  class {','.join([*members, 'legend_' + name])} {name}")
    if cycle_links:
        lines.append(
            f"  linkStyle {','.join(map(str, cycle_links))} stroke:#d92d20,stroke-dasharray:5 4"
        )
    return "\n".join(lines) + "\n"


def _label(analysis: Analysis, metric: str) -> str:
    name = analysis.catalog.metrics[metric].name
    return metric if name == metric else f"{name} ({metric})"


def classes_of(analysis: Analysis, metrics: Iterable[str]) -> dict[str, str]:
    graph_ = analysis.graph
    classes = {}
    for metric in metrics:
        if graph_.is_revenue(metric):
            classes[metric] = "revenue"
        elif not graph_.reaches_revenue(metric):
            classes[metric] = "nopath"
        elif analysis.catalog.metrics[metric].deprecated:
            classes[metric] = "deprecated"
    return classes
