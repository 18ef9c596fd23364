"""Edits to a catalog's text that touch only the lines of the links they change, for
`revtrace fit --diff`: revtrace prints the patch, the user applies it (revtrace never
writes a catalog).

Each link is found by its location (where the loader said it is): the id in a `drives`
list, the `to:` of a link written as a mapping, or a `links:` entry. The YAML is composed
with positions (PyYAML's nodes keep their marks), and only the text of that entry
changes; comments, quoting and layout elsewhere stay as they are. The edited text is read
back by the loader before it is offered, so a patch can never make a catalog revtrace
refuses.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml

from revtrace.load.events import TOO_DEEP, too_deep
from revtrace.model.catalog import Location


@dataclass(frozen=True)
class Edit:
    """Set a link's `elasticity` (and `confidence`), the link being at `location`."""

    location: Location
    source: str
    target: str
    elasticity: float
    confidence: str = "estimated"


class PatchError(Exception):
    """The text cannot be edited safely (it is not what it was when it was loaded)."""


def number(value: float) -> str:
    """An estimate as it is written into a catalog: two decimals, as it is known."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def apply(text: str, edits: Sequence[Edit]) -> tuple[str, list[Edit]]:
    """The text with every edit applied that could be, and the edits that could not
    (their entry was not found where the location says)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # Composing recurses on the nesting (in C with libyaml): refuse what is too deep
        # first, where the parser does not (the file may have changed since it was read).
        if too_deep(text, loader) is not None:
            raise PatchError(f"cannot be read again: {TOO_DEEP}")
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise PatchError(f"cannot be read again: {exc}") from None
    if root is None:
        return text, list(edits)
    found = {(n.start_mark.line + 1, n.start_mark.column + 1): (n, p) for n, p in _walk(root, None)}
    newline = "\r\n" if "\r\n" in text else "\n"
    changes: list[tuple[int, int, str]] = []
    skipped: list[Edit] = []
    for edit in edits:
        entry = found.get((edit.location.line, edit.location.column))
        change = _change(text, entry, edit, newline) if entry is not None else None
        if change is None:
            skipped.append(edit)
        else:
            changes.extend(change)
    for start, end, replacement in sorted(changes, key=lambda c: (c[0], c[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text, skipped


def _walk(
    node: yaml.Node, parent: yaml.Node | None
) -> Iterator[tuple[yaml.Node, yaml.Node | None]]:
    stack = [(node, parent)]
    while stack:
        current, above = stack.pop()
        yield current, above
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append((key, current))
                stack.append((value, current))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, current) for item in current.value)


def _change(
    text: str, entry: tuple[yaml.Node, yaml.Node | None], edit: Edit, newline: str
) -> list[tuple[int, int, str]] | None:
    node, parent = entry
    fields = f"elasticity: {number(edit.elasticity)}, confidence: {edit.confidence}"
    if isinstance(node, yaml.ScalarNode) and isinstance(parent, yaml.SequenceNode):
        # `- sqls` or `[sqls, mqls]`: the id becomes a flow mapping in place.
        original = text[node.start_mark.index : node.end_mark.index]
        return [(node.start_mark.index, node.end_mark.index, f"{{to: {original}, {fields}}}")]
    mapping = node if isinstance(node, yaml.MappingNode) else parent
    if not isinstance(mapping, yaml.MappingNode):
        return None
    keys = {key.value: value for key, value in mapping.value if isinstance(key, yaml.ScalarNode)}
    if "to" not in keys:
        return None
    changes = []
    missing = []
    for name, value in (("elasticity", number(edit.elasticity)), ("confidence", edit.confidence)):
        present = keys.get(name)
        if isinstance(present, yaml.ScalarNode):
            changes.append((present.start_mark.index, present.end_mark.index, value))
        elif present is None:
            missing.append(f"{name}: {value}")
        else:
            return None
    if missing:
        anchor = keys["to"]
        if mapping.flow_style:
            changes.append(
                (anchor.end_mark.index, anchor.end_mark.index, ", " + ", ".join(missing))
            )
        else:
            # A block mapping: new lines after the `to:` line, at its keys' indentation.
            line_end = text.find("\n", anchor.end_mark.index)
            line_end = len(text) if line_end < 0 else line_end
            if text[line_end - 1 : line_end] == "\r":
                line_end -= 1
            indent = " " * mapping.value[0][0].start_mark.column
            added = "".join(newline + indent + item for item in missing)
            changes.append((line_end, line_end, added))
    return changes


def patch_file(path: str, edits: Sequence[Edit]) -> tuple[str, str, list[Edit]]:
    """(the file's text, the edited text, the edits not made). Raises PatchError when the
    file cannot be read or the edited text would not load as the same catalog."""
    from revtrace.load.builder import load_catalog_text
    from revtrace.load.files import CatalogUnreadable, read_catalog_bytes

    try:
        data = read_catalog_bytes(path)
    except CatalogUnreadable as exc:
        raise PatchError(f"cannot read it: {exc.reason}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PatchError("not UTF-8 text") from None
    edited, skipped = apply(text, edits)
    before = load_catalog_text(text, path)
    after = load_catalog_text(edited, path)
    links = {
        (link.source, link.target): link
        for metric in after.catalog.metrics.values()
        for link in metric.drives
    }
    errors = sum(1 for f in after.findings if f.severity.name == "ERROR")
    if errors > sum(1 for f in before.findings if f.severity.name == "ERROR") or len(
        after.catalog
    ) != len(before.catalog):
        raise PatchError("the edited catalog would not load as the same catalog")
    for edit in edits:
        if edit in skipped:
            continue
        link = links.get((edit.source, edit.target))
        if (
            link is None
            or link.elasticity is None
            or number(link.elasticity) != number(edit.elasticity)
        ):
            raise PatchError("the edited catalog would not carry the estimates")
    return text, edited, skipped
