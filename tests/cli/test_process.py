"""What only a real process shows: start-up imports, the last line of defence, pipes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def python(
    code: str, *, stdin: str | None = None, cache: bool = True
) -> subprocess.CompletedProcess[str]:
    env = None if cache else {**os.environ, "REVTRACE_NO_CACHE": "1"}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        input=stdin,
        timeout=60,
        env=env,
    )


LOADED_AFTER = """
import sys
from revtrace.cli import app
try:
    app({args!r}, prog_name="revtrace")
except SystemExit:
    pass
heavy = (
    "yaml", "networkx", "rich", "numpy", "revtrace.load.reader", "revtrace.graph.revenue_graph",
    "revtrace.values.fit", "pydantic",
)
print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)
"""


def test_version_imports_no_parser_graph_or_rendering_library() -> None:
    result = python(LOADED_AFTER.format(args=["--version"]))
    assert result.stdout.startswith("revtrace ")
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_a_plain_audit_never_loads_numpy() -> None:
    # Even with quantified links and loops: numpy is for large loop groups only; and
    # without a values file, none of the fitting code is loaded either.
    for catalog in ("metrics.yaml", "examples/b2b-referral-flywheel.yaml"):
        result = python(LOADED_AFTER.format(args=["audit", catalog]))
        loaded = result.stderr.strip().splitlines()[-1]
        assert "numpy" not in loaded and "revtrace.values.fit" not in loaded, catalog


def test_no_command_loads_pydantic() -> None:
    # typer 0.29 made pydantic a dependency and converts every option through it: about
    # 45 ms more for every command (a third of a small audit), so pyproject caps typer
    # below it (docs/performance.md). This fails if the cap is lifted while that holds.
    for args in (["--version"], ["audit", "metrics.yaml"], ["audit", "--help"]):
        loaded = python(LOADED_AFTER.format(args=args)).stderr.strip().splitlines()[-1]
        assert "pydantic" not in loaded, args


def test_help_imports_neither_yaml_nor_networkx() -> None:
    result = python(LOADED_AFTER.format(args=["audit", "--help"]))
    loaded = result.stderr.strip().splitlines()[-1]
    assert (
        "yaml" not in loaded
        and "networkx" not in loaded
        and "revtrace.graph.revenue_graph" not in loaded
    )


def test_an_internal_error_is_a_message_and_exit_2_not_a_traceback() -> None:
    code = """
import sys
import revtrace.analysis
def broken(*args, **kwargs):
    raise RuntimeError("simulated bug")
