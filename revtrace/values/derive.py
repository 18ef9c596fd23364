"""Values a file does not give but the catalog defines: a `formula:` metric missing from
the values file is computed from its inputs, period by period (deals = sqls × win_rate
need not be exported when sqls and win_rate are)."""

from __future__ import annotations

from dataclasses import replace

from revtrace.model.catalog import Catalog
from revtrace.model.formula import FormulaError, parse
from revtrace.values.lmdi import evaluate
from revtrace.values.reader import ValueTable


def with_formulas(table: ValueTable, catalog: Catalog) -> tuple[ValueTable, tuple[str, ...]]:
    """The table with each formula metric it lacks computed from its inputs (when they
    have values), and the ids computed, in the order they were."""
    series = dict(table.series)
    pending = {
        m.id: m.formula
        for m in catalog.metrics.values()
        if m.formula is not None and m.id not in series
    }
    derived: list[str] = []
    progress = True
    while pending and progress:  # formulas of formulas: until nothing more can be computed
        progress = False
        for metric, text in list(pending.items()):
            try:
                formula = parse(text or "")
            except FormulaError:
                del pending[metric]
                continue
            if not all(i in series for i in formula.inputs):
                continue
            values = tuple(
                evaluate(formula, {i: series[i][t] for i in formula.inputs})
                for t in range(len(table.periods))
            )
            del pending[metric]
            if any(v is not None for v in values):
                series[metric] = values
                derived.append(metric)
                progress = True
    if not derived:
        return table, ()
    return replace(table, series=series), tuple(derived)
