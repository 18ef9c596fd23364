"""`fit` on series generated with known elasticities, checked against an independent
least-squares computation written out here, and the statistics it rests on."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import pairwise

import pytest

from revtrace.load import load_catalog_text
from revtrace.model.catalog import Catalog
from revtrace.model.formula import parse
from revtrace.values import read_values_bytes
from revtrace.values.fit import LinkFit, correlation, fit, moves_with
from revtrace.values.lmdi import log_mean, split
from revtrace.values.stats import least_squares, t_quantile


def catalog(text: str) -> Catalog:
    return load_catalog_text("version: 1\nmetrics:\n" + text, "m.yaml").catalog


def history(
    periods: int, seed: int, rules: dict[str, dict[str, float]], noise: float = 0.01
) -> tuple[str, dict[str, list[float]]]:
    """A wide values file in which each metric of `rules` moves, in log points, by
    Σ elasticity × its drivers' moves + noise; drivers move at random."""
    rng = random.Random(seed)
    names = sorted({*rules, *(d for drivers in rules.values() for d in drivers)})
    level = {m: 100.0 for m in names}
    series: dict[str, list[float]] = {m: [100.0] for m in names}
    for _ in range(periods - 1):
        move = {m: rng.gauss(0.0, 0.05) for m in names if m not in rules}
        for target, drivers in rules.items():  # drivers are listed before their targets
            move[target] = sum(e * move[d] for d, e in drivers.items()) + rng.gauss(0.0, noise)
        for m in names:
            level[m] *= math.exp(move[m])
            series[m].append(level[m])
    lines = ["period," + ",".join(names)]
    for i in range(periods):
        lines.append(f"{i + 1}," + ",".join(repr(series[m][i]) for m in names))
    return "\n".join(lines) + "\n", series


def by_link(results: Sequence[LinkFit]) -> dict[tuple[str, str], LinkFit]:
    return {(r.source, r.target): r for r in results}


def normal_equations(rows: list[list[float]], y: list[float]) -> tuple[list[float], list[float]]:
    """β = (XᵀX)⁻¹Xᵀy and its standard errors, by Gauss–Jordan in plain Python: an
    independent check of the numpy path."""
    p = len(rows[0])
    xtx = [[sum(r[i] * r[j] for r in rows) for j in range(p)] for i in range(p)]
    xty = [sum(r[i] * v for r, v in zip(rows, y, strict=True)) for i in range(p)]
    augmented = [xtx[i] + [float(i == j) for j in range(p)] + [xty[i]] for i in range(p)]
    for col in range(p):
        pivot = max(range(col, p), key=lambda r: abs(augmented[r][col]))
        augmented[col], augmented[pivot] = augmented[pivot], augmented[col]
        head = augmented[col][col]
        augmented[col] = [v / head for v in augmented[col]]
        for r in range(p):
            if r != col:
                factor = augmented[r][col]
                augmented[r] = [
                    a - factor * b for a, b in zip(augmented[r], augmented[col], strict=True)
                ]
    beta = [augmented[i][-1] for i in range(p)]
    inverse = [augmented[i][p : 2 * p] for i in range(p)]
    residual = [
        v - sum(b * x for b, x in zip(beta, r, strict=True)) for r, v in zip(rows, y, strict=True)
    ]
    s2 = sum(e * e for e in residual) / (len(y) - p)
    return beta, [math.sqrt(s2 * inverse[i][i]) for i in range(p)]


CATALOG = """\
  revenue: {revenue: true}
  sqls: {drives: [{to: revenue, elasticity: 0.7}]}
  mqls: {drives: [{to: sqls, elasticity: -0.3}]}
  paid: {drives: [{to: sqls, sign: negative}]}
  webinars: {drives: [sqls]}
  partners: {drives: [revenue]}
"""
TRUE = {
    "sqls": {"mqls": 0.5, "paid": 0.4, "webinars": 0.0},
    "revenue": {"sqls": 0.7, "partners": 0.3},
}


