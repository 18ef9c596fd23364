"""The loop check and the loop solve, against numpy's eigenvalues and inverse computed
independently in the test, on random groups; and the shapes that used to crash or hang."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from revtrace.graph import spectral
from revtrace.graph.spectral import Verdict


def random_group(size: int, links: int, seed: int, mixed: bool) -> list[dict[int, float]]:
    """A strongly connected group: a ring through every member, plus random chords."""
    rng = random.Random(seed)
    rows: list[dict[int, float]] = [{(i + 1) % size: rng.uniform(0.05, 0.9)} for i in range(size)]
    for _ in range(links):
        i, j = rng.randrange(size), rng.randrange(size)
        rows[i][j] = rng.uniform(0.05, 0.9) * (rng.choice([-1, 1]) if mixed else 1)
    if mixed:
        for row in rows:
            for j in row:
                row[j] *= rng.choice([-1, 1])
    return rows


def numpy_radius(rows: list[dict[int, float]]) -> float:
    matrix = np.zeros((len(rows), len(rows)))
    for i, row in enumerate(rows):
        for j, v in row.items():
            matrix[i, j] = v
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


@pytest.mark.parametrize("seed", range(40))
def test_the_verdict_is_numpys_eigenvalues_on_random_groups(seed: int) -> None:
    size = random.Random(seed).choice([2, 3, 5, 12, 60])
    rows = random_group(size, links=size, seed=seed, mixed=seed % 2 == 0)
    radius = numpy_radius(rows)
    if abs(radius - 1.0) < 1e-6:
        pytest.skip("too close to 1 for either side to be sure")
    expected = Verdict.DIVERGENT if radius > 1.0 else Verdict.BOUNDED
    assert spectral.decide(rows) is expected


def test_a_simple_loop_is_decided_from_its_gain_in_log_space() -> None:
    # 0.5 × 1000 × 1000 × 1e-7 = 0.05 < 1, whatever the products on the way overflow to.
    rows = [{1: 0.5}, {2: 1000.0}, {3: 1000.0}, {0: 1e-7}]
    assert spectral.decide(rows) is Verdict.BOUNDED
    rows[3] = {0: 1e-5}  # gain 5
    assert spectral.decide(rows) is Verdict.DIVERGENT
    long_ring = [{(i + 1) % 20_000: 0.9999} for i in range(20_000)]  # gain 0.135
    assert spectral.decide(long_ring) is Verdict.BOUNDED


def test_a_group_too_large_to_settle_is_undecided_never_guessed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = random_group(50, links=60, seed=3, mixed=True)
    monkeypatch.setattr(spectral, "DENSE_LIMIT", 10)
    monkeypatch.setattr(spectral, "WORK_BUDGET", 10)
    assert spectral.decide(rows) is Verdict.UNDECIDED


@pytest.mark.parametrize("size", [3, 30, 45, 120])
def test_the_solve_is_numpys_inverse(size: int) -> None:
    rows = random_group(size, links=size, seed=size, mixed=True)
    scale = 0.5 / max(numpy_radius(rows), 1e-9)  # make it converge: ρ = 0.5
    rows = [{j: v * scale for j, v in row.items()} for row in rows]
    rhs = [[random.Random(i).uniform(-1, 1), 1.0] for i in range(size)]
    matrix = np.eye(size)
    for i, row in enumerate(rows):
        for j, v in row.items():
            matrix[i, j] -= v
    expected = np.linalg.inv(matrix) @ np.array(rhs)
    solved = spectral.solve_identity_minus(rows, rhs)
    assert solved is not None
    assert all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        for line, reference in zip(solved, expected.tolist(), strict=True)
        for a, b in zip(line, reference, strict=True)
    )


def test_a_singular_or_too_large_system_has_no_answer_rather_than_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    singular = [{1: 1.0}, {0: 1.0}]  # I − M = [[1, −1], [−1, 1]]
    assert spectral.solve_identity_minus(singular, [[1.0], [1.0]]) is None
    monkeypatch.setattr(spectral, "DENSE_LIMIT", 1)
    assert spectral.solve_identity_minus([{1: 0.1}, {0: 0.1}], [[1.0], [1.0]]) is None
