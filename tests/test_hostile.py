"""The hostile-input corpus (tests/data/hostile/): every command and every format on every
file ends in its documented outcome, within its bound, without a traceback, without
running anything, and without letting the catalog's escape sequences reach a terminal."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import DATA, run_cli

HOSTILE = DATA / "hostile"
CASES: dict[str, dict[str, object]] = {
    name: case
    for name, case in json.loads((HOSTILE / "cases.json").read_text(encoding="utf-8")).items()
    if not name.startswith("_")
}
FORMATS = ["text", "concise", "json", "github", "sarif", "junit", "markdown"]
TERMINAL = {"FORCE_COLOR": "1", "COLUMNS": "120"}
# What a catalog may try to send to a terminal: clear screen, colours, bidi override, bell.
RAW_CONTROLS = ["\x1b[2J", "\x1b[31mRED", "\u202e", "\x07", "\x08", "\r"]


def test_every_file_in_the_corpus_has_a_case() -> None:
    files = {p.name for p in HOSTILE.glob("*.yaml")}
    assert files == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_audit_outcome_and_locations(name: str) -> None:
    case = CASES[name]
    started = time.perf_counter()
    result = run_cli("audit", str(HOSTILE / name), "--format", "json")
    elapsed = time.perf_counter() - started
    assert elapsed < float(case["seconds"])  # type: ignore[arg-type]  # a hang guard
    assert result.exit_code == case["exit"], result.stderr
    findings = json.loads(result.stdout)["findings"]
    located = [(f["code"], f["line"], f["column"]) for f in findings]
    for expected in case["findings"]:  # type: ignore[attr-defined]
        assert tuple(expected) in located
    assert all(f["line"] is not None for f in findings if f["code"] != "RT004")


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_survives_and_stays_valid(name: str, fmt: str) -> None:
    result = run_cli("audit", str(HOSTILE / name), "--format", fmt, env=TERMINAL)
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stdout + result.stderr
    # JSON keeps the catalog's text exactly; it escapes C0 controls, so no terminal escape
    # sequence survives, but a bidi mark is data there, not an escape.
    for control in RAW_CONTROLS if fmt not in ("json", "sarif") else RAW_CONTROLS[:2]:
        assert control not in result.stdout
    if fmt in ("json", "sarif"):
        json.loads(result.stdout)
    elif fmt == "junit":
        ET.fromstring(result.stdout)
    elif fmt == "github":
        for line in result.stdout.splitlines()[:-1]:
            assert line.startswith("::") and "\n" not in line


@pytest.mark.parametrize("name", sorted(CASES))
def test_tree_and_trace_survive(name: str) -> None:
    path = str(HOSTILE / name)
    for args in (
        ["tree", path],
        ["tree", path, "--format", "json"],
        ["trace", "revenue", path],
        ["trace", "x", path],
    ):
        result = run_cli(*args, env=TERMINAL)
        assert result.exit_code in (0, 1, 2)
        assert "Traceback" not in result.stdout + result.stderr
        controls = RAW_CONTROLS[:2] if "--format" in args else RAW_CONTROLS
        for control in controls:
            assert control not in result.stdout and control not in result.stderr
        if "--format" in args and result.exit_code != 2:
            json.loads(result.stdout)


def test_markup_and_escapes_are_shown_literally() -> None:
    result = run_cli("trace", "revenue", str(HOSTILE / "markup-and-escapes.yaml"), env=TERMINAL)
    assert "\\x1b[2J\\x1b[31mRED" in result.stdout and "\\u202e" in result.stdout
    audit = run_cli("tree", str(HOSTILE / "markup-and-escapes.yaml"), env=TERMINAL)
    assert "<script>alert(1)</script>" in audit.stdout


def test_unsafe_tags_execute_nothing(tmp_path: Path) -> None:
    marker = Path("/tmp/revtrace-pwned")
    marker.unlink(missing_ok=True)
    run_cli("audit", str(HOSTILE / "python-object-tag.yaml"))
    assert not marker.exists()


def test_ten_thousand_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(
        "version: 1\nmetrics:\n  a: {name: " + "[" * 10_000 + "]" * 10_000 + "}\n", encoding="utf-8"
    )
    result = run_cli("audit", str(path), "--format", "json")
    assert result.exit_code == 1
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert codes <= {"RT010", "RT011"} and codes


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_nesting_two_hundred_thousand_deep_is_refused_at_once_by_every_command(
    tmp_path: Path, shape: str
) -> None:
    # libyaml before 0.2.6 (PyYAML 6.0.3 and older, which .ci/run tests too) takes quadratic
    # time on deep flow lists (this file: hours) and composes deep block lists recursively
    # in C (a crash): revtrace stops at 1,000 levels itself, on every path.
    deep = "[" * 200_000 + "]" * 200_000 if shape == "flow" else "\n      " + "- " * 200_000 + "x"
    catalog = tmp_path / "deep.yaml"
    catalog.write_text(f"version: 1\nmetrics:\n  a:\n    name: {deep}\n", encoding="utf-8")
    dbt = tmp_path / "deep.yml"
    dbt.write_text(f"metrics:\n  - name: {deep}\n", encoding="utf-8")
    for args in (["audit", str(catalog), "--format", "json"], ["import", "dbt", str(dbt)]):
        result = run_cli(*args)
        assert "Traceback" not in result.stderr
        if args[0] == "audit":
            assert result.exit_code == 1
            codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
            assert "RT011" in codes and codes <= {"RT010", "RT011"}
        else:
            assert result.exit_code == 2 and "nesting" in result.stderr
            assert result.stderr.count("\n") == 1


def test_ten_thousand_character_ids(tmp_path: Path) -> None:
    long_id = "m" * 10_000
    path = tmp_path / "long.yaml"
    # YAML allows implicit keys of at most 1,024 characters; an explicit key (`? …`) may
    # be longer. The plain form is a syntax error, also tested.
    path.write_text(
        f"version: 1\nmetrics:\n  revenue: {{revenue: true, owner: x}}\n  ? {long_id}\n"
        f"  : {{owner: x, drives: [revenue]}}\n  other: {{owner: x, drives: [{long_id}]}}\n",
        encoding="utf-8",
    )
    result = run_cli("audit", str(path), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["line"], f["column"]) for f in findings] == [
        ("RT010", 4, 5),
        ("RT010", 6, 30),
    ]
    implicit = tmp_path / "implicit.yaml"
    implicit.write_text(f"version: 1\nmetrics:\n  {long_id}: {{}}\n", encoding="utf-8")
    result = run_cli("audit", str(implicit), "--format", "json")
    assert "RT011" in [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert "10000 characters long" in findings[0]["message"]
    assert len(findings[0]["message"]) < 200  # the id itself is not repeated in full


def test_a_50_megabyte_file_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"version: 1\nmetrics:\n")
        handle.write(b"# padding\n" * 5_000_000)
    started = time.perf_counter()
    result = run_cli("audit", str(path))
    assert time.perf_counter() - started < 5  # a hang guard: it is not even parsed
    assert result.exit_code == 2
    assert "larger than the 32 MiB limit" in result.stderr


def test_a_very_long_line(tmp_path: Path) -> None:
    path = tmp_path / "long-line.yaml"
    path.write_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: x, name: "
        + "n" * 1_000_000
        + "}\n",
        encoding="utf-8",
    )
    result = run_cli("audit", str(path), "--format", "json")
    assert result.exit_code == 0


@pytest.mark.parametrize("name", sorted(CASES))
def test_graph_scorecard_report_and_impact_survive(name: str, tmp_path: Path) -> None:
    path = str(HOSTILE / name)
    commands = [
        ["graph", path],
        ["graph", path, "--format", "dot"],
        ["graph", path, "--format", "json"],
        ["scorecard", path],
        ["scorecard", path, "--format", "json"],
        ["report", path, "-o", str(tmp_path / "r.html")],
        ["impact", path],
        ["impact", path, "--format", "json"],
    ]
    for args in commands:
        result = run_cli(*args, env=TERMINAL)
        assert result.exit_code in (0, 1, 2), args
        assert "Traceback" not in result.stdout + result.stderr
        if args[-1] == "json" and result.exit_code != 2:
            json.loads(result.stdout)
        if args[0] in ("scorecard", "impact") and "--format" not in args:
            for control in RAW_CONTROLS:
                assert control not in result.stdout
    report = tmp_path / "r.html"
    if report.exists():
        html = report.read_text(encoding="utf-8")
        assert "<script>document" not in html and "\x1b" not in html


def _chain(path: Path, length: int) -> Path:
    """A single chain of `length` metrics into revenue, the one next to revenue deprecated
    (so every other metric reaches revenue only through it), every link quantified, and a
    dead-end branch."""
    lines = ["version: 1", "metrics:", "  m0: {name: Revenue, revenue: true, value: 1000}"]
    lines.append("  m1: {owner: a, team: t, status: deprecated, drives: [{to: m0, elasticity: 1}]}")
    for index in range(2, length):
        lines.append(
            f"  m{index}: {{owner: a, team: t, drives: [{{to: m{index - 1}, elasticity: 0.9}}]}}"
        )
    lines.append(f"  stray: {{owner: a, team: t, drives: [m{length - 1}, nowhere]}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_long_chain_keeps_every_output_linear(tmp_path: Path) -> None:
    """A chain of n metrics has n shortest paths of average length n/2: an output that
    spells out each one grows with n², and a 20,000-metric chain made gigabytes."""
    short = str(_chain(tmp_path / "short.yaml", 400))
    long = str(_chain(tmp_path / "long.yaml", 800))
    commands = [
        ["tree"],
        ["tree", "--format", "json"],
        ["tree", "--reverse"],
        *(["audit", "--format", fmt] for fmt in FORMATS),
        ["trace", "stray", "CATALOG"],
        ["graph"],
        ["graph", "--format", "dot"],
        ["graph", "--format", "json"],
        ["scorecard"],
        ["impact"],
        ["impact", "--format", "json"],
    ]
    for args in commands:
        sizes = []
        for catalog in (short, long):
            if "CATALOG" not in args:
                args = [args[0], "CATALOG", *args[1:]]
            result = run_cli(*(catalog if a == "CATALOG" else a for a in args))
            assert result.exit_code in (0, 1), (args, result.stderr)
            sizes.append(len(result.stdout))
        assert sizes[1] <= 2.3 * sizes[0], (args, sizes)


# -- loops an attacker can write (issue #16) ---------------------------------------------------

OVERFLOW = """\
version: 1
metrics:
  revenue: {revenue: true, drives: [{to: a, elasticity: 0.5}]}
  a: {drives: [{to: revenue, elasticity: 1e308}, {to: b, elasticity: 1e308}]}
  b: {drives: [{to: revenue, elasticity: 1}]}
