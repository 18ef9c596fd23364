"""The periods of a values file: what each may be written as, and their order.

A period is an ISO date (`2026-10-01`), a month (`2026-10`), a quarter (`2026-Q3`), an ISO
week (`2026-W40`) or an integer (`7`). Each maps to an ordinal, an integer that counts
periods of its granularity, so that order and gaps are arithmetic: the month after
2026-12 is ordinal + 1, whatever the year.

A date may carry a time of midnight, as warehouses and MetricFlow export truncated dates
(`2026-10-01T00:00:00`, `2026-10-01 00:00:00+00`): it is that date, shown without the
time. Any other time of day is refused: a period is a whole day or longer.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise

GRANULARITIES = ("date", "month", "quarter", "week", "integer")

#: A time after a date, with an optional fraction of a second and time zone.
_TIME = r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_PATTERNS = (
    ("date", re.compile(r"\A(\d{4})-(\d{2})-(\d{2})" + _TIME + r"\Z")),
    ("month", re.compile(r"\A(\d{4})-(\d{2})\Z")),
    ("quarter", re.compile(r"\A(\d{4})-[Qq]([1-4])\Z")),
    ("week", re.compile(r"\A(\d{4})-W(\d{2})\Z")),
    ("integer", re.compile(r"\A[+-]?\d{1,15}\Z")),
)


class PeriodError(ValueError):
    """Text that is not a period."""


def parse_period(text: str) -> tuple[str, int]:
    """(granularity, ordinal). Raises PeriodError with what is wrong."""
    for granularity, pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        try:
            if granularity == "date":
                year, month, day = (int(g) for g in match.groups()[:3])
                ordinal = date(year, month, day).toordinal()
                if any(int(part or 0) for part in match.groups()[3:]):
                    raise PeriodError(
                        f"'{text}' has a time of day: a period is a whole date, month, quarter"
                        " or week (export the values grouped by day or longer)"
                    )
                return granularity, ordinal
            if granularity == "month":
                year, month = int(match.group(1)), int(match.group(2))
                if not 1 <= month <= 12:
                    raise ValueError(f"month {month} is not between 01 and 12")
                return granularity, year * 12 + month - 1
            if granularity == "quarter":
                return granularity, int(match.group(1)) * 4 + int(match.group(2)) - 1
            if granularity == "week":
                monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
                return granularity, monday.toordinal() // 7
        except PeriodError:
            raise
        except ValueError as exc:
            raise PeriodError(f"'{text}' is not a {granularity}: {exc}") from None
        return granularity, int(text)
    raise PeriodError(
        f"'{text}' is not a period: write a date (2026-10-01), a month (2026-10), a quarter"
        " (2026-Q3), an ISO week (2026-W40) or an integer"
    )


def period_text(text: str) -> str:
    """A period as it is shown: a date without the midnight time it was exported with."""
    return text[:10] if len(text) > 10 and text[:4].isdigit() and text[4:5] == "-" else text


def gap_after(granularity: str, ordinals: list[int]) -> list[int]:
    """The positions i (in the sorted `ordinals`) where a period is missing between
    ordinals[i - 1] and ordinals[i]. Dates have no fixed step: a step longer than the
    shortest one in the file is a gap (daily, weekly or monthly dates all work); dates
    that are all the first of a month are counted in months, so that quarterly and
    yearly dates (MetricFlow's `metric_time__quarter`) work too."""
    if len(ordinals) < 2:
        return []
    if granularity == "date":
        days = [date.fromordinal(o) for o in ordinals]
        if all(d.day == 1 for d in days):
            ordinals = [d.year * 12 + d.month - 1 for d in days]
        shortest = min(b - a for a, b in pairwise(ordinals))
        return [i for i in range(1, len(ordinals)) if ordinals[i] - ordinals[i - 1] > shortest]
    return [i for i in range(1, len(ordinals)) if ordinals[i] - ordinals[i - 1] > 1]
