"""Catalog files → one `Catalog` plus findings located at file:line:column.

A file that cannot be opened raises `CatalogUnreadable` (exit code 2). Anything wrong
*inside* a file that opens is a finding. Ids are global across files: a metric defined
in two files is RT003, reported here, at the second definition.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from revtrace.load import canonical, split
from revtrace.load.cache import FileCache, FileReading
from revtrace.load.decode import decode, syntax_finding
from revtrace.load.events import Refused
from revtrace.load.files import read_catalog_bytes
from revtrace.load.reader import read_file
from revtrace.load.rules import DUPLICATE_LINK, DUPLICATE_METRIC, YAML_SYNTAX
from revtrace.model.catalog import DERIVATIONS, Catalog, Link, Metric
from revtrace.model.findings import Finding
from revtrace.model.formula import FormulaError
from revtrace.model.formula import parse as parse_formula

_C_PARSER: Any = getattr(yaml, "CSafeLoader", None)


@dataclass(frozen=True)
class LoadResult:
    catalog: Catalog
    findings: tuple[Finding, ...]
    #: A file was not valid YAML (RT011): the catalog is incomplete, so graph rules,
    #: which would report its missing half as broken links, must not run.
    fatal: bool


def load_catalog(
    paths: Sequence[str | os.PathLike[str]],
    *,
    pure_python: bool = False,
    cache: FileCache | None = None,
) -> LoadResult:
    """Read catalog files into one catalog; ids are global across files."""
    return load_sources(
        [(os.fspath(p), read_catalog_bytes(os.fspath(p))) for p in paths],
        pure_python=pure_python,
        cache=cache,
    )


def load_sources(
    sources: Sequence[tuple[str, bytes]],
    *,
    pure_python: bool = False,
    split_from: int | None = None,
    cache: FileCache | None = None,
) -> LoadResult:
    """Load catalog files already read into memory, as (display name, bytes) pairs.
    `pure_python`: the reference reading, every file through the event reader on PyYAML's
    Python parser (no libyaml, no second process, no `canonical` fast reader);
    `split_from`: the size from which a catalog is read in two processes (default:
    `split.MIN_CHARS`; 0 reads every catalog that can be cut that way, for tests);
    `cache`: where each file's reading is kept between runs, under its content."""
    builder = _CatalogBuilder(split.MIN_CHARS if split_from is None else split_from)
    fast = not pure_python and _C_PARSER is not None
    parser = "libyaml" if fast else "python"
    keys = [cache.key(name, data, parser) for name, data in sources] if cache else []
    readings: dict[int, FileReading] = {}
    if cache is not None:
        for index, (name, _) in enumerate(sources):
            hit = cache.get(keys[index], name)
            if hit is not None:
                readings[index] = hit
    to_read = [(index, source) for index, source in enumerate(sources) if index not in readings]
    # Several files, none most of the catalog: the later ones are read by a second
    # process while this one reads the earlier ones (see `split`).
    later = (
        split.read_later_files(
            [source for _, source in to_read], read_clean_file, builder.split_from
        )
        if fast
        else None
    )
    try:
        for position, (index, (name, data)) in enumerate(to_read):
            read = later.take(position) if later is not None else None
            reading = builder.read(
                name,
                data,
                fast=fast,
                split_file=fast and later is None,
                read=read,
                layout=not pure_python,
            )
            readings[index] = reading
            if cache is not None:
                cache.put(keys[index], reading)
    finally:
        if later is not None:
            later.close()
    fatal = False
    for index, (name, _) in enumerate(sources):
        fatal |= not builder.add(name, readings[index])
    if cache is not None:
        cache.flush(len(sources), sum(len(data) for _, data in sources))
    return builder.result(fatal)


