"""`formula:` parsing and the elasticities it gives, against hand computations."""

from __future__ import annotations

import math

import pytest

from revtrace.model.formula import FormulaError, parse


@pytest.mark.parametrize(
    "text, expected",
    [
        ("orders * average_order_value", {"orders": 1.0, "average_order_value": 1.0}),
        ("deals / opportunities", {"deals": 1.0, "opportunities": -1.0}),
        ("a * a / b", {"a": 2.0, "b": -1.0}),  # a repeated factor: its exponent
        ("-(a) * 2 / `b-c`", {"a": 1.0, "b-c": -1.0}),  # numbers and signs change no exponent
        ("paid_social.sessions_1 * 3", {"paid_social.sessions_1": 1.0}),
    ],
)
def test_a_product_or_quotient_gives_exact_exponents_without_values(
    text: str, expected: dict[str, float]
) -> None:
    assert parse(text).elasticities({}) == expected


def test_a_sum_gives_each_part_its_share_at_the_current_values() -> None:
    # 100 + 50 − 30 = 120: shares 100/120, 50/120 and −30/120.
    formula = parse("new_revenue + expansion_revenue - churned_revenue")
    shares = formula.elasticities(
        {"new_revenue": 100, "expansion_revenue": 50, "churned_revenue": 30}
    )
    assert shares == pytest.approx(
        {"new_revenue": 100 / 120, "expansion_revenue": 50 / 120, "churned_revenue": -30 / 120}
    )
    # (a + b)·c at a=1, b=3, c=2: a's elasticity (a/(a+b))·1 = 0.25, c's exactly 1.
    assert parse("(a + b) * c").elasticities({"a": 1, "b": 3, "c": 2}) == pytest.approx(
        {"a": 0.25, "b": 0.75, "c": 1.0}
    )


def test_a_sum_without_every_value_is_unquantified_and_a_zero_total_too() -> None:
    assert parse("a + b").elasticities({"a": 1}) == {"a": None, "b": None}
    assert parse("a - b").elasticities({"a": 2, "b": 2}) == {"a": None, "b": None}


def test_elasticities_match_a_numeric_derivative() -> None:
    formula = parse("(a + 2 * b) / (c - a)")
    point = {"a": 1.5, "b": 4.0, "c": 7.0}

    def f(values: dict[str, float]) -> float:
        return (values["a"] + 2 * values["b"]) / (values["c"] - values["a"])

    for metric, elasticity in formula.elasticities(point).items():
        step = 1e-6 * point[metric]
        bumped = {**point, metric: point[metric] + step}
        numeric = (math.log(f(bumped)) - math.log(f(point))) / (
            math.log(bumped[metric]) - math.log(point[metric])
        )
        assert elasticity == pytest.approx(numeric, rel=1e-4)


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("a +", "the formula ends where a metric or a number should be", 4),
        ("(a * b", "a '(' is never closed", 1),
        ("a $ b", "'$' cannot stand in a formula", 3),
        ("1 + 2", "the formula uses no metric", 1),
        ("a b", "unexpected 'b'", 3),
        ("eval('x')", '"\'" cannot stand in a formula', 6),
        ("(" * 60 + "a" + ")" * 60, "the formula nests deeper than 50 levels", 1),
        ("a" * 2_001, "the formula is 2001 characters long; at most 2000", 1),
    ],
)
def test_a_bad_formula_is_located_within_its_text(text: str, message: str, column: int) -> None:
    with pytest.raises(FormulaError) as raised:
        parse(text)
    assert (raised.value.message, raised.value.column) == (message, column)