"""


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "{path}"],
        ["tree", "{path}"],
        ["trace", "a", "{path}"],
        ["graph", "{path}"],
        ["scorecard", "{path}"],
        ["impact", "{path}", "-f", "json"],
    ],
    ids=lambda command: command[0],
)
def test_an_overflowing_elasticity_is_a_finding_in_every_command(
    command: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "overflow.yaml"
    path.write_text(OVERFLOW, encoding="utf-8")
    result = run_cli(*(word.format(path=path) for word in command))
    assert result.exit_code == 1, result.stderr
    assert "internal error" not in result.stderr + result.stdout
    audit = run_cli("audit", str(path), "--format", "json")
    codes = [(f["code"], f["line"]) for f in json.loads(audit.stdout)["findings"]]
    assert codes.count(("RT017", 4)) == 2


def ring(size: int, gain: float, mixed: bool) -> str:
    """A loop through `size` metrics with the given gain, one chord, one link to revenue."""
    each = abs(gain) ** (1.0 / size)
    lines = ["version: 1", "metrics:", "  revenue: {revenue: true, owner: x}"]
    for i in range(size):
        sign = -1 if mixed and i % 2 else 1
        links = [f"{{to: m{(i + 1) % size}, elasticity: {sign * each:.9f}}}"]
        if i == 0:
            links += [f"{{to: m{size // 2}, elasticity: 0.001}}", "{to: revenue, elasticity: 0.5}"]
        lines.append(f"  m{i}: {{owner: x, drives: [{', '.join(links)}]}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("gain, divergent", [(0.5, False), (1.5, True)])
def test_a_large_mixed_sign_loop_is_decided(gain: float, divergent: bool, tmp_path: Path) -> None:
    # 600 metrics took 209 s when the check squared the dense matrix in Python.
    path = tmp_path / "ring.yaml"
    path.write_text(ring(600, gain, mixed=True), encoding="utf-8")
    findings = json.loads(run_cli("audit", str(path), "-f", "json").stdout)["findings"]
    assert any(f["code"] == "RT016" for f in findings) == divergent
    impact = json.loads(run_cli("impact", str(path), "-f", "json").stdout)
    by_id = {m["id"]: m for m in impact["metrics"]}
    assert (by_id["m0"]["total"] is None) == divergent


def test_a_huge_loop_the_check_cannot_settle_is_reported_as_undecided(tmp_path: Path) -> None:
    # A 20,000-metric ring with one chord used to build a dense 20,000² matrix (3.2 GB).
    path = tmp_path / "ring.yaml"
    path.write_text(ring(20_000, 0.99, mixed=False), encoding="utf-8")
    result = run_cli("audit", str(path), "-f", "json", "--select", "RT016")
    (finding,) = json.loads(result.stdout)["findings"]
    assert "could not decide within its work budget" in finding["message"]
