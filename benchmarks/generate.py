"""Realistic synthetic metric catalogs, reproducible from a seed.

Shaped like real metric trees, only bigger: a few revenue metrics at the root, shallow
and wide (at most `depth` links from any metric to revenue), about `links` links per
metric, some loops (flywheels, plus one dense cluster of mutually-driving metrics), and a
share of metrics with no path to revenue (vanity metrics and the chains they feed).
Generated catalogs are what a company with one metric per product × channel × region
would write.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

CHANNELS = [
    "organic",
    "paid_search",
    "paid_social",
    "email",
    "events",
    "partners",
    "direct",
    "referral",
]
STAGES = ["sessions", "signups", "trials", "mql", "sql", "opportunities", "pipeline", "deals"]
VANITY = [
    "likes",
    "followers",
    "impressions",
    "page_views",
    "open_rate",
    "time_on_page",
    "bounce_rate",
]
TEAMS = ["marketing", "sales", "growth", "product", "customer-success", "partnerships"]
REGIONS = ["emea", "amer", "apac", "latam"]


@dataclass
class Spec:
    metrics: int = 10_000
    seed: int = 2026
    links: float = 1.6
    no_path_share: float = 0.15
    revenue_metrics: int = 3
    depth: int = 14
    dense_cluster: int = 300
    loop_share: float = 0.01
    files: int = 1
    #: Put an elasticity (and a confidence) on every link, for `revtrace impact`.
    quantified: bool = False


@dataclass
class _Metric:
    id: str
    name: str
    team: str
    owner: str | None
    drives: list[str] = field(default_factory=list)
    revenue: bool = False


def generate(spec: Spec) -> list[tuple[str, str]]:
    """(file name, YAML text) pairs for the catalog described by `spec`."""
    rng = random.Random(spec.seed)
    metrics: list[_Metric] = []

    def new(kind: str, index: int, revenue: bool = False) -> _Metric:
        channel = rng.choice(CHANNELS)
        region = rng.choice(REGIONS)
        metric = _Metric(
            id=f"{channel}.{kind}_{index}",
            name=f"{kind.replace('_', ' ').capitalize()}, {channel.replace('_', ' ')} {region.upper()}",
            team=rng.choice(TEAMS),
            owner=None if rng.random() < 0.05 else f"owner-{rng.randrange(200)}",
            revenue=revenue,
        )
        metrics.append(metric)
        return metric

    roots = [new("revenue", i, revenue=True) for i in range(spec.revenue_metrics)]
    cluster_size = min(spec.dense_cluster, spec.metrics // 20)
    # The dense cluster reaches revenue too (one of its members drives into the tree).
    reaching_total = int(spec.metrics * (1 - spec.no_path_share)) - len(roots) - cluster_size
    # Level widths grow geometrically (shallow and wide), summing to reaching_total.
    weights = [1.6**k for k in range(1, spec.depth + 1)]
    scale = reaching_total / sum(weights)
    widths = [max(1, round(w * scale)) for w in weights]
    widths[-1] += reaching_total - sum(widths)
    levels: list[list[_Metric]] = [roots]
    counter = 0
    for width in widths:
        level = []
        below = levels[-1]
        for _ in range(max(0, width)):
            # Nearest revenue: deals; farthest: sessions (the funnel, read backwards).
            stage = STAGES[max(0, len(STAGES) - len(levels))]
            metric = new(stage, counter)
            counter += 1
            extra = 1 if rng.random() < spec.links - 1 else 0
            targets = {rng.choice(below).id for _ in range(1 + extra)}
            metric.drives.extend(sorted(targets))
            level.append(metric)
        levels.append(level)
    reaching = [m for level in levels[1:] for m in level]

    # Flywheels: small loops, as real ones are (customers → referrals → deals →
    # customers): a metric two links up the tree links back down to where it started.
    by_id = {m.id: m for m in metrics}
    for _ in range(int(spec.metrics * spec.loop_share)):
        start = rng.choice(reaching)
        middle = by_id[rng.choice(start.drives)]
        if not middle.drives or middle.revenue:
            continue
        top = by_id[rng.choice(middle.drives)]
        if not top.revenue and start.id not in top.drives:
            top.drives.append(start.id)

    # One dense cluster of mutually-driving metrics, one of which reaches revenue.
    cluster = [
        new("attribution_touch", counter + i)
        for i in range(min(spec.dense_cluster, spec.metrics // 20))
    ]
    counter += len(cluster)
    for metric in cluster:
        metric.drives.extend(sorted({rng.choice(cluster).id for _ in range(5)} - {metric.id}))
    if cluster and reaching:
        cluster[0].drives.append(rng.choice(levels[1]).id)  # near revenue: stays shallow

    # Metrics with no path: vanity metrics, chains that feed them, and closed loops.
    remaining = spec.metrics - len(metrics)
    vanity: list[_Metric] = []
    for i in range(max(0, remaining)):
        metric = new(rng.choice(VANITY), counter + i)
        if vanity and rng.random() < 0.6:
            metric.drives.append(rng.choice(vanity).id)
        if vanity and rng.random() < 0.02:
            vanity[-1].drives.append(metric.id)  # a loop with no way out
        vanity.append(metric)

    rng.shuffle(metrics)
    return _write(metrics, spec.files, rng if spec.quantified else None, {m.id for m in cluster})


def _write(
    metrics: list[_Metric],
    files: int,
    rng: random.Random | None = None,
    cluster: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    chunks: list[list[str]] = [[] for _ in range(files)]
    for index, metric in enumerate(metrics):
        lines = chunks[index % files]
        lines.append(f"  {metric.id}:")
        lines.append(f'    name: "{metric.name}"')
        if metric.revenue:
            lines.append("    revenue: true")
        if metric.owner:
            lines.append(f"    owner: {metric.owner}")
        lines.append(f"    team: {metric.team}")
        if metric.drives and rng is not None:
            # Elasticities small enough that every loop converges (the dense cluster's
            # members drive five others each, so 0.1 keeps its gain well below 1).
            links = ", ".join(
                f"{{to: {target}, elasticity: {rng.uniform(0.02, 0.1 if metric.id in cluster else 0.9):.3f},"
                f" confidence: {rng.choice(['measured', 'estimated', 'assumed'])}}}"
                for target in metric.drives
            )
            lines.append(f"    drives: [{links}]")
        elif metric.drives:
            lines.append(f"    drives: [{', '.join(metric.drives)}]")
    return [
        (
            f"metrics-{number:02d}.yaml" if files > 1 else "metrics.yaml",
            "version: 1\nmetrics:\n" + "\n".join(lines) + "\n",
        )
        for number, lines in enumerate(chunks)
    ]


def write_catalog(spec: Spec, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in generate(spec):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_values(catalog: Path, periods: int, path: Path, seed: int = 2026) -> int:
    """A long-form values file for every metric of `catalog`: each a random walk in log
    space over `periods` months, so that explain and fit have a full history to work on.
    Returns the number of rows."""
    import math

    from revtrace.load import load_catalog

    ids = list(load_catalog([catalog]).catalog.metrics)
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("period,metric,value\n")
        level = {metric: 100.0 * math.exp(rng.gauss(0.0, 1.0)) for metric in ids}
        for period in range(periods):
            month = f"{2024 + period // 12}-{period % 12 + 1:02d}"
            for metric in ids:
                if period:
                    level[metric] *= math.exp(rng.gauss(0.005, 0.05))
                out.write(f"{month},{metric},{level[metric]:.4f}\n")
                rows += 1
    return rows
