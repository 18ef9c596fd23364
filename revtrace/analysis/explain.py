"""`explain`: why a revenue metric moved between two periods, exactly, through the graph.

The method is fixed, so that every number can be checked by hand:

* Δℓ_m = ln(x_m(to) / x_m(from)) for every metric with a value of one sign at both ends;
* C[m, j], the local coefficient of a link j → m: its declared elasticity, or for a
  `formula:` metric the exact LMDI weight of the input at these two periods
  (revtrace.values.lmdi), so that Δℓ_m = Σ_j C[m, j] Δℓ_j holds exactly;
* u_m = Δℓ_m − Σ_j C[m, j] Δℓ_j, the metric's own change (0 for a formula metric whose
  values satisfy its formula);
* m's contribution to R, in log points: (I − C)⁻¹[R, m] · u_m. They add up to Δℓ_R
  exactly; times L(R(to), R(from)) they add up to R(to) − R(from) in currency.

Metrics with no quantified driver are the drivers: their contributions are listed. The
own changes of metrics that do have quantified drivers are what the catalog's links fail
to explain ("unexplained", by metric). Metrics that reach R only through unquantified
links, or that have no usable values, are listed as not attributed, with the reason.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from revtrace.analysis.core import Analysis
from revtrace.graph.spectral import solve_identity_minus
from revtrace.graph.walks import tarjan
from revtrace.model.catalog import DERIVATIONS
from revtrace.model.formula import parse
from revtrace.model.wording import suggest
from revtrace.values.derive import with_formulas
from revtrace.values.fit import incoming
from revtrace.values.lmdi import NotDecomposable, log_change, log_mean, split
from revtrace.values.reader import ValueTable

#: Own changes this small (relative to the metric's change) are floating-point rounding.
ROUNDING = 1e-12


class ExplainError(Exception):
    """A period or a metric that cannot be explained as asked (exit code 2)."""


@dataclass(frozen=True)
class Contribution:
    metric: str
    before: float | None
    after: float | None
    #: The metric's own % change (None from 0).
    pct: float | None
    #: (I − C)⁻¹[R, m]: R's % change for a 1% change of m (None for a term that has no
    #: log change, whose amount enters a sum directly).
    leverage: float | None
    log_points: float
    amount: float
    #: The share of R's change (None when R did not change).
    share: float | None


@dataclass(frozen=True)
class Unexplained:
    metric: str
    log_points: float
    amount: float
    #: Why (a formula the values break, a product through zero), when known.
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Explanation:
    metric: str
    before: float | None
    after: float | None
    contributions: tuple[Contribution, ...] = ()
    unexplained: tuple[Unexplained, ...] = ()
    #: (metric, why) for metrics that reach this one but are not attributed.
    not_attributed: tuple[tuple[str, str], ...] = ()
    #: Why the change cannot be explained at all (None when it is).
    reason: str | None = None

    @property
    def amount(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        amount = self.after - self.before
        return amount if math.isfinite(amount) else None

    @property
    def pct(self) -> float | None:
        return _pct(self.before, self.after)

    @property
    def unexplained_amount(self) -> float:
        return sum(u.amount for u in self.unexplained)

    @property
    def unexplained_log_points(self) -> float:
        return sum(u.log_points for u in self.unexplained)

    @property
    def next_step(self) -> str | None:
        """What to do when the metric is its own only contribution while other metrics
        reach it: none of its links has an elasticity yet (an imported catalog's first
        run), so its whole change is its own and the table says nothing new."""
        if [c.metric for c in self.contributions] != [self.metric] or not self.not_attributed:
            return None
        return (
            f"nothing quantified drives {self.metric}, so its change is all its own: give"
            " the links into it elasticities (revtrace fit estimates them from these"
            " values) to see what moved it"
        )


@dataclass(frozen=True)
class ExplainReport:
    analysis: Analysis
    table: ValueTable
    start: str
    end: str
    explanations: tuple[Explanation, ...]
    #: Formula metrics the values file does not give, computed from their inputs.
    derived: tuple[str, ...] = ()


@dataclass
class _System:
    """The local coefficients between the two periods, and each metric's own change."""

    log_change: dict[str, float]
    #: target → driver → C[target, driver]
    coefficients: dict[str, dict[str, float]] = field(default_factory=dict)
    #: target → a driver without a log change → its amount, in the target's log points
    direct: dict[str, dict[str, float]] = field(default_factory=dict)
    own: dict[str, float] = field(default_factory=dict)
    #: Metrics whose catalog links give them quantified drivers (their own change is
    #: "unexplained", not a driver's contribution).
    quantified: set[str] = field(default_factory=set)
    #: Why a metric has no log change (no value, zero, a change of sign).
    no_change: dict[str, str] = field(default_factory=dict)
    #: Why part of a metric's own change could not be split.
    residual: dict[str, list[str]] = field(default_factory=dict)


