"""The cache from the command line: a warm run prints what a cold one does, byte for byte,
and exits the same; an edit is always seen; the folder is where the settings say."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import Spec, write_catalog
from tests.conftest import REPO, Run, run_cli

FORMATS = ["text", "json", "sarif", "github", "junit", "markdown", "concise"]


def both(*args: str, env: dict[str, str] | None = None) -> tuple[Run, Run]:
    """A run without the cache, and one with it (writing it, or reading it)."""
    return run_cli(*args, "--no-cache", env=env), run_cli(*args, env=env)


def same(plain: Run, cached: Run) -> None:
    assert (cached.stdout, cached.stderr, cached.exit_code) == (
        plain.stdout,
        plain.stderr,
        plain.exit_code,
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REVTRACE_NO_CACHE", raising=False)
    monkeypatch.delenv("REVTRACE_CACHE_DIR", raising=False)
    (tmp_path / "metrics.yaml").write_bytes((REPO / "examples" / "ecommerce.yaml").read_bytes())
    return tmp_path


@pytest.mark.parametrize("format_name", FORMATS)
def test_cold_and_warm_runs_print_the_same(project: Path, format_name: str) -> None:
    for _ in range(2):  # the first writes the cache, the second reads it
        same(*both("audit", "--format", format_name))
    assert list((project / ".revtrace_cache" / "runs").iterdir())


def test_a_warm_run_is_answered_without_analysing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = run_cli("audit", "--format", "json")
    import revtrace.analysis

    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("analysed again")

    monkeypatch.setattr(revtrace.analysis, "analyse_read", never)
    same(cold, run_cli("audit", "--format", "json"))
    assert cold.exit_code == 1
    assert run_cli("audit", "--format", "json", "--exit-zero").exit_code == 0


def test_an_edit_that_keeps_size_and_mtime_is_seen(project: Path) -> None:
    catalog = project / "metrics.yaml"
    text = catalog.read_text(encoding="utf-8")
    before = run_cli("audit", "--format", "json")
    stat = catalog.stat()
    # Same length: the link to revenue is cut by renaming its target to an unknown metric.
    edited = text.replace("drives: [net_revenue]", "drives: [net_revenuX]", 1)
    assert edited != text and len(edited) == len(text)
    catalog.write_text(edited, encoding="utf-8")
    os.utime(catalog, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert catalog.stat().st_size == stat.st_size and catalog.stat().st_mtime_ns == stat.st_mtime_ns
    after_plain, after_cached = both("audit", "--format", "json")
    same(after_plain, after_cached)
    assert after_cached.stdout != before.stdout and "net_revenuX" in after_cached.stdout


def test_the_values_file_the_baseline_and_the_date_are_inputs(project: Path) -> None:
    catalog = project / "metrics.yaml"
    catalog.write_text(
        "version: 1\nmetrics:\n  revenue: {revenue: true, owner: x}\n"
        "  vanity: {owner: x, keep: {reason: asked, until: 2026-12-01}}\n"
        "  traffic: {owner: x}\n",
        encoding="utf-8",
    )
    outputs = set()
    for today in ("2026-11-30", "2026-12-02"):  # the exception expires between the two
        env = {"REVTRACE_TODAY": today}
        plain, cached = both("audit", "--format", "json", env=env)
        same(plain, run_cli("audit", "--format", "json", env=env))
        same(plain, cached)
        outputs.add(cached.stdout)
    assert len(outputs) == 2
    env = {"REVTRACE_TODAY": "2026-11-30"}
    baseline = project / "baseline.json"
    run_cli("audit", "--write-baseline", str(baseline), env=env)
    accepted = both("audit", "--format", "json", "--baseline", str(baseline), env=env)
    same(*accepted)
    baseline.write_text('{"version": 1, "findings": []}\n', encoding="utf-8")
    emptied = both("audit", "--format", "json", "--baseline", str(baseline), env=env)
    same(*emptied)
    assert emptied[1].stdout != accepted[1].stdout


def test_a_corrupt_run_entry_is_ignored_and_written_again(project: Path) -> None:
    cold = run_cli("audit", "--format", "sarif")
    (entry,) = (project / ".revtrace_cache" / "runs").iterdir()
    good = entry.read_bytes()
    header, _, payload = good.partition(b"\n")
    for damaged in (b"", good[: len(good) // 2], header + b"\n" + payload[:-1] + b"X", b"\xff"):
        entry.write_bytes(damaged)
        same(cold, run_cli("audit", "--format", "sarif"))
        assert entry.read_bytes() == good


def test_the_cache_folder_follows_the_settings(project: Path) -> None:
    run_cli("audit", "--format", "json", env={"REVTRACE_CACHE_DIR": "from-env"})
    assert (project / "from-env" / "runs").is_dir()
    (project / "revtrace.toml").write_text('cache-dir = "from-config"\n', encoding="utf-8")
    run_cli("audit", "--format", "json")
    assert (project / "from-config" / "files").is_dir()
    shown = run_cli("config", "--format", "json").stdout
    assert '"cache-dir": {\n      "value": "from-config"' in shown
    assert not (project / ".revtrace_cache").exists()
    for off in (["--no-cache"], []):
        env = {"REVTRACE_NO_CACHE": "1", "REVTRACE_CACHE_DIR": "never"}
        run_cli("audit", "--format", "json", *off, env=env)
        run_cli("tree", *off, env=env)
    assert not (project / "never").exists()


def test_a_cache_folder_that_cannot_be_made_is_no_error(project: Path) -> None:
    (project / "blocked").write_text("a file", encoding="utf-8")
    plain = run_cli("audit", "--format", "json", "--no-cache")
    for _ in range(2):
        same(plain, run_cli("audit", "--format", "json", env={"REVTRACE_CACHE_DIR": "blocked"}))


VIEWS = [
    ["tree"],
    ["tree", "--reverse", "--depth", "2"],
    ["tree", "--format", "json", "-m", "+orders"],
    ["trace", "orders"],
    ["trace", "orders", "--max-paths", "1", "--format", "json"],
    ["graph"],
    ["graph", "--format", "dot"],
    ["graph", "--format", "json", "-m", "orders+"],
    ["scorecard"],
    ["scorecard", "--by", "owner", "--format", "markdown"],
    ["impact"],
    ["impact", "--top", "3", "--format", "json"],
]


def test_view_commands_print_the_same_from_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tree, trace, graph, scorecard and impact: each set of options its own entry, the
    catalog's errors on stderr kept with the output, and a warm run analyses nothing."""
    catalog = project / "metrics.yaml"
    # An error in the catalog: printed on stderr, exit 1, by every view command.
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace(
            "drives: [net_revenue]", "drives: [net_revenuX]", 1
        ),
        encoding="utf-8",
    )
    plain = {tuple(args): run_cli(*args, "--no-cache") for args in VIEWS}
    assert all(result.exit_code == 1 and result.stderr for result in plain.values())
    assert len({result.stdout for result in plain.values()}) == len(VIEWS)
    for args in VIEWS:
        same(plain[tuple(args)], run_cli(*args))  # cold
    import revtrace.analysis

    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("analysed again")

    monkeypatch.setattr(revtrace.analysis, "analyse_read", never)
    for args in VIEWS:
        same(plain[tuple(args)], run_cli(*args))  # warm
    assert len(list((project / ".revtrace_cache" / "runs").iterdir())) == len(VIEWS)


