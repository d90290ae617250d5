"""Immutable networkx snapshots of one graph revision.

The engine reads the graph only through a snapshot: a frozen DiGraph whose
node and edge attributes are read-only mappings and tuples. Sharing one
snapshot between threads is therefore safe, and a snapshot never changes
under a diagnosis that is using it. Stores rebuild it only when the revision
changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar, cast

import networkx as nx

from .model import Change, Edge, EdgeKey, GraphContent, Node, content_from_records

__all__ = ["Snapshot", "build_snapshot", "freeze", "thaw"]

_T = TypeVar("_T")


_SCALARS = (str, int, float, bool, type(None))
"""Most values of a graph record; tested first, since the ``Mapping`` test of
an ABC is slow and every snapshot freezes (and every edit thaws) them all."""
_MAPS = (dict, MappingProxyType, Mapping)
"""The concrete maps first, so that they skip the ABC test."""


def freeze(value: Any) -> Any:
    """A read-only deep copy: mappings become MappingProxyType, lists tuples."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, _MAPS):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain dict/list form of a frozen value, for JSON and YAML output."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, _MAPS):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Snapshot:
    """One revision of the graph, frozen.

    Node attributes: ``type`` and ``data``; edge attributes: ``type`` and ``data``.
    """

    revision: int
    graph: Any  # a frozen networkx.DiGraph
    _data: Mapping[str, Mapping[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """Node id → its fields: the engine reads nodes dozens of times a diagnosis,
    and a dict lookup is several times cheaper than networkx's node view."""
    _derived: dict[str, Any] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )

    def derived(self, key: str, build: Callable[[Snapshot], _T]) -> _T:
        """``build(self)``, computed once per snapshot and kept with it.

        Indexes the engine derives from a revision (the symptom matcher, the
        system status map) live and die with the snapshot, so an edit can
        never leave a stale index behind. Two threads may both build on a
        first call; the results are equal, so the race is harmless.
        """
        try:
            value: _T = self._derived[key]
        except KeyError:
            value = self._derived.setdefault(key, build(self))
        return value

    def node(self, node_id: str) -> Mapping[str, Any]:
        """The fields of ``node_id``; KeyError if absent."""
        return self._data[node_id]

    def title(self, node_id: str, lang: str) -> str:
        """A node's title in ``lang`` (else zh, else its id: never a blank)."""
        data = self._data.get(node_id)
        if data is None:
            return node_id
        title = data.get("title") or {}
        return str(title.get(lang) or title.get("zh") or node_id)

    def node_type(self, node_id: str) -> str:
        return str(self.graph.nodes[node_id]["type"])

    def has_node(self, node_id: str) -> bool:
        return node_id in self._data

    def nodes_of_type(self, node_type: str) -> Iterator[str]:
        """Ids of the nodes of ``node_type``, in id order (indexed once per snapshot)."""

        def index(snap: Snapshot) -> Mapping[str, tuple[str, ...]]:
            by_type: dict[str, list[str]] = {}
            for node, kind in snap.graph.nodes(data="type"):
                by_type.setdefault(kind, []).append(node)
            return {kind: tuple(sorted(nodes)) for kind, nodes in by_type.items()}

        return iter(self.derived("nodes_by_type", index).get(node_type, ()))

    def out_edges(self, node_id: str, edge_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(target, edge fields) of ``node_id``'s outgoing edges of ``edge_type``.

        Listed once per node and type: a diagnosis asks for the same few
        (a cause's resolutions, a symptom's causes) every time, and walking
        networkx's edge view costs more than the rest of the question.
        """
        edges: dict[tuple[str, str], tuple[tuple[str, Mapping[str, Any]], ...]]
        edges = self.derived("out_edges", lambda _: {})
        found = edges.get((node_id, edge_type))
        if found is None:
            found = edges[(node_id, edge_type)] = tuple(
                (target, attrs["data"])
                for _, target, attrs in self.graph.out_edges(node_id, data=True)
                if attrs["type"] == edge_type
            )
        return iter(found)

    def in_edges(self, node_id: str, edge_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(source, edge fields) of ``node_id``'s incoming edges of ``edge_type``."""
        for source, _, attrs in self.graph.in_edges(node_id, data=True):
            if attrs["type"] == edge_type:
                yield source, attrs["data"]

    def nodes(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(id, fields) of every node: for indexes built over the whole graph."""
        return iter(self._data.items())

    def edges(self) -> Iterator[tuple[str, str, str, Mapping[str, Any]]]:
        """(source, target, type, fields) of every edge."""
        for source, target, attrs in self.graph.edges(data=True):
            yield source, target, attrs["type"], attrs["data"]

    def edges_at(
        self, node_id: str, *, outgoing: bool
    ) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        """(type, other end, fields) of every edge leaving (``outgoing``) or
        entering ``node_id``, whatever its type."""
        if outgoing:
            for _, target, attrs in self.graph.out_edges(node_id, data=True):
                yield attrs["type"], target, attrs["data"]
        else:
            for source, _, attrs in self.graph.in_edges(node_id, data=True):
                yield attrs["type"], source, attrs["data"]

    def evolved(self, revision: int, changes: Iterable[Change]) -> Snapshot | None:
        """The snapshot of a later ``revision``: this one with the audited
        ``changes`` since replayed, in order.

        A store reads back only what an edit changed instead of the whole
        graph, and records the edit left alone keep their frozen data (at 10k
        nodes a full read and freeze took over a second, in every worker, per
        edit). Built in the same order as :func:`build_snapshot`, so it equals
        the rebuilt snapshot. None if the changes would leave an edge without
        its ends, which the store's foreign keys forbid: then the caller reads
        the whole graph rather than trust them.
        """
        nodes = {n: (t, d) for n, t, d in _node_rows(self.graph)}
        edges = {(s, t): (a["type"], a["data"]) for s, t, a in self.graph.edges(data=True)}
        for change in changes:
            after = change.after
            if change.kind == "node":
                node_id = str(change.key)
                if after is None:
                    nodes.pop(node_id, None)
                else:
                    nodes[node_id] = (after["type"], freeze(after["data"]))
            else:
                source, target = cast(EdgeKey, change.key)
                if after is None:
                    edges.pop((source, target), None)
                else:
                    edges[(source, target)] = (after["type"], freeze(after["data"]))
        if any(s not in nodes or t not in nodes for s, t in edges):
            return None
        return _assemble(revision, nodes, edges)

    def content(self) -> GraphContent:
        """The snapshot as plain, mutable graph content."""
        nodes = [Node(t, thaw(d)) for _, t, d in _node_rows(self.graph)]
        edges = [Edge(a["type"], s, t, thaw(a["data"])) for s, t, a in self.graph.edges(data=True)]
        return content_from_records(nodes, edges)


def _node_rows(graph: Any) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for node_id, attrs in graph.nodes(data=True):
        yield node_id, attrs["type"], attrs["data"]


def build_snapshot(revision: int, content: GraphContent) -> Snapshot:
    """Freeze ``content`` as the snapshot of ``revision``.

    Nodes go in by id and edges by (source, target), so every walk of the
    snapshot (a symptom's causes, a cause's checks) comes in the same order
    whatever order the store returned its rows in. The engine adds up
    probabilities in that order: rows read back in another order (SQLite
    moves a replaced row to the end, Neo4j promises none) changed last digits,
    and with them which of two tied causes led, and so the resolution and
    the reply.
    """
    nodes = {n: (node.type, freeze(node.data)) for n, node in content.nodes.items()}
    edges = {key: (edge.type, freeze(edge.data)) for key, edge in content.edges.items()}
    return _assemble(revision, nodes, edges)


def _assemble(
    revision: int,
    nodes: Mapping[str, tuple[str, Mapping[str, Any]]],
    edges: Mapping[tuple[str, str], tuple[str, Mapping[str, Any]]],
) -> Snapshot:
    """The frozen graph of already frozen records, nodes by id, edges by ends."""
    graph = nx.DiGraph(revision=revision)
    data: dict[str, Mapping[str, Any]] = {}
    for node_id in sorted(nodes):
        node_type, data[node_id] = nodes[node_id]
        graph.add_node(node_id, type=node_type, data=data[node_id])
    for source, target in sorted(edges):
        edge_type, edge_data = edges[(source, target)]
        graph.add_edge(source, target, type=edge_type, data=edge_data)
    return Snapshot(revision, nx.freeze(graph), data)
