"""Mermaid flowcharts, which GitHub renders inline in Markdown.

Node ids are generated (`m0`, `m1`, …) so that no catalog id can collide with Mermaid
syntax (`end`, `-->`, `;`); the catalog's own text goes only into quoted, escaped labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from revtrace.analysis import GraphView
from revtrace.render.escape import mermaid_label

#: A metric's status (see GraphView.status) → its class here; unlisted: no class.
CLASS_OF_STATUS = {
    "revenue": "revenue",
    "no-path": "nopath",
    "kept": "nopath",
    "deprecated": "deprecated",
}
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


def graph(view: GraphView) -> str:
    """The lineage graph of the chosen metrics (all, or a selection) as a Mermaid
    flowchart, with revenue on the right and a legend."""
    metrics = view.metrics
    catalog = view.analysis.catalog
    nodes = [(m, catalog.metrics[m].label) for m in metrics]
    classes = classes_of(view)
    ids = {node_id: f"m{index}" for index, (node_id, _) in enumerate(nodes)}
    lines = ["flowchart LR"]
    lines += [f'  {ids[node_id]}["{mermaid_label(label)}"]' for node_id, label in nodes]
    cycle_links: list[int] = []
    for index, (source, target) in enumerate(view.links()):
        lines.append(f"  {ids[source]} --> {ids[target]}")
        if view.analysis.graph.in_cycle(source, target):
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


def classes_of(view: GraphView) -> dict[str, str]:
    """Each drawn metric's class, for those that have one."""
    classes = {}
    for metric in view.metrics:
        name = CLASS_OF_STATUS.get(view.status(metric))
        if name is not None:
            classes[metric] = name
    return classes
