"""The data model: what a catalog says, independent of how it was written down.

Everything here is an immutable value. The loader builds these; the graph, the rules and
the renderers only read them. The values a catalog is made of are named tuples rather
than frozen dataclasses: a large catalog has hundreds of thousands of them, and a frozen
dataclass takes six times as long to build (0.4 s of a 100,000-metric audit, measured).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

#: Catalog format versions this revtrace reads.
SUPPORTED_VERSIONS = (1,)

#: Metric ids: 1-200 letters (any script), digits, `_`, `-` and `.`.
MAX_ID_LENGTH = 200
_VALID_ID = re.compile(r"\A[\w.\-]{1,200}\Z")

STATUSES = ("active", "deprecated")

#: The largest elasticity, in absolute value, a link may declare. An elasticity is the %
#: change in the target for a 1% change in the source: real ones are within ±10, and a
#: bound keeps every product along a path, and every loop check, finite (1e308 overflowed).
MAX_ELASTICITY = 1000.0
CONFIDENCES = ("measured", "estimated", "assumed")


#: Letters that show as nothing (Hangul fillers): `revenueㅤ` would pass for `revenue`.
_INVISIBLE_LETTERS = re.compile("[\u115f\u1160\u3164\uffa0]")


def is_valid_id(text: str) -> bool:
    """Whether `text` may name a metric."""
    if _VALID_ID.match(text) is None:
        return False
    return text.isascii() or _INVISIBLE_LETTERS.search(text) is None


class Location(NamedTuple):
    """A place in a catalog file; line and column count from 1, columns in characters."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Link(NamedTuple):
    """`source` drives `target`: moving the source moves the target."""

    source: str
    target: str
    location: Location
    note: str | None = None
    #: % change in the target for a 1% change in the source, sign included.
    elasticity: float | None = None
    #: How the elasticity is known: measured, estimated or assumed.
    confidence: str | None = None
    #: Where the link was declared: `drives` (in the source's definition), `links` (a
    #: top-level list, in any file), `computed_from` or `formula` (in the target's
    #: definition: the target is computed from the source, a derivation).
    kind: str = "drives"
    #: The direction of an unquantified link: positive or negative.
    sign: str | None = None


#: The kinds of link a catalog can declare (Link.kind).
LINK_KINDS = ("drives", "links", "computed_from", "formula")
#: Derivations: a metric computed from revenue this way is a view of revenue.
DERIVATIONS = frozenset({"computed_from", "formula"})
SIGNS = ("positive", "negative")


class Keep(NamedTuple):
    """A deliberate exception: the metric is knowingly kept without a path to revenue."""

    location: Location
    reason: str | None = None
    until: date | None = None
    by: str | None = None


class Metric(NamedTuple):
    id: str
    location: Location
    name: str
    description: str | None = None
    owner: str | None = None
    team: str | None = None
    unit: str | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    status: str = "active"
    revenue: bool = False
    drives: tuple[Link, ...] = ()
    keep: Keep | None = None
    #: The metric's current value per period (currency units for a revenue metric).
    value: float | None = None
    #: Links from the metrics this one is computed from (windows, offsets, cumulative
    #: sums, …): lineage, no elasticity. The loader merges them into each source's
    #: `drives`, with kind `computed_from`; kept here only until then.
    computed_from: tuple[Link, ...] = ()
    #: Arithmetic over other metrics (`deals * average_deal_size`), and where it is
    #: written: each input becomes an identity link (kind `formula`), see model.formula.
    formula: str | None = None
    formula_at: Location | None = None

    @property
    def deprecated(self) -> bool:
        return self.status == "deprecated"

    @property
    def label(self) -> str:
        """The name with the id, as pictures show a metric: `Sessions (web_sessions)`."""
        return self.id if self.name == self.id else f"{self.name} ({self.id})"


@dataclass(frozen=True)
class Catalog:
    """Every metric defined across the catalog's files, in the order they were written."""

    metrics: Mapping[str, Metric] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    #: Links declared from a metric no file defines (a top-level `links:` entry or a
    #: `computed_from` entry naming an undefined id): reported by the unknown-metric rule.
    unattached: tuple[Link, ...] = ()
    #: Some metric is derived from others (`formula`, `computed_from`): only then can a
    #: metric be a view of revenue, and the graph looks for views.
    derivations: bool = False

    @property
    def revenue_metrics(self) -> list[str]:
        return [m.id for m in self.metrics.values() if m.revenue]

    def __contains__(self, metric_id: object) -> bool:
        return metric_id in self.metrics

    def __len__(self) -> int:
        return len(self.metrics)
