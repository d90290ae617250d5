"""Synthetic graphs with the seed's shape, for measuring how costs grow with size.

A graph of n nodes is the seed repeated: copy k renames every node ``x`` to
``x__k`` and keeps every edge inside the copy, so each symptom has exactly
the seed's neighbourhood while the graph around it grows. Copy 0 keeps the
seed's own ids, so the example cases run on every size unchanged.

Only copy 0 carries the utterance corpora (the symptom model would otherwise
train on thousands of copies of them); the other copies' symptoms learn
from their phrases. Copy k's symptom phrases end in "k" so no two symptoms claim one phrase: the
copies pass ``kgdiag lint`` like the seed, as a graph the edit gate let grow
would. (Shared phrases gave the 10k graph 10,380 findings, each naming
dozens of copies, that every gated write diffed: a cost no real graph has.)
"""

from __future__ import annotations

from typing import Any

from graph.model import Edge, GraphContent, Node


def _renamed(entry: Any, suffix: str) -> Any:
    """A check reference (an id, or ``{check, result}``) pointing into the same copy."""
    if isinstance(entry, dict):
        return {**entry, "check": f"{entry['check']}{suffix}"}
    return f"{entry}{suffix}"


def replicate(seed: GraphContent, nodes: int) -> GraphContent:
    """The seed repeated until the graph has at least ``nodes`` nodes."""
    copies = max(1, -(-nodes // len(seed.nodes)))
    out = GraphContent()
    for k in range(copies):
        suffix = "" if k == 0 else f"__{k}"
        for node in seed.nodes.values():
            if k and node.type == "Corpus":
                continue  # one corpus per symptom of the seed: copies learn from phrases
            data = {**node.data, "id": node.id + suffix}
            if k and isinstance(node.data.get("phrases"), dict):
                data["phrases"] = {
                    lang: [f"{phrase} {k}" for phrase in phrases]
                    for lang, phrases in node.data["phrases"].items()
                }
            for field in ("shown_by", "requires_checks"):  # ids of the copy's own checks
                if k and isinstance(node.data.get(field), list):
                    data[field] = [_renamed(entry, suffix) for entry in node.data[field]]
            out.nodes[node.id + suffix] = Node(node.type, data)
        for edge in seed.edges.values():
            if k and edge.type == "teaches":
                continue
            copy = Edge(edge.type, edge.source + suffix, edge.target + suffix, edge.data)
            out.edges[copy.key] = copy
    return out
