"""`fit`: the catalog's links checked against a values file (revtrace.values.fit), and
the metrics without a path to revenue that move with it anyway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from revtrace.analysis.core import Analysis
from revtrace.model.wording import COUNTED_FROM
from revtrace.values.fit import VERDICTS, FitReport, LinkFit, fit, moves_with
from revtrace.values.reader import ValueTable

if TYPE_CHECKING:
    from revtrace.load.patch import Edit

#: The order `fit` lists links in: what needs attention first.
_ORDER = {
    v: i for i, v in enumerate(dict.fromkeys(("contradicted", "formula-mismatch", *VERDICTS)))
}


def unlisted_line(view: FitView) -> str:
    """The line that counts the links without data a table leaves out."""
    return (
        f"{len(view.without_data)} links have no data (a metric of each has no values in"
        f" {view.report.table.file}): not listed here; --format json lists them."
    )


@dataclass(frozen=True)
class Tracking:
    """A metric with no path to revenue whose changes track a revenue metric's."""

    metric: str
    revenue: str
    correlation: float
    changes: int


@dataclass(frozen=True)
class FitView:
    analysis: Analysis
    report: FitReport
    tracking: tuple[Tracking, ...]

    @property
    def links(self) -> list[LinkFit]:
        """Contradicted links and broken formulas first, then by verdict, then by target."""
        return sorted(self.report.links, key=lambda r: _ORDER[r.verdict])

    @property
    def without_data(self) -> list[LinkFit]:
        """The links with no data, when they are `COUNTED_FROM` or more: an imported
        catalog checked against the few of its metrics a values file holds has a row per
        link without data, screens of "no values for …" above what was checked."""
        missing = [r for r in self.links if r.verdict == "no-data"]
        return missing if len(missing) >= COUNTED_FROM else []

    @property
    def listed(self) -> list[LinkFit]:
        """The links a table shows: all of them, but those counted in `without_data`."""
        unlisted = set(map(id, self.without_data))
        return [r for r in self.links if id(r) not in unlisted]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for result in self.report.links:
            counts[result.verdict] += 1
        return {v: n for v, n in counts.items() if n}


def fit_links(analysis: Analysis, table: ValueTable, metrics: Sequence[str] = ()) -> FitView:
    """Fit every link into the chosen metrics (default: all)."""
    graph = analysis.graph
    report = fit(analysis.catalog, table, metrics or None)
    revenue = graph.revenue_metrics
    tracking = []
    chosen = set(metrics)
    for metric in graph.without_revenue_path():
        if chosen and metric not in chosen:
            continue
        if analysis.catalog.metrics[metric].keep is not None or metric in graph.views:
            continue  # kept on purpose, or computed from revenue: never a candidate
        found = moves_with(table, metric, revenue)
        if found is not None:
            tracking.append(Tracking(metric, *found))
    return FitView(analysis, report, tuple(tracking))


#: The verdicts whose estimate `fit --diff` writes into the catalog: the interval
#: excludes zero or holds the declared value. An estimate with no evidence is left out.
PATCHED = ("consistent", "contradicted", "supported")


@dataclass(frozen=True)
class Patch:
    """`fit --diff`: a unified diff of the catalog files, and what it leaves out."""

    diff: str
    #: Links whose estimate the diff sets.
    links: int
    #: (link, why) for fitted links the diff does not set.
    left_out: tuple[tuple[str, str], ...]
    #: Links whose estimate the catalog says already (a second run).
    current: int = 0


def patch(view: FitView, cwd: str | None = None) -> Patch:
    """The diff that sets each fitted link's elasticity to its estimate, with
    `confidence: estimated`; paths relative to `cwd` (default: the current folder), so
    that `git apply` takes it."""
    import difflib
    import os

    from revtrace.load.patch import PatchError, patch_file

    by_file, left_out, current = _edits(view)
    chunks: list[str] = []
    count = 0
    for file, edits in by_file.items():
        try:
            old, new, skipped = patch_file(file, edits)
        except PatchError as exc:
            left_out.extend((f"{e.source} → {e.target}", f"{file}: {exc}") for e in edits)
            continue
        for edit in skipped:
            left_out.append(
                (
                    f"{edit.source} → {edit.target}",
                    f"{file} has no top-level links: list to add it to"
                    if edit.new
                    else "its entry could not be edited",
                )
            )
        count += len(edits) - len(skipped)
        shown = os.path.relpath(file, cwd).replace(os.sep, "/")
        lines = difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{shown}",
            f"b/{shown}",
        )
        for line in lines:
            # git's marker for a last line without a line break, so that the patch applies.
            chunks.append(
                line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            )
    return Patch("".join(chunks), count, tuple(left_out), current)


def _edits(view: FitView) -> tuple[dict[str, list[Edit]], list[tuple[str, str]], int]:
    """The edits by file, the links left out and why, and how many estimates the catalog
    says already. A link declared in a file `revtrace import` generated is never edited
    there (the next import would undo it): it becomes a new entry in the catalog's own
    links file, or is left out, with the line to write."""
    from revtrace.load.patch import Edit, is_generated, links_entry, number

    generated = {file: is_generated(file) for file in view.analysis.catalog.files}
    links_file = _links_file(view.analysis, generated)
    by_file: dict[str, list[Edit]] = {}
    left_out: list[tuple[str, str]] = []
    current = 0
    for result in view.report.links:
        link = result.link
        name = f"{link.source} → {link.target}"
        if result.estimate is None or link.kind in ("formula", "computed_from"):
            continue
        if result.verdict not in PATCHED:
            left_out.append((name, f"{result.verdict}: its interval includes 0"))
            continue
        if (
            link.elasticity is not None
            and link.confidence == "estimated"
            and number(link.elasticity) == number(result.estimate)
        ):
            current += 1  # says it already: a second run has nothing to change
            continue
        file = link.location.file
        edit = Edit(link.location, link.source, link.target, result.estimate)
        if generated.get(file, False):
            if links_file is None:
                left_out.append(
                    (
                        name,
                        f"declared in {file}, which revtrace import generates (an edit there"
                        f" is undone by the next import): write '{links_entry(edit)}' under"
                        " 'links:' in a file of your own",
                    )
                )
                continue
            file, edit = links_file, replace(edit, new=True)
        by_file.setdefault(file, []).append(edit)
    return by_file, left_out, current


def _links_file(analysis: Analysis, generated: dict[str, bool]) -> str | None:
    """The first hand-written catalog file with a top-level `links:` list, where entries
    that quantify a generated link go."""
    from revtrace.load.patch import has_links

    return next((f for f in analysis.catalog.files if not generated[f] and has_links(f)), None)
