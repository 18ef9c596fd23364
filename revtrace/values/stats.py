"""Least squares with standard errors, and Student's t quantiles, without SciPy.

`t_quantile` inverts the t distribution's CDF, written with the regularised incomplete
beta function (Numerical Recipes' continued fraction, §6.4), by bisection: 60 halvings
of [0, 1000] are far below the precision anyone reads from a confidence interval. The
tests compare it with published tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        m2 = 2 * m
        step = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2))
        d = 1.0 + step * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + step / c if abs(1.0 + step / c) > tiny else tiny
        result *= d * c
        step = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0))
        d = 1.0 + step * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + step / c if abs(1.0 + step / c) > tiny else tiny
        delta = d * c
        result *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return result


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


@lru_cache(maxsize=256)
def t_quantile(p: float, df: float) -> float:
    """The t value below which a share p of Student's t distribution with df degrees of
    freedom lies (0.5 < p < 1). Cached: a fit asks for the same few degrees of freedom
    thousands of times."""
    low, high = 0.0, 1000.0
    for _ in range(60):
        middle = (low + high) / 2.0
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


@dataclass(frozen=True)
class LeastSquares:
    """y ≈ X·β: the coefficients, their standard errors, and the degrees of freedom."""

    coefficients: tuple[float, ...]
    stderrs: tuple[float, ...]
    dof: int


def least_squares(rows: Sequence[Sequence[float]], y: Sequence[float]) -> LeastSquares | None:
    """Ordinary least squares of y on the columns of `rows` (include a column of 1s for
    an intercept). None when the columns are not independent (a driver that never changes,
    or two that always move together): their effects cannot be told apart."""
    import numpy as np

    x = np.asarray(rows, dtype=float)
    target = np.asarray(y, dtype=float)
    n, p = x.shape
    if n <= p:
        return None
    # Columns scaled to unit length first, so that the rank test does not depend on
    # units; a singular value below 1e-9 of the largest is a dependency.
    norms = np.linalg.norm(x, axis=0)
    if np.any(norms == 0.0):
        return None
    scaled = x / norms
    singular = np.linalg.svd(scaled, compute_uv=False)
    if singular[-1] <= 1e-9 * singular[0]:
        return None
    beta_scaled, _, _, _ = np.linalg.lstsq(scaled, target, rcond=None)
    residuals = target - scaled @ beta_scaled
    dof = n - p
    variance = float(residuals @ residuals) / dof
    inverse = np.linalg.inv(scaled.T @ scaled)
    stderr = np.sqrt(np.maximum(np.diag(inverse) * variance, 0.0)) / norms
    beta = beta_scaled / norms
    return LeastSquares(tuple(float(b) for b in beta), tuple(float(s) for s in stderr), dof)
