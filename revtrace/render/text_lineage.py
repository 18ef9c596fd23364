"""The text of `tree` and `trace`: a lineage drawn as guides and labels, one line per
metric, and the chains of links from a metric to revenue (see `render.TEXT_MODULES`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console
from rich.text import Text

from revtrace.analysis import Analysis, TraceResult, TreeResult
from revtrace.graph import TreeNode
from revtrace.model import wording
from revtrace.model.catalog import Keep, Link
from revtrace.model.wording import plural
from revtrace.render.escape import visible as safe
from revtrace.render.text import caveat_line

ARROW = " → "
SEEN_MARK = "(*)"
CYCLE_MARK = "↺ cycle"
TREE_LEGEND = {
    "seen": "(*) a repeat: its drivers are shown where it stands closest to revenue.",
    # From other roots (`-m`, `--reverse`), closest to one of them, not to revenue.
    "seen elsewhere": "(*) a repeat: what follows it is shown where it stands closest to the"
    " top of a tree.",
    "cycle": "↺ a loop back to a metric above it.",
    "truncated": "… more below this level: raise --depth to see it.",
}


def _metric_label(analysis: Analysis, node_id: str) -> Text:
    metric = analysis.catalog.metrics.get(node_id)
    revenue = analysis.graph.is_revenue(node_id)
    label = Text(safe(node_id), style="bold green" if revenue else "bold")
    if metric is not None and metric.name != metric.id:
        label.append(f"  {safe(metric.name)}", style="dim")
    if metric is not None and metric.deprecated:
        label.append("  deprecated", style="magenta")
    return label


def _marks(roots: list[TreeNode]) -> set[str]:
    """Which marks the trees use (for the legend), from their nodes alone."""
    marks: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        marks.update(
            mark
            for mark, shown in (
                ("seen", node.seen),
                ("cycle", node.cycle),
                ("truncated", node.truncated),
            )
            if shown
        )
        stack.extend(node.children)
    return marks


def tree(console: Console, result: TreeResult) -> None:
    analysis = result.analysis
    if not result.roots:
        console.print(
            Text("No revenue metric: nothing to draw. Mark one with 'revenue: true'."),
            soft_wrap=True,
        )
    styled = console.is_terminal  # asked once: rich looks at the environment each time
    for index, root in enumerate(result.roots):
        title = result.title(index)
        if title is not None:
            console.print(Text(safe(title), style="bold"), soft_wrap=True)
        if styled:
            console.print(
                Text("\n").join(
                    Text(guide, style="dim")
                    .append(_node_label(analysis, node))
                    .append(_link_note(analysis, node, parent), style="cyan")
                    for guide, node, parent in tree_lines_with_parents(root)
                ),
                soft_wrap=True,
            )
        else:
            # Piped or redirected: no styling to add, and rich's per-line work would cost
            # seconds on a large lineage; write the plain lines directly.
            console.file.write(
                "".join(
                    guide
                    + _plain_node_label(analysis, node)
                    + _link_note(analysis, node, parent)
                    + "\n"
                    for guide, node, parent in tree_lines_with_parents(root)
                )
            )
    marks = _marks(result.roots)
    if marks:
        console.print()
        if not all(analysis.graph.is_revenue(root.id) for root in result.roots):
            marks = {"seen elsewhere" if mark == "seen" else mark for mark in marks}
        legend = "  ".join(text for mark, text in TREE_LEGEND.items() if mark in marks)
        console.print(Text(legend, style="dim"), soft_wrap=True)
    if result.unlinked:
        _unlinked(console, result)


def _unlinked(console: Console, result: TreeResult) -> None:
    """The metrics with no path, after the tree: first the views of revenue (computed from
    it: part of revenue's story, never a candidate), then the rest, each kept one marked."""
    graph = result.analysis.graph
    views = [metric_id for metric_id in result.unlinked if graph.view_of(metric_id) is not None]
    others = [metric_id for metric_id in result.unlinked if graph.view_of(metric_id) is None]
    if views:
        _section(console, result, f"Views of revenue ({len(views)}):", "bold green", views)
    if others:
        _section(console, result, f"No path to revenue ({len(others)}):", "bold yellow", others)


def _section(
    console: Console, result: TreeResult, title: str, style: str, metric_ids: list[str]
) -> None:
    analysis = result.analysis
    console.print()
    console.print(Text(title, style=style), soft_wrap=True)
    if console.is_terminal:
        console.print(
            Text("\n").join(
                Text("  ")
                .append(_metric_label(analysis, metric_id))
                .append(_view_note(analysis, metric_id), style="green")
                .append(_derived_note(analysis, metric_id), style="dim")
                .append(_kept_note(result.kept(metric_id)), style="magenta")
                for metric_id in metric_ids
            ),
            soft_wrap=True,
        )
    else:
        console.file.write(
            "".join(
                "  "
                + _plain_node_label(analysis, TreeNode(metric_id))
                + _view_note(analysis, metric_id)
                + _derived_note(analysis, metric_id)
                + _kept_note(result.kept(metric_id))
                + "\n"
                for metric_id in metric_ids
            )
        )


def _view_note(analysis: Analysis, metric_id: str) -> str:
    """`  computed from revenue`, for a view of revenue (listed under that heading)."""
    revenue = analysis.graph.view_of(metric_id)
    return "" if revenue is None else f"  computed from {safe(revenue)}"


def _derived_note(analysis: Analysis, metric_id: str) -> str:
    """`  computed from orders, sessions`, for a metric with no path computed from others
    (a view of them: as the audit and `trace` say it)."""
    if analysis.graph.view_of(metric_id) is not None:
        return ""
    inputs = analysis.graph.derived_from(metric_id)
    if not inputs:
        return ""
    shown = ", ".join(safe(m) for m in inputs[:5])
    return f"  computed from {shown}" + (f" and {len(inputs) - 5} more" if len(inputs) > 5 else "")


def _kept_note(keep: Keep | None) -> str:
    """`  kept until 2027-03-31 (by cmo): reason`, for a metric kept by exception."""
    if keep is None:
        return ""
    return "  " + kept_words(keep)


def kept_words(keep: Keep) -> str:
    return safe(wording.kept_words(keep))


def tree_lines(root: TreeNode) -> Iterator[tuple[str, TreeNode]]:
    for guide, node, _ in tree_lines_with_parents(root):
        yield guide, node


GUIDE_LEVELS = 32
"""Levels of tree guides drawn in full; deeper lines keep the innermost ones and start
with their depth, so a long chain's tree stays linear in size, not quadratic."""


def tree_lines_with_parents(root: TreeNode) -> Iterator[tuple[str, TreeNode, TreeNode | None]]:
    """(guide, node) for each line of the drawn tree, one line per node, never cut.

    Drawn here rather than with rich's Tree, which narrows each level to the terminal's
    width and drops what no longer fits: lineages can be dozens of levels deep.
    Iterative, as lineages can be deeper than Python's recursion limit.
    """
    yield "", root, None
    stack: list[tuple[TreeNode, str, bool, TreeNode, int]] = [
        (child, "", index == len(root.children) - 1, root, 1)
        for index, child in reversed(list(enumerate(root.children)))
    ]
    while stack:
        node, prefix, last, parent, depth = stack.pop()
        deep = f"⋯{depth} " if depth > GUIDE_LEVELS else ""
        yield deep + prefix + ("└── " if last else "├── "), node, parent
        inner = prefix + ("    " if last else "│   ")
        if depth >= GUIDE_LEVELS:
            inner = inner[4:]  # Keep the innermost guides only: linear output.
        stack.extend(
            (child, inner, index == len(node.children) - 1, node, depth + 1)
            for index, child in reversed(list(enumerate(node.children)))
        )


def _link_note(analysis: Analysis, node: TreeNode, parent: TreeNode | None) -> str:
    """`  [e=0.5, measured]` for a quantified link between a node and its parent."""
    if parent is None:
        return ""
    graph = analysis.graph
    link = graph.link_between(node.id, parent.id) or graph.link_between(parent.id, node.id)
    parts = _link_words(link)
    return f"  [{', '.join(parts)}]" if parts else ""


def _link_words(link: Link | None) -> list[str]:
    """What a link says beyond "drives": elasticity or sign, confidence, identity kind.
    The tree and trace show a link alike."""
    if link is None:
        return []
    parts = [f"e={link.elasticity:g}"] if link.elasticity is not None else []
    if link.sign and link.elasticity is None:
        parts.append(link.sign)
    if link.confidence:
        parts.append(link.confidence)
    if link.kind == "computed_from":
        parts.append("computed from")
    elif link.kind == "formula":
        parts.append("formula")
    return parts


def _plain_node_label(analysis: Analysis, node: TreeNode) -> str:
    """`_node_label` without styles, built directly: it runs once per line of a tree."""
    metric = analysis.catalog.metrics.get(node.id)
    parts = [safe(node.id)]
    if metric is not None and metric.name != metric.id:
        parts.append(safe(metric.name))
    if metric is not None and metric.deprecated:
        parts.append("deprecated")
    if node.cycle:
        parts.append(CYCLE_MARK)
    elif node.seen:
        parts.append(SEEN_MARK)
    elif node.truncated:
        parts.append("…")
    return "  ".join(parts)


def _node_label(analysis: Analysis, node: TreeNode) -> Text:
    label = _metric_label(analysis, node.id)
    if node.cycle:
        label.append(f"  {CYCLE_MARK}", style="magenta")
    elif node.seen:
        label.append(f"  {SEEN_MARK}", style="dim")
    elif node.truncated:
        label.append("  …", style="dim")
    return label


def _paths(console: Console, result: TraceResult, head: Text) -> None:
    """A metric that reaches revenue: its paths, and what a deprecated metric on all of
    them means."""
    analysis = result.analysis
    count = plural(len(result.paths), "path")
    more = (
        f" (the {len(result.paths)} shortest; more exist, raise --max-paths)"
        if result.truncated
        else ""
    )
    console.print(head.append(f" reaches revenue by {count}{more}:"), soft_wrap=True)
    width = len(str(len(result.paths)))
    for number, (path, effect) in enumerate(zip(result.paths, result.effects, strict=True), 1):
        line = Text(f"  {number:>{width}}. ")
        line.append(_chain(analysis, path))
        line.append(f"  ({plural(len(path) - 1, 'link')})", style="dim")
        if effect is not None:
            line.append(f"  effect ×{effect:.4g}", style="cyan")
        console.print(line, soft_wrap=True)
    through = result.only_through_deprecated
    if through:
        one = len(through) == 1
        what, are = ("a deprecated metric", "it is") if one else ("deprecated metrics", "they are")
        console.print(
            Text(
                f"  Only through {what} ({', '.join(safe(m) for m in through)}): when {are}"
                f" dropped, {safe(result.metric)} has no path to revenue (RT006).",
                style="yellow",
            ),
            soft_wrap=True,
        )


def trace(console: Console, result: TraceResult) -> None:
    analysis = result.analysis
    head = _metric_label(analysis, result.metric)
    if analysis.graph.is_revenue(result.metric):
        console.print(head.append(" is a revenue metric."), soft_wrap=True)
        return
    if result.reaches_revenue:
        _paths(console, result, head)
        return
    view_of = analysis.graph.view_of(result.metric)
    if view_of is not None:
        console.print(
            head.append(
                f" is a view of revenue: computed from {safe(view_of)}, not a driver of it;"
                " never a candidate to drop.",
                style="green",
            ),
            soft_wrap=True,
        )
        return
    if result.kept is not None:
        console.print(
            head.append(" has no path to revenue; ", style="yellow").append(
                kept_words(result.kept) + ".", style="magenta"
            ),
            soft_wrap=True,
        )
    elif result.traceable:
        console.print(
            head.append(" has no path to revenue: a candidate to drop.", style="yellow"),
            soft_wrap=True,
        )
    else:
        console.print(
            head.append(
                " has no path to revenue, as "
                + (
                    "the catalog could not be read whole"
                    if analysis.incomplete
                    else "no metric is marked 'revenue: true' (RT004)"
                )
                + ": nothing can be traced, and no candidate to drop named, until then.",
                style="yellow",
            ),
            soft_wrap=True,
        )
    for caveat in result.caveats:  # as the audit says them
        console.print(caveat_line(caveat, "  "), soft_wrap=True)
    if not result.drives and not result.undefined:
        console.print(Text("  It drives no other metric."), soft_wrap=True)
    else:
        if result.drives and result.drives != [result.metric]:  # else: "drives only itself"
            console.print(Text("  It drives: ").append(_ids(result.drives)), soft_wrap=True)
        if result.undefined:
            undefined = Text("  It links to undefined metrics: ", style="red")
            console.print(undefined.append(_ids(result.undefined)), soft_wrap=True)
    if result.computed_from:
        # A ratio of two metrics that reach revenue has no path through them: said, so
        # that "it drives no other metric" does not read as an oversight of revtrace's.
        console.print(
            Text("  It is computed from: ")
            .append(_ids(result.computed_from))
            .append(
                f": a view of {'it' if len(result.computed_from) == 1 else 'them'}, not a"
                " driver (only views of revenue need no path)."
            ),
            soft_wrap=True,
        )
    # A view of revenue ends a chain as the audit says: computed from it, not a driver.
    _chain_ends(console, result)


def _chain_ends(console: Console, result: TraceResult) -> None:
    """Where the chains of a metric without a path end: metrics that drive nothing, that
    link only to undefined metrics, views of revenue, loops with no way out."""
    analysis = result.analysis
    ends = [m for m in result.dead_ends if m != result.metric]

    def kind(end: str) -> str:
        if analysis.graph.view_of(end) is not None:
            return "view"
        # Its links all point to undefined metrics: a broken link, not a metric that
        # drives nothing (as RT001's message says).
        return "broken" if analysis.graph.undefined_targets(end) else ""

    for chosen_kind, words in (
        ("", "dead-end at (they drive nothing)"),
        ("broken", "dead-end at (they link only to undefined metrics)"),
        ("view", "end at views of revenue (computed from it, not drivers of it)"),
    ):
        chosen = [m for m in ends if kind(m) == chosen_kind]
        if chosen:
            console.print(Text(f"  Its chains {words}: ").append(_ids(chosen)), soft_wrap=True)
    # A loop of one is a metric that drives only itself (as RT001's message says).
    alone = [loop[0] for loop in result.closed_loops if len(loop) == 1 and loop[0] != result.metric]
    if alone:
        words = "drives only itself" if len(alone) == 1 else "drive only themselves"
        console.print(Text(f"  Its chains end at ({words}): ").append(_ids(alone)), soft_wrap=True)
    for loop in result.closed_loops:
        if len(loop) == 1:
            if loop[0] == result.metric:
                console.print(Text("  It drives only itself."), soft_wrap=True)
            continue
        console.print(Text("  A loop with no way out: ").append(_ids(loop, " ↔ ")), soft_wrap=True)


def _chain(analysis: Analysis, path: Sequence[str]) -> Text:
    """`a ─[e=2, formula]→ b → revenue`: a hop says what its link says, if anything."""
    text = Text()
    for index, node in enumerate(path):
        if index:
            words = _link_words(analysis.graph.link_between(path[index - 1], node))
            text.append(f" ─[{', '.join(words)}]→ " if words else ARROW, style="dim")
        style = "bold green" if analysis.graph.is_revenue(node) else "bold"
        text.append(safe(node), style=style)
        if analysis.catalog.metrics[node].deprecated:
            text.append(" (deprecated)", style="dim")
    return text


def _ids(ids: Sequence[str], separator: str = ", ") -> Text:
    return Text(separator.join(safe(i) for i in ids), style="bold")
