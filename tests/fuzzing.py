"""A mutation fuzzer for the loader and every renderer.

    python -m tests.fuzzing --cases 100000 [--seed 1] [--save-to DIR]

Mutates the repository's catalogs (byte flips, truncation, duplicated and swapped lines,
random indentation, tabs, NUL bytes, random Unicode, BOMs, CRLF, very long lines, YAML
syntax fragments) and checks, for every input, what the command line promises: no
exception escapes, every finding about a place has a location, and the machine formats
parse back. The test suite runs a bounded number of cases (tests/test_fuzzing.py); this
command runs the long campaign and saves any failing input.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console

from benchmarks.generate import Spec, generate
from revtrace.analysis import (
    Analysis,
    AuditReport,
    GraphView,
    analyse_loaded,
    impact,
    lineage,
    scorecard,
    trace,
)
from revtrace.analysis.report import Report
from revtrace.load import LoadResult, canonical, load_catalog_text, load_sources
from revtrace.load import split as parallel
from revtrace.load.builder import read_text
from revtrace.load.cache import FileCache
from revtrace.load.decode import decode
from revtrace.load.store import Store
from revtrace.model.findings import Finding
from revtrace.render import (
    concise,
    dot,
    github,
    html,
    junit,
    markdown,
    mermaid,
    sarif,
    text,
    text_lineage,
)
from revtrace.render import json as json_render

REPO = Path(__file__).resolve().parent.parent
SEEDS = [REPO / "metrics.yaml", *sorted((REPO / "examples").rglob("*.yaml"))]
#: Catalogs in the layout revtrace writes (with and without elasticities), for the fast
#: reader: the examples have one only (examples/dbt-shop's generated catalog).
GENERATED = [
    body.encode()
    for quantified in (False, True)
    for _, body in generate(Spec(metrics=40, seed=5, quantified=quantified))
]
#: Characters no output may carry raw (outside JSON strings, which escape or keep them as
#: data): terminal escapes, carriage returns, bidi overrides, zero-width characters.
UNSAFE = frozenset("\x1b\r\x07\u202e\u2066\u200b\x85")

FRAGMENTS = [
    b"&a ",
    b"*a",
    b"!!str ",
    b"!!python/object:os.system ",
    b"\t",
    b"\x00",
    b"{",
    b"}",
    b"[",
    b"]",
    b"- ",
    b": ",
    b"\n  ",
    b"'",
    b'"',
    b"~",
    b"? ",
    b"\xef\xbb\xbf",
    b"\r\n",
    b"%YAML 1.1\n---\n",
    b"revenue: true\n    ",
    b"drives: [",
    b"keep: {until: 2020-01-01}",
    "ю".encode(),
    b"\\e[31m",
    b"---\n",
    b"...\n",
    b"#",
    b"|\n",
    b">-\n",
    b"\xff",
    b"\xc3",
    "\u202e".encode(),
    "💰".encode(),
    b"status: deprecated\n    ",
    b"version: 2\n",
    b"{to: revenue, elasticity: 0.5, confidence: assumed}",
    b"elasticity: 3, ",
    b"value: 1e9\n    ",
    b"elasticity: .nan",
    b"confidence: measured, ",
    # Issue #16's classes: extreme and special numbers in links and loops ...
    b"{to: revenue, elasticity: 1e308}, ",
    b"elasticity: 5e15, ",
    b"elasticity: 5e-324, ",
    b"elasticity: -0.0, ",
    b"elasticity: -999.9999, ",
    b"value: 1e308\n    ",
    b"drives: [{to: revenue, elasticity: 1e300}, {to: ",
    # ... repeated-key amplification ...
    b"x: 1, " * 40,
    b"{" + b"a: 1, " * 60 + b"}",
    # ... and bidi, invisible and markup characters, for every format's escaper.
    "\u202e\u2066\u200b\u3164".encode(),
    "revenue\u3164".encode(),
    b"&#x202E;&lt;",
    b"@acme/admins https://e.vil [x](https://e.vil) ",
    # Links kept apart, derivations and signs.
    b"\nlinks:\n  - {from: revenue, to: ",
    b"- {from: orders, to: revenue, sign: negative, elasticity: 0.4}\n",
    b"computed_from: [revenue, ",
    b"sign: positive, ",
    b'formula: "orders * average_order_value", ',
    b'formula: "(a + b) / `c-d` - -2", ',
    b'formula: "revenue - ',
    b"\r\x85\x1b]8;;https://e.vil\x07",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not buffer:
            buffer = bytearray(b"x")
        where = rng.randrange(len(buffer))
        operation = rng.randrange(11)
        if operation == 0:
            buffer[where] = rng.randrange(256)
        elif operation == 1:
            del buffer[where : where + rng.randint(1, 80)]
        elif operation == 2:
            buffer[where:where] = rng.choice(FRAGMENTS)
        elif operation in (3, 4, 6):
            lines = bytes(buffer).split(b"\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            if operation == 3:
                lines.insert(a, lines[b])
            elif operation == 4:
                lines[a], lines[b] = lines[b], lines[a]
            else:
                lines[a] = b" " * rng.randint(0, 9) + lines[a].lstrip()
            buffer = bytearray(b"\n".join(lines))
        elif operation == 5:
            buffer = buffer[: rng.randrange(len(buffer) + 1)]
        elif operation == 7:
            buffer[where:where] = "".join(
                chr(
                    rng.choice(
                        [
                            rng.randrange(32, 127),
                            rng.randrange(0xA0, 0x3000),
                            rng.randrange(0x1F300, 0x1F600),
                        ]
                    )
                )
                for _ in range(rng.randint(1, 12))
            ).encode("utf-8")
        elif operation == 8:
            buffer[where:where] = b"x" * rng.randint(100, 5000)
        elif operation == 9:
            buffer = bytearray(bytes(buffer).replace(b"\n", b"\r\n"))
        else:
            buffer[where:where] = b"\t"
    return bytes(buffer)


def strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def check(data: bytes) -> None:
    """Everything the CLI would do with `data`; raises AssertionError or a crash."""
    loaded = load_catalog_text(data, "fuzz.yaml")
    check_two_processes(data, loaded)
    check_fast_reader(data)
    analysis: Analysis = analyse_loaded(loaded, None)
    for finding in analysis.findings:
        assert finding.location is not None or finding.code == "RT004", finding
    report = AuditReport(analysis, list(analysis.findings))
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    text.audit(console, report)
    strict_json(json_render.audit(report))
    strict_json(sarif.audit(report, root=REPO))
    junit_text = junit.audit(report)
    ET.fromstring(junit_text)
    assert not (UNSAFE & set(junit_text)), "a raw control or bidi character in JUnit"
    for line in github.audit(report).splitlines()[:-1]:
        assert line.startswith("::") and "\r" not in line
    assert not (UNSAFE & set(concise.audit(report))), "a raw control character in concise"
    assert "@acme" not in markdown.audit(report).split("```mermaid")[0]
    tree = lineage(analysis)
    text_lineage.tree(console, tree)
    strict_json(json_render.tree(tree))
    for metric in list(analysis.catalog.metrics)[:3]:
        result = trace(analysis, metric, 5)
        text_lineage.trace(console, result)
        strict_json(json_render.trace(result))
    everything = list(analysis.catalog.metrics)
    view = GraphView(analysis, everything)
    assert not (UNSAFE & set(mermaid.graph(view)))
    assert not (UNSAFE & set(dot.graph(view)))
    strict_json(json_render.graph(view))
    card = scorecard(analysis, everything)
    text.scorecard(console, card)
    html.report(Report(report, card, everything))
    leverage = impact(analysis)
    strict_json(json_render.impact(leverage))
    text.impact(console, leverage)
    assert "\x1b[2J" not in console.file.getvalue()  # type: ignore[attr-defined]


def check_two_processes(data: bytes, loaded: LoadResult) -> None:
    """Read as a large catalog would be, in two processes: exactly what one process reads,
    for the file on its own (cut in two) and as the later files of a catalog of three."""
    if parallel.MIN_CHARS == 0:
        return  # already read that way
    several = [("a.yaml", SEEDS[0].read_bytes()), ("b.yaml", data), ("c.yaml", data)]
    in_one = load_sources(several)
    in_two = load_catalog_text(data, "fuzz.yaml", split_from=0)
    assert in_two == loaded, "two processes read differently"
    assert load_sources(several, split_from=0) == in_one, (
        "two processes read several files differently"
    )


def check_fast_reader(data: bytes) -> None:
    """Where the fast reader of revtrace's own layout reads a file, the event reader reads
    it without a finding, to the same metrics (see tests/load/test_canonical.py)."""
    decoded = decode("fuzz.yaml", data, [])
    fast = None if decoded is None else canonical.read("fuzz.yaml", decoded)
    if decoded is None or fast is None:
        return
    findings: list[Finding] = []
    read = read_text("fuzz.yaml", decoded, findings, fast=True)
    assert read is not None and not findings and not read[1], "the fast reader read a bad file"
    assert read[0] == fast, "the fast reader read differently"


def check_cache(data: bytes, folder: Path) -> None:
    """Through the cache, written and then read: exactly what reading the file gives."""
    sources = [("a.yaml", SEEDS[0].read_bytes()), ("fuzz.yaml", data)]
    reference = load_sources(sources)
    for warm in (False, True):
        cache = FileCache(Store(str(folder / "cache")))
        assert load_sources(sources, cache=cache) == reference, "the cache changed a reading"
        assert cache.written == (0 if warm else 2), "a reading the cache could not give back"


BASELINE_SEED = json.dumps(
    {
        "tool": "revtrace",
        "findings": [
            {"code": "RT001", "rule": "no-path-to-revenue", "metric": "a", "count": 2},
            {"code": "RT010", "rule": "invalid-field", "metric": None, "file": "m.yaml"},
        ],
    }
).encode()
CONFIG_SEED = (
    b'catalog = ["metrics.yaml"]\nfail-on = "warning"\nselect = ["ALL"]\nignore = ["RT007"]\n'
    b'baseline = "b.json"\nformat = "auto"\n[severity]\ncycle = "info"\n'
)


def check_side_inputs(rng: random.Random, folder: Path) -> None:
    """A mutated baseline and configuration: read, or refused with their own error."""
    from revtrace.analysis.baseline import BaselineError, loads
    from revtrace.config import ConfigError, load_settings

    text = mutate(BASELINE_SEED, rng).decode("utf-8", "replace")
    if rng.random() < 0.1:
        text = "[" * rng.randint(1_000, 100_000) + text
    with contextlib.suppress(BaselineError):
        loads(text, "b.json")
    config = folder / "revtrace.toml"
    config.write_bytes(mutate(CONFIG_SEED, rng))
    with contextlib.suppress(ConfigError):
        load_settings(config, environ={})


def check_files(data: bytes, rng: random.Random, folder: Path) -> None:
    """The catalog in a folder with what an attacker can add next to it: a symbolic link
    loop, a link out of the folder, a dangling link, a FIFO and a name that is not UTF-8;
    reading it ends in metrics or in CatalogUnreadable, never a hang or a crash."""
    from revtrace.load import CatalogUnreadable, expand_catalog_paths, load_catalog

    catalogs = folder / "catalogs"
    catalogs.mkdir()
    name = rng.choice([b"m.yaml", b"caf\xe9.yaml", b"a b.yml", b"\xff\xfe.yaml"])
    (catalogs / os.fsdecode(name)).write_bytes(data)
    extras = rng.sample(["loop", "out", "dangling", "fifo", "nested"], rng.randint(0, 3))
    if "loop" in extras:
        (catalogs / "loop").symlink_to(".")
    if "out" in extras:
        (folder / "secret").write_text("TOKEN=1234567890\n")
        (catalogs / "x.yaml").symlink_to(folder / "secret")
    if "dangling" in extras:
        (catalogs / "gone.yaml").symlink_to(folder / "nowhere.yaml")
    if "fifo" in extras and hasattr(os, "mkfifo"):
        os.mkfifo(catalogs / "trap.yaml")
    if "nested" in extras:
        (catalogs / "deeper").mkdir()
        (catalogs / "deeper" / "n.yaml").write_bytes(data)
    for argument in (str(catalogs), f"{catalogs}/**/*.yaml", f"{catalogs}/*.y*ml"):
        try:
            loaded = load_catalog(expand_catalog_paths([argument]))
        except CatalogUnreadable as refused:
            assert "TOKEN" not in str(refused)
            continue
        for finding in loaded.findings:
            assert "TOKEN" not in finding.message


def campaign(cases: int, seed: int, save_to: Path | None) -> tuple[int, list[str]]:
    rng = random.Random(seed)
    seeds = [path.read_bytes() for path in SEEDS] + GENERATED
    failures: list[str] = []
    for index in range(cases):
        data = mutate(rng.choice(seeds), rng)
        try:
            check(data)
            if index % 5 == 0:
                with tempfile.TemporaryDirectory() as folder:
                    check_side_inputs(rng, Path(folder))
                    check_cache(data, Path(folder))
            if index % 25 == 0:
                with tempfile.TemporaryDirectory() as folder:
                    check_files(data, rng, Path(folder))
        except Exception:  # every escape is what we are looking for
            failures.append(traceback.format_exc(limit=3))
            if save_to is not None:
                save_to.mkdir(parents=True, exist_ok=True)
                (save_to / f"failure-{seed}-{index}.yaml").write_bytes(data)
    return cases, failures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzzing")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save-to", type=Path, default=Path("fuzz-failures"))
    args = parser.parse_args()
    started = time.perf_counter()
    ran, failures = campaign(args.cases, args.seed, args.save_to)
    elapsed = time.perf_counter() - started
    rate = ran / elapsed
    print(f"{ran} inputs in {elapsed:.0f} s ({rate:.0f}/s), seed {args.seed}: ", end="")
    print(f"{len(failures)} failures")
    for failure in failures[:5]:
        print(failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
