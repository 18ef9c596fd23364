"""Aligned columns of plain text: what the text format prints when a table must not be
folded or cut (piped output, files, long tables, the evidence views)."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def aligned(
    heads: Sequence[str], rows: Sequence[Sequence[str]], numbers: Collection[int], indent: str = ""
) -> list[str]:
    """One line per row, the heads first: the columns in `numbers` right-aligned, the
    others left-aligned, each as wide as its widest cell."""
    widths = [max(len(cell) for cell in column) for column in zip(heads, *rows, strict=True)]
    lines = []
    for row in [heads, *rows]:
        cells = [
            cell.rjust(width) if index in numbers else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(indent + "  ".join(cells).rstrip())
    return lines
