"""Nothing is lost: files are written atomically, never over a catalog, never over
anything without --force, and a failed write leaves the old file as it was."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from revtrace import output
from revtrace.output import OutputError, write_file


def test_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    write_file(str(target), "{}\n")
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="--force"):
        write_file(str(target), "new")
    assert target.read_text(encoding="utf-8") == "old"
    write_file(str(target), "new", force=True)
    assert target.read_text(encoding="utf-8") == "new"


def test_refuses_a_catalog_even_with_force(tmp_path: Path) -> None:
    catalog = tmp_path / "metrics.yaml"
    catalog.write_text("version: 1\n", encoding="utf-8")
    link = tmp_path / "alias.yaml"
    link.symlink_to(catalog)
    with pytest.raises(OutputError, match="never writes to a catalog"):
        write_file(str(link), "x", force=True, protected=[str(catalog)])
    assert catalog.read_text(encoding="utf-8") == "version: 1\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        write_file(str(target), "new", force=True)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_an_interrupted_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_file(str(target), "new", force=True)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_missing_folder_or_a_directory_target_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_file(str(tmp_path / "no" / "r.json"), "x")
    with pytest.raises(OutputError, match="is a directory"):
        write_file(str(tmp_path), "x", force=True)


def test_new_files_get_ordinary_permissions(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    write_file(str(target), "x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_pipe_is_written_into_never_replaced(tmp_path: Path) -> None:
    # Like /dev/stdout or /dev/null: a special file must be written into, not replaced by
    # a regular file (a FIFO stands in, so a regression cannot clobber a real device).
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_file(str(fifo), "through the pipe", force=True)
    reader.join(timeout=10)
    assert received == ["through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_through_a_symlink_the_target_is_replaced_and_the_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_file(str(link), "new", force=True)
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_no_command_ever_modifies_a_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import REPO, run_cli

    catalog = tmp_path / "metrics.yaml"
    catalog.write_bytes((REPO / "examples" / "b2b-saas.yaml").read_bytes())
    os.utime(catalog, (1_000_000_000, 1_000_000_000))
    before = (catalog.read_bytes(), catalog.stat().st_mtime_ns)
    monkeypatch.chdir(tmp_path)
    commands = [
        ["audit"],
        *(["audit", "--format", f] for f in ("json", "github", "sarif", "junit", "markdown")),
        ["audit", "--statistics"],
        ["audit", "--write-baseline", "b.json"],
        ["audit", "--baseline", "b.json"],
        ["audit", "--format", "json", "-o", "metrics.yaml", "--force"],
        ["audit", "--write-baseline", "metrics.yaml", "--force"],
        ["tree"],
        ["trace", "webinar_attendees"],
        ["diff", "metrics.yaml", "metrics.yaml"],
        ["init", "--force"],
        ["config"],
        ["schema"],
    ]
    for command in commands:
        result = run_cli(*command)
        assert "Traceback" not in result.stderr
    # `init --force` is asked to overwrite metrics.yaml: it is the one command allowed to.
    assert (catalog.read_bytes(), catalog.stat().st_mtime_ns) != before
    catalog.write_bytes(before[0])
    os.utime(catalog, ns=(before[1], before[1]))
    for command in commands[:-3]:
        run_cli(*command)
        assert (catalog.read_bytes(), catalog.stat().st_mtime_ns) == before, command
    # Nothing else written but the cache's own folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".revtrace_cache",
        "b.json",
        "metrics.yaml",
    ]
