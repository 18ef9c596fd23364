"""Mermaid flowcharts, which GitHub renders inline in Markdown.

Node ids are generated (`m0`, `m1`, …) so that no catalog id can collide with Mermaid
syntax (`end`, `-->`, `;`); the catalog's own text goes only into quoted, escaped labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from revtrace.render.escape import mermaid_label

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