def test_known_elasticities_are_found_and_judged() -> None:
    text, series = history(48, seed=7, rules=TRUE)
    table, _ = read_values_bytes(text.encode(), "v.csv")
    results = by_link(fit(catalog(CATALOG), table).links)
    assert {k: r.verdict for k, r in results.items()} == {
        ("sqls", "revenue"): "consistent",  # declared 0.7, true 0.7
        ("partners", "revenue"): "supported",  # no elasticity declared, true 0.3
        ("mqls", "sqls"): "contradicted",  # declared −0.3, true +0.5
        ("paid", "sqls"): "contradicted",  # declared negative, true +0.4
        ("webinars", "sqls"): "no-evidence",  # no true effect
    }
    # Against the independent computation: sqls on mqls, paid, webinars with an intercept.
    changes = {m: [math.log(b / a) for a, b in pairwise(v)] for m, v in series.items()}
    rows = [
        [1.0, changes["mqls"][t], changes["paid"][t], changes["webinars"][t]] for t in range(47)
    ]
    beta, stderr = normal_equations(rows, changes["sqls"])
    critical = t_quantile(0.975, 47 - 4)
    for position, driver in enumerate(["mqls", "paid", "webinars"], 1):
        result = results[(driver, "sqls")]
        assert result.estimate == pytest.approx(beta[position], rel=1e-9)
        assert result.stderr == pytest.approx(stderr[position], rel=1e-9)
        assert result.interval == pytest.approx(
            (
                beta[position] - critical * stderr[position],
                beta[position] + critical * stderr[position],
            )
        )
        assert result.periods == 47
    assert results[("mqls", "sqls")].estimate == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize(
    ("declared", "verdict"),
    [(1.0, "consistent"), (1.004, "consistent"), (1.006, "contradicted"), (0.99, "contradicted")],
)
def test_an_exact_identity_is_judged_at_the_precision_elasticities_are_written(
    declared: float, verdict: str
) -> None:
    """Revenue is won deals × average deal in every period, computed so in the warehouse:
    the fitted elasticities are 1 with an interval a few 1e-15 wide. The 1.00 that
    `fit --diff` writes (two decimals) must not then be "contradicted" by the same data;
    a value off by more than half its last digit still is."""
    rng = random.Random(3)
    lines = ["period,revenue,won,size"]
    for month in range(1, 25):
        won, size = rng.randint(30, 60), rng.randint(9_000, 13_000)
        lines.append(f"{month},{won * size},{won},{size}")
    table, _ = read_values_bytes(("\n".join(lines) + "\n").encode(), "v.csv")
    links = catalog(
        "  revenue: {revenue: true}\n"
        f"  won: {{drives: [{{to: revenue, elasticity: {declared}}}]}}\n"
        "  size: {drives: [{to: revenue, elasticity: 1}]}\n"
    )
    result = by_link(fit(links, table).links)[("won", "revenue")]
    assert result.estimate == pytest.approx(1.0, abs=1e-9)
    assert result.interval[1] - result.interval[0] < 1e-6  # type: ignore[index]
    assert result.verdict == verdict


def test_a_short_history_is_never_evidence() -> None:
    text, _ = history(6, seed=1, rules=TRUE)
    table, _ = read_values_bytes(text.encode(), "v.csv")
    results = fit(catalog(CATALOG), table).links
    assert {r.verdict for r in results} == {"insufficient-data"}
    assert results[0].detail == "5 usable changes; 12 are needed for 2 driver(s)"


def test_missing_metrics_and_drivers_that_move_together() -> None:
    text, _ = history(30, seed=3, rules={"b": {"a": 1.0}})
    table, _ = read_values_bytes(text.replace("period,a,b", "period,a,b").encode(), "v.csv")
    results = by_link(
        fit(
            catalog("  b: {}\n  a: {drives: [b]}\n  a2: {drives: [b]}\n  c: {drives: [a]}\n"), table
        ).links
    )
    assert results[("a2", "b")].verdict == "no-data"
    assert results[("c", "a")].verdict == "no-data"
    assert results[("c", "a")].detail == "no values for c"
    assert results[("a", "b")].verdict == "supported"
    # Given twice, a column is not used: no usable values, not none (the warning says why).
    header, *rows = text.splitlines()
    twice = "\n".join([header + ",c,c", *(row + ",1,1" for row in rows)])
    table, problems = read_values_bytes(twice.encode(), "v.csv")
    assert [(p.code, p.metric) for p in problems] == [("RT020", "c")]
    results = by_link(
        fit(catalog("  b: {}\n  a: {drives: [b]}\n  c: {drives: [a]}\n"), table).links
    )
    assert results[("c", "a")].detail == (
        "no usable values for c (the values file's warnings say why)"
    )
    twin = text.replace("period,a,b", "period,a,b").splitlines()
    doubled = [twin[0] + ",a2"] + [line + "," + line.split(",")[1] for line in twin[1:]]
    table, _ = read_values_bytes("\n".join(doubled).encode(), "v.csv")
    results = by_link(
        fit(catalog("  b: {}\n  a: {drives: [b]}\n  a2: {drives: [b]}\n"), table).links
    )
    assert results[("a", "b")].verdict == "insufficient-data"
    assert "cannot be told apart" in (results[("a", "b")].detail or "")