def explain(
    analysis: Analysis,
    table: ValueTable,
    start: str | None = None,
    end: str | None = None,
    metrics: Sequence[str] = (),
) -> ExplainReport:
    """Explain each chosen metric's change (default: every revenue metric) from `start`
    to `end` (default: the last two periods). Raises ExplainError."""
    i0, i1 = _periods(table, start, end)
    catalog = analysis.catalog
    for metric in metrics:
        if metric not in catalog:
            raise ExplainError(f"unknown metric '{metric}'{suggest(metric, catalog.metrics)}")
    targets = list(dict.fromkeys(metrics)) or catalog.revenue_metrics
    if not targets:
        raise ExplainError(
            "the catalog marks no revenue metric: name the metric to explain with -m"
        )
    table, derived = with_formulas(table, catalog)
    before = {m: table.value(m, i0) for m in catalog.metrics if m in table}
    after = {m: table.value(m, i1) for m in catalog.metrics if m in table}
    system = _system(analysis, table, before, after, (table.periods[i0], table.periods[i1]))
    explanations = tuple(_explain(analysis, system, r, before, after) for r in targets)
    return ExplainReport(
        analysis, table, table.periods[i0], table.periods[i1], explanations, derived
    )


def _periods(table: ValueTable, start: str | None, end: str | None) -> tuple[int, int]:
    try:
        i1 = table.index_of(end) if end is not None else len(table.periods) - 1
        i0 = table.index_of(start) if start is not None else i1 - 1
    except ValueError as exc:
        raise ExplainError(str(exc)) from None
    if i0 < 0:
        raise ExplainError(f"--to {table.periods[i1]} is the first period: name a later one")
    if i0 >= i1:
        raise ExplainError(f"--from {table.periods[i0]} is not before --to {table.periods[i1]}")
    return i0, i1


def _system(
    analysis: Analysis,
    table: ValueTable,
    before: Mapping[str, float | None],
    after: Mapping[str, float | None],
    periods: tuple[str, str],
) -> _System:
    catalog = analysis.catalog
    changes: dict[str, float] = {}
    system = _System(changes)
    for metric in catalog.metrics:
        change = log_change(before.get(metric), after.get(metric))
        if change is not None:
            changes[metric] = change
        elif metric not in table:
            system.no_change[metric] = table.no_values(metric, "values in the values file")
        elif before.get(metric) is None or after.get(metric) is None:
            missing = periods[0] if before.get(metric) is None else periods[1]
            system.no_change[metric] = table.no_values(metric, f"value for {missing}")
        else:
            system.no_change[metric] = (
                f"is 0 or changes sign between {periods[0]} and {periods[1]}: its change has"
                " no log points"
            )
    into = incoming(catalog)
    for definition in catalog.metrics.values():
        m = definition.id
        links = [
            link
            for link in into.get(m, ())
            if link.kind not in DERIVATIONS and link.elasticity is not None
        ]
        if definition.formula is not None or links:
            system.quantified.add(m)
        if m not in changes:
            continue
        row: dict[str, float] = {}
        direct: dict[str, float] = {}
        if definition.formula is not None:
            _formula_row(system, m, definition.formula, before, after, row, direct)
        for link in links:
            if link.source in changes:
                row[link.source] = row.get(link.source, 0.0) + (link.elasticity or 0.0)
        system.coefficients[m] = row
        if direct:
            system.direct[m] = direct
        own = changes[m] - sum(c * changes[j] for j, c in row.items()) - sum(direct.values())
        # Rounding noise of an exact identity (1e-17) is no change: "unexplained 0" must
        # read 0, not 1.3e-12.
        system.own[m] = own if abs(own) > ROUNDING * (1.0 + abs(changes[m])) else 0.0
        if definition.formula is not None and system.own[m] and not system.residual.get(m):
            system.residual.setdefault(m, []).append(
                f"its values are not {definition.formula} in these periods"
            )
    return system


