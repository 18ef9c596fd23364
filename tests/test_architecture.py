"""The shape docs/architecture.md promises, kept: small modules and functions, and
renderers that decide nothing. (The import layering itself is `lint-imports`' job.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "revtrace"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 70


def _body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end: a typer command's
    long signature does not count."""
    body = function.body
    first = body[0]
    if (
        len(body) > 1
        and isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        first = body[1]
    return (function.end_lineno or first.lineno) - first.lineno + 1


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_modules_and_functions_stay_small(module: Path) -> None:
    text = module.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({_body_lines(node)} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and _body_lines(node) > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_no_renderer_names_a_rule_code() -> None:
    """What a finding means (a candidate to drop, …) is decided in analysis/."""
    for module in sorted((PACKAGE / "render").glob("*.py")):
        code = "\n".join(
            line
            for line in module.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")
        )
        tree = ast.parse(code)
        literals = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"RT\d{3}", node.value)
        ]
        assert literals == [], module.name


def test_exit_codes_are_defined_once() -> None:
    definitions = [
        str(module.relative_to(REPO))
        for module in MODULES
        if re.search(r"^EXIT_CLEAN\s*=", module.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert definitions == ["revtrace/model/codes.py"]
