"""What the lineage exports draw, through the use case's API (GraphView)."""

from __future__ import annotations

from benchmarks.generate import Spec, generate
from revtrace.analysis import GraphView, analyse_sources

CATALOG = b"""version: 1
metrics:
  revenue: {revenue: true}
  orders: {drives: [revenue]}
  cost: {}
  profit: {formula: revenue - cost}
  pages: {drives: [visits]}
  visits: {}
  alone: {}
  kept: {keep: {reason: a pilot, until: 2099-01-01}}
"""


def test_linked_to_nothing_is_the_metrics_without_a_path_no_drawn_link_joins() -> None:
    analysis = analyse_sources([("m.yaml", CATALOG)])
    whole = GraphView(analysis, list(analysis.catalog.metrics))
    # cost feeds a view (a derivation is a link); pages and visits are linked; a view
    # is not "without a path"; a kept metric with no link is.
    assert whole.linked_to_nothing() == ["alone", "kept"]
    # In a selection only the drawn links count: without visits, pages joins nothing.
    part = GraphView(analysis, ["revenue", "pages", "alone"])
    assert part.linked_to_nothing() == ["pages", "alone"]


def test_linked_to_nothing_agrees_with_the_drawn_links_on_a_generated_catalog() -> None:
    text = generate(Spec(metrics=2_000, seed=11))[0][1].encode()
    analysis = analyse_sources([("g.yaml", text)])
    metrics = list(analysis.catalog.metrics)
    for chosen in (metrics, metrics[::3]):
        view = GraphView(analysis, chosen)
        linked = {metric for link in view.links() for metric in link}
        assert view.linked_to_nothing() == [m for m in view.without_path() if m not in linked]
        assert view.linked_to_nothing()  # the generator's vanity metrics include some