def test_a_view_that_fails_is_not_kept(project: Path) -> None:
    for _ in range(2):
        result = run_cli("trace", "no_such_metric")
        assert result.exit_code == 2 and "unknown metric" in result.stderr
    runs = project / ".revtrace_cache" / "runs"
    assert not runs.exists() or list(runs.iterdir()) == []


@pytest.mark.slow
def test_two_runs_writing_at_once_leave_a_whole_cache(tmp_path: Path) -> None:
    write_catalog(Spec(metrics=6_000, files=4), tmp_path / "catalog")
    command = [sys.executable, "-m", "revtrace", "audit", "--format", "json", "catalog"]
    env = {**os.environ, "REVTRACE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("REVTRACE_NO_CACHE", None)
    reference = subprocess.run(
        [*command, "--no-cache"], cwd=tmp_path, capture_output=True, env=env, check=False
    )
    for round_ in range(3):
        if round_ < 2:
            shutil.rmtree(tmp_path / "cache", ignore_errors=True)  # both write every entry
        runs = [
            subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, env=env)
            for _ in range(2)
        ]
        outputs = [run.communicate()[0] for run in runs]
        assert outputs == [reference.stdout] * 2
        assert [run.returncode for run in runs] == [reference.returncode] * 2
    warm = subprocess.run(command, cwd=tmp_path, capture_output=True, env=env, check=False)
    assert (warm.stdout, warm.returncode) == (reference.stdout, reference.returncode)
    leftovers = [p for p in (tmp_path / "cache").rglob(".tmp-*")]
    assert leftovers == []


