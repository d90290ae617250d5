"""The Neo4j row mapping, without a server: every seed object survives the round trip."""

from __future__ import annotations

import json

from graph.gate import ContentReader
from graph.integrity import plan_changeset
from graph.model import Change, Edge, GraphContent, Node, diff
from graph.neo4j_rows import (
    change_from_row,
    change_row,
    edge_from_row,
    edge_row,
    node_from_row,
    node_row,
    revision_from_row,
    revision_row,
    write_batch,
)
from graph.store import RevisionInfo


def test_every_seed_node_and_edge_round_trips(seed_content: GraphContent) -> None:
    for node in seed_content.nodes.values():
        row = node_row(node)
        assert all(not isinstance(v, dict | list) for v in row.values())  # Neo4j properties
        assert node_from_row(row) == node
    for edge in seed_content.edges.values():
        assert edge_from_row(edge_row(edge)) == edge


def test_a_node_row_carries_what_browser_users_read(seed_content: GraphContent) -> None:
    row = node_row(seed_content.nodes["card_key_invalid"])
    assert (row["id"], row["type"], row["title_zh"]) == (
        "card_key_invalid",
        "Symptom",
        "卡密无效 / 无法兑换",
    )
    assert json.loads(row["data"])["phrases"]["zh"]


def test_changes_and_revisions_round_trip(seed_content: GraphContent) -> None:
    node = Node("System", {"id": "sup_x", "title": {"zh": "甲", "en": "A"}})
    edge = Edge("depends_on", "c", "sup_x", {"weight": 0.5})
    changes = [
        Change("add", "node", "sup_x", None, node.as_record()),
        Change("update", "edge", ("c", "sup_x"), edge.as_record(), edge.as_record()),
        Change("delete", "edge", ("c", "sup_x"), edge.as_record(), None),
    ]
    for seq, change in enumerate(changes):
        assert change_from_row(change_row(7, seq, change)) == change
    info = RevisionInfo(7, "ann (senior)", "2026-11-22T10:00:00+00:00", "why", 3, 5)
    assert revision_from_row(revision_row(info)) == info
    plain = RevisionInfo(8, "bob", "2026-11-22T10:00:00+00:00", "", 1)
    assert revision_from_row(revision_row(plain)) == plain


def test_a_write_batch_orders_and_deduplicates(seed_content: GraphContent) -> None:
    seed = diff(GraphContent(), seed_content)
    planned = plan_changeset(seed, ContentReader(GraphContent()))
    batch = write_batch(planned)
    assert len(batch.node_upserts) == len(seed_content.nodes)
    assert sum(len(rows) for rows in batch.edge_upserts.values()) == len(seed_content.edges)
    assert set(batch.edge_upserts) == {
        "caused_by",
        "tested_by",
        "resolved_by",
        "depends_on",
        "teaches",
    }
    assert sorted(batch.labels) == ["Cause", "Check", "Corpus", "Resolution", "Symptom", "System"]
    # A key changed twice in one revision is written once, as it ended.
    node = Node("System", {"id": "s1", "title": {"zh": "一", "en": "one"}})
    twice = [
        Change("add", "node", "s1", None, node.as_record()),
        Change("delete", "node", "s1", node.as_record(), None),
    ]
    batch = write_batch(twice)
    assert batch.node_upserts == [] and batch.node_deletes == ["s1"]
