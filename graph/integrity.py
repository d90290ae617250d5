"""Change-set validation shared by every backend.

Before a backend writes anything it asks :func:`plan_changeset` what each
operation will do. The plan replays the operations over an overlay of the
current graph (read through a small :class:`StateReader`), validates every
added or updated node and edge against the schema, checks that edges join
existing nodes of the right types and that no deleted node keeps an edge.
It returns the audited changes (before and after) or raises
:class:`ChangeSetInvalid` with every finding; nothing is written either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from schema import graph_schema
from schema.validate import Finding, validate_edge, validate_node

from .errors import ChangeSetInvalid
from .model import Change, ChangeSet, Edge, EdgeKey, Node, Operation

__all__ = ["StateReader", "endpoint_findings", "plan_changeset"]


class StateReader(Protocol):
    """What validation needs to read from the current graph."""

    def get_node(self, node_id: str) -> Node | None: ...

    def get_edge(self, key: EdgeKey) -> Edge | None: ...

    def edges_touching(self, node_id: str) -> Iterable[Edge]: ...


class _Overlay:
    """The graph as it will be after the operations replayed so far."""

    def __init__(self, state: StateReader) -> None:
        self.state = state
        self.nodes: dict[str, Node | None] = {}
        self.edges: dict[EdgeKey, Edge | None] = {}

    def node(self, node_id: str) -> Node | None:
        if node_id in self.nodes:
            return self.nodes[node_id]
        return self.state.get_node(node_id)

    def edge(self, key: EdgeKey) -> Edge | None:
        if key in self.edges:
            return self.edges[key]
        return self.state.get_edge(key)

    def edges_touching(self, node_id: str) -> list[EdgeKey]:
        keys = {e.key for e in self.state.edges_touching(node_id)}
        keys |= {k for k, e in self.edges.items() if e is not None and node_id in k}
        return sorted(k for k in keys if self.edge(k) is not None)


def _record(value: Node | Edge | None) -> dict[str, Any] | None:
    return None if value is None else value.as_record()


def _node_step(op: Operation, overlay: _Overlay, where: str) -> tuple[Change | None, list[Finding]]:
    node_id = str(op.key)
    before = overlay.node(node_id)
    if op.action == "delete":
        if before is None:
            return None, [Finding(where, "id", f"no node {node_id!r} to delete")]
        overlay.nodes[node_id] = None
        return Change("delete", "node", node_id, _record(before), None), []
    assert op.node is not None
    found = validate_node(op.node.type, op.node.data)
    if op.action == "add" and before is not None:
        found.append(Finding(node_id, "id", f"a {before.type} with this id already exists"))
    if op.action == "update" and before is None:
        found.append(Finding(node_id, "id", "no such node to update (use add_node)"))
    if op.action == "update" and before is not None and before.type != op.node.type:
        found.append(Finding(node_id, "type", f"is {before.type}; a node's type cannot change"))
    if found:
        return None, found
    overlay.nodes[node_id] = op.node
    return Change(op.action, "node", node_id, _record(before), _record(op.node)), []


def _edge_step(op: Operation, overlay: _Overlay, where: str) -> tuple[Change | None, list[Finding]]:
    key = op.key if isinstance(op.key, tuple) else ("", "")
    label = f"{key[0]} -> {key[1]}"
    before = overlay.edge(key)
    if op.action == "delete":
        if before is None:
            return None, [Finding(where, "edge", f"no edge {label} to delete")]
        overlay.edges[key] = None
        return Change("delete", "edge", key, _record(before), None), []
    assert op.edge is not None
    found = validate_edge(op.edge.type, op.edge.source, op.edge.target, op.edge.data)
    if op.action == "add" and before is not None:
        found.append(Finding(label, "edge", f"a {before.type} edge already joins these nodes"))
    if op.action == "update" and before is None:
        found.append(Finding(label, "edge", "no such edge to update (use add_edge)"))
    if found:
        return None, found
    overlay.edges[key] = op.edge
    return Change(op.action, "edge", key, _record(before), _record(op.edge)), []


def endpoint_findings(edge: Edge, node: Callable[[str], Node | None]) -> list[Finding]:
    """Dangling or wrongly typed ends of ``edge``, looking nodes up with ``node``."""
    spec = graph_schema()["edge_types"].get(edge.type)
    found: list[Finding] = []
    label = f"{edge.source} -> {edge.target}"
    for end, node_id in (("source", edge.source), ("target", edge.target)):
        found_node = node(node_id)
        if found_node is None:
            found.append(Finding(label, end, f"dangling edge: no node {node_id!r}"))
        elif spec is not None and found_node.type != spec[end]:
            why = f"{edge.type} needs a {spec[end]} {end}, {node_id!r} is a {found_node.type}"
            found.append(Finding(label, end, why))
    return found


def plan_changeset(changes: ChangeSet, state: StateReader) -> list[Change]:
    """The audited changes of ``changes`` over ``state``, or ChangeSetInvalid."""
    if not changes.operations:
        raise ChangeSetInvalid([Finding("change-set", "operations", "is empty")])
    overlay = _Overlay(state)
    planned: list[Change] = []
    found: list[Finding] = []
    for index, op in enumerate(changes.operations):
        step = _node_step if op.kind == "node" else _edge_step
        change, problems = step(op, overlay, f"operations[{index}]")
        found += problems
        if change is not None:
            planned.append(change)
    for edge in overlay.edges.values():
        if edge is not None:
            found += endpoint_findings(edge, overlay.node)
    for node_id, node in overlay.nodes.items():
        if node is None and (left := overlay.edges_touching(node_id)):
            names = ", ".join(f"{s} -> {t}" for s, t in left[:5])
            found.append(Finding(node_id, "edges", f"delete these edges first: {names}"))
    if found:
        raise ChangeSetInvalid(sorted(set(found), key=lambda f: (f.where, f.what)))
    return planned