def _formula_row(
    system: _System,
    metric: str,
    text: str,
    before: Mapping[str, float | None],
    after: Mapping[str, float | None],
    row: dict[str, float],
    direct: dict[str, float],
) -> None:
    """The exact LMDI coefficients of a formula metric's inputs (into `row`, or `direct`
    for inputs without a log change); what cannot be split stays in its own change."""
    reasons = system.residual.setdefault(metric, [])
    try:
        v0, v1, parts = split(parse(text), before, after)
    except NotDecomposable as exc:
        reasons.append(f"its formula cannot be evaluated: {exc}")
        return
    mean = log_mean(v1, v0)
    if mean is None:
        reasons.append(f"its formula ({text}) is 0 or changes sign: it cannot be split")
        return
    for j, weight in parts.weights.items():
        row[j] = row.get(j, 0.0) + weight / mean
    for j, amount in parts.direct.items():
        direct[j] = direct.get(j, 0.0) + amount / mean
    reasons.extend(parts.reasons)


def _explain(
    analysis: Analysis,
    system: _System,
    metric: str,
    before: Mapping[str, float | None],
    after: Mapping[str, float | None],
) -> Explanation:
    x0, x1 = before.get(metric), after.get(metric)
    if metric not in system.log_change:
        why = system.no_change.get(metric, "no values")
        return Explanation(metric, x0, x1, reason=f"{metric}: {why}")
    # Through the coefficients: the metrics whose log changes reach this one.
    reach = _upstream(metric, lambda m: system.coefficients.get(m, {}))
    leverage = _leverage(metric, reach, system)
    if leverage is None:
        return Explanation(
            metric,
            x0,
            x1,
            reason="a loop of its drivers cannot be solved (I − C is singular or too large)",
        )
    scale = log_mean(x1 or 0.0, x0 or 0.0) or 0.0
    total = (x1 or 0.0) - (x0 or 0.0)
    found: dict[str, Contribution] = {}
    unexplained: list[Unexplained] = []
    for m in reach:
        g = leverage[m]
        points = g * system.own[m]
        if m in system.quantified:
            if points != 0.0 or system.residual.get(m):
                reasons = tuple(system.residual.get(m, ()))
                unexplained.append(Unexplained(m, points, points * scale, reasons))
            continue
        found[m] = _contribution(m, g, points, scale, total, before, after)
    for m in reach:
        for j, piece in system.direct.get(m, {}).items():
            points = leverage[m] * piece + (found[j].log_points if j in found else 0.0)
            found[j] = _contribution(j, None, points, scale, total, before, after)
    contributions = sorted(found.values(), key=lambda c: (-abs(c.amount), c.metric))
    unexplained.sort(key=lambda u: (-abs(u.amount), u.metric))
    attributed = set(reach) | set(found)
    missing = _not_attributed(analysis, system, metric, attributed)
    numbers = [n for c in contributions for n in (c.amount, c.log_points, c.share or 0.0)]
    numbers += [n for u in unexplained for n in (u.amount, u.log_points)]
    if not all(math.isfinite(n) for n in numbers):
        # Values near the float's limits (1e308): a contribution overflows. Say so.
        return Explanation(metric, x0, x1, reason="its values are too large to compute with")
    return Explanation(metric, x0, x1, tuple(contributions), tuple(unexplained), missing)