def test_changes_across_a_gap_are_not_used() -> None:
    text, _ = history(20, seed=5, rules={"b": {"a": 1.0}})
    lines = text.splitlines()
    del lines[10]  # period 10 is missing: the changes into 10 and out of it go
    table, _ = read_values_bytes("\n".join(lines).encode(), "v.csv")
    (result,) = fit(catalog("  b: {}\n  a: {drives: [b]}\n"), table).links
    assert result.periods == 19 - 2


def test_formulas_are_checked_as_identities() -> None:
    model = catalog("  revenue: {formula: 'deals * size'}\n  deals: {}\n  size: {}\n")
    good = "period,deals,size,revenue\n1,10,100,1000\n2,12,100,1204\n3,11,90,990\n"
    table, _ = read_values_bytes(good.encode(), "v.csv")
    assert {r.verdict for r in fit(model, table).links} == {"exact"}  # 0.33% off: within
    bad = good.replace("1204", "1300").replace("990\n", "990\n4,10,10,50\n")
    table, _ = read_values_bytes(bad.encode(), "v.csv")
    results = fit(model, table).links
    assert {r.verdict for r in results} == {"formula-mismatch"}
    assert results[0].detail == "revenue is not deals * size in 2, 4"
    assert results[0].periods == 4


def test_moves_with_revenue() -> None:
    text, _ = history(30, seed=11, rules={"revenue": {"demos": 0.9}})
    table, _ = read_values_bytes(text.encode(), "v.csv")
    found = moves_with(table, "demos", ["revenue"])
    assert found is not None and found[0] == "revenue" and found[1] > 0.8 and found[2] == 29
    text, _ = history(30, seed=11, rules={"revenue": {"demos": 0.0}}, noise=0.05)
    table, _ = read_values_bytes(text.encode(), "v.csv")
    assert moves_with(table, "demos", ["revenue"]) is None


def test_correlation_by_hand() -> None:
    r, n = correlation([1.0, 2.0, None, 4.0], [2.0, 4.0, 5.0, 9.0]) or (0.0, 0)
    # x = 1, 2, 4; y = 2, 4, 9: sxy = 11, sxx = 42/9, syy = 26 (by hand)
    assert n == 3 and r == pytest.approx(11 / math.sqrt(42 / 9 * 26), rel=1e-12)
    assert correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]) is None


@pytest.mark.parametrize(
    ("df", "table_value"),
    [(1, 12.706), (2, 4.303), (5, 2.571), (10, 2.228), (20, 2.086), (30, 2.042), (120, 1.980)],
)
def test_t_quantiles_match_the_published_table(df: int, table_value: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(table_value, abs=5e-4)


def test_least_squares_refuses_dependent_columns() -> None:
    assert least_squares([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]], [1.0, 2.0, 3.0]) is None
    assert least_squares([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], [1.0, 2.0, 3.0]) is None
    assert least_squares([[1.0, 1.0], [1.0, 2.0]], [1.0, 2.0]) is None  # no spare row


def test_log_mean() -> None:
    assert log_mean(27000, 20000) == pytest.approx(7000 / math.log(1.35))
    assert log_mean(5, 5) == 5
    assert log_mean(1.0000001, 1.0) == pytest.approx(1.00000005, rel=1e-12)
    assert log_mean(-2, -1) == pytest.approx(-1 / math.log(2))
    assert log_mean(0, 1) is None and log_mean(-1, 1) is None


def test_the_split_of_a_nested_formula_adds_up_exactly() -> None:
    formula = parse("(a + b) * c / d - 2 * e")
    before = {"a": 3.0, "b": 5.0, "c": 7.0, "d": 2.0, "e": 1.0}
    after = {"a": 4.0, "b": 4.5, "c": 8.0, "d": 2.5, "e": 1.5}
    v0, v1, parts = split(formula, before, after)
    assert (v0, v1) == pytest.approx((26.0, 24.2))
    total = sum(w * math.log(after[j] / before[j]) for j, w in parts.weights.items())
    assert total + sum(parts.direct.values()) + parts.residual == pytest.approx(v1 - v0, rel=1e-12)
    assert parts.direct == {} and parts.residual == 0.0
