"""Graph content and change-sets: the plain data every backend stores.

A change-set is the only way to change a graph. It is a list of operations
(add, update or delete a node or an edge) applied together or not at all.
``diff`` turns two whole graphs into the change-set between them, which is
how an import replaces a graph and how a revert goes back in time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from schema.validate import Finding

__all__ = [
    "Change",
    "ChangeSet",
    "Edge",
    "EdgeKey",
    "GraphContent",
    "Node",
    "Operation",
    "content_from_records",
    "diff",
    "parse_changeset",
    "redo_change",
    "undo_change",
]

Action = Literal["add", "update", "delete"]
EdgeKey = tuple[str, str]


@dataclass(frozen=True)
class Node:
    """A node: its type and its fields (``data["id"]`` is its id)."""

    type: str
    data: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.data["id"])

    def as_record(self) -> dict[str, Any]:
        return {"type": self.type, "data": dict(self.data)}


@dataclass(frozen=True)
class Edge:
    """A directed edge between two nodes; ``data`` holds the edge's own fields."""

    type: str
    source: str
    target: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> EdgeKey:
        return (self.source, self.target)

    def as_record(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "source": self.source,
            "target": self.target,
            "data": dict(self.data),
        }


@dataclass(frozen=True)
class Operation:
    """One step of a change-set. ``node`` or ``edge`` is None for deletes."""

    action: Action
    kind: Literal["node", "edge"]
    key: str | EdgeKey
    node: Node | None = None
    edge: Edge | None = None

    def label(self) -> str:
        where = self.key if isinstance(self.key, str) else f"{self.key[0]} -> {self.key[1]}"
        return f"{self.action}_{self.kind} {where}"


@dataclass(frozen=True)
class ChangeSet:
    """Operations applied atomically, in order, against an expected revision."""

    operations: tuple[Operation, ...]

    def __len__(self) -> int:
        return len(self.operations)


@dataclass(frozen=True)
class Change:
    """An audited change: what one operation did, with the record before and after."""

    action: Action
    kind: Literal["node", "edge"]
    key: str | EdgeKey
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class GraphContent:
    """A whole graph as plain data: nodes by id, edges by (source, target)."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[EdgeKey, Edge] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for node in self.nodes.values():
            out[node.type] = out.get(node.type, 0) + 1
        out["edges"] = len(self.edges)
        return out


def diff(old: GraphContent, new: GraphContent) -> ChangeSet:
    """The change-set that turns ``old`` into ``new``.

    Edges are removed before nodes and nodes added before edges, so every
    intermediate step keeps the graph's integrity.
    """
    ops: list[Operation] = []
    for key, edge in old.edges.items():
        if key not in new.edges or new.edges[key].type != edge.type:
            ops.append(Operation("delete", "edge", key))
    for node_id, node in old.nodes.items():
        if node_id not in new.nodes or new.nodes[node_id].type != node.type:
            ops.append(Operation("delete", "node", node_id))
    for node_id, node in new.nodes.items():
        before = old.nodes.get(node_id)
        if before is None or before.type != node.type:
            ops.append(Operation("add", "node", node_id, node=node))
        elif dict(before.data) != dict(node.data):
            ops.append(Operation("update", "node", node_id, node=node))
    for key, edge in new.edges.items():
        prior = old.edges.get(key)
        if prior is None or prior.type != edge.type:
            ops.append(Operation("add", "edge", key, edge=edge))
        elif dict(prior.data) != dict(edge.data):
            ops.append(Operation("update", "edge", key, edge=edge))
    return ChangeSet(tuple(ops))


def _parse_one(index: int, raw: Any) -> tuple[Operation | None, list[Finding]]:
    where = f"operations[{index}]"
    if not isinstance(raw, Mapping):
        return None, [Finding(where, "(operation)", "must be an object")]
    op = raw.get("op")
    action, _, kind = str(op).partition("_")
    if action not in ("add", "update", "delete") or kind not in ("node", "edge"):
        why = (
            "must be one of add_node, update_node, delete_node, add_edge, update_edge, delete_edge"
        )
        return None, [Finding(where, "op", why)]
    missing = [
        name for name in _REQUIRED[kind][action] if not isinstance(raw.get(name), str | dict)
    ]
    if missing:
        return None, [Finding(where, name, "required field is missing") for name in missing]
    if kind == "node":
        node_id = str(raw["id"]) if action == "delete" else str(raw["node"].get("id", ""))
        node = None if action == "delete" else Node(str(raw["type"]), dict(raw["node"]))
        return Operation(action, "node", node_id, node=node), []  # type: ignore[arg-type]
    key = (str(raw["source"]), str(raw["target"]))
    edge = None
    if action != "delete":
        data = raw.get("data", {})
        if not isinstance(data, Mapping):
            return None, [Finding(where, "data", "must be an object")]
        edge = Edge(str(raw["type"]), key[0], key[1], dict(data))
    return Operation(action, "edge", key, edge=edge), []  # type: ignore[arg-type]


_REQUIRED: dict[str, dict[str, tuple[str, ...]]] = {
    "node": {"add": ("type", "node"), "update": ("type", "node"), "delete": ("id",)},
    "edge": {
        "add": ("type", "source", "target"),
        "update": ("type", "source", "target"),
        "delete": ("source", "target"),
    },
}


def parse_changeset(raw: Sequence[Any]) -> tuple[ChangeSet, list[Finding]]:
    """A change-set from JSON-like operations, with findings for malformed ones.

    >>> cs, found = parse_changeset([{"op": "delete_node", "id": "x"}])
    >>> cs.operations[0].label(), found
    ('delete_node x', [])
    """
    ops: list[Operation] = []
    found: list[Finding] = []
    for index, item in enumerate(raw):
        op, problems = _parse_one(index, item)
        found += problems
        if op is not None:
            ops.append(op)
    return ChangeSet(tuple(ops)), found


def content_from_records(nodes: Iterable[Node], edges: Iterable[Edge]) -> GraphContent:
    """Index nodes and edges into a :class:`GraphContent`."""
    return GraphContent({n.id: n for n in nodes}, {e.key: e for e in edges})


def _put(
    content: GraphContent, kind: str, key: str | EdgeKey, record: dict[str, Any] | None
) -> None:
    if kind == "node":
        if record is None:
            content.nodes.pop(str(key), None)
        else:
            content.nodes[str(key)] = Node(record["type"], record["data"])
        return
    edge_key = cast(EdgeKey, tuple(key))
    if record is None:
        content.edges.pop(edge_key, None)
    else:
        content.edges[edge_key] = Edge(
            record["type"], record["source"], record["target"], record["data"]
        )


def undo_change(content: GraphContent, change: Change) -> None:
    """Step ``content`` back over one audited change (its record before)."""
    _put(content, change.kind, change.key, change.before)


def redo_change(content: GraphContent, change: Change) -> None:
    """Step ``content`` forward over one audited change (its record after)."""
    _put(content, change.kind, change.key, change.after)
