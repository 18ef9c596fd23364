"""How numbers read in every human format (text, markdown, HTML): one spelling each."""

from __future__ import annotations


def amount(value: float) -> str:
    """A change in currency units, signed, one decimal: `+4,252.7`, `-2,457.6`."""
    return f"{value:+,.1f}".replace("+0.0", "0.0").replace("-0.0", "0.0")


def value(number: float | None) -> str:
    """A metric's value as people write it: `27,000`, `0.25`, `1,234.57`."""
    if number is None:
        return "—"
    if abs(number) >= 1000:
        return f"{number:,.0f}" if number == round(number) else f"{number:,.2f}"
    return f"{number:.4g}"


def percent(number: float | None, digits: int = 1) -> str:
    """`+20.0%`; `—` when there is none (a change from 0)."""
    return "—" if number is None else f"{number:+.{digits}f}%"


def share(number: float | None) -> str:
    """A share of a total, given as a fraction: `+60.8%`."""
    if number is None:
        return "—"
    text = f"{number * 100:+.1f}%"
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


def coefficient(number: float | None) -> str:
    """An elasticity or a leverage: `+0.21`, `—`."""
    return "—" if number is None else f"{number:+.2f}"


def effect(number: float | None) -> str:
    """A revenue leverage, to three decimals: `+0.247`."""
    return "—" if number is None else f"{number:+.3f}"
