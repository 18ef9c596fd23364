"""The JSON Schema of the catalog format, for editors (yaml-language-server) and other
tools. The loader, not this schema, is the authority: it also checks what a schema
cannot say well (duplicate keys, anchors, ids read verbatim)."""

from __future__ import annotations

import json
from typing import Any

from revtrace.model.catalog import CONFIDENCES, MAX_ELASTICITY, MAX_ID_LENGTH, SIGNS, STATUSES

# JSON Schema regexes are ECMA 262 without the `u` flag in many validators, where \p{L}
# is unknown; the portable pattern below accepts what most editors can check.
PORTABLE_ID_PATTERN = r"^[^\s\x00-\x1f!-,/:-@\[-\^`{-~]+$"


#: What a link may say about itself, in `drives` and in top-level `links:`.
_EVIDENCE: dict[str, Any] = {
    "note": {"type": "string", "description": "Evidence or reasoning for the link."},
    "elasticity": {
        "type": "number",
        "minimum": -MAX_ELASTICITY,
        "maximum": MAX_ELASTICITY,
        "description": "% change in the target for a 1% change in the source.",
    },
    "confidence": {"enum": list(CONFIDENCES)},
    "sign": {"enum": list(SIGNS), "description": "The direction of an unquantified link."},
}

METRIC_ID: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_ID_LENGTH,
    "pattern": PORTABLE_ID_PATTERN,
}


def link_schema() -> dict[str, Any]:
    """An entry of `drives`: an id, or a mapping with `to` and the link's evidence."""
    metric_id = METRIC_ID
    return {
        "oneOf": [
            {**metric_id, "description": "The id of a metric this one drives."},
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["to"],
                "properties": {
                    "to": {**metric_id, "description": "The id of the metric driven."},
                    **_EVIDENCE,
                },
            },
        ]
    }


def metric_schema() -> dict[str, Any]:
    """One metric's definition."""
    text = {"type": ["string", "null"]}
    return {
        "type": ["object", "null"],
        "additionalProperties": False,
        "properties": {
            "name": {**text, "description": "Display name; default: the id."},
            "description": {**text, "description": "What the metric measures."},
            "owner": {**text, "description": "Who answers for the metric."},
            "team": {**text, "description": "The team that tracks it."},
            "unit": {**text, "description": "USD, percent, sessions…"},
            "source": {**text, "description": "Where the number comes from."},
            "tags": {"type": ["array", "null"], "items": {"type": "string"}},
            "status": {"enum": list(STATUSES), "description": "Default: active."},
            "revenue": {
                "type": ["boolean", "null"],
                "description": "A revenue metric: a root every other metric must reach.",
            },
            "drives": {
                "type": ["array", "null"],
                "items": link_schema(),
                "description": "The metrics this one moves.",
            },
            "value": {
                "type": ["number", "null"],
                "description": "Current value per period (currency units for revenue).",
            },
            "formula": {
                "type": ["string", "null"],
                "description": "Arithmetic over metric ids (+ - * / and parentheses):"
                " `deals * average_deal_size`. Each id becomes an identity link.",
            },
            "computed_from": {
                "type": ["array", "null"],
                "items": METRIC_ID,
                "description": "The metrics this one is derived from (a window, an offset, a"
                " cumulative sum): lineage, no elasticity. Computed from revenue, it is a view"
                " of revenue.",
            },
            "keep": {
                "type": ["object", "null"],
                "additionalProperties": False,
                "description": "A deliberate exception: kept without a path to revenue.",
                "properties": {
                    "reason": {"type": "string"},
                    "until": {"type": "string", "format": "date"},
                    "by": {"type": "string"},
                },
            },
        },
    }


def overlay_schema() -> dict[str, Any]:
    """An entry of the top-level `links:` list."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["from", "to"],
        "properties": {
            "from": {**METRIC_ID, "description": "The metric that drives."},
            "to": {**METRIC_ID, "description": "The metric driven."},
            **_EVIDENCE,
        },
    }


def catalog_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "revtrace metric catalog, version 1",
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "anyOf": [{"required": ["metrics"]}, {"required": ["links"]}],
        "properties": {
            "version": {"const": 1},
            "metrics": {
                "type": ["object", "null"],
                "propertyNames": METRIC_ID,
                "additionalProperties": metric_schema(),
            },
            "links": {
                "type": ["array", "null"],
                "items": overlay_schema(),
                "description": "Links between metrics defined in any catalog file: an overlay"
                " next to generated definitions.",
            },
        },
    }


def dumps() -> str:
    return json.dumps(catalog_schema(), ensure_ascii=False, indent=2) + "\n"
