"""Reading a large file in two processes gives exactly what reading it in one gives."""

from __future__ import annotations

import marshal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revtrace.load import LoadResult, load_catalog_text, load_sources, read_clean
from revtrace.load import split as parallel
from revtrace.load.builder import read_clean_file
from revtrace.model.catalog import Location, Metric
from tests.conftest import metric_with_every_field


def load(text: str, monkeypatch: pytest.MonkeyPatch, *, in_two: bool) -> LoadResult:
    monkeypatch.setattr(parallel, "MIN_CHARS", 0 if in_two else 1 << 62)
    return load_catalog_text(text, "c.yaml")


def catalog(*metric_lines: str, header: str = "version: 1\nmetrics:\n") -> str:
    return header + "".join(line + "\n" for line in metric_lines)


PLAIN = catalog(
    *(
        f"  m{i}:\n    owner: o{i}\n    team: t\n    drives: [m{i - 1}]"
        if i
        else "  m0:\n    revenue: true"
        for i in range(40)
    )
)


# -- the codec --------------------------------------------------------------------------------


def test_every_field_survives_the_trip_between_processes() -> None:
    metric = metric_with_every_field()
    bare = Metric("x", Location("c.yaml", 20, 3), "x")
    plain = marshal.loads(marshal.dumps(parallel.encode([metric, bare])))
    assert parallel.decode("c.yaml", plain) == [metric, bare]


# -- where a file is cut ---------------------------------------------------------------------


def test_a_plain_catalog_is_cut_between_two_metrics_with_exact_lines() -> None:
    halves = parallel.split(PLAIN)
    assert halves is not None
    first, second = halves
    cut_line = first.count("\n")
    assert second.split("\n")[cut_line] == PLAIN.split("\n")[cut_line]
    assert second.split("\n")[cut_line].startswith("  m")
    assert second.split("\n")[cut_line - 2 : cut_line] == ["version: 1", "metrics:"]
    assert set(second.split("\n")[: cut_line - 2]) <= {""}


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\n",  # no metrics
        catalog("  m: {}", header="metrics:\n  a: {}\nversion: 1\n"),  # version after it
        catalog("  a: {}", "  b: {}", "other: 1"),  # another key after the metrics
        catalog("  a: {}", header="# c\nversion: 1\nowner: x\nmetrics:\n"),  # unknown header
        catalog("  a: {}", header="version: 1\nmetrics: {\n"),  # flow style
        catalog("- a", "- b", header="version: 1\nmetrics:\n"),  # a list
        catalog("  a: {}", "---", "  b: {}"),  # two documents
        # The first id does not start with a word character or a quote: its fields' lines
        # must not be taken for the ids' indentation.
        catalog("  .a:", "    owner: x", "  b:", "    owner: y"),
    ],
)
def test_files_that_cannot_be_cut_with_certainty_are_not(text: str) -> None:
    assert parallel.split(text) is None


STYLED = catalog(
    *(
        f'  s{i}:\n    name: "two\n      lines"\n    description: |\n      block\n'
        f"      text\n    tags: [a, b]\n    drives:\n    - s{i + 1}\n    - to: s{i + 2}\n"
        f"      elasticity: -0.5\n      confidence: measured\n# a comment at column 0\n"
        f"  's{i}.flow': {{owner: x, keep: {{reason: r, until: 2030-01-31, by: me}}, value: 3}}"
        for i in range(20)
    ),
    header="# The catalog\n---\nversion: 1  # the format\n\nmetrics:\n",
)


