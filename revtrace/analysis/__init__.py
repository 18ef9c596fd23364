"""The analysis layer: the use cases behind the commands. Each returns a value that a
renderer formats; none prints, reads a file itself, or decides an exit code's wording.

`analyse` (load, graph, rules) is the first step of every command; then `audit`,
`lineage` (tree and trace), `scorecard`, `impact`, `diff`, with `select` (the -m
selectors), `policy` (which rules, at which severity, fail on what) and `baseline`.
"""

from revtrace.analysis.audit import (
    AuditReport,
    Candidate,
    RuleCount,
    audit,
    rule_counts,
)
from revtrace.analysis.core import (
    Analysis,
    Summary,
    analyse,
    analyse_loaded,
    analyse_read,
    analyse_sources,
)
from revtrace.analysis.diff import CatalogChange, DiffReport, compare
from revtrace.analysis.graph_view import GraphView
from revtrace.analysis.impact import ImpactView, WhatIfError, impact
from revtrace.analysis.lineage import TraceResult, TreeResult, lineage, path_effect, trace
from revtrace.analysis.scorecard import Scorecard, ScoreRow, scorecard

__all__ = [
    "Analysis",
    "AuditReport",
    "Candidate",
    "CatalogChange",
    "DiffReport",
    "GraphView",
    "ImpactView",
    "RuleCount",
    "ScoreRow",
    "Scorecard",
    "Summary",
    "TraceResult",
    "TreeResult",
    "WhatIfError",
    "analyse",
    "analyse_loaded",
    "analyse_read",
    "analyse_sources",
    "audit",
    "compare",
    "impact",
    "lineage",
    "path_effect",
    "rule_counts",
    "scorecard",
    "trace",
]
