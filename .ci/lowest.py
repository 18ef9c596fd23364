"""Print pip constraints that pin each runtime dependency to its declared lower bound.

.ci/run installs the package with them and runs the quick suite again, so that every
`>=` in pyproject.toml is a version the suite passes on (a `>=0.12` that was never true,
and a PyYAML whose libyaml let hostile YAML crash an import, were found this way).
"""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

project = tomllib.loads(Path(__file__).parent.parent.joinpath("pyproject.toml").read_text())
for requirement in project["project"]["dependencies"]:
    spec, _, marker = requirement.partition(";")
    found = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([^,\s]+).*", spec)
    if found is None:
        raise SystemExit(f"no lower bound to pin in {requirement!r}")
    name, version = found.groups()
    print(f"{name}=={version}" + (f"; {marker.strip()}" if marker else ""))