@pytest.mark.parametrize("text", [PLAIN, STYLED, STYLED.replace("\n", "\r\n")])
def test_the_halves_are_read_in_two_processes(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = parallel.read_in_two("c.yaml", text, read_clean)
    assert metrics is not None
    one = load(text, monkeypatch, in_two=False)
    assert not one.findings
    assert metrics == list(one.catalog.metrics.values())


def test_a_failing_second_process_falls_back_to_one(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(file: str, text: str) -> list[Metric] | None:
        if text.startswith("\n"):  # the second half
            raise RuntimeError("boom")
        return read_clean(file, text)

    assert parallel.read_in_two("c.yaml", PLAIN, broken) is None
    monkeypatch.setattr("revtrace.load.builder.read_clean", broken)
    assert load(PLAIN, monkeypatch, in_two=True) == load(PLAIN, monkeypatch, in_two=False)


@pytest.mark.parametrize(
    "text",
    [
        # A metric id in both halves: RT003, naming the first definition.
        PLAIN + "  m1:\n    owner: again\n",
        # A problem in the second half only, and one in the first.
        PLAIN + "  late:\n    ownr: x\n",
        PLAIN.replace("owner: o2\n", "owner: [o2]\n"),
        # A quoted scalar running over the lines where the file would be cut.
        catalog("  a:", '    name: "x', *(f"  m{i}: y" for i in range(30)), '  end"'),
        # A flow mapping doing the same.
        catalog("  a: {name: x,", *(f"  m{i}: y," for i in range(30)), "  }"),
        # An anchor in the second half.
        PLAIN + "  z: &anchor\n    owner: x\n",
    ],
)
def test_anything_to_report_is_reported_as_in_one_process(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert parallel.split(text) is not None
    assert load(text, monkeypatch, in_two=True) == load(text, monkeypatch, in_two=False)


@pytest.mark.parametrize("line_break", ["\r", "\x85", "\u2028", "\u2029"])
def test_other_line_breaks_in_the_first_half_are_not_cut_around(
    line_break: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """YAML counts a lone \r, NEL, LS and PS as line breaks: counting \n alone would put
    every metric of the second half on the wrong line."""
    text = PLAIN.replace("owner: o3\n", f'owner: "o{line_break}3"\n')
    assert parallel.split(text) is None
    assert parallel.split(PLAIN.replace("owner: o38\n", f'owner: "o{line_break}38"\n'))
    one = load(text, monkeypatch, in_two=False)
    assert load(text, monkeypatch, in_two=True) == one
    # m39 is on line 157 of PLAIN; YAML counts the extra break, so one line later here.
    assert PLAIN.split("\n")[156] == "  m39:"
    assert one.catalog.metrics["m39"].location.line == 158


# -- any catalog ------------------------------------------------------------------------------

IDS = st.one_of(
    st.integers(0, 300).map(lambda i: f"m{i}"),
    st.sampled_from(["a.b", "no", "x-y", "m1 ", "2024", "ü"]),
)
# Quoted line breaks YAML counts besides \n (\r, NEL, LS, PS) shift every later line if
# they are not accounted for.
SAFE = st.sampled_from(
    ["x", "two words", "'q'", '"d"', "ü", "x-y", "1e3", '"l\u2028s"', '"c\rr"', '"n\x85l"']
)
TEXT = st.one_of(SAFE, st.sampled_from(["a: b", "#c", "", "- l", "[", "&a x", "*a"]))
INDENTS = st.sampled_from(["  ", "    ", "      ", "        ", " ", "", "\t"])
SAFE_INDENTS = st.sampled_from(["      ", "        "])


@st.composite
def metric_texts(draw: st.DrawFn, valid: bool = False) -> str:
    """One metric in one of many YAML styles, at indentation 2; valid or anything."""
    text = SAFE if valid else TEXT
    INDENTS = SAFE_INDENTS if valid else globals()["INDENTS"]
    metric_id = "@ID@" if valid else draw(IDS)  # valid: numbered when the catalog is made
    style = draw(st.integers(0, 8 if valid else 9))
    if style == 0:
        return f"  {metric_id}:\n    owner: {draw(text)}\n    drives: [{draw(IDS)}, {draw(IDS)}]"
    if style == 1:
        return f"  {metric_id}: {{owner: {draw(text)}, drives: [{draw(IDS)}]}}"
    if style == 2:  # a multi-line quoted name, its lines indented anyhow
        lines = draw(st.lists(st.tuples(INDENTS, text), min_size=1, max_size=3))
        body = "\n".join(indent + value.replace('"', "") for indent, value in lines)
        return f'  {metric_id}:\n    name: "{draw(text).replace(chr(34), "")}\n{body}"'
    if style == 3:  # a block scalar
        lines = draw(st.lists(st.tuples(INDENTS, text), min_size=1, max_size=3))
        body = "\n".join(("      " if valid else indent) + value for indent, value in lines)
        return f"  {metric_id}:\n    description: |\n{body}"
    if style == 4:  # a plain scalar over several lines
        return f"  {metric_id}:\n    name: {draw(text)}\n{draw(INDENTS)}{draw(text)}"
    if style == 5:  # a flow mapping over several lines
        return f"  {metric_id}: {{owner: x,\n{draw(INDENTS)}team: {draw(text)}}}"
    if style == 6:
        return f"{draw(INDENTS)}# {draw(text)}\n\n  '{metric_id}':\n    revenue: true"
    if style == 7:
        return (
            f"  {metric_id}:\n    drives:\n    - {draw(IDS)}\n    - to: {draw(IDS)}\n"
            f"      elasticity: 0.{draw(st.integers(0, 9))}"
        )
    if style == 8:
        return f"  {metric_id}:\n    keep: {{reason: r, until: 2030-01-0{draw(st.integers(1, 9))}}}"
    return f"{draw(INDENTS)}{metric_id}: {draw(text)}"


# Catalogs written in ways that are valid (so that they are read in two processes), and
# catalogs with anything at all now and then (so that the fallback is exercised too).
CATALOGS = st.one_of(
    st.lists(metric_texts(valid=True), min_size=2, max_size=30),
    st.lists(st.one_of(*[metric_texts(valid=True)] * 8, metric_texts()), min_size=2, max_size=30),
).map(lambda metrics: [text.replace("@ID@", f"v{i}") for i, text in enumerate(metrics)])


@given(
    CATALOGS,
    st.booleans(),
    st.sampled_from(["version: 1\nmetrics:\n", "# catalog\n---\nversion: 1\n\nmetrics:  # all\n"]),
)
def test_two_processes_read_any_catalog_as_one_does(
    metrics: list[str], crlf: bool, header: str
) -> None:
    text = catalog(*metrics, header=header)
    if crlf:
        text = text.replace("\n", "\r\n")
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert load(text, monkeypatch, in_two=True) == load(text, monkeypatch, in_two=False)


# -- several files ------------------------------------------------------------------------


def load_files(
    sources: list[tuple[str, bytes]], monkeypatch: pytest.MonkeyPatch, *, in_two: bool
) -> LoadResult:
    monkeypatch.setattr(parallel, "MIN_CHARS", 0 if in_two else 1 << 62)
    return load_sources(sources)


def team_files(count: int = 6) -> list[tuple[str, bytes]]:
    files = [("revenue.yaml", b"version: 1\nmetrics:\n  revenue: {revenue: true}\n")]
    for team in range(count - 1):
        lines = ["version: 1", "metrics:"]
        lines += [
            f"  t{team}_m{i}: {{owner: o, team: t{team}, drives: [revenue]}}" for i in range(9)
        ]
        files.append((f"team{team}.yaml", ("\n".join(lines) + "\n").encode()))
    return files


def test_the_later_files_are_read_by_a_second_process(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = team_files()
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    later = parallel.read_later_files(sources, read_clean_file)
    assert later is not None
    taken = [later.take(index) for index in range(len(sources))]
    later.close()
    assert taken[0] is None and taken[-1] is not None
    assert [m.location.file for m in taken[-1]] == ["team4.yaml"] * 9
    one = load_files(sources, monkeypatch, in_two=False)
    assert load_files(sources, monkeypatch, in_two=True) == one
    assert one.catalog.files == tuple(name for name, _ in sources)


@pytest.mark.parametrize(
    "change",
    [
        # A problem in a later file: read again here, reported as always.
        lambda files: [*files[:-1], ("bad.yaml", files[-1][1].replace(b"owner", b"ownr", 1))],
        # A metric id defined in an earlier and a later file: RT003 naming the first.
        lambda files: [*files, ("dup.yaml", b"version: 1\nmetrics:\n  t0_m1: {}\n")],
        # A later file that is not UTF-8, or not YAML.
        lambda files: [*files, ("latin1.yaml", b"version: 1\nmetrics:\n  caf\xe9: {}\n")],
        lambda files: [*files, ("broken.yaml", b"version: 1\nmetrics: [\n")],
    ],
)
def test_anything_in_a_later_file_is_reported_as_in_one_process(
    change: Callable[[list[tuple[str, bytes]]], list[tuple[str, bytes]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sources = change(team_files())
    one = load_files(sources, monkeypatch, in_two=False)
    assert one.findings
    assert load_files(sources, monkeypatch, in_two=True) == one


def test_one_file_most_of_the_catalog_is_cut_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [("big.yaml", PLAIN.encode()), *team_files(2)[1:]]
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    assert parallel.read_later_files(sources, read_clean_file) is None
    assert parallel.read_later_files(sources[:1], read_clean_file) is None


# -- work in the background ---------------------------------------------------------------------

IN_BACKGROUND = """
import os, sys, time
from pathlib import Path
from revtrace.load import split

folder = Path(sys.argv[1])

def write_when_allowed():
    # Blocks until the test allows it: if this process still held the caller's pipes,
    # the caller would wait for it, and the test would time out instead of going on.
    give_up = time.monotonic() + 120  # never left behind for good, whatever the test did
    while not (folder / "go").exists() and time.monotonic() < give_up:
        time.sleep(0.01)
    (folder / "done").write_text("done", encoding="ascii")

print("the output")
sys.stdout.flush()
started = split.in_background(write_when_allowed)
print("started" if started else "not started", file=sys.stderr)
os._exit(0)
"""


def test_work_in_the_background_is_detached_from_the_pipes(tmp_path: Path) -> None:
    """A large catalog's cache is written by a forked process whose standard streams are
    not the run's: a pipe reading the run (`revtrace … | jq`, a pre-commit hook, CI) ends
    when the run does, even if the writing goes on."""
    done = subprocess.run(
        [sys.executable, "-c", IN_BACKGROUND, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,  # would hang while the writer holds stdout: the work is blocked
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "the output\n", "started\n")
    assert not (tmp_path / "done").exists()  # still waiting to be allowed
    (tmp_path / "go").write_text("", encoding="ascii")
    deadline = time.monotonic() + 60
    while not (tmp_path / "done").exists():
        assert time.monotonic() < deadline, "the work in the background never ran"
        time.sleep(0.02)


WAITS = """
import time
from revtrace.load import split

split.in_background(lambda: time.sleep(0.5))
started = time.monotonic()
print(split.wait_for_background(0.1), time.monotonic() - started < 0.4)
print(split.in_background_now(), split.wait_for_background(30), split.in_background_now())
"""


def test_waiting_for_work_in_the_background_is_bounded() -> None:
    """The command waits for its cache's writer, but a stalled writer cannot hold it for
    good: past the bound, it leaves the work to finish alone."""
    done = subprocess.run(
        [sys.executable, "-c", WAITS], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.split() == ["False", "True", "True", "True", "False"], done.stderr
