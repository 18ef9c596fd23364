"""Structural fuzzing of the importers: any dbt or Lightdash document, however odd its
shape or names, ends in a written catalog revtrace reads back, or in one clear line.

The property a user relies on: `revtrace import … -o metrics.yaml` either fails with a
message (exit 1 or 2, no traceback), or writes a catalog that `revtrace audit` reads
without a YAML error and with every imported metric present under its own id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revtrace.load import load_catalog_text
from tests.conftest import run_cli

# Names as real projects write them, and as hostile ones might.
_plain = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_unusual = st.one_of(
    st.sampled_from(["revenue", "orders", "order_total", "profit", "a.b", "x y", "'q'", '"d"']),
    st.sampled_from(
        [
            "[red]x[/]",
            "- a",
            "#c",
            "a: b",
            "\u202ex",
            "ids\u3164",
            "null",
            "true",
            "c1\x89\x85\u2028",
        ]
    ),
    st.text(max_size=12),
)
names = st.integers(0, 9).flatmap(lambda n: _plain if n < 6 else _unusual)
odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    names,
)
expressions = st.one_of(
    st.builds(lambda a, o, b: f"{a} {o} {b}", names, st.sampled_from("+-*/"), names),
    st.builds(lambda a: f"${{{a}}} / 2", names),
    st.builds(lambda a, b: f"{a}.{b} - ${{{b}}}", names, names),
    names,
)
inputs = st.lists(
    st.one_of(names, st.fixed_dictionaries({"name": names}, optional={"alias": names})),
    max_size=3,
)


def _field(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field is usually what the format expects, sometimes anything at all."""
    anything = st.one_of(odd, st.lists(odd, max_size=2))
    return st.integers(0, 9).flatmap(lambda n: strategy if n < 8 else anything)


dbt_metrics = st.fixed_dictionaries(
    {"name": _field(names)},
    optional={
        "type": _field(
            st.sampled_from(["simple", "ratio", "derived", "cumulative", "conversion", "sum"])
        ),
        "label": _field(names),
        "description": _field(names),
        "filter": _field(names),
        "group": _field(names),
        "expression": _field(expressions),
        "meta": _field(
            st.fixed_dictionaries(
                {}, optional={"owner": names, "revtrace": _field(st.just({"revenue": True}))}
            )
        ),
        "type_params": _field(
            st.fixed_dictionaries(
                {},
                optional={
                    "measure": _field(st.one_of(names, st.fixed_dictionaries({"name": names}))),
                    "numerator": _field(st.one_of(names, st.fixed_dictionaries({"name": names}))),
                    "denominator": _field(names),
                    "expr": _field(expressions),
                    "metrics": _field(inputs),
                    "input_metrics": _field(inputs),
                },
            )
        ),
        # dbt's latest spec: the type parameters as the metric's own keys.
        "numerator": _field(st.one_of(names, st.fixed_dictionaries({"name": names}))),
        "denominator": _field(names),
        "expr": _field(expressions),
        "input_metrics": _field(inputs),
        "input_metric": _field(st.one_of(names, st.fixed_dictionaries({"name": names}))),
        "base_metric": _field(names),
        "conversion_metric": _field(st.one_of(names, st.fixed_dictionaries({"name": names}))),
    },
)
#: dbt's latest spec: a semantic model and simple metrics on the model itself.
latest_models = st.lists(
    st.fixed_dictionaries(
        {"name": _field(names)},
        optional={
            "semantic_model": _field(
                st.one_of(st.booleans(), st.fixed_dictionaries({"enabled": st.booleans()}))
            ),
            "metrics": _field(st.lists(_field(dbt_metrics), max_size=3)),
            "columns": _field(
                st.lists(
                    st.fixed_dictionaries(
                        {"name": names}, optional={"dimension": _field(st.just({"type": "time"}))}
                    ),
                    max_size=2,
                )
            ),
        },
    ),
    max_size=3,
)
dbt_documents = st.fixed_dictionaries(
    {"metrics": _field(st.lists(_field(dbt_metrics), max_size=6))},
    optional={
        "groups": _field(st.lists(st.fixed_dictionaries({"name": names, "owner": odd}))),
        "semantic_models": _field(st.lists(st.fixed_dictionaries({"name": odd}), max_size=2)),
        "saved_queries": _field(st.lists(odd, max_size=2)),
        "models": _field(latest_models),
    },
)
lightdash_metric = st.fixed_dictionaries(
    {},
    optional={
        "type": _field(st.sampled_from(["sum", "number", "count", "average"])),
        "sql": _field(expressions),
        "label": _field(names),
        "drivers": _field(st.lists(names, max_size=3)),
        "spotlight": _field(st.fixed_dictionaries({}, optional={"owner": odd})),
    },
)
lightdash_documents = st.fixed_dictionaries(
    {
        "models": _field(
            st.lists(
                st.fixed_dictionaries(
                    {"name": _field(names)},
                    optional={
                        "meta": st.fixed_dictionaries(
                            {
                                "metrics": _field(
                                    st.dictionaries(names, lightdash_metric, max_size=4)
                                )
                            }
                        ),
                        "columns": st.lists(
                            st.fixed_dictionaries(
                                {"name": names},
                                optional={
                                    "config": st.fixed_dictionaries(
                                        {
                                            "meta": st.fixed_dictionaries(
                                                {
                                                    "metrics": st.dictionaries(
                                                        names, lightdash_metric, max_size=3
                                                    )
                                                }
                                            )
                                        }
                                    )
                                },
                            ),
                            max_size=2,
                        ),
                    },
                ),
                max_size=3,
            )
        )
    }
)