def _contribution(
    metric: str,
    leverage: float | None,
    points: float,
    scale: float,
    total: float,
    before: Mapping[str, float | None],
    after: Mapping[str, float | None],
) -> Contribution:
    x0, x1 = before.get(metric), after.get(metric)
    amount = points * scale
    return Contribution(
        metric,
        x0,
        x1,
        _pct(x0, x1),
        leverage,
        points,
        amount,
        amount / total if total != 0.0 else None,
    )


def _pct(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0.0:
        return None
    pct = (after - before) / abs(before) * 100.0
    return pct if math.isfinite(pct) else None  # 1e300 over 1e-300: no meaningful %


def _upstream(metric: str, drivers: Callable[[str], Iterable[str]]) -> list[str]:
    """`metric`, then every metric with a chain of `drivers` to it, nearest first."""
    order = [metric]
    seen = {metric}
    queue = deque(order)
    while queue:
        for driver in drivers(queue.popleft()):
            if driver not in seen:
                seen.add(driver)
                order.append(driver)
                queue.append(driver)
    return order


def _leverage(target: str, reach: Sequence[str], system: _System) -> dict[str, float] | None:
    """(I − C)⁻¹[target, m] for every m in `reach`: g_m = δ(m, target) + Σ_t C[t, m]·g_t
    over the metrics t that m drives; loops are solved exactly, group by group."""
    members = set(reach)
    drives: dict[str, list[tuple[str, float]]] = {m: [] for m in reach}
    for t in reach:
        for m, c in system.coefficients.get(t, {}).items():
            if m in members:
                drives[m].append((t, c))
    g: dict[str, float] = {}
    for group in tarjan(reach, lambda m: (t for t, _ in drives[m])):  # targets first
        inside = set(group)
        right = {
            m: (1.0 if m == target else 0.0)
            + sum(c * g[t] for t, c in drives[m] if t not in inside)
            for m in group
        }
        if len(group) == 1 and all(t != group[0] for t, _ in drives[group[0]]):
            g[group[0]] = right[group[0]]
            continue
        index = {m: i for i, m in enumerate(group)}
        rows: list[dict[int, float]] = []
        for m in group:
            row: dict[int, float] = {}
            for t, c in drives[m]:
                if t in inside:
                    row[index[t]] = row.get(index[t], 0.0) + c
            rows.append(row)
        solution = solve_identity_minus(rows, [[right[m]] for m in group])
        if solution is None:
            return None
        for m in group:
            g[m] = solution[index[m]][0]
    return g


def _not_attributed(
    analysis: Analysis, system: _System, metric: str, attributed: set[str]
) -> tuple[tuple[str, str], ...]:
    """Metrics with a path to `metric` in the catalog that get no share of its change."""
    graph = analysis.graph
    upstream = _upstream(metric, graph.drivers_of)
    seen = set(upstream)
    result: list[tuple[str, str]] = []
    for m in upstream[1:]:
        if m in attributed:
            continue
        if m in system.no_change:
            result.append((m, system.no_change[m]))
            continue
        through = [
            t for t in graph.successors(m) if t in seen and m in system.coefficients.get(t, {})
        ]
        if through:
            result.append((m, f"its links lead through {through[0]}, which is not attributed"))
            continue
        target = next((t for t in graph.successors(m) if t in seen), metric)
        result.append((m, f"{m} → {target} has no elasticity"))
    return tuple(result)