def test_text_is_kept_per_terminal_width_and_colour(project: Path) -> None:
    """Text depends on the terminal: each width and colour setting is its own entry (the
    scorecard's table is laid out to the width; the audit's sentences are not)."""
    outputs = set()
    for env in ({"COLUMNS": "30"}, {"COLUMNS": "130"}, {"COLUMNS": "30", "FORCE_COLOR": "1"}):
        for _ in range(2):
            same(*both("audit", env=env))
            same(*both("audit", "--quiet", env=env))
            plain, cached = both("scorecard", env=env)
            same(plain, cached)
        outputs.add(cached.stdout)
    assert len(outputs) == 3
    assert "\x1b[" in run_cli("audit", env={"FORCE_COLOR": "1"}).stdout


def test_text_written_to_a_file_is_replayed_into_the_file(project: Path) -> None:
    for number in range(2):
        written = project / f"audit-{number}.txt"
        result = run_cli("audit", "-o", str(written))
        assert result.exit_code == 1 and result.stdout == ""
        assert "Candidates to drop" in written.read_text(encoding="utf-8")
    first, second = (project / f"audit-{n}.txt" for n in range(2))
    assert first.read_bytes() == second.read_bytes()
    refused = run_cli("audit", "-o", str(first))  # no --force: the replay refuses too
    assert refused.exit_code == 2 and "already exists" in refused.stderr


def test_writing_a_baseline_is_never_answered_from_the_cache(project: Path) -> None:
    for format_name in ("json", "text"):
        run_cli("audit", "--format", format_name)
        written = project / f"baseline-{format_name}.json"
        result = run_cli("audit", "--format", format_name, "--write-baseline", str(written))
        assert result.exit_code == 0 and written.is_file()


