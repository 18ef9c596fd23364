"""Small helpers for the English in messages, shared by the loader and the rules."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


def suggest(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a candidate is close to `word`, else ''."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def quoted_list(words: Sequence[str], conjunction: str = "and") -> str:
    """'a', 'b' and 'c'."""
    quoted = [f"'{w}'" for w in words]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f" {conjunction} " + quoted[-1]
