"""Time revtrace against the performance targets and print a table of medians.

    python -m benchmarks [--quick] [--large] [--runs N] [--keep DIR]

Every case runs as a fresh process, as a user or CI would run it; times are wall-clock
medians; peak memory is the child's maximum resident set size. The baseline is the
straightforward design revtrace does not use: `yaml.load` with the C loader, then
networkx ancestors of the revenue metrics.

The cache (.revtrace_cache) is off (REVTRACE_NO_CACHE=1) except in the cases about it,
which give each run its own cache folder: cold (empty), warm (nothing changed since the
last run) and partial (one file of 20 edited in place since the last run).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import Spec, write_catalog, write_values

REPO = Path(__file__).resolve().parent.parent

BASELINE = """
import sys, yaml, networkx as nx
with open(sys.argv[1], "rb") as f:
    doc = yaml.load(f, Loader=yaml.CSafeLoader)
g = nx.DiGraph()
for mid, m in doc["metrics"].items():
    g.add_node(mid)
    for t in (m or {}).get("drives") or []:
        g.add_edge(mid, t if isinstance(t, str) else t["to"])
reach = set()
for mid, m in doc["metrics"].items():
    if (m or {}).get("revenue"):
        reach |= nx.ancestors(g, mid) | {mid}
print(len(doc["metrics"]) - len(reach))
"""

MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "wb"), stderr=subprocess.DEVNULL)
elapsed = time.perf_counter() - started
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(elapsed, peak_kib, done.returncode)
"""


ENV = {
    **{k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)},
    "REVTRACE_NO_CACHE": "1",
}


def run(command: list[str], runs: int, output: Path) -> tuple[float, float, int]:
    """(median seconds, peak MiB, output bytes) of `command`, each run a fresh process,
    after one warm-up run (which also writes the bytecode caches a normal install has)."""
    subprocess.run(command, capture_output=True, cwd=REPO, env=ENV, check=False)
    times, peaks = zip(*(once(command, output) for _ in range(runs)), strict=True)
    return statistics.median(times), max(peaks), output.stat().st_size


