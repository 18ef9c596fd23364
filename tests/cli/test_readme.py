"""The README shows what revtrace really prints: every ```console block starting with
`$ revtrace …` is run, and its lines must be the output's (a line `...` stands for lines
left out, so an omission is always visible)."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.conftest import REPO, run_cli

BLOCK = re.compile(r"```console\n\$ (?P<command>[^\n]+)\n(?P<output>.*?)```", re.DOTALL)
README = (REPO / "README.md").read_text(encoding="utf-8")
EXAMPLES = [(m.group("command"), m.group("output")) for m in BLOCK.finditer(README)]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` is `expected` with each `...` line standing for any lines."""
    segments: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == "...":
            segments.append([])
        else:
            segments[-1].append(line)
    position = 0
    for index, segment in enumerate(segments):
        if not segment:
            continue
        anchored = index == 0  # the first segment starts the output
        found = -1
        for start in range(position, len(actual) - len(segment) + 1):
            if actual[start : start + len(segment)] == segment:
                found = start
                break
            if anchored:
                break
        if found < 0:
            return False
        position = found + len(segment)
    return not segments[-1] or position == len(actual)  # ends with the output, or `...`


def test_the_readme_has_examples_to_check() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("command, output", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_a_readme_example_prints_what_the_readme_shows(
    command: str, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    words = shlex.split(command)
    env = {"COLUMNS": "100", "NO_COLOR": "1", "REVTRACE_TODAY": "2026-11-27"}
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    assert words[0] == "revtrace"
    result = run_cli(*words[1:], env=env)
    actual = result.stdout.rstrip("\n").splitlines()
    expected = output.rstrip("\n").splitlines()
    assert matches(expected, actual), "\n".join(actual)


def test_the_matcher_needs_every_line_or_an_explicit_gap() -> None:
    assert matches(["a", "...", "c"], ["a", "b", "c"])
    assert not matches(["a", "c"], ["a", "b", "c"])
    assert not matches(["b", "..."], ["a", "b"])
    assert matches(["a", "..."], ["a", "b"])
    assert not matches(["a"], ["a", "b"])
