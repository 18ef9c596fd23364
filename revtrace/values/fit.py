"""`fit`: each link checked against the history of the numbers.

For each metric with drivers, an ordinary least-squares regression of its period-over-
period log change on its drivers' log changes, all drivers at once, with an intercept:

    Δln m_t = a + Σ_j β_j · Δln j_t + ε_t

β_j is the link's direct elasticity as the numbers show it; its 95% interval uses the t
distribution. Assumptions, stated with every result: log-linear, no lags, changes between
consecutive periods only (a gap breaks the chain), and the result is correlational
evidence, not proof that one metric causes the other. Formula links are identities, so
they are checked as such: the values must satisfy the formula in every period.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from revtrace.model.catalog import Catalog, Link, Location
from revtrace.model.formula import parse
from revtrace.values.derive import with_formulas
from revtrace.values.lmdi import evaluate, log_change
from revtrace.values.reader import ValueTable
from revtrace.values.stats import least_squares, t_quantile

#: A regression needs at least this many period-over-period changes…
MIN_CHANGES = 12
#: …and this many more changes than coefficients (drivers + the intercept): with fewer,
#: the interval is too wide to say anything, and a chance correlation looks like evidence.
#: Six monthly values (five changes) are never enough.
MIN_SPARE = 8
#: A formula holds when every period's value is within this share of the formula's.
FORMULA_TOLERANCE = 0.005
#: A metric with no path "moves with revenue" when the correlation of its log changes
#: with a revenue metric's is at least this (in absolute value) over MIN_CHANGES changes.
TRACKING_CORRELATION = 0.8

VERDICTS = (
    "consistent",
    "contradicted",
    "supported",
    "no-evidence",
    "insufficient-data",
    "no-data",
    "exact",
    "formula-mismatch",
)

ASSUMPTIONS = (
    "log-linear links, no lags; changes between consecutive periods only. Correlational"
    " evidence, not proof of causation: a common cause (seasonality, a campaign) moves"
    " metrics together too."
)


@dataclass(frozen=True)
class LinkFit:
    """What the numbers say about one link."""

    link: Link
    verdict: str
    estimate: float | None = None
    stderr: float | None = None
    interval: tuple[float, float] | None = None
    #: The period-over-period changes used (for a formula: the periods checked).
    periods: int = 0
    #: Why, in words, when the verdict needs one (the periods a formula breaks in, …).
    detail: str | None = None

    @property
    def source(self) -> str:
        return self.link.source

    @property
    def target(self) -> str:
        return self.link.target

    @property
    def location(self) -> Location:
        return self.link.location


@dataclass(frozen=True)
class FitReport:
    table: ValueTable
    links: tuple[LinkFit, ...]

    @property
    def first(self) -> str:
        return self.table.periods[0]

    @property
    def last(self) -> str:
        return self.table.periods[-1]


def incoming(catalog: Catalog) -> dict[str, list[Link]]:
    """Each metric's links from its drivers, in catalog order."""
    result: dict[str, list[Link]] = {}
    for metric in catalog.metrics.values():
        for link in metric.drives:
            if link.target in catalog.metrics:
                result.setdefault(link.target, []).append(link)
    return result


def changes(table: ValueTable, metric: str) -> list[float | None]:
    """The metric's log change into each period (None for the first, across a gap, or
    where there is no log change)."""
    values = table.series.get(metric)
    if values is None:
        return [None] * len(table.periods)
    result: list[float | None] = [None]
    for i in range(1, len(values)):
        result.append(None if i in table.gaps else log_change(values[i - 1], values[i]))
    return result


def fit(catalog: Catalog, table: ValueTable, metrics: Iterable[str] | None = None) -> FitReport:
    """Every link into the chosen metrics (default: all), checked against `table`; formula
    metrics the file lacks are computed from their inputs (revtrace.values.derive)."""
    table, derived = with_formulas(table, catalog)
    into = incoming(catalog)
    cache: dict[str, list[float | None]] = {}

    def change(metric: str) -> list[float | None]:
        if metric not in cache:
            cache[metric] = changes(table, metric)
        return cache[metric]

    results: list[LinkFit] = []
    for target in metrics if metrics is not None else catalog.metrics:
        links = into.get(target, [])
        if not links:
            continue
        formula_links = [link for link in links if link.kind == "formula"]
        if formula_links and target in derived:
            detail = f"{target} is not in the values file: computed from its formula"
            results.extend(LinkFit(link, "no-data", detail=detail) for link in formula_links)
        elif formula_links:
            results.extend(_check_formula(catalog, table, target, formula_links))
        # computed_from links are fitted like drives: the lineage is declared, its size is not.
        fitted = [link for link in links if link.kind != "formula"]
        if fitted:
            results.extend(_regress(table, target, fitted, change))
    return FitReport(table, tuple(results))


