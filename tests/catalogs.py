"""Hypothesis strategies for small catalogs with every kind of metric the verdicts treat
apart, shared by the property tests about what the commands say."""

from __future__ import annotations

from hypothesis import strategies as st

IDS = ["revenue", "deals", "leads", "visits", "likes", "profit", "brand", "old", "x", "y"]


@st.composite
def catalogs(draw: st.DrawFn) -> bytes:
    """Small catalogs with every kind of metric an audit treats apart: revenue metrics
    (or none), links (some to undefined ids, some to themselves, some twice), kept metrics, views of
    revenue (computed from it), deprecated ones; sometimes a broken file."""
    if draw(st.integers(0, 19)) == 0:
        return b"version: 1\nmetrics:\n  revenue: {revenue: true\n"  # cannot be read whole
    lines = ["version: 1", "metrics:"]
    for metric in draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=8, unique=True)):
        fields = []
        if draw(st.booleans()) and metric in ("revenue", "deals"):
            fields.append("revenue: true")
        # Sometimes a target named twice (RT018: the first declaration is used).
        targets = draw(
            st.lists(st.sampled_from([*IDS, "nowhere"]), max_size=3, unique=draw(st.booleans()))
        )
        if targets:
            fields.append(f"drives: [{', '.join(targets)}]")
        if draw(st.integers(0, 5)) == 0:
            fields.append(f"computed_from: [{draw(st.sampled_from(IDS))}]")
        if draw(st.integers(0, 5)) == 0:
            fields.append('keep: {reason: "asked", until: 2099-01-01}')
        if draw(st.integers(0, 5)) == 0:
            fields.append("status: deprecated")
        if draw(st.booleans()):
            fields.append("owner: o")
        if draw(st.booleans()):
            fields.append(f"team: {draw(st.sampled_from(['sales', 'marketing']))}")
        lines.append(f"  {metric}: {{{', '.join(fields)}}}")
    return ("\n".join(lines) + "\n").encode()
