"""The exact split of a formula metric's change between its inputs (LMDI).

Between two periods, ln(m1/m0) = Σ_j C_j · ln(j1/j0) holds *exactly* with the logarithmic
mean L(a, b) = (a − b) / ln(a/b) (L(a, a) = a):

* a factor of a product gives C = +1, a divisor −1 (ln(ab) = ln a + ln b);
* a term of a sum or a difference gives ± L(term) / L(total), because
  L(term) · ln(term1/term0) = term1 − term0, and the terms' changes add up to the total's.

Nested expressions compose. The split is kept in the node's own units (an *amount*) while
it is built, and divided by L(m) at the end: that is what lets a term that goes from 0 to
15 (no logarithm) still contribute exactly its change, 15, to a sum. A product or ratio
whose value is zero or changes sign has no logarithm at all; its change is reported as
not decomposable, never turned into a NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from revtrace.model.formula import Formula, Node


def log_ratio(a: float, b: float) -> float | None:
    """ln(a/b); None unless a and b are non-zero and of the same sign. Exact where a/b
    itself would underflow or overflow (1e-300 / 1e300), precise where a and b are close."""
    if a == 0.0 or b == 0.0 or (a > 0.0) != (b > 0.0):
        return None
    relative = (a - b) / b
    if abs(relative) < 0.5:
        return math.log1p(relative)  # a 0.01% change keeps its digits
    return math.log(abs(a)) - math.log(abs(b))


def log_mean(a: float, b: float) -> float | None:
    """L(a, b) = (a − b) / ln(a/b), L(a, a) = a; None unless a and b are non-zero and of
    the same sign."""
    ratio = log_ratio(a, b)
    if ratio is None:
        return None
    return a if ratio == 0.0 else (a - b) / ratio


def log_change(before: float | None, after: float | None) -> float | None:
    """ln(after/before), or None when it has none (a value missing, zero or of the other sign)."""
    if before is None or after is None:
        return None
    return log_ratio(after, before)


@dataclass
class Split:
    """A node's change (after − before), split: Σ weights[j]·ln(j1/j0) + Σ direct + residual.

    `weights` hold the inputs that have a log change; `direct` the amounts of those that
    do not (a term from 0 to 15); `residual` what cannot be split at all, with `reasons`.
    """

    weights: dict[str, float] = field(default_factory=dict)
    direct: dict[str, float] = field(default_factory=dict)
    residual: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def scaled(self, factor: float) -> Split:
        return Split(
            {j: w * factor for j, w in self.weights.items()},
            {j: a * factor for j, a in self.direct.items()},
            self.residual * factor,
            list(self.reasons),
        )

    def add(self, other: Split, sign: float = 1.0) -> Split:
        weights = dict(self.weights)
        for j, w in other.weights.items():
            weights[j] = weights.get(j, 0.0) + sign * w
        direct = dict(self.direct)
        for j, a in other.direct.items():
            direct[j] = direct.get(j, 0.0) + sign * a
        return Split(
            weights, direct, self.residual + sign * other.residual, self.reasons + other.reasons
        )


class NotDecomposable(ValueError):
    """The formula cannot be evaluated at one of the two periods (an input has no value,
    or it divides by zero)."""


def split(
    formula: Formula, before: Mapping[str, float | None], after: Mapping[str, float | None]
) -> tuple[float, float, Split]:
    """(the formula's value before, after, and the split of its change). Raises
    NotDecomposable."""
    missing = [j for j in formula.inputs if before.get(j) is None or after.get(j) is None]
    if missing:
        raise NotDecomposable(f"no value for {missing[0]} in one of the two periods")
    return _split(formula.root, before, after)


def _split(
    node: Node, before: Mapping[str, float | None], after: Mapping[str, float | None]
) -> tuple[float, float, Split]:
    if node.kind == "number":
        return node.value, node.value, Split()
    if node.kind == "metric":
        v0, v1 = float(before[node.metric] or 0.0), float(after[node.metric] or 0.0)
        mean = log_mean(v1, v0)
        if mean is None:
            return v0, v1, Split(direct={node.metric: v1 - v0})
        return v0, v1, Split(weights={node.metric: mean})
    if node.kind == "neg":
        v0, v1, inner = _split(node.operands[0], before, after)
        return -v0, -v1, inner.scaled(-1.0)
    (a0, a1, left), (b0, b1, right) = (_split(o, before, after) for o in node.operands)
    if node.kind in ("+", "-"):
        sign = 1.0 if node.kind == "+" else -1.0
        return a0 + sign * b0, a1 + sign * b1, left.add(right, sign)
    if node.kind == "*":
        v0, v1 = a0 * b0, a1 * b1
    else:
        if b0 == 0.0 or b1 == 0.0:
            raise NotDecomposable("it divides by zero in one of the two periods")
        v0, v1 = a0 / b0, a1 / b1
    means = log_mean(v1, v0), log_mean(a1, a0), log_mean(b1, b0)
    if None in means:
        names = " and ".join(dict.fromkeys(_inputs(node))) or "numbers"
        return (
            v0,
            v1,
            Split(
                residual=v1 - v0,
                reasons=[
                    f"a product or ratio of {names} is zero or changes sign: it cannot be split"
                    " in log points"
                ],
            ),
        )
    total, of_a, of_b = (m or 0.0 for m in means)
    sign = 1.0 if node.kind == "*" else -1.0
    return v0, v1, left.scaled(total / of_a).add(right.scaled(total / of_b), sign)


def _inputs(node: Node) -> list[str]:
    if node.kind == "metric":
        return [node.metric]
    return [m for operand in node.operands for m in _inputs(operand)]


def evaluate(formula: Formula, point: Mapping[str, float | None]) -> float | None:
    """The formula's value at `point`; None when an input is missing or it divides by 0."""
    try:
        value, _, _ = split(formula, point, point)
    except NotDecomposable:
        return None
    return value
