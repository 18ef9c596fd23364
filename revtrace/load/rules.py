"""Rules about the catalog file itself, reported by the loader while it reads the file."""

from __future__ import annotations

from revtrace.model.findings import Finding, Rule, Severity

DUPLICATE_METRIC = Rule(
    code="RT003",
    name="duplicate-metric",
    severity=Severity.ERROR,
    summary="The same metric id is defined twice.",
    doc="""\
Two definitions of one id would silently shadow each other (YAML keeps the last one), so
revtrace keeps the first, reports the second, and names the line of the first.

Fails:

    metrics:
      mql: {owner: demand-gen}
      mql: {owner: sales}

Passes:

    metrics:
      mql: {owner: demand-gen}
      sql: {owner: sales}
""",
)

INVALID_FIELD = Rule(
    code="RT010",
    name="invalid-field",
    severity=Severity.ERROR,
    summary=(
        "The catalog does not follow the format: an unknown field, a wrong type, a bad id,"
        " a missing or unsupported version, a duplicate key, an empty file, a document"
        " that is not a mapping, or several documents in one file."
    ),
    doc="""\
Unknown fields are errors, not silently ignored, because a misspelt `drive:` would
otherwise drop a link without a word; the message suggests the closest valid field.
Ids are 1-200 letters, digits, `_`, `-` and `.`.

Fails:

    version: 1
    metrics:
      mql:
        drive: [sql]

Passes:

    version: 1
    metrics:
      mql:
        drives: [sql]
""",
)

YAML_SYNTAX = Rule(
    code="RT011",
    name="yaml-syntax",
    severity=Severity.ERROR,
    summary=(
        "The file is not valid YAML, is not UTF-8, or uses a refused YAML feature"
        " (anchors, aliases, tags)."
    ),
    doc="""\
Anchors and aliases are refused because expanding them can make a small file enormous
("billion laughs"); tags are refused because they ask a loader to build objects. A file
with this finding is not read any further, and no graph rule runs on it.

Fails:

    metrics:
      mql: &lead {owner: demand-gen}
      sql: *lead

Passes:

    metrics:
      mql: {owner: demand-gen}
      sql: {owner: demand-gen}
""",
)

INVALID_ELASTICITY = Rule(
    code="RT017",
    name="invalid-elasticity",
    severity=Severity.ERROR,
    summary="A link's `elasticity` is not a number between -1,000 and 1,000.",
    doc="""\
An elasticity is the % change in the target for a 1% change in the source: a number such
as `0.4` or `-0.25`. Text, `.inf` or `.nan` cannot be multiplied along a path, and real
elasticities are within ±10: one beyond ±1,000 (`1e308`) is a typo that would overflow
every product along a path.

Fails:

    metrics:
      revenue: {revenue: true}
      sessions: {drives: [{to: revenue, elasticity: high}]}

Passes:

    metrics:
      revenue: {revenue: true}
      sessions: {drives: [{to: revenue, elasticity: 0.4}]}
""",
)

DUPLICATE_LINK = Rule(
    code="RT018",
    name="duplicate-link",
    severity=Severity.INFO,
    summary="A link between two metrics is declared twice; the first declaration is used.",
    doc="""\
A link added in a top-level `links:` list (or a `computed_from` entry) for a pair that a
`drives` entry, or another entry, already links: the first declaration wins, with its
note and elasticity; the second is reported so that the two cannot silently disagree.

Fails (reported):

    metrics:
      revenue: {revenue: true}
      sessions: {drives: [revenue]}
    links:
      - {from: sessions, to: revenue, elasticity: 0.3}

Passes:

    metrics:
      revenue: {revenue: true}
      sessions: {}
    links:
      - {from: sessions, to: revenue, elasticity: 0.3}
""",
)

RULES = (DUPLICATE_METRIC, INVALID_FIELD, YAML_SYNTAX, INVALID_ELASTICITY, DUPLICATE_LINK)


def rejects_revenue_mark(finding: Finding) -> bool:
    """Whether a loading finding is a metric's `revenue:` value that was refused (`yes`,
    `"true"`): the catalog did mean to mark revenue, and this finding says how to fix it."""
    return finding.code == INVALID_FIELD.code and finding.message.startswith("'revenue' of metric")
