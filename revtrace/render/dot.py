"""Graphviz DOT: `revtrace graph --format dot | dot -Tsvg > lineage.svg`.

Each node is named by its metric id, quoted and escaped, so a diagram's diff shows the
change; legend nodes have names no metric id can have (a space). Catalog text goes only
into escaped, quoted strings, so no id or name can break the syntax. Revenue metrics are
ranked last: with `rankdir=LR` they stand on the right, even when loops pull them in.
"""

from __future__ import annotations

from revtrace.analysis import GraphView
from revtrace.model.catalog import DERIVATIONS
from revtrace.render.escape import dot_string
from revtrace.render.grid import grid, gridded, rows
from revtrace.render.mermaid import LEGEND, classes_of

FONT = "Helvetica,Arial,sans-serif"
STYLE = {
    "revenue": 'style="filled,bold", fillcolor="#d1fadf", color="#12b76a"',
    "nopath": 'style=filled, fillcolor="#fef0c7", color="#f79009"',
    "kept": 'style=filled, fillcolor="#f4f3ff", color="#7a5af8"',
    "view": 'style="filled,dotted", fillcolor="#ecfdf3", color="#12b76a"',
    "deprecated": 'style="filled,dashed", fillcolor="#f2f4f7", color="#98a2b3"',
}


def graph(view: GraphView) -> str:
    analysis, metrics = view.analysis, view.metrics
    catalog = analysis.catalog
    chosen = set(metrics)
    classes = classes_of(view)
    lines = [
        "digraph revtrace {",
        f'  graph [rankdir=LR, fontname="{FONT}", label="revtrace lineage", labelloc=t];',
        f'  node [shape=box, style=rounded, fontname="{FONT}"];',
        f'  edge [color="#667085", fontname="{FONT}"];',
    ]
    graph = analysis.graph
    # The metrics without a path (views of revenue aside) in a box of their own, as the
    # report's picture has them: scattered among the others, candidates to drop were
    # hard to tell from the funnel in an exported picture.
    apart = view.without_path()
    boxed = set(apart)
    lines += [_node(view, metric, classes) for metric in metrics if metric not in boxed]
    if apart:
        lines += [
            "  subgraph cluster_no_path {",
            '    label="No path to revenue"; style="dashed,rounded"; color="#f79009";',
            *(f"  {_node(view, metric, classes)}" for metric in apart),
            *_grid_rows(view),
            "  }",
        ]
    for metric in metrics:
        for link in dict.fromkeys(catalog.metrics[metric].drives):
            if link.target not in chosen:
                continue
            link_attributes: list[str] = []
            words = []
            if graph.in_cycle(link.source, link.target):
                link_attributes.append('color="#d92d20", style=dashed')
                words.append("cycle")
            if link.kind in DERIVATIONS and "cycle" not in words:
                link_attributes.append("style=dotted")
            if link.kind in DERIVATIONS:
                words.append("formula" if link.kind == "formula" else "computed from")
            if link.elasticity is not None:
                words.append(f"e={link.elasticity:g}")
            elif link.sign is not None:
                words.append(link.sign)
            if words:
                link_attributes.append(f'label="{", ".join(words)}"')
            if link.note:
                link_attributes.append(f"tooltip={dot_string(link.note)}")
            suffix = f" [{', '.join(link_attributes)}]" if link_attributes else ""
            lines.append(f"  {dot_string(link.source)} -> {dot_string(link.target)}{suffix};")
    revenue = [dot_string(m) for m in metrics if graph.is_revenue(m)]
    if revenue:
        lines.append(f"  {{rank=max; {'; '.join(revenue)};}}")
    lines += ["  subgraph cluster_legend {", '    label="Legend"; style=dashed; color="#98a2b3";']
    lines += [
        f'    "legend {name}" [label="{text}", {STYLE[name]}];' for name, text in LEGEND.items()
    ]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def _grid_rows(view: GraphView) -> list[str]:
    """Invisible links that chain each row of the metrics linked to nothing, when they
    are many: ranked left to right, they stand in a grid (`render.grid`) instead of one
    column as tall as all of them."""
    return [
        f"    {' -> '.join(dot_string(metric) for metric in row)} [style=invis];"
        for row in rows(grid(gridded(view)))
        if len(row) > 1
    ]


def _node(view: GraphView, metric: str, classes: dict[str, str]) -> str:
    style = STYLE.get(classes.get(metric, ""), "")
    label = dot_string(view.analysis.catalog.metrics[metric].label)
    return f"  {dot_string(metric)} [label={label}{', ' + style if style else ''}];"