revtrace.analysis.analyse_read = broken
from revtrace.cli import main
sys.argv = ["revtrace", "audit"]
main()
"""
    # Without the cache: a run answered from it would not analyse (and not fail).
    result = python(code, cache=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "internal error: RuntimeError: simulated bug" in result.stderr
    assert "REVTRACE_DEBUG=1" in result.stderr


def _catalog(path: Path, *, traced: bool, broken: bool = False) -> Path:
    """3,000 metrics: every one's output is far more than a pipe holds (64 KiB)."""
    lines = ["version: 1", "metrics:", "  revenue: {revenue: true, owner: x}"]
    drives = "[revenue]" if traced else "[]"
    lines += [
        f"  metric_{i:05d}_with_a_long_id: {{owner: x, drives: {drives}}}" for i in range(3_000)
    ]
    if broken:
        lines.append("  broken: {owner: x, drives: [nowhere]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read_a_little(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run revtrace, read 100 bytes of its output and leave, as `| head -c 100` does; its
    exit code and what it said on stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "revtrace", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    assert len(process.stdout.read(100)) == 100
    process.stdout.close()
    errors = process.stderr.read().decode("utf-8")
    return process.wait(timeout=120), errors


@pytest.mark.parametrize(
    ("args", "traced", "broken", "code"),
    [
        (["audit", "--format", "json"], True, False, 0),
        (["audit", "--format", "json"], False, False, 1),
        (["audit"], False, False, 1),
        (["audit", "--format", "json", "--exit-zero"], False, False, 0),
        (["tree"], True, True, 1),
        (["report", "--fail-on", "warning"], False, False, 1),
        (["report"], False, False, 0),
    ],
)
def test_a_reader_that_leaves_does_not_change_the_exit_code(
    tmp_path: Path, args: list[str], traced: bool, broken: bool, code: int
) -> None:
    """`revtrace audit | head` under `set -o pipefail`: the run exits as it would have,
    whether its output comes from the analysis or from the cache, and says nothing about
    the closed pipe (rich's own handling exited 1 whatever the run found)."""
    _catalog(tmp_path / "metrics.yaml", traced=traced, broken=broken)
    env = {**os.environ, "REVTRACE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("REVTRACE_NO_CACHE", None)
    whole = subprocess.run(
        [sys.executable, "-m", "revtrace", *args],
        capture_output=True,
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=120,
    )
    assert whole.returncode == code and len(whole.stdout) > 100_000
    for _ in ("analysed", "from the cache"):
        returned, errors = _read_a_little(args, tmp_path, env)
        assert returned == code
        assert "Traceback" not in errors and "pipe" not in errors.casefold()
        assert ("RT002" in errors) is broken


def test_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path / "big.yaml", traced=True)
    result = subprocess.run(
        f"{sys.executable} -m revtrace tree {catalog} | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.startswith("revenue")
    assert "Traceback" not in result.stderr
    assert "Error" not in result.stderr


def test_running_out_of_memory_is_one_line_and_exit_2() -> None:
    code = """
import sys
import revtrace.analysis
def exhausted(*args, **kwargs):
    raise MemoryError()
revtrace.analysis.analyse_read = exhausted
from revtrace.cli import main
sys.argv = ["revtrace", "audit"]
main()
"""
    result = python(code, cache=False)
    assert result.returncode == 2
    assert (
        result.stderr
        == "revtrace: error: out of memory (is the catalog far larger than expected?)\n"
    )


LEAVES_WORK = """
import sys, time
from pathlib import Path
from revtrace.cli.app import _exit_now
from revtrace.load import split

folder = Path(sys.argv[1])

def write_slowly():
    time.sleep(0.5)  # a cache's writer still going when the command is done
    (folder / "done").write_text("done", encoding="ascii")

print("the output")
split.in_background(write_slowly)
_exit_now(1)
"""


def test_the_command_ends_once_the_cache_is_written_but_releases_its_output_first(
    tmp_path: Path,
) -> None:
    """A large catalog's readings are written by a forked process. When the command is
    done, it hands back stdout and stderr at once (a pipe reading it ends), then waits
    for that writer before it exits: a CI step that saves the cache right after finds it
    whole, and no process is left behind."""
    import time

    command = [sys.executable, "-c", LEAVES_WORK, str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    output = process.stdout.read()  # until the command lets go of its stdout
    assert output == b"the output\n"
    assert not (tmp_path / "done").exists(), "stdout was held until the writer finished"
    started = time.monotonic()
    assert process.wait(timeout=60) == 1  # the command's own exit code
    assert (tmp_path / "done").exists(), "the command ended before its writer"
    assert time.monotonic() - started > 0.2


def test_an_interrupt_while_waiting_for_the_cache_keeps_the_commands_exit_code(
    tmp_path: Path,
) -> None:
    """Ctrl-C while revtrace waits for its cache's writer: the answer is out and its exit
    code decided; the command ends with that code at once."""
    import signal
    import time

    slow = LEAVES_WORK.replace("time.sleep(0.5)", "time.sleep(8)")
    command = [sys.executable, "-c", slow, str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.read() == b"the output\n"  # now it waits for the writer
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 1
    assert time.monotonic() - started < 3  # not the writer's 8 s


def test_an_interrupt_just_as_the_output_is_handed_back_ends_with_the_commands_code(
    tmp_path: Path,
) -> None:
    """Ctrl-C in the instant between handing back stdout and starting to wait for the
    writer (CI once hit it): the command's exit code, no traceback, no death by signal.
    The instant is stretched here by slowing the hand-back of stderr."""
    import signal

    slow = LEAVES_WORK.replace("time.sleep(0.5)", "time.sleep(8)").replace(
        "folder = Path(sys.argv[1])",
        "folder = Path(sys.argv[1])\n"
        "import os\n"
        "real_dup2 = os.dup2\n"
        "def slow_dup2(a, b, *rest):\n"
        "    real_dup2(a, b, *rest)\n"
        "    if b == 1:\n"
        "        time.sleep(1)  # stdout is handed back; stderr not yet\n"
        "os.dup2 = slow_dup2",
    )
    command = [sys.executable, "-c", slow, str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read() == b"the output\n"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 1
    assert b"Traceback" not in process.stderr.read()
