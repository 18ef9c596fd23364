from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from revtrace.analysis.policy import Policy
from revtrace.cli import app
from revtrace.model.catalog import Keep, Link, Location, Metric
from revtrace.rules import ALL_RULES

# In CI the property tests replay the same examples every run (a red CI must be
# reproducible, not a dice roll); locally they explore new ones each time.
settings.register_profile(
    "revtrace",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("CI") == "true",
)
settings.load_profile("revtrace")

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Run:
    stdout: str
    stderr: str
    exit_code: int


def run_cli(*args: str, env: dict[str, str] | None = None) -> Run:
    """Run the real CLI in-process; stdout, stderr and the exit code are kept apart."""
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Run(result.stdout, result.stderr, result.exit_code)


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[..., Path]:
    """Write catalog text (or bytes) to a file and return its path."""

    def write(content: str | bytes, name: str = "metrics.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


def metric_with_every_field() -> Metric:
    """A metric (of c.yaml) with every field set, two links of each kind: what a codec of
    metrics (the two-process read, the cache) must carry whole. Every field differs from
    its default, so a field added to the data model fails here until it is set."""
    metric = Metric(
        id="m",
        location=Location("c.yaml", 3, 3),
        name="M",
        description="d",
        owner="o",
        team="t",
        unit="u",
        source="s",
        tags=("a", "b"),
        status="deprecated",
        revenue=True,
        drives=(
            Link("m", "n", Location("c.yaml", 9, 14), "why", -0.5, "measured", sign="negative"),
            Link("m", "x", Location("c.yaml", 9, 17)),
        ),
        keep=Keep(Location("c.yaml", 10, 5), "board asks", date(2027, 1, 31), "cfo"),
        value=12.5,
        computed_from=(
            Link("r", "m", Location("c.yaml", 11, 20), kind="computed_from"),
            Link("q", "m", Location("c.yaml", 11, 23), kind="computed_from"),
        ),
        formula="a * b",
        formula_at=Location("c.yaml", 12, 14),
    )
    # (A link in `drives` is of kind "drives" as read: other kinds are merged in later.)
    assert all(getattr(metric, f) != d for f, d in Metric._field_defaults.items())
    assert all(getattr(metric.keep, f) != d for f, d in Keep._field_defaults.items())
    link_fields = {f: d for f, d in Link._field_defaults.items() if f != "kind"}
    assert all(getattr(metric.drives[0], f) != d for f, d in link_fields.items())
    return metric


def build_policy(**overrides: object) -> Policy:
    """A rule policy with the defaults, and `overrides` (select, ignore, severity, fail_on)."""
    options: dict[str, object] = {
        "select": None,
        "ignore": [],
        "severity": {},
        "fail_on": "warning",
        "where": {},
    }
    options.update(overrides)
    return Policy.build(ALL_RULES, **options)  # type: ignore[arg-type]


def follow_next(metrics: dict[str, dict[str, object]], start: str) -> list[str]:
    """The shortest path to revenue an audit JSON document gives `start`, by following
    each metric's `next` hop (as a consumer of the document would)."""
    path = [start]
    while (following := metrics[path[-1]]["next"]) is not None:
        assert isinstance(following, str) and following not in path
        path.append(following)
    return path


GOLDEN = DATA / "golden"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/data/golden/NAME; REVTRACE_UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("REVTRACE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {name}; run with REVTRACE_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def report_picture(page: str) -> dict[str, Any]:
    """The data an HTML report's lineage picture is drawn from (its script draws the SVG
    in the browser; tests/render/test_picture_browser.py measures the drawing)."""
    import json
    import re

    found = re.search(
        r'<script type="application/json" id="revtrace-picture">(.*?)</script>', page, re.S
    )
    assert found is not None, "the report has no picture data"
    document: dict[str, Any] = json.loads(found.group(1))
    return document


def picture_status(page: str) -> dict[str, str]:
    """Each metric's status in the report's picture, by id."""
    return {n["id"]: n["status"] for n in report_picture(page)["nodes"]}
