"""Every command on the shapes an attacker (or an unlucky generator) can write, at two
sizes: the time must grow about linearly with the catalog (docs/robustness.md).

    python -m benchmarks.adversarial [--scale 1]

Shapes: a long chain, a ladder (2 metrics per level, each driving both of the next: 2ⁿ
paths), a dense loop group with mixed-sign elasticities, a ring with one chord, a wide
star (every metric drives revenue), a file of one key repeated, and many small dense
groups whose loops diverge. Each case runs once
per size as a fresh process; the table gives both times and their ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAD = "version: 1\nmetrics:\n  revenue: {revenue: true, owner: x}\n"


def chain(n: int) -> str:
    lines = [
        f"  c{i}: {{owner: x, drives: [{'revenue' if i == n - 1 else f'c{i + 1}'}]}}"
        for i in range(n)
    ]
    return HEAD + "\n".join(lines) + "\n"


def ladder(n: int) -> str:
    levels = n // 2
    lines = []
    for i in range(levels):
        following = "revenue" if i == levels - 1 else f"a{i + 1}, b{i + 1}"
        lines += [
            f"  a{i}: {{owner: x, drives: [{following}]}}",
            f"  b{i}: {{owner: x, drives: [{following}]}}",
        ]
    return HEAD + "\n".join(lines) + "\n"


def dense_loop(n: int) -> str:
    rng = random.Random(n)
    lines = []
    for i in range(n):
        targets = [f"{{to: d{(i + 1) % n}, elasticity: {rng.choice([-1, 1]) * 0.3:.2f}}}"]
        targets += [
            f"{{to: d{rng.randrange(n)}, elasticity: {rng.uniform(-0.2, 0.2):.3f}}}"
            for _ in range(3)
        ]
        if i == 0:
            targets.append("{to: revenue, elasticity: 0.5}")
        lines.append(f"  d{i}: {{owner: x, drives: [{', '.join(targets)}]}}")
    return HEAD + "\n".join(lines) + "\n"


def ring_with_chord(n: int) -> str:
    lines = []
    for i in range(n):
        targets = [f"{{to: r{(i + 1) % n}, elasticity: 0.9999}}"]
        if i == 0:
            targets += [f"{{to: r{n // 2}, elasticity: 0.001}}", "{to: revenue, elasticity: 0.5}"]
        lines.append(f"  r{i}: {{owner: x, drives: [{', '.join(targets)}]}}")
    return HEAD + "\n".join(lines) + "\n"


def wide_star(n: int) -> str:
    return HEAD + "\n".join(f"  s{i}: {{owner: x, drives: [revenue]}}" for i in range(n)) + "\n"


def repeated_keys(n: int) -> str:
    return HEAD + "  a: {" + ", ".join(["x: 1"] * (n * 10)) + "}\n"


def dense_groups(n: int) -> str:
    """Groups of 7 metrics each linked to the 6 others (elasticity 0.5: every group
    diverges, with 1,631 loops to go through): the search for each group's strongest
    loop shares one budget."""
    lines = []
    for g in range(n // 7):
        ids = [f"g{g}_{i}" for i in range(7)]
        for m in ids:
            links = ", ".join(f"{{to: {t}, elasticity: 0.5}}" for t in ids if t != m)
            lines.append(
                f"  {m}: {{owner: x, drives: [{links}, {{to: revenue, elasticity: 0.1}}]}}"
            )
    return HEAD + "\n".join(lines) + "\n"


SHAPES: dict[str, tuple[Callable[[int], str], str]] = {
    "long chain": (chain, "c0"),
    "ladder": (ladder, "a0"),
    "dense mixed-sign loop": (dense_loop, "d0"),
    "ring with one chord": (ring_with_chord, "r0"),
    "wide star": (wide_star, "s0"),
    "one key repeated": (repeated_keys, "a"),
    "small dense groups": (dense_groups, "g0_0"),
}
COMMANDS = {
    "audit": ["audit", "{file}", "-f", "json"],
    "tree": ["tree", "{file}"],
    "trace": ["trace", "{first}", "{file}", "-f", "json"],
    "graph": ["graph", "{file}", "-f", "json"],
    "scorecard": ["scorecard", "{file}"],
    "report": ["report", "{file}", "-o", "{out}", "--force"],
    "impact": ["impact", "{file}", "-f", "json"],
}
SIZES = {
    "long chain": 20_000,
    "ladder": 2_000,
    "dense mixed-sign loop": 500,
    "ring with one chord": 10_000,
    "wide star": 20_000,
    "one key repeated": 20_000,
    "small dense groups": 7_000,
}


def timed(arguments: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "revtrace", *arguments],
        capture_output=True,
        cwd=REPO,
        check=False,
        timeout=600,
        env={**os.environ, "REVTRACE_NO_CACHE": "1"},  # every run reads and analyses
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.adversarial")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revtrace-adversarial-") as folder:
        work = Path(folder)
        print("| shape | size | command | time | at twice the size | growth |")
        print("|---|---:|---|---:|---:|---:|")
        for shape, (build, first) in SHAPES.items():
            size = int(SIZES[shape] * args.scale)
            files = []
            for factor in (1, 2):
                path = work / f"{shape.replace(' ', '-')}-{factor}.yaml"
                path.write_text(build(size * factor), encoding="utf-8")
                files.append(path)
            for command, template in COMMANDS.items():
                times = []
                for path in files:
                    words = [
                        w.format(file=path, first=first, out=work / "report.html") for w in template
                    ]
                    times.append(timed(words))
                growth = times[1] / times[0] if times[0] else float("nan")
                print(
                    f"| {shape} | {size:,} | {command} | {times[0]:.2f} s | {times[1]:.2f} s"
                    f" | {growth:.1f}× |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