def _check(kind: str, document: dict[str, Any], as_json: bool, tmp_path: Path) -> None:
    source = tmp_path / ("semantic_manifest.json" if as_json else "models.yml")
    if as_json:
        source.write_text(json.dumps(document, default=str), encoding="utf-8")
    else:
        source.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "metrics.yaml"
    result = run_cli("import", kind, str(source), "-o", str(target), "--force")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert all(line.startswith("revtrace:") for line in result.stderr.splitlines()), result.stderr
    if result.exit_code != 0:
        assert result.exit_code in (1, 2) and result.stderr.count("revtrace: error") <= 1
        return
    text = target.read_text(encoding="utf-8")
    loaded = load_catalog_text(text, "metrics.yaml")
    syntax = [f for f in loaded.findings if f.code == "RT011"]
    assert not syntax, (syntax, text)
    # What the import writes is read by the fast reader of revtrace's own layout (or, where
    # it stands aside, the event reader) exactly as the reference reading reads it.
    assert load_catalog_text(text, "metrics.yaml", pure_python=True) == loaded, text
    # Every metric the import wrote is read back under the id it was written with.
    written = yaml.safe_load(text) or {}
    for metric_id in written.get("metrics") or {}:
        assert metric_id in loaded.catalog.metrics or any(
            f.metric == metric_id or metric_id in f.message for f in loaded.findings
        ), (metric_id, text)
    audit = run_cli("audit", str(target), "-f", "json")
    assert audit.exit_code in (0, 1, 2) and "Traceback" not in audit.stderr


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )


@_settings(60)
@given(document=dbt_documents, as_json=st.booleans())
def test_any_dbt_document_imports_or_says_why(
    document: dict[str, Any], as_json: bool, tmp_path: Path
) -> None:
    _check("dbt", document, as_json, tmp_path)


@_settings(60)
@given(document=lightdash_documents)
def test_any_lightdash_document_imports_or_says_why(
    document: dict[str, Any], tmp_path: Path
) -> None:
    _check("lightdash", document, False, tmp_path)


@pytest.mark.slow
@_settings(1_000)
@given(document=dbt_documents, as_json=st.booleans())
def test_a_long_dbt_campaign(document: dict[str, Any], as_json: bool, tmp_path: Path) -> None:
    _check("dbt", document, as_json, tmp_path)


@pytest.mark.slow
@_settings(1_000)
@given(document=lightdash_documents)
def test_a_long_lightdash_campaign(document: dict[str, Any], tmp_path: Path) -> None:
    _check("lightdash", document, False, tmp_path)