def _regress(
    table: ValueTable,
    target: str,
    links: Sequence[Link],
    get: Callable[[str], list[float | None]],
) -> list[LinkFit]:
    if target not in table:
        return [LinkFit(link, "no-data", detail=table.no_values(target)) for link in links]
    results = [
        LinkFit(link, "no-data", detail=table.no_values(link.source))
        for link in links
        if link.source not in table
    ]
    used = [link for link in links if link.source in table]
    drivers = list(dict.fromkeys(link.source for link in used))
    if not drivers:
        return results
    y_all = get(target)
    x_all = [get(driver) for driver in drivers]
    rows: list[list[float]] = []
    ys: list[float] = []
    for t in range(1, len(table.periods)):
        y = y_all[t]
        xs = [series[t] for series in x_all]
        if y is None or any(x is None for x in xs):
            continue
        rows.append([1.0, *(x or 0.0 for x in xs)])
        ys.append(y)
    n, p = len(ys), len(drivers) + 1
    if n < MIN_CHANGES or n - p < MIN_SPARE:
        needed = max(MIN_CHANGES, p + MIN_SPARE)
        detail = f"{n} usable changes; {needed} are needed for {len(drivers)} driver(s)"
        return results + [
            LinkFit(link, "insufficient-data", periods=n, detail=detail) for link in used
        ]
    solved = least_squares(rows, ys)
    if solved is None:
        detail = (
            "its drivers move together (or one never changes): their effects cannot be told apart"
        )
        return results + [
            LinkFit(link, "insufficient-data", periods=n, detail=detail) for link in used
        ]
    critical = t_quantile(0.975, solved.dof)
    for link in used:
        position = drivers.index(link.source) + 1
        estimate, stderr = solved.coefficients[position], solved.stderrs[position]
        interval = (estimate - critical * stderr, estimate + critical * stderr)
        results.append(LinkFit(link, _verdict(link, interval), estimate, stderr, interval, n))
    return results


#: Half the last digit of an elasticity as `fit --diff` writes it (two decimals): a
#: declared value is read as meaning that much. Without it, an exact identity in the
#: data (revenue = won deals × average deal, computed so in the warehouse) has an
#: interval a few 1e-15 wide, and the 1.00 that fit itself wrote was "contradicted".
WRITTEN_PRECISION = 0.005


def _verdict(link: Link, interval: tuple[float, float]) -> str:
    low, high = interval
    if link.elasticity is not None:
        within = low - WRITTEN_PRECISION <= link.elasticity <= high + WRITTEN_PRECISION
        return "consistent" if within else "contradicted"
    excludes_zero = low > 0.0 or high < 0.0
    if link.sign is not None and excludes_zero:
        return "supported" if (low > 0.0) == (link.sign == "positive") else "contradicted"
    return "supported" if excludes_zero else "no-evidence"


def _check_formula(
    catalog: Catalog, table: ValueTable, target: str, links: Sequence[Link]
) -> list[LinkFit]:
    text = catalog.metrics[target].formula
    if text is None:
        return []
    formula = parse(text)
    missing = [m for m in (target, *formula.inputs) if m not in table]
    if missing:
        return [LinkFit(link, "no-data", detail=table.no_values(missing[0])) for link in links]
    broken: list[str] = []
    checked = 0
    for index, period in enumerate(table.periods):
        actual = table.value(target, index)
        expected = evaluate(formula, {m: table.value(m, index) for m in formula.inputs})
        if actual is None or expected is None:
            continue
        checked += 1
        scale = max(abs(expected), abs(actual))
        if scale > 0.0 and abs(actual - expected) > FORMULA_TOLERANCE * scale:
            broken.append(period)
    if checked == 0:
        return [LinkFit(link, "no-data", detail="no period has every value") for link in links]
    if not broken:
        return [LinkFit(link, "exact", periods=checked) for link in links]
    shown = ", ".join(broken[:6]) + (f" and {len(broken) - 6} more" if len(broken) > 6 else "")
    detail = f"{target} is not {text} in {shown}"
    return [LinkFit(link, "formula-mismatch", periods=checked, detail=detail) for link in links]


def correlation(a: Sequence[float | None], b: Sequence[float | None]) -> tuple[float, int] | None:
    """Pearson's r over the positions where both have a value, and how many; None when
    either does not vary."""
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    n = len(pairs)
    if n < 3:
        return None
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in pairs)
    syy = sum((y - mean_y) ** 2 for _, y in pairs)
    if sxx <= 0.0 or syy <= 0.0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    return sxy / math.sqrt(sxx * syy), n


def moves_with(
    table: ValueTable, metric: str, revenue: Sequence[str]
) -> tuple[str, float, int] | None:
    """(the revenue metric, r, changes) when the metric's log changes track a revenue
    metric's closely enough to suggest a missing link; the closest one."""
    own = changes(table, metric)
    best: tuple[str, float, int] | None = None
    for revenue_metric in revenue:
        found = correlation(own, changes(table, revenue_metric))
        if found is None:
            continue
        r, n = found
        if (
            n >= MIN_CHANGES
            and abs(r) >= TRACKING_CORRELATION
            and (best is None or abs(r) > abs(best[1]))
        ):
            best = (revenue_metric, r, n)
    return best
