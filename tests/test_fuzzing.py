"""Bounded fuzzing in the test suite; `python -m tests.fuzzing` runs the long campaign."""

from __future__ import annotations

import shutil
import string
import subprocess

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import campaign, check


def test_a_short_mutation_campaign_finds_nothing() -> None:
    """A slice of the campaign in the quick suite; the slow suite runs ten times more."""
    ran, failures = campaign(cases=150, seed=20261127, save_to=None)
    assert ran == 150
    assert failures == [], failures[0]


@pytest.mark.slow
def test_mutated_catalogs_never_escape() -> None:
    ran, failures = campaign(cases=1_500, seed=20261126, save_to=None)
    assert ran == 1_500
    assert failures == [], failures[0]


# Structural generation: any YAML document, in any style, with awkward keys and values.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["no", "on", "~", "1e3", "0x10", "2026-01-01", "revenue", "drives", ""]),
)
keys = st.one_of(
    st.sampled_from(
        [
            "version",
            "metrics",
            "name",
            "owner",
            "team",
            "drives",
            "to",
            "note",
            "revenue",
            "status",
            "tags",
            "keep",
            "reason",
            "until",
            "by",
            "unit",
        ]
    ),
    st.text(alphabet=string.ascii_letters + "_.- 💰\t", min_size=0, max_size=12),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=6)
    ),
    max_leaves=40,
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.booleans(), st.booleans())
def test_any_yaml_document_is_handled(document: object, flow: bool, wrap: bool) -> None:
    if wrap:
        document = {"version": 1, "metrics": document}
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    check(text.encode("utf-8"))


ids = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=6)
names = st.text(max_size=20)  # any Unicode, controls and markup included


@st.composite
def catalogs(draw: st.DrawFn) -> bytes:
    metric_ids = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    metrics = {}
    for metric_id in metric_ids:
        definition: dict[str, object] = {"name": draw(names), "owner": draw(names)}
        if draw(st.booleans()):
            definition["revenue"] = True
        drives = draw(st.lists(st.sampled_from([*metric_ids, "undefined_one"]), max_size=3))
        if drives:
            definition["drives"] = drives
        if draw(st.integers(0, 5)) == 0:
            definition["status"] = "deprecated"
        metrics[metric_id] = definition
    return yaml.safe_dump({"version": 1, "metrics": metrics}, allow_unicode=True).encode("utf-8")


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(catalogs())
def test_random_catalogs_render_in_every_format_and_parse_back(data: bytes) -> None:
    check(data)


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz is not installed (.ci/run installs it)"
)
@settings(max_examples=40, deadline=None)
@given(catalogs())
def test_random_catalogs_give_dot_that_graphviz_parses(data: bytes) -> None:
    from revtrace.analysis import GraphView, analyse_loaded
    from revtrace.load import load_catalog_text
    from revtrace.render import dot

    analysis = analyse_loaded(load_catalog_text(data, "h.yaml"), None)
    text = dot.graph(GraphView(analysis, list(analysis.catalog.metrics)))
    parsed = subprocess.run(
        ["dot", "-Tcanon"], input=text, capture_output=True, text=True, timeout=60
    )
    assert parsed.returncode == 0, parsed.stderr
