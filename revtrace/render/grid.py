"""Metrics that no link joins, set in a grid: the report's picture, DOT and Mermaid all
draw them so. In one column (as a layered layout puts metrics without links), the dozens
a freshly imported project has made a picture many screens tall."""

from __future__ import annotations

import math
from collections.abc import Sequence

from revtrace.analysis import GraphView

#: Fewer metrics than this stay where the layout puts them; more are set in a grid.
GRID_FROM = 9
#: The grid's widest: five columns of boxes fit a 1400-pixel window at full size.
GRID_COLUMNS = 5


def grid(members: Sequence[str]) -> list[list[str]]:
    """The members in columns, each filled top to bottom, in order: about 2.5 times as
    many rows as columns (a box's slot is about that much wider than tall, so the grid is
    about twice as wide as it is high), at most `GRID_COLUMNS`."""
    if not members:
        return []
    columns = max(1, min(GRID_COLUMNS, math.ceil(math.sqrt(len(members) / 2.5))))
    rows = math.ceil(len(members) / columns)
    return [list(members[start : start + rows]) for start in range(0, len(members), rows)]


def rows(columns: list[list[str]]) -> list[list[str]]:
    """The same grid read row by row (for layouts that chain a row left to right)."""
    height = max((len(column) for column in columns), default=0)
    return [[column[r] for column in columns if r < len(column)] for r in range(height)]


def gridded(view: GraphView) -> list[str]:
    """The metrics of `view` set in a grid: those linked to nothing, when they are at
    least `GRID_FROM` (fewer stay where the layout puts them); else none."""
    loose = view.linked_to_nothing()
    return loose if len(loose) >= GRID_FROM else []
