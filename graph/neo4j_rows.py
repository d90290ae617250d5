"""Graph objects to Cypher parameters and back, without a server.

Neo4j properties hold scalars and lists of scalars, never nested maps, so a
node's or an edge's fields travel as one JSON string (``data``); the few
fields people look at in Neo4j Browser or Bloom (id, type, the zh/en title)
are copied out as plain properties beside it. Audited changes keep their
records before and after as JSON too, so a migration in either direction is
byte-for-byte lossless. Pure functions: unit-tested with no Neo4j running.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from .model import Action, Change, Edge, EdgeKey, Node
from .store import RevisionInfo, Role, TokenInfo

__all__ = [
    "RELATIONSHIP_TYPES",
    "WriteBatch",
    "change_from_row",
    "change_row",
    "edge_from_row",
    "edge_row",
    "node_from_row",
    "node_row",
    "revision_from_row",
    "revision_row",
    "token_from_row",
    "write_batch",
]

RELATIONSHIP_TYPES = {
    "caused_by": "CAUSED_BY",
    "tested_by": "TESTED_BY",
    "resolved_by": "RESOLVED_BY",
    "depends_on": "DEPENDS_ON",
    "teaches": "TEACHES",
}
"""Graph edge type → Neo4j relationship type (upper case, as Cypher style has it)."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _title(data: Mapping[str, Any], lang: str) -> str | None:
    title = data.get("title")
    return str(title.get(lang)) if isinstance(title, Mapping) and title.get(lang) else None


def node_row(node: Node) -> dict[str, Any]:
    """The parameters of one node: id, type, zh/en title and the JSON of its fields."""
    return {
        "id": node.id,
        "type": node.type,
        "title_zh": _title(node.data, "zh"),
        "title_en": _title(node.data, "en"),
        "data": _dumps(dict(node.data)),
    }


def node_from_row(row: Mapping[str, Any]) -> Node:
    return Node(str(row["type"]), json.loads(row["data"]))


def edge_row(edge: Edge) -> dict[str, Any]:
    return {
        "source": edge.source,
        "target": edge.target,
        "type": edge.type,
        "data": _dumps(dict(edge.data)),
    }


def edge_from_row(row: Mapping[str, Any]) -> Edge:
    return Edge(str(row["type"]), str(row["source"]), str(row["target"]), json.loads(row["data"]))


def change_row(revision: int, seq: int, change: Change) -> dict[str, Any]:
    """An audited change as stored: the key and both records as JSON."""
    return {
        "revision": revision,
        "seq": seq,
        "action": change.action,
        "kind": change.kind,
        "key": _dumps(change.key if isinstance(change.key, str) else list(change.key)),
        "before": None if change.before is None else _dumps(change.before),
        "after": None if change.after is None else _dumps(change.after),
    }


def change_from_row(row: Mapping[str, Any]) -> Change:
    key = json.loads(row["key"])
    return Change(
        cast(Action, row["action"]),
        cast(Literal["node", "edge"], row["kind"]),
        key if isinstance(key, str) else cast(EdgeKey, tuple(key)),
        None if row["before"] is None else json.loads(row["before"]),
        None if row["after"] is None else json.loads(row["after"]),
    )


def revision_row(info: RevisionInfo) -> dict[str, Any]:
    return {
        "number": info.revision,
        "author": info.author,
        "at": info.at,
        "message": info.message,
        "change_count": info.change_count,
        "reverted_to": info.reverted_to,
    }


def revision_from_row(row: Mapping[str, Any]) -> RevisionInfo:
    reverted = row.get("reverted_to")
    return RevisionInfo(
        int(row["number"]),
        str(row["author"]),
        str(row["at"]),
        str(row["message"]),
        int(row["change_count"]),
        None if reverted is None else int(reverted),
    )


def token_from_row(row: Mapping[str, Any]) -> TokenInfo:
    return TokenInfo(
        int(row["id"]),
        str(row["name"]),
        cast(Role, row["role"]),
        str(row["created_at"]),
        None if row.get("revoked_at") is None else str(row["revoked_at"]),
    )


@dataclass
class WriteBatch:
    """A revision's changes grouped for ``UNWIND $rows`` statements, one per kind.

    Order matters inside the transaction: edges are deleted before nodes
    (a node is only deleted without edges), nodes are written before the
    edges that need them.
    """

    edge_deletes: list[dict[str, str]] = field(default_factory=list)
    node_deletes: list[str] = field(default_factory=list)
    node_upserts: list[dict[str, Any]] = field(default_factory=list)
    edge_upserts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)
    """Node type → ids of nodes (new or changed) that must carry that label."""


def write_batch(changes: Iterable[Change]) -> WriteBatch:
    """Group planned changes; a later change of the same key wins, as in a replay."""
    nodes: dict[str, Mapping[str, Any] | None] = {}
    edges: dict[EdgeKey, Mapping[str, Any] | None] = {}
    for change in changes:
        if change.kind == "node":
            nodes[str(change.key)] = change.after
        else:
            edges[cast(EdgeKey, tuple(change.key))] = change.after
    batch = WriteBatch()
    for (source, target), after in edges.items():
        # Every written edge is deleted first: its relationship type may have changed.
        batch.edge_deletes.append({"source": source, "target": target})
        if after is not None:
            edge = Edge(str(after["type"]), source, target, after["data"])
            batch.edge_upserts.setdefault(edge.type, []).append(edge_row(edge))
    for node_id, after in nodes.items():
        if after is None:
            batch.node_deletes.append(node_id)
        else:
            node = Node(str(after["type"]), after["data"])
            batch.node_upserts.append(node_row(node))
            batch.labels.setdefault(node.type, []).append(node.id)
    return batch