def load_catalog_text(
    text: str | bytes,
    file: str = "<string>",
    *,
    pure_python: bool = False,
    split_from: int | None = None,
) -> LoadResult:
    """Load one catalog from memory (for tests and for tools that already hold the text)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_sources([(file, data)], pure_python=pure_python, split_from=split_from)


def first_declarations(loaded: LoadResult, repeated: Sequence[Link]) -> LoadResult:
    """The catalog with each `repeated` link (a pair its source's `drives` already
    linked) dropped and reported (RT018), so that every command sees a pair's first
    declaration only: `impact` added the two elasticities up while the graph drew the
    first. The graph finds them as it is built (a catalog with none pays nothing)."""
    dropped: dict[str, set[Link]] = {}
    for link in repeated:
        dropped.setdefault(link.source, set()).add(link)
    metrics = dict(loaded.catalog.metrics)
    findings = list(loaded.findings)
    for source, links in dropped.items():
        metric = metrics[source]
        first: dict[str, Link] = {}
        kept: list[Link] = []
        for link in metric.drives:
            earlier = first.setdefault(link.target, link)
            if earlier is link or link not in links:
                kept.append(link)
                continue
            findings.append(
                DUPLICATE_LINK.finding(
                    f"{source} → {link.target} is already declared at {earlier.location};"
                    " this declaration is ignored",
                    link.location,
                    source,
                )
            )
        metrics[source] = metric._replace(drives=tuple(kept))
    catalog = loaded.catalog
    return LoadResult(
        Catalog(metrics, catalog.files, catalog.unattached, catalog.derivations),
        tuple(findings),
        loaded.fatal,
    )


class _CatalogBuilder:
    def __init__(self, split_from: int) -> None:
        self.split_from = split_from
        self.metrics: dict[str, Metric] = {}
        self.findings: list[Finding] = []
        self.files: list[str] = []
        #: Links declared outside their source's `drives` (top-level `links:`).
        self.overlay: list[Link] = []
        #: Metrics with a `formula` or `computed_from`, noted as they are added.
        self.derived: list[Metric] = []

    def result(self, fatal: bool) -> LoadResult:
        metrics, unattached, derivations = self.attach_links()
        catalog = Catalog(
            metrics=metrics,
            files=tuple(self.files),
            unattached=unattached,
            derivations=derivations,
        )
        return LoadResult(catalog, tuple(self.findings), fatal)

    def _identities(self, metric: Metric) -> list[Link]:
        """The identity links of a metric's formula: one per input, with the elasticity
        the formula gives (exact for a product or a quotient; from the inputs' current
        values for a sum, when they all have one)."""
        if metric.formula is None or metric.formula_at is None:
            return []
        try:
            formula = parse_formula(metric.formula)
        except FormulaError:
            return []  # reported where it was read
        values = {m: (self.metrics[m].value if m in self.metrics else None) for m in formula.inputs}
        elasticities = formula.elasticities(values)
        monomial = formula.is_monomial
        return [
            Link(
                source,
                metric.id,
                metric.formula_at,
                f"identity: {metric.id} = {metric.formula}",
                elasticities[source],
                ("measured" if monomial else "estimated")
                if elasticities[source] is not None
                else None,
                kind="formula",
            )
            for source in formula.inputs
        ]

    def attach_links(self) -> tuple[dict[str, Metric], tuple[Link, ...], bool]:
        """Every link declared away from its source (a top-level `links:` entry, a
        `computed_from` entry of the metric it derives) added to the source's `drives`,
        so that everything downstream finds a metric's links in one place. A pair already
        linked keeps its first declaration (RT018), unless a `links:` entry only completes
        it (`_completes`); a link from an undefined metric is kept apart, for the
        unknown-metric rule."""
        incoming = [*self.overlay]
        incoming += [link for m in self.metrics.values() for link in m.computed_from]
        incoming += [
            link for m in self.metrics.values() if m.formula for link in self._identities(m)
        ]
        if not incoming:
            return self.metrics, (), False
        derivations = any(link.kind in DERIVATIONS for link in incoming)
        declared: dict[tuple[str, str], Link] = {}
        for m in self.metrics.values():
            for link in m.drives:
                declared.setdefault((link.source, link.target), link)  # the first
        added: dict[str, list[Link]] = {}
        unattached: list[Link] = []
        #: First declarations a `links:` entry completed → the link as completed.
        completed: dict[Link, Link] = {}
        for link in incoming:
            if link.source not in self.metrics:
                unattached.append(link)
                continue
            first = declared.get((link.source, link.target))
            if first is not None and _completes(link, first):
                declared[(link.source, link.target)] = completed[first] = link._replace(
                    note=link.note or first.note, sign=link.sign or first.sign
                )
                continue
            if first is not None:
                self.findings.append(
                    DUPLICATE_LINK.finding(
                        f"{link.source} → {link.target} is already declared at"
                        f" {first.location}; this declaration is ignored",
                        link.location,
                        link.source,
                    )
                )
                continue
            declared[(link.source, link.target)] = link
            added.setdefault(link.source, []).append(link)
        completed_sources = {link.source for link in completed}
        metrics = {
            metric_id: metric._replace(
                drives=tuple(
                    completed.get(link, link)
                    for link in metric.drives + tuple(added.get(metric_id, ()))
                ),
                computed_from=(),
            )
            if metric_id in added or metric.computed_from or metric_id in completed_sources
            else metric
            for metric_id, metric in self.metrics.items()
        }
        return metrics, tuple(unattached), derivations

    def read(
        self,
        file: str,
        data: bytes,
        *,
        fast: bool,
        split_file: bool,
        read: list[Metric] | None,
        layout: bool = True,
    ) -> FileReading:
        """What one file says, on its own. `fast`: with libyaml; `split_file`: a large
        file may be read in two processes; `read`: the file's metrics as another process
        read them, without a finding; `layout`: a file in revtrace's own layout may be
        read by `canonical`."""
        if read is not None:
            return FileReading(True, read, [], [])
        findings: list[Finding] = []
        text = decode(file, data, findings)
        if text is None:
            return FileReading(False, [], [], findings)
        # The layout revtrace writes is read by its own fast reader, which stands aside for
        # anything it cannot read exactly as the event reader does (see `canonical`); not
        # in the reference reading (PyYAML's Python parser), which every fast path is
        # tested against. In one process: two would be slower (100,000 metrics: 0.51 s
        # against 0.63 s, as the metrics' trip between them costs what reading them does).
        plain = canonical.read(file, text) if layout else None
        if plain is not None:
            return FileReading(True, plain, [], findings)
        if split_file and len(text) >= self.split_from and split.available():
            metrics = split.read_in_two(file, text, read_clean)
            if metrics is not None:
                return FileReading(True, metrics, [], findings)
        read_here = read_text(file, text, findings, fast=fast)
        if read_here is None:
            return FileReading(False, [], [], findings)
        return FileReading(True, read_here[0], read_here[1], findings)

    def add(self, file: str, reading: FileReading) -> bool:
        """Take one file's reading in (its metrics after those of the files before it);
        False when the file could not be read as YAML."""
        self.files.append(file)
        self.findings.extend(reading.findings)
        self.overlay.extend(reading.links)
        for metric in reading.metrics:
            first = self.metrics.get(metric.id)
            if first is None:
                self.metrics[metric.id] = metric
                if metric.computed_from or metric.formula:
                    self.derived.append(metric)
                continue
            where = (
                f"line {first.location.line}"
                if first.location.file == file
                else f"{first.location.file}:{first.location.line}"
            )
            self.findings.append(
                DUPLICATE_METRIC.finding(
                    f"metric '{metric.id}' is already defined at {where};"
                    " this definition is ignored",
                    metric.location,
                    metric.id,
                )
            )
        return reading.ok


def read_text(
    file: str, text: str, findings: list[Finding], *, fast: bool
) -> tuple[list[Metric], list[Link]] | None:
    """The metrics and top-level links of one file's text, reporting into `findings`;
    None when the file is not valid YAML or uses a refused feature (RT011)."""
    parser: Any = None
    try:
        # The pure-Python reader checks characters as it is built, so it may raise too.
        parser = _C_PARSER(text) if fast else yaml.SafeLoader(text)
        return read_file(file, text, parser, findings)
    except Refused as refused:
        findings.append(YAML_SYNTAX.finding(refused.message, refused.location))
        return None
    except yaml.YAMLError as exc:
        findings.append(syntax_finding(file, text, exc, byte_offsets=fast))
        return None
    finally:
        if parser is not None:
            parser.dispose()


def read_clean_file(file: str, data: bytes) -> list[Metric] | None:
    """Like `read_clean`, for a file's bytes."""
    findings: list[Finding] = []
    text = decode(file, data, findings)
    return None if text is None or findings else read_clean(file, text)


