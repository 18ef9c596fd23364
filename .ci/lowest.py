"""Print pip constraints that pin each runtime dependency to its declared lower bound, or,
with --test-tools, the development requirements the test suite needs.

.ci/run installs the package with them (on the oldest Python it supports, where the
machine has one) and runs the quick suite again, so that every `>=` in pyproject.toml is a
version the suite passes on: a `typer>=0.12` that was never true, and a PyYAML whose
libyaml let hostile YAML hang an audit and crash an import, were found this way. The
linters and the type checker are left out: the suite does not need them, and their own
requirements (import-linter's `tomli>=1.2.1`) would overrule the bounds being tested.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

#: Development requirements that check the code rather than run the tests.
CHECKERS = {"mypy", "ruff", "types-pyyaml", "import-linter"}

project = tomllib.loads(Path(__file__).parent.parent.joinpath("pyproject.toml").read_text())
if sys.argv[1:] == ["--test-tools"]:
    for requirement in project["project"]["optional-dependencies"]["dev"]:
        name = re.match(r"\s*([A-Za-z0-9_.-]+)", requirement)
        if name is None or name.group(1).lower() not in CHECKERS:
            print(requirement)
    raise SystemExit(0)
for requirement in project["project"]["dependencies"]:
    spec, _, marker = requirement.partition(";")
    found = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([^,\s]+).*", spec)
    if found is None:
        raise SystemExit(f"no lower bound to pin in {requirement!r}")
    name, version = found.groups()
    print(f"{name}=={version}" + (f"; {marker.strip()}" if marker else ""))
