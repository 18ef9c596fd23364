"""Small helpers for the English in messages, shared by the loader and the rules."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from revtrace.model.catalog import Keep
    from revtrace.model.findings import Finding


def suggest(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a candidate is close to `word` (letter case aside),
    else ''."""
    options = list(candidates)
    folded = word.casefold()
    same = [option for option in options if option.casefold() == folded and option != word]
    if same:
        return f"; did you mean '{same[0]}'?"
    by_folded = {option.casefold(): option for option in options}
    close = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.6)
    return f"; did you mean '{by_folded[close[0]]}'?" if close else ""


def quoted_list(words: Sequence[str], conjunction: str = "and", limit: int | None = None) -> str:
    """'a', 'b' and 'c'; with `limit`, at most that many: 'a', 'b' and 3 more."""
    quoted = [f"'{w}'" for w in words]
    if limit is not None and len(quoted) > limit:
        return ", ".join(quoted[:limit]) + f" {conjunction} {len(quoted) - limit} more"
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f" {conjunction} " + quoted[-1]


def chain(path: Sequence[str], shown: int = 10) -> str:
    """a → b → c, with the middle of a long chain left out: a message per metric that
    spelled out every path in full would grow with the square of a long chain."""
    if len(path) <= shown:
        return " → ".join(path)
    head, tail = path[: shown // 2], path[-(shown - shown // 2) :]
    hidden = len(path) - len(head) - len(tail)
    return " → ".join(head) + f" → … {hidden} more … → " + " → ".join(tail)


#: From this many rows that say the same thing (findings a candidate's entry says already,
#: links without data), the readable formats count them in one line instead of listing
#: each: an imported catalog has a hundred of them; a hand-kept one, a few, best listed.
COUNTED_FROM = 10


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """`1 error`, `2 errors`, `1 baseline entry`, `3 baseline entries`."""
    return f"{count} {word if count == 1 else (plural_form or word + 's')}"


def article(word: str) -> str:
    """`a saas`, `an ecommerce`: the indefinite article as spoken before `word`."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def kept_words(keep: Keep) -> str:
    """`kept by exception until 2027-03-31 (by cmo): reason`, for a metric kept on purpose
    (not escaped: each renderer escapes it for its reader)."""
    until = f" until {keep.until.isoformat()}" if keep.until else ""
    by = f" (by {keep.by})" if keep.by else ""
    reason = f": {keep.reason}" if keep.reason else ""
    return f"kept by exception{until}{by}{reason}"


def all_traced(*, kept: int, views: int, selected: bool = False, expired: int = 0) -> str:
    """What a clean audit says, true to what it counted: 'Every metric traces to revenue.',
    naming the views of revenue and the metrics kept by exception when there are any
    (they have no path, and a reader must not take them for traced), and how many of
    those exceptions are past their `until` date (RT013); 'Every selected metric' for a
    selection (`-m`), which says nothing of the rest of the catalog."""
    keeping = "is kept by exception"
    if expired:
        keeping += (
            f", {expired} of them past its 'until' date"
            if kept > 1
            else (", past its 'until' date")
        )
    also = [words for count, words in ((views, "is a view of it"), (kept, keeping)) if count]
    every = "Every selected metric" if selected else "Every metric"
    return f"{every} traces to revenue" + (f" (or {', or '.join(also)})" if also else "") + "."


#: What the audit says when it names no candidate because it cannot name them yet.
NOT_YET = (
    "No candidate to drop can be named until the errors above are fixed: the catalog has no"
    " revenue metric or could not be read whole."
)


def apart(*, kept: int, views: int) -> str:
    """Which of the metrics without a path are not candidates: ' (1 kept by exception,
    2 views of revenue)', or '' when none is."""
    asides = [f"{kept} kept by exception"] if kept else []
    if views:
        asides.append(plural(views, "view of revenue", "views of revenue"))
    return f" ({', '.join(asides)})" if asides else ""


def caveat_words(caveats: Sequence[Finding]) -> str:
    """What a one-line format adds to a candidate to drop whose verdict may come from
    errors: "maybe a consequence of the error at m.yaml:10:14 (RT002 unknown-metric): fix
    it first". '' without caveats."""
    if not caveats:
        return ""
    places = [
        f"{caveat.location if caveat.location else '<catalog>'} ({caveat.code} {caveat.rule})"
        for caveat in caveats
    ]
    many = len(places) > 1
    return (
        f"maybe a consequence of the error{'s' if many else ''} at"
        f" {', '.join(places[:-1]) + ' and ' + places[-1] if many else places[0]}:"
        f" fix {'them' if many else 'it'} first"
    )
