"""A newcomer's mistakes: each file in tests/data/mistakes/ is a realistic catalog with one
mistake, and says in its second line which finding must come first (`# expect: CODE LINE
phrase`): the most severe one, first in the file, at the line to fix, in words that say
what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATA, run_cli

MISTAKES = sorted((DATA / "mistakes").glob("*.yaml"))


def expected(path: Path) -> tuple[str, int, str]:
    line = path.read_text(encoding="utf-8").splitlines()[1]
    assert line.startswith("# expect: "), path
    code, number, phrase = line.removeprefix("# expect: ").split(" ", 2)
    return code, int(number), phrase


def test_the_corpus_has_thirty_mistakes_or_more() -> None:
    assert len(MISTAKES) >= 30


@pytest.mark.parametrize("path", MISTAKES, ids=lambda p: p.stem)
def test_the_first_finding_is_at_the_line_to_fix(path: Path) -> None:
    result = run_cli("audit", str(path), "--format", "json", env={"REVTRACE_TODAY": "2026-11-27"})
    assert result.exit_code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    worst = max(("info", "warning", "error").index(f["severity"]) for f in findings)
    severity = ("info", "warning", "error")[worst]
    first = [f for f in findings if f["severity"] == severity]
    place = (first[0]["line"], first[0]["column"])
    tied = [f for f in first if (f["line"], f["column"]) == place]
    code, line, phrase = expected(path)
    assert any(f["code"] == code and f["line"] == line and phrase in f["message"] for f in tied), (
        first[:2]
    )
