"""Mermaid flowcharts, which GitHub renders inline in Markdown.

Node ids are derived from the metric ids (`node_id`), so adding a metric changes one line
of a diagram's diff, not every line after it; they are spelt so that no catalog id can
collide with Mermaid syntax (`end`, `-->`, `;`). The catalog's own text goes only into
quoted, escaped labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from revtrace.analysis import GraphView
from revtrace.model.catalog import DERIVATIONS
from revtrace.render.escape import mermaid_label
from revtrace.render.grid import grid, gridded, rows

#: A metric's status (see GraphView.status) → its class here; unlisted: no class.
CLASS_OF_STATUS = {
    "revenue": "revenue",
    "no-path": "nopath",
    "kept": "kept",
    "view": "view",
    "deprecated": "deprecated",
}
CLASS_STYLES = {
    "revenue": "fill:#d1fadf,stroke:#12b76a,color:#054f31",
    "nopath": "fill:#fef0c7,stroke:#f79009,color:#7a2e0e",
    "kept": "fill:#f4f3ff,stroke:#7a5af8,color:#3e1c96",
    "view": "fill:#ecfdf3,stroke:#12b76a,color:#054f31,stroke-dasharray:2 2",
    "deprecated": "fill:#f2f4f7,stroke:#98a2b3,color:#344054,stroke-dasharray:4 3",
}
LEGEND = {
    "revenue": "revenue metric",
    "nopath": "no path to revenue",
    "kept": "kept by exception",
    "view": "view of revenue (computed from it)",
    "deprecated": "deprecated",
}


_PLAIN_ID = re.compile(r"[A-Za-z0-9_]+")


def node_id(metric_id: str) -> str:
    """The Mermaid node id of a metric, the same every time: `m_<id>` for an id of ASCII
    letters, digits and `_` (most ids), else `e_` and the id spelt with ASCII letters and
    digits kept, `_` doubled and any other character written `_<hex>_`. The prefixes keep
    ids off Mermaid's keywords (`end`, `graph`) and the two spellings from meeting."""
    if _PLAIN_ID.fullmatch(metric_id):
        return f"m_{metric_id}"
    out = ["e_"]
    for character in metric_id:
        if character.isascii() and character.isalnum():
            out.append(character)
        elif character == "_":
            out.append("__")
        else:
            out.append(f"_{ord(character):x}_")
    return "".join(out)


def flowchart(
    nodes: Sequence[tuple[str, str]],
    edges: Iterable[tuple[str, str]],
    classes: Mapping[str, str] | None = None,
    direction: str = "LR",
) -> str:
    """`nodes` are (id, label) pairs; `classes` maps an id to one of CLASS_STYLES."""
    classes = classes or {}
    ids = {metric: node_id(metric) for metric, _ in nodes}
    lines = [f"flowchart {direction}"]
    for metric, label in nodes:
        lines.append(f'  {ids[metric]}["{mermaid_label(label)}"]')
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
    ids = {metric: node_id(metric) for metric, _ in nodes}
    apart = set(view.without_path())  # boxed together, as in the report's picture
    lines = ["flowchart LR"]
    lines += [f'  {ids[m]}["{mermaid_label(label)}"]' for m, label in nodes if m not in apart]
    if apart:
        lines.append('  subgraph no_path["No path to revenue"]')
        lines += [f'    {ids[m]}["{mermaid_label(label)}"]' for m, label in nodes if m in apart]
        lines.append("  end")
    cycle_links: list[int] = []
    for index, (source, target) in enumerate(view.links()):
        link = view.analysis.graph.link_between(source, target)
        arrow = "-.->" if link is not None and link.kind in DERIVATIONS else "-->"
        if link is not None and link.elasticity is not None:
            arrow += f"|e={link.elasticity:g}|"
        lines.append(f"  {ids[source]} {arrow} {ids[target]}")
        if view.analysis.graph.in_cycle(source, target):
            cycle_links.append(index)
    # Many metrics linked to nothing: each row of their grid chained by invisible links
    # (`~~~`, after the real ones, so linkStyle's numbers stay theirs), a grid instead of
    # one column as tall as all of them.
    lines += [
        "  " + " ~~~ ".join(ids[m] for m in row)
        for row in rows(grid(gridded(view)))
        if len(row) > 1
    ]
    lines.append('  subgraph legend["Legend"]')
    lines += [f'    legend_{name}["{text}"]' for name, text in LEGEND.items()]
    lines.append("  end")
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
