"""The graph layer: the revenue graph (the only importer of networkx) and leverage.

`RevenueGraph` answers every question asked of the links (reachability to revenue,
paths, loops, trees); `leverage` computes revenue elasticities through it; `walks` holds
the algorithms over plain adjacency both use.
"""

from revtrace.graph.revenue_graph import CycleGroup, DeadEnds, RevenueGraph, TreeNode, grow_tree
from revtrace.graph.walks import backward_search, reverse_adjacency, tarjan

__all__ = [
    "CycleGroup",
    "DeadEnds",
    "RevenueGraph",
    "TreeNode",
    "backward_search",
    "grow_tree",
    "reverse_adjacency",
    "tarjan",
]
