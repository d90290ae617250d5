"""A snapshot read back from an edit's audited changes equals one read whole.

After an edit a store replays the changes since its cached snapshot instead
of reading and freezing the whole graph; any edit sequence must leave it
with exactly the snapshot a fresh read would build: the same nodes, edges and
fields, in the same order (the engine adds probabilities in that order).
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graph.model import Edge, GraphContent, Node, diff
from graph.snapshot import Snapshot, build_snapshot
from graph.sqlite import SqliteStore

from .conftest import example_count

_STEP = st.tuples(
    st.sampled_from(["retitle", "drop_edge", "drop_node", "copy_node", "edge_weight"]),
    st.integers(min_value=0, max_value=10_000),
)
_EDIT = st.lists(_STEP, min_size=1, max_size=6)


def _mutated(content: GraphContent, steps: list[tuple[str, int]], tag: int) -> GraphContent:
    out = copy.deepcopy(content)
    for n, (kind, pick) in enumerate(steps):
        nodes, edges = sorted(out.nodes), sorted(out.edges)
        node_id = nodes[pick % len(nodes)]
        if kind == "retitle":
            out.nodes[node_id].data["title"]["en"] = f"edited {tag}.{n}"
        elif kind == "drop_edge" and edges:
            out.edges.pop(edges[pick % len(edges)])
        elif kind == "edge_weight" and edges:
            data = out.edges[edges[pick % len(edges)]].data
            for field in ("p_fail", "prior"):
                if field in data:
                    data[field] = 0.05 + (pick % 90) / 100
        elif kind == "drop_node":
            out.nodes.pop(node_id)
            for key in [k for k in out.edges if node_id in k]:
                out.edges.pop(key)
        elif kind == "copy_node":
            new_id = f"copy_{tag}_{n}"
            out.nodes[new_id] = Node(out.nodes[node_id].type, {**out.nodes[node_id].data})
            out.nodes[new_id].data["id"] = new_id
            for (source, target), edge in list(out.edges.items()):
                if source == node_id:
                    out.edges[(new_id, target)] = Edge(edge.type, new_id, target, dict(edge.data))
    return out


def _rows(snapshot: Snapshot) -> tuple[list[Any], list[Any]]:
    nodes = list(snapshot.graph.nodes(data=True))
    edges = list(snapshot.graph.edges(data=True))
    return nodes, edges


@pytest.mark.slow
@settings(
    max_examples=example_count(12), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(edits=st.lists(_EDIT, min_size=1, max_size=4), revert=st.booleans())
# A weight change on an edge that has no weight (a seed resolved_by edge): no
# operation, no new revision. The old assertion called that a full read.
@example(edits=[[("edge_weight", 2)]], revert=False)
def test_a_replayed_snapshot_equals_a_fresh_read(
    seeded_db: Path, edits: list[list[tuple[str, int]]], revert: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kg.db"
        shutil.copyfile(seeded_db, path)
        store = SqliteStore(path)
        replayed = applied = 0
        original = Snapshot.evolved

        def counting(self: Snapshot, revision: int, changes: Any) -> Snapshot | None:
            nonlocal replayed
            replayed += 1
            return original(self, revision, changes)

        Snapshot.evolved = counting  # type: ignore[method-assign]
        try:
            store.snapshot()
            for tag, steps in enumerate(edits):
                before = store.content_at(store.revision())
                changes = diff(before, _mutated(before, steps, tag))
                if not changes.operations:
                    continue
                store.apply(changes, expected_revision=store.revision(), author="t")
                applied += 1
                if tag % 2 == 0:  # a worker may also be several revisions behind
                    continue
                fresh = build_snapshot(store.revision(), store.content_at(store.revision()))
                assert _rows(store.snapshot()) == _rows(fresh)
            if revert and store.revision() > 1:
                store.revert(1, expected_revision=store.revision(), author="t")
            fresh = build_snapshot(store.revision(), store.content_at(store.revision()))
            assert _rows(store.snapshot()) == _rows(fresh)
        finally:
            Snapshot.evolved = original  # type: ignore[method-assign]
            store.close()
        # An example whose edits all changed nothing leaves no revision to replay.
        assert replayed >= 1 or not applied, "the store read the whole graph every time"


def test_the_snapshot_lists_its_records_without_networkx(snapshot: Snapshot) -> None:
    """Callers walk nodes and edges through the snapshot, never its ``graph``."""
    assert [n for n, _ in snapshot.nodes()] == sorted(snapshot.graph.nodes)
    edges = {(s, t): (kind, data) for s, t, kind, data in snapshot.edges()}
    assert edges == {(s, t): (a["type"], a["data"]) for s, t, a in snapshot.graph.edges(data=True)}
    symptom = next(snapshot.nodes_of_type("Symptom"))
    causes = {o for kind, o, _ in snapshot.edges_at(symptom, outgoing=True) if kind == "caused_by"}
    assert causes and causes == {c for c, _ in snapshot.out_edges(symptom, "caused_by")}
    cause = sorted(causes)[0]
    assert ("caused_by", symptom) in {
        (k, o) for k, o, _ in snapshot.edges_at(cause, outgoing=False)
    }