def read_clean(file: str, text: str) -> list[Metric] | None:
    """The metrics of one file (or half of one), or None if there is anything at all to
    report about it: what the second process of a split read uses (see `split`)."""
    plain = canonical.read(file, text)
    if plain is not None:
        return plain
    findings: list[Finding] = []
    read = read_text(file, text, findings, fast=True)
    # A file with top-level links is read in this process (the split carries metrics).
    return read[0] if read is not None and not findings and not read[1] else None


def _completes(link: Link, first: Link) -> bool:
    """Whether a `links:` entry gives what a link first declared without a number lacks
    (its elasticity, or its sign), and nothing that disagrees with it (another sign,
    another note): it then completes that declaration rather than repeating it. That is
    how a link that `revtrace import` generates (a Lightdash driver, a dbt metric's part)
    is quantified, in the hand-written file beside the generated one, never edited."""
    if link.kind != "links" or first.kind not in ("drives", "links"):
        return False
    if first.elasticity is not None or first.confidence is not None:
        return False  # already quantified: a second number repeats it or disagrees
    if link.elasticity is None and (link.sign is None or first.sign is not None):
        return False  # nothing to add
    if first.sign is not None:
        if link.sign is not None and link.sign != first.sign:
            return False
        if link.elasticity is not None and (first.sign == "positive") != (link.elasticity > 0):
            return False
    return first.note is None or link.note is None or first.note == link.note
