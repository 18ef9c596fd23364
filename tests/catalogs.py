"""Hypothesis strategies for small catalogs with every kind of metric the verdicts treat
apart, shared by the property tests about what the commands say: `catalogs` as text,
and `specs` as data that `writings` writes every way the format allows."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import strategies as st

IDS = ["revenue", "deals", "leads", "visits", "likes", "profit", "brand", "old", "x", "y"]


def _fields(draw: st.DrawFn, metric: str, among: list[str]) -> list[str]:
    """What may mark a metric apart: a revenue mark, a derivation (from one of `among`), a
    `keep`, a deprecation, an owner."""
    fields = []
    if metric in ("revenue", "deals") and draw(st.booleans()):
        fields.append("revenue: true")
    if draw(st.integers(0, 5)) == 0:
        fields.append(f"computed_from: [{draw(st.sampled_from(among))}]")
    if draw(st.integers(0, 5)) == 0:
        fields.append('keep: {reason: "asked", until: 2099-01-01}')
    if draw(st.integers(0, 5)) == 0:
        fields.append("status: deprecated")
    if draw(st.booleans()):
        fields.append("owner: o")
    return fields


@st.composite
def catalogs(draw: st.DrawFn) -> bytes:
    """Small catalogs with every kind of metric an audit treats apart: revenue metrics
    (or none), links (some to undefined ids, some to themselves, some twice), kept
    metrics, views of revenue (computed from it), deprecated ones; sometimes a broken
    file."""
    if draw(st.integers(0, 19)) == 0:
        return b"version: 1\nmetrics:\n  revenue: {revenue: true\n"  # cannot be read whole
    lines = ["version: 1", "metrics:"]
    for metric in draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=8, unique=True)):
        fields = _fields(draw, metric, IDS)
        # Sometimes a target named twice (RT018: the first declaration is used).
        targets = draw(
            st.lists(st.sampled_from([*IDS, "nowhere"]), max_size=3, unique=draw(st.booleans()))
        )
        if targets:
            fields.append(f"drives: [{', '.join(targets)}]")
        if draw(st.booleans()):
            fields.append(f"team: {draw(st.sampled_from(['sales', 'marketing']))}")
        lines.append(f"  {metric}: {{{', '.join(fields)}}}")
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Spec:
    """A catalog as data: each metric's fields, and its links (target, elasticity)."""

    metrics: tuple[tuple[str, tuple[str, ...]], ...]  # id, its fields as YAML flow text
    links: tuple[tuple[str, str, float | None], ...]  # source, target, elasticity


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=8, unique=True))
    metrics = [(metric, tuple(_fields(draw, metric, ids))) for metric in ids]
    links = []
    for metric in ids:
        targets = draw(st.lists(st.sampled_from([*ids, "nowhere"]), max_size=3, unique=True))
        for target in targets:
            elasticity = draw(st.sampled_from([None, None, 0.5, -1.0]))
            links.append((metric, target, elasticity))
    return Spec(tuple(metrics), tuple(links))


def _link(target: str, elasticity: float | None, long: bool) -> str:
    if elasticity is None and not long:
        return target
    return (
        f"{{to: {target}}}" if elasticity is None else f"{{to: {target}, elasticity: {elasticity}}}"
    )


def _metric_lines(spec: Spec, ids: list[str], long: bool, with_links: bool) -> list[str]:
    fields_of = dict(spec.metrics)
    lines = []
    for metric in ids:
        fields = list(fields_of[metric])
        drives = [_link(t, e, long) for s, t, e in spec.links if s == metric]
        if with_links and drives:
            fields.append(f"drives: [{', '.join(drives)}]")
        lines.append(f"  {metric}: {{{', '.join(fields)}}}")
    return lines


def writings(spec: Spec, seed: int) -> dict[str, list[tuple[str, bytes]]]:
    """The same catalog, written four ways (each a list of files)."""
    ids = [m for m, _ in spec.metrics]
    head = ["version: 1", "metrics:"]

    def file(lines: list[str]) -> bytes:
        return ("\n".join(lines) + "\n").encode()

    short = [("m.yaml", file(head + _metric_lines(spec, ids, long=False, with_links=True)))]
    long = [("m.yaml", file(head + _metric_lines(spec, ids, long=True, with_links=True)))]
    overlay_lines = ["version: 1", "links:"] + [
        f"  - {{from: {s}, to: {t}}}"
        if e is None
        else f"  - {{from: {s}, to: {t}, elasticity: {e}}}"
        for s, t, e in spec.links
    ]
    overlay = [
        ("m.yaml", file(head + _metric_lines(spec, ids, long=False, with_links=False))),
        ("links.yaml", file(overlay_lines if spec.links else ["version: 1", "links: []"])),
    ]
    shuffled = list(ids)
    random.Random(seed).shuffle(shuffled)
    thirds = [shuffled[i::3] for i in range(3)]
    split = [
        (f"part{i}.yaml", file(head + _metric_lines(spec, part, long=False, with_links=True)))
        for i, part in enumerate(thirds)
        if part
    ]
    return {"short": short, "long": long, "overlay": overlay, "split": split}
