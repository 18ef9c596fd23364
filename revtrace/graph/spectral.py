"""Whether the walks around a loop group sum to infinity (spectral radius ≥ 1), decided in
bounded time and memory, and the exact solve of (I − M)·X = B for the groups that do not.

A catalog is user input and the loop check runs in every `audit`, so nothing here may be
cubic in pure Python or dense in a large group:

* a simple loop (each member drives one other in the group: the usual flywheel) is decided
  exactly from its gain, the product of its elasticities, in log space (no overflow);
* otherwise Collatz–Wielandt bounds from power iteration on I + |M| (sparse rows, a fixed
  budget of link visits) close in on ρ(|M|) from both sides. ρ(M) ≤ ρ(|M|), with equality
  when every elasticity in the group has one sign;
* where that does not settle it (mixed signs, or too slow to converge), numpy's eigenvalues
  of the dense matrix answer, for groups of up to DENSE_LIMIT metrics;
* a larger group that the bounds cannot settle is UNDECIDED: reported as such (RT016),
  never guessed.

numpy is imported only on those last paths: a plain audit never loads it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence

#: Row i of a group's elasticity matrix: {column j: elasticity of i → j}.
Rows = Sequence[Mapping[int, float]]

#: Link visits the power iteration may spend on one group (about a second of Python).
WORK_BUDGET = 4_000_000
#: The largest group solved or decided with a dense matrix (2,000² floats: 32 MB).
DENSE_LIMIT = 2_000
#: Below this size the dense solve is done in Python (numpy's start-up costs more).
NUMPY_FROM = 40


class Verdict(enum.Enum):
    BOUNDED = "bounded"
    DIVERGENT = "divergent"
    UNDECIDED = "undecided"


def decide(rows: Rows) -> Verdict:
    """Whether ρ(M) ≥ 1 for the group whose rows are `rows`."""
    if all(len(row) == 1 for row in rows):
        # A simple loop: ρ is exactly |gain|^(1/length).
        log_gain = sum(math.log(abs(v)) for row in rows for v in row.values() if v != 0.0)
        if any(v == 0.0 for row in rows for v in row.values()):
            return Verdict.BOUNDED
        return Verdict.DIVERGENT if log_gain >= 0.0 else Verdict.BOUNDED
    bounds = _power_bounds(rows)
    mixed = len({v > 0 for row in rows for v in row.values() if v != 0.0}) > 1
    if bounds is not None:
        lower, upper = bounds
        if upper < 2.0 - 1e-12:
            return Verdict.BOUNDED  # ρ(|M|) < 1, so ρ(M) < 1
        if lower >= 2.0 - 1e-12 and not mixed:
            return Verdict.DIVERGENT
    if len(rows) <= DENSE_LIMIT:
        return Verdict.DIVERGENT if _dense_radius(rows) >= 1.0 - 1e-9 else Verdict.BOUNDED
    return Verdict.UNDECIDED


def _power_bounds(rows: Rows) -> tuple[float, float] | None:
    """Lower and upper bounds on ρ(I + |M|) = 1 + ρ(|M|) (primitive for an irreducible
    group), from as many iterations as the budget allows; None if numbers overflow."""
    size = len(rows)
    absolute = [[(j, abs(v)) for j, v in row.items() if v != 0.0] for row in rows]
    links = sum(len(row) for row in absolute) + size
    iterations = max(1, min(20_000, WORK_BUDGET // links))
    vector = [1.0] * size
    lower, upper = 0.0, math.inf
    for _ in range(iterations):
        product = [vector[i] + sum(v * vector[j] for j, v in absolute[i]) for i in range(size)]
        ratios = [product[i] / vector[i] for i in range(size) if vector[i] > 0.0]
        largest = max(product)
        if not ratios or not math.isfinite(largest) or largest <= 0.0:
            return None
        lower, upper = max(lower, min(ratios)), min(upper, max(ratios))
        if upper < 2.0 - 1e-12 or lower >= 2.0 - 1e-12:
            break
        vector = [v / largest for v in product]
    return lower, upper


def _dense_radius(rows: Rows) -> float:
    import numpy as np

    size = len(rows)
    matrix = np.zeros((size, size))
    for i, row in enumerate(rows):
        for j, v in row.items():
            matrix[i, j] = v
    eigenvalues = np.linalg.eigvals(matrix)
    return float(np.max(np.abs(eigenvalues))) if size else 0.0


def solve_identity_minus(rows: Rows, rhs: Sequence[Sequence[float]]) -> list[list[float]] | None:
    """Solve (I − M)·X = B exactly for every column of B at once; None when the group is
    too large for a dense solve or the system is singular (its effects are then unknown,
    never guessed)."""
    size = len(rows)
    if size > DENSE_LIMIT:
        return None
    if size >= NUMPY_FROM:
        import numpy as np

        system = np.eye(size)
        for i, row in enumerate(rows):
            for j, v in row.items():
                system[i, j] -= v
        try:
            solution = np.linalg.solve(system, np.array(rhs, dtype=float).reshape(size, -1))
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(solution)):
            return None
        return [[float(x) for x in line] for line in solution]
    return _gauss(rows, rhs)


def _gauss(rows: Rows, rhs: Sequence[Sequence[float]]) -> list[list[float]] | None:
    """Gaussian elimination with partial pivoting, in Python, for small groups."""
    size = len(rows)
    table = [
        [(1.0 if i == j else 0.0) - rows[i].get(j, 0.0) for j in range(size)] + list(rhs[i])
        for i in range(size)
    ]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(table[r][col]))
        if abs(table[pivot][col]) < 1e-15:
            return None
        table[col], table[pivot] = table[pivot], table[col]
        inverse = 1.0 / table[col][col]
        head = [value * inverse for value in table[col]]
        table[col] = head
        for r in range(size):
            factor = table[r][col]
            if r != col and factor != 0.0:
                # One comprehension per row: several times faster than indexing.
                table[r] = [a - factor * b for a, b in zip(table[r], head, strict=True)]
    solution = [line[size:] for line in table]
    if not all(math.isfinite(x) for line in solution for x in line):
        return None
    return solution
