"""Graphviz DOT: `revtrace graph --format dot | dot -Tsvg > lineage.svg`.

Node names are generated (`n0`, `n1`, …); catalog text goes only into escaped, quoted
labels, so no id or name can break the syntax.
"""

from __future__ import annotations

from revtrace.analysis import GraphView
from revtrace.render.escape import dot_string
from revtrace.render.mermaid import classes_of

STYLE = {
    "revenue": 'style="filled,bold", fillcolor="#d1fadf", color="#12b76a"',
    "nopath": 'style=filled, fillcolor="#fef0c7", color="#f79009"',
    "deprecated": 'style="filled,dashed", fillcolor="#f2f4f7", color="#98a2b3"',
}


def graph(view: GraphView) -> str:
    analysis, metrics = view.analysis, view.metrics
    catalog = analysis.catalog
    chosen = set(metrics)
    ids = {metric: f"n{index}" for index, metric in enumerate(metrics)}
    classes = classes_of(view)
    lines = [
        "digraph revtrace {",
        '  graph [rankdir=LR, fontname="Helvetica", label="revtrace lineage", labelloc=t];',
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [color="#667085"];',
    ]
    for metric in metrics:
        style = STYLE.get(classes.get(metric, ""), "")
        attributes = f"label={dot_string(catalog.metrics[metric].label)}" + (
            f", {style}" if style else ""
        )
        lines.append(f"  {ids[metric]} [{attributes}];")
    for metric in metrics:
        for link in dict.fromkeys(catalog.metrics[metric].drives):
            if link.target not in chosen:
                continue
            link_attributes: list[str] = []
            if analysis.graph.in_cycle(link.source, link.target):
                link_attributes.append('color="#d92d20", style=dashed, label="cycle"')
            if link.note:
                link_attributes.append(f"tooltip={dot_string(link.note)}")
            suffix = f" [{', '.join(link_attributes)}]" if link_attributes else ""
            lines.append(f"  {ids[link.source]} -> {ids[link.target]}{suffix};")
    lines += [
        "  subgraph cluster_legend {",
        '    label="Legend"; style=dashed; color="#98a2b3";',
        f'    legend_revenue [label="revenue metric", {STYLE["revenue"]}];',
        f'    legend_nopath [label="no path to revenue", {STYLE["nopath"]}];',
        f'    legend_deprecated [label="deprecated", {STYLE["deprecated"]}];',
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"