@pytest.mark.slow
def test_a_large_catalog_is_written_to_the_cache_while_the_run_goes_on(tmp_path: Path) -> None:
    """From 20,000 metrics the readings are written by a forked process (the first run
    then costs what a run without the cache does), which revtrace waits for before it
    exits: the cache is whole when the command is done (a CI step saving it next finds
    it), and what it wrote is read back whole."""
    from revtrace.load import load_sources
    from revtrace.load.cache import BACKGROUND_METRICS, FileCache
    from revtrace.load.store import Store

    folder = tmp_path / "catalog"
    files = write_catalog(Spec(metrics=BACKGROUND_METRICS + 4_000, files=3), folder)
    env = {**os.environ, "REVTRACE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("REVTRACE_NO_CACHE", None)
    command = [sys.executable, "-m", "revtrace", "audit", "--format", "json", "catalog"]
    cold = subprocess.run(command, cwd=tmp_path, capture_output=True, env=env, check=False)
    entries = tmp_path / "cache" / "files"
    assert len([p for p in entries.glob("*") if not p.name.startswith(".")]) == 3
    sources = [(f"catalog/{p.name}", p.read_bytes()) for p in files]
    cache = FileCache(Store(str(tmp_path / "cache")))
    assert load_sources(sources, cache=cache) == load_sources(sources)
    assert cache.written == 0  # all three came from the cache
    warm = subprocess.run(command, cwd=tmp_path, capture_output=True, env=env, check=False)
    assert (warm.stdout, warm.returncode) == (cold.stdout, cold.returncode)


def test_an_output_cut_short_is_not_kept(tmp_path: Path) -> None:
    """`revtrace audit --format json | head`: the reader leaves, the output is incomplete,
    and nothing of it is kept (no entry, no temporary file left behind)."""
    write_catalog(Spec(metrics=6_000), tmp_path / "catalog")
    env = {**os.environ, "REVTRACE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("REVTRACE_NO_CACHE", None)
    cut = subprocess.run(
        f"{sys.executable} -m revtrace audit --format json catalog | head -c 100",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        env=env,
        check=False,
    )
    assert len(cut.stdout) == 100 and b"Traceback" not in cut.stderr
    runs = tmp_path / "cache" / "runs"
    assert not runs.exists() or list(runs.iterdir()) == []
    whole = subprocess.run(
        [sys.executable, "-m", "revtrace", "audit", "--format", "json", "catalog"],
        cwd=tmp_path,
        capture_output=True,
        env=env,
        check=False,
    )
    assert json.loads(whole.stdout)["summary"]["metrics"] == 6_000
    assert [p.name for p in runs.iterdir() if not p.name.startswith(".")] != []


def test_the_report_is_kept_too(project: Path) -> None:
    """The HTML report, a CI artefact: written again from the cache when nothing changed,
    with the same note and exit code; --fail-on and the values file are inputs."""
    for gate in ([], ["--fail-on", "warning"]):
        outputs = []
        for number in range(3):
            written = project / f"report-{len(gate)}-{number}.html"
            flags = ["--no-cache"] if number == 0 else []
            result = run_cli("report", "-o", str(written), *gate, *flags)
            assert result.stderr == f"revtrace: wrote the report to {written}\n"
            outputs.append((written.read_bytes(), result.exit_code))
        assert outputs[0] == outputs[1] == outputs[2]
        assert outputs[0][1] == (1 if gate else 0)
    entries = list((project / ".revtrace_cache" / "runs").iterdir())
    assert len(entries) == 2  # one per --fail-on
    evidence = REPO / "examples" / "evidence"
    (project / "metrics.yaml").write_bytes((evidence / "metrics.yaml").read_bytes())
    values = project / "values.csv"
    values.write_bytes((evidence / "values.csv").read_bytes())
    with_values = []
    for edit in (False, True):
        if edit:  # one value changed, the catalog not
            text = values.read_text(encoding="utf-8")
            values.write_text(text.replace(",193670.12,", ",193000.12,"), encoding="utf-8")
        plain = run_cli("report", "--values", str(values), "--no-cache")
        cached = [run_cli("report", "--values", str(values)) for _ in range(2)]
        assert "<html" in plain.stdout
        assert cached[0].stdout == cached[1].stdout == plain.stdout
        with_values.append(plain.stdout)
    assert with_values[0] != with_values[1]


@pytest.mark.slow
def test_at_100000_metrics_cold_warm_and_partial_runs_print_the_same(tmp_path: Path) -> None:
    """The benchmark's catalog, in 20 files: every path through the cache (empty, full,
    one file edited in place with its size and time kept) prints what a run without the
    cache prints, byte for byte (findings, locations, every row)."""
    files = write_catalog(Spec(metrics=100_000, files=20), tmp_path / "catalog")
    env = {**os.environ, "REVTRACE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("REVTRACE_NO_CACHE", None)
    command = [sys.executable, "-m", "revtrace", "audit", "--format", "json", "catalog"]

    def audit(*extra: str) -> tuple[bytes, int]:
        done = subprocess.run(
            [*command, *extra], cwd=tmp_path, capture_output=True, env=env, check=False
        )
        return done.stdout, done.returncode

    reference = audit("--no-cache")
    assert audit() == reference  # cold: the cache empty
    assert audit() == reference  # warm
    edited = files[7]
    status = edited.stat()
    text = edited.read_text(encoding="utf-8")
    first_id = text.split("\n", 3)[2].strip().rstrip(":")
    renamed = first_id[:-1] + ("x" if first_id[-1] != "x" else "y")
    edited.write_text(text.replace(f"  {first_id}:", f"  {renamed}:", 1), encoding="utf-8")
    os.utime(edited, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert edited.stat().st_size == status.st_size
    after = audit("--no-cache")
    assert after != reference and renamed.encode() in after[0]
    assert audit() == after  # partial: one file read again
    assert audit() == after  # warm again


def test_clean_deletes_the_cache_and_nothing_else(project: Path) -> None:
    run_cli("audit", "--format", "json")
    assert (project / ".revtrace_cache").is_dir()
    result = run_cli("clean")
    assert (result.exit_code, result.stderr) == (0, "revtrace: deleted .revtrace_cache\n")
    assert sorted(p.name for p in project.iterdir()) == ["metrics.yaml"]
    again = run_cli("clean")
    assert (again.exit_code, again.stderr) == (0, "revtrace: no cache at .revtrace_cache\n")
    # A cache-dir that names something revtrace did not make is never deleted: the
    # project's own folder, a folder of the user's, a file, a link to a real cache.
    (project / "mine").mkdir()
    (project / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    run_cli("audit", env={"REVTRACE_CACHE_DIR": "real"})
    (project / "link").symlink_to(project / "real")
    for folder in (".", "mine", "metrics.yaml", "link"):
        refused = run_cli("clean", env={"REVTRACE_CACHE_DIR": folder})
        assert refused.exit_code == 2, folder
        assert "is not a revtrace cache" in refused.stderr
    assert (project / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (project / "metrics.yaml").is_file() and (project / "real" / "CACHEDIR.TAG").is_file()
    assert run_cli("clean", env={"REVTRACE_CACHE_DIR": "real"}).exit_code == 0
    assert not (project / "real").exists()


def test_a_cache_dir_pointed_at_the_project_leaves_it_as_it_was(project: Path) -> None:
    """`cache-dir = "."` (or any folder of the user's): no .gitignore of `*` that would
    hide every new file from git, no entries among the user's files; the run goes on."""
    (project / "notes").mkdir()
    (project / "notes" / "todo.txt").write_text("mine", encoding="utf-8")
    before = sorted(p.name for p in project.rglob("*"))
    plain = run_cli("audit", "--format", "json", "--no-cache")
    for folder in (".", "notes"):
        same(plain, run_cli("audit", "--format", "json", env={"REVTRACE_CACHE_DIR": folder}))
        same(plain, run_cli("audit", "--format", "json", env={"REVTRACE_CACHE_DIR": folder}))
    assert sorted(p.name for p in project.rglob("*")) == before
    # An empty folder is taken as the cache.
    (project / "empty").mkdir()
    run_cli("audit", "--format", "json", env={"REVTRACE_CACHE_DIR": "empty"})
    assert (project / "empty" / "CACHEDIR.TAG").is_file()


def test_explain_and_fit_keep_their_output_and_what_they_said_on_stderr(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a values file: its problems (on stderr), `fit --diff`'s notes, and the output,
    the same from the cache; the values file's bytes are an input."""
    evidence = REPO / "examples" / "evidence"
    (project / "metrics.yaml").write_bytes((evidence / "metrics.yaml").read_bytes())
    values = project / "values.csv"
    # One bad cell: an RT020 problem printed on stderr by both commands.
    text = (evidence / "values.csv").read_text(encoding="utf-8")
    values.write_text(text.replace(",193670.12,", ",19x,"), encoding="utf-8")
    commands = [
        ["explain", "--values", "values.csv"],
        ["explain", "--values", "values.csv", "--format", "json", "--from", "2026-08"],
        ["fit", "--values", "values.csv"],
        ["fit", "--values", "values.csv", "--diff"],
    ]
    plain = {tuple(args): run_cli(*args, "--no-cache") for args in commands}
    assert all("RT020" in result.stderr for result in plain.values())
    assert "review it, then apply it with `git apply`" in plain[tuple(commands[3])].stderr
    for args in commands:
        same(plain[tuple(args)], run_cli(*args))  # cold
    import revtrace.analysis

    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("analysed again")

    with monkeypatch.context() as patched:
        patched.setattr(revtrace.analysis, "analyse_read", never)
        for args in commands:
            same(plain[tuple(args)], run_cli(*args))  # warm
    values.write_text(text, encoding="utf-8")  # the values file mended, the catalog not
    for args in commands:
        mended = run_cli(*args, "--no-cache")
        assert "RT020" not in mended.stderr
        same(mended, run_cli(*args))


def test_stderr_is_replayed_in_its_place_around_the_output(tmp_path: Path) -> None:
    """On a terminal both streams show together: a values file's problems before the
    patch, `fit --diff`'s notes after it, from the cache as first printed."""
    evidence = REPO / "examples" / "evidence"
    (tmp_path / "metrics.yaml").write_bytes((evidence / "metrics.yaml").read_bytes())
    text = (evidence / "values.csv").read_text(encoding="utf-8")
    (tmp_path / "values.csv").write_text(text.replace(",193670.12,", ",19x,"), encoding="utf-8")
    env = {**os.environ, "REVTRACE_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("REVTRACE_NO_CACHE", None)

    def together(*extra: str) -> str:
        return subprocess.run(
            f"{sys.executable} -m revtrace fit --values values.csv --diff {' '.join(extra)} 2>&1",
            shell=True,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        ).stdout

    plain = together("--no-cache")
    assert plain.index("RT020") < plain.index("--- a/") < plain.index("git apply")
    assert together() == plain  # cold
    assert together() == plain  # from the cache