def once(
    command: list[str], output: Path, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """(seconds, peak MiB) of one run of `command` in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(output), *command],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=ENV if env is None else env,
    )
    elapsed, peak, _code = result.stdout.split()
    return float(elapsed), int(peak) / 1024


def run_pair(
    first: list[str], second: list[str], runs: int, output: Path
) -> tuple[tuple[float, float, int], float, float]:
    """Two commands run alternately, so that both meet the same machine: `first` as `run`
    gives it, the median of `second`, and the median of the ratios second/first."""
    for command in (first, second):
        subprocess.run(command, capture_output=True, cwd=REPO, env=ENV, check=False)
    pairs = []
    for _ in range(runs):
        pairs.append((once(first, output), once(second, output.with_suffix(".second"))))
    firsts = [a[0] for a, _ in pairs]
    result = statistics.median(firsts), max(a[1] for a, _ in pairs), output.stat().st_size
    ratio = statistics.median(b[0] / a[0] for a, b in pairs)
    return result, statistics.median(b[0] for _, b in pairs), ratio


def with_cache(folder: Path) -> dict[str, str]:
    """The environment of a run that uses the cache in `folder`."""
    env = {k: v for k, v in ENV.items() if k != "REVTRACE_NO_CACHE"}
    env["REVTRACE_CACHE_DIR"] = str(folder)
    return env


def toggle_owner(path: Path) -> None:
    """An in-place edit that keeps the file's size (and so no cache may go by it)."""
    text = path.read_text(encoding="utf-8")
    if "owner: owner-1\n" in text:
        text = text.replace("owner: owner-1\n", "owner: owner-X\n", 1)
    else:
        text = text.replace("owner: owner-X\n", "owner: owner-1\n", 1)
    path.write_text(text, encoding="utf-8")


def adopt_orphans() -> bool:
    """Have the processes a run leaves behind (the cache's writer, which a large catalog's
    run forks and does not wait for) handed to this one, so that `wait_for_orphans` can
    wait for them (Linux's child subreaper). False where that cannot be done."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(36, 1, 0, 0, 0)) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def wait_for_orphans() -> float:
    """Wait for every process a run left behind; the seconds it took."""
    started = time.perf_counter()
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return time.perf_counter() - started


def cache_cases(
    command: list[str], edited: Path, runs: int, work: Path, output: Path
) -> dict[str, tuple[float, float]]:
    """Cold, warm and partial runs of `command` (a catalog of several files, `edited`
    one of them), each (median seconds, peak MiB), and the median ratio partial/cold of
    runs taken in turn. revtrace waits for the cache's writer before it exits (for at
    most a minute); after each run any writer still going is waited for too, as it could
    otherwise write a cold run's entries into the folder the next round had just emptied.
    That time after the cold run is `writer` (median seconds; 0 when revtrace waited)."""
    folder = work / "cache"
    env = with_cache(folder)
    subprocess.run(command, capture_output=True, cwd=REPO, env=env, check=False)
    wait_for_orphans()
    cold, warm, partial, ratios, writer = [], [], [], [], []
    for _ in range(runs):
        shutil.rmtree(folder, ignore_errors=True)
        cold.append(once(command, output, env))
        writer.append(wait_for_orphans())
        warm.append(once(command, output, env))
        wait_for_orphans()
        toggle_owner(edited)
        partial.append(once(command, output, env))
        wait_for_orphans()
        ratios.append(partial[-1][0] / cold[-1][0])
    shutil.rmtree(folder, ignore_errors=True)

    def summary(results: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(t for t, _ in results), max(p for _, p in results)

    return {
        "cold": summary(cold),
        "warm": summary(warm),
        "partial": summary(partial),
        "ratio": (statistics.median(ratios), 0.0),
        "spread": (min(t for t, _ in cold), max(t for t, _ in cold)),
        "writer": (statistics.median(writer), 0.0),
    }


def run_cached(
    command: list[str], runs: int, env: dict[str, str], output: Path
) -> tuple[float, float]:
    """(median seconds, peak MiB) of `command` with the cache in `env`, after a first run."""
    subprocess.run(command, capture_output=True, cwd=REPO, env=env, check=False)
    results = [once(command, output, env) for _ in range(runs)]
    return statistics.median(t for t, _ in results), max(p for _, p in results)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1,000 and 10,000 metrics instead of 10,000 and 100,000",
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="runs per case (3 for the largest catalog)"
    )
    parser.add_argument("--keep", type=Path, help="write the generated catalogs here and keep them")
    parser.add_argument(
        "--large",
        action="store_true",
        help="also 1,000,000 metrics in 25 files (about 150 MB; several minutes)",
    )
    args = parser.parse_args()
    if not adopt_orphans():
        print(
            "  (cannot wait for the cache's background writer here: the cold runs may find"
            " entries it wrote late)",
            file=sys.stderr,
        )

    revtrace = shutil.which("revtrace") or str(Path(sys.executable).parent / "revtrace")
    small, large = (1_000, 10_000) if args.quick else (10_000, 100_000)
    work = args.keep or Path(tempfile.mkdtemp(prefix="revtrace-bench-"))
    out = work / "out"
    print(f"Generating catalogs of {small:,} and {large:,} metrics in {work} …", file=sys.stderr)
    started = time.perf_counter()
    small_catalog = write_catalog(Spec(metrics=small), work / f"m{small}")[0]
    large_catalog = write_catalog(Spec(metrics=large), work / f"m{large}")[0]
    quantified_catalog = write_catalog(Spec(metrics=large, quantified=True), work / f"q{large}")[0]
    evidence_catalog = write_catalog(Spec(metrics=10_000, quantified=True), work / "e10000")[0]
    values_file = work / "values-10000x36.csv"
    write_values(evidence_catalog, 36, values_file)
    files_folder = work / f"f{large}"
    write_catalog(Spec(metrics=large, files=20), files_folder)
    print(f"  generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    rows: list[tuple[str, str, str, str]] = []
    runs_large = max(1, min(args.runs, 3))

    def case(label: str, command: list[str], runs: int) -> tuple[float, float, int]:
        print(f"  {label} …", file=sys.stderr)
        return run(command, runs, out)

    typer_import = case("import typer", [sys.executable, "-c", "import typer"], args.runs)
    deps_import = case(
        "import the runtime dependencies",
        [sys.executable, "-c", "import typer, rich.console, rich.tree, yaml, networkx"],
        args.runs,
    )
    version = case("revtrace --version", [revtrace, "--version"], args.runs)
    help_ = case("revtrace --help", [revtrace, "--help"], args.runs)
    repo_audit = case("revtrace audit metrics.yaml", [revtrace, "audit", "metrics.yaml"], args.runs)
    audit_small = case(
        f"audit --format json, {small:,}",
        [revtrace, "audit", str(small_catalog), "--format", "json"],
        args.runs,
    )
    print(f"  audit --format json, {large:,}, alternating with the baseline …", file=sys.stderr)
    audit_large, baseline_time, baseline_ratio = run_pair(
        [revtrace, "audit", str(large_catalog), "--format", "json"],
        [sys.executable, "-c", BASELINE, str(large_catalog)],
        max(runs_large, 5),
        out,
    )
    audit_files = case(
        f"audit --format json, {large:,} in 20 files",
        [revtrace, "audit", str(files_folder), "--format", "json"],
        runs_large,
    )
    print("  the cache: cold, warm and partial runs …", file=sys.stderr)
    one_file = cache_cases(
        [revtrace, "audit", str(large_catalog), "--format", "json"],
        large_catalog,
        max(runs_large, 5),
        work,
        out,
    )
    twenty = cache_cases(
        [revtrace, "audit", str(files_folder), "--format", "json"],
        sorted(files_folder.iterdir())[7],
        max(runs_large, 5),
        work,
        out,
    )
    repo_cached = run_cached(
        [revtrace, "audit", "metrics.yaml"], args.runs, with_cache(work / "repo-cache"), out
    )
    tree_large = case(f"tree, {large:,}", [revtrace, "tree", str(large_catalog)], runs_large)
    tree_json_large = case(
        f"tree --format json, {large:,}",
        [revtrace, "tree", str(large_catalog), "--format", "json"],
        runs_large,
    )
    # Many roots: each metric's lineage (every source's, with --reverse) in one output.
    tree_reverse_large = case(
        f"tree --reverse, {large:,}",
        [revtrace, "tree", str(large_catalog), "--reverse"],
        runs_large,
    )
    tree_every_large = case(
        f"tree -m '*', {large:,}", [revtrace, "tree", str(large_catalog), "-m", "*"], runs_large
    )
    sample = large_catalog.read_text(encoding="utf-8").split("\n", 3)[2].strip().rstrip(":")
    trace_large = case(
        f"trace, {large:,}", [revtrace, "trace", sample, str(large_catalog)], runs_large
    )
    graph_large = case(f"graph, {large:,}", [revtrace, "graph", str(large_catalog)], runs_large)
    graph_json_large = case(
        f"graph --format json, {large:,}",
        [revtrace, "graph", str(large_catalog), "--format", "json"],
        runs_large,
    )
    impact_large = case(
        f"impact, {large:,} quantified",
        [revtrace, "impact", str(quantified_catalog), "--format", "json"],
        runs_large,
    )
    audit_quantified = case(
        f"audit, {large:,} quantified",
        [revtrace, "audit", str(quantified_catalog), "--format", "json"],
        runs_large,
    )

    with_values = [str(evidence_catalog), "--values", str(values_file), "--format", "json"]
    explain_case = case("explain, 10,000 × 36", [revtrace, "explain", *with_values], runs_large)
    fit_case = case("fit, 10,000 × 36", [revtrace, "fit", *with_values], runs_large)
    audit_values = case(
        "audit --values, 10,000 × 36", [revtrace, "audit", *with_values], runs_large
    )
    audit_plain = case(
        "audit, the same 10,000",
        [revtrace, "audit", str(evidence_catalog), "--format", "json"],
        runs_large,
    )

    def ms(value: float) -> str:
        return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s"

    def against_audit(
        label: str, result: tuple[float, float, int], output: bool = True
    ) -> tuple[str, str, str, str]:
        """A command on the large catalog, against the 2× audit target."""
        measure = f"{result[0] / audit_large[0]:.2f}× audit"
        if output:
            measure += f", output {result[2] / 1e6:,.1f} MB"
        return (label, ms(result[0]), measure, "target ≤ 2×")

    huge_rows = []
    if args.large:
        huge_folder = work / "f1000000"
        print("  generating 1,000,000 metrics in 25 files …", file=sys.stderr)
        write_catalog(Spec(metrics=1_000_000, files=25), huge_folder)
        huge = case(
            "audit --format json, 1,000,000 in 25 files",
            [revtrace, "audit", str(huge_folder), "--format", "json"],
            min(args.runs, 3),
        )
        size = sum(p.stat().st_size for p in huge_folder.iterdir()) / 1e6
        huge_rows.append(
            (
                f"audit --format json, 1,000,000 metrics in 25 files ({size:,.0f} MB)",
                ms(huge[0]),
                f"peak {huge[1]:,.0f} MiB ({huge[1] * 1024 / 1_000_000:,.2f} KiB per metric),"
                f" output {huge[2] / 1e6:,.0f} MB",
                "target ≤ 30 s, ≤ 1.5 GiB (issue #17)",
            )
        )
        shutil.rmtree(huge_folder, ignore_errors=True)

    rows = [
        ("python -c 'import typer' (reference)", ms(typer_import[0]), "", ""),
        (
            "revtrace --version",
            ms(version[0]),
            f"{version[0] / typer_import[0]:.2f}× import typer",
            "imports no yaml/networkx/rich (tested)",
        ),
        ("revtrace --help", ms(help_[0]), f"{help_[0] / typer_import[0]:.2f}× import typer", ""),
        ("import typer, rich, yaml, networkx (reference)", ms(deps_import[0]), "", ""),
        (
            "revtrace audit metrics.yaml",
            ms(repo_audit[0]),
            f"{repo_audit[0] / deps_import[0]:.2f}× importing the deps (without the cache)",
            "target ≤ 1.5×",
        ),
        (
            f"audit --format json, {small:,} metrics",
            ms(audit_small[0]),
            f"peak {audit_small[1]:,.0f} MiB",
            "target ≤ 1 s at 10,000",
        ),
        (
            f"audit --format json, {large:,} metrics",
            ms(audit_large[0]),
            f"peak {audit_large[1]:,.0f} MiB, output {audit_large[2] / 1e6:,.1f} MB",
            "target ≤ 5 s, ≤ 1 GB at 100,000",
        ),
        (
            f"audit --format json, {large:,} metrics in 20 files",
            ms(audit_files[0]),
            f"{audit_files[0] / audit_large[0]:.2f}× one file",
            "",
        ),
        (
            f"baseline (CSafeLoader + ancestors), {large:,}",
            ms(baseline_time),
            f"revtrace (without the cache) is {baseline_ratio:.2f}× faster (median of paired runs)",
            "target ≥ 4×",
        ),
        (
            f"audit --format json, {large:,}, the cache empty (cold)",
            ms(one_file["cold"][0]),
            f"{baseline_time / one_file['cold'][0]:.2f}× faster than the baseline; peak"
            f" {one_file['cold'][1]:,.0f} MiB; range {ms(one_file['spread'][0])}–"
            f"{ms(one_file['spread'][1])}; then the cache is written in the background"
            f" in {ms(one_file['writer'][0])}",
            "target ≥ 8× (issue #17)",
        ),
        (
            f"audit --format json, {large:,}, nothing changed (warm)",
            ms(one_file["warm"][0]),
            f"{baseline_time / one_file['warm'][0]:.1f}× faster than the baseline; peak"
            f" {one_file['warm'][1]:,.0f} MiB",
            "target ≥ 25× (issue #17)",
        ),
        (
            f"audit --format json, {large:,} in 20 files, the cache empty (cold)",
            ms(twenty["cold"][0]),
            f"range {ms(twenty['spread'][0])}–{ms(twenty['spread'][1])}",
            "",
        ),
        (
            f"audit --format json, {large:,} in 20 files, one file edited (partial)",
            ms(twenty["partial"][0]),
            f"{twenty['ratio'][0]:.0%} of the cold run (median of runs in turn)",
            "target ≤ 40% (issue #17)",
        ),
        (
            f"audit --format json, {large:,} in 20 files, nothing changed (warm)",
            ms(twenty["warm"][0]),
            f"{baseline_time / twenty['warm'][0]:.1f}× faster than the baseline",
            "",
        ),
        (
            "revtrace audit metrics.yaml, with the cache",
            ms(repo_cached[0]),
            f"{repo_cached[0] / deps_import[0]:.2f}× importing the deps",
            "target ≤ 1.3× (issue #17)",
        ),
        (
            f"growth {small:,} → {large:,}",
            "",
            f"{audit_large[0] / audit_small[0]:.1f}×",
            "target ≤ 12×",
        ),
        against_audit(f"tree, {large:,} metrics", tree_large),
        against_audit(f"tree --format json, {large:,} metrics", tree_json_large),
        against_audit(f"tree --reverse, {large:,} metrics", tree_reverse_large),
        against_audit(f"tree -m '*' (every metric a root), {large:,} metrics", tree_every_large),
        against_audit(f"trace, {large:,} metrics", trace_large, output=False),
        against_audit(f"graph (Mermaid), {large:,} metrics", graph_large),
        against_audit(f"graph --format json, {large:,} metrics", graph_json_large),
        (
            f"impact --format json, {large:,} quantified metrics"
            f" ({quantified_catalog.stat().st_size / 1e6:.0f} MB)",
            ms(impact_large[0]),
            f"{impact_large[0] / audit_large[0]:.2f}× audit, peak {impact_large[1]:,.0f} MiB",
            "target ≤ 10 s (2× the audit target, issue #7)",
        ),
        (
            f"audit --format json, {large:,} quantified metrics",
            ms(audit_quantified[0]),
            f"{audit_quantified[0] / audit_large[0]:.2f}× the plain audit",
            "",
        ),
        (
            f"explain --format json, 10,000 quantified metrics × 36 months"
            f" ({values_file.stat().st_size / 1e6:.0f} MB of values)",
            ms(explain_case[0]),
            f"peak {explain_case[1]:,.0f} MiB",
            "target ≤ 10 s (issue #15)",
        ),
        (
            "fit --format json, the same",
            ms(fit_case[0]),
            f"peak {fit_case[1]:,.0f} MiB",
            "target ≤ 10 s (issue #15)",
        ),
        (
            "audit --values, the same",
            ms(audit_values[0]),
            f"{audit_values[0] / audit_plain[0]:.2f}× audit without --values ({ms(audit_plain[0])})",
            "",
        ),
        *huge_rows,
    ]
    print()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    )
    print(
        f"Catalog sizes: {small_catalog.stat().st_size / 1e6:.1f} MB and {large_catalog.stat().st_size / 1e6:.1f} MB; medians of {args.runs} runs ({runs_large} for {large:,})"
    )
    print()
    print("| case | time | measure | target |")
    print("|---|---:|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
