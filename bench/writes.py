"""Writes: change-set throughput, and the snapshot rebuild an edit causes, by size.

A change-set here is what a senior's save is: one node retitled against the
current revision. ``store.apply`` is the audited, atomic write alone;
``guarded_apply`` adds the lint gate the API and the editor run first (it
lints the whole draft graph, so it grows with the graph). After each write
the next ``snapshot()`` reads the graph back and freezes it: the cost every
server worker pays once per revision.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from graph.gate import guarded_apply
from graph.model import ChangeSet, GraphContent, Node, Operation, diff
from graph.snapshot import thaw
from graph.store import GraphStore, open_store

from .stats import stats

NODE = "region_lock"


def _retitle(store: GraphStore, title: str) -> ChangeSet:
    data = thaw(store.snapshot().node(NODE))
    data["title"]["en"] = title
    return ChangeSet((Operation("update", "node", NODE, node=Node("Cause", data)),))


def write_figures(content: GraphContent, writes: int, gated_writes: int) -> dict[str, Any]:
    """Apply ``writes`` plain and ``gated_writes`` gated edits to a store holding ``content``."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "bench.db"), create=True)
        start = time.perf_counter()
        store.apply(diff(store.content_at(0), content), expected_revision=0, author="bench")
        load = time.perf_counter() - start
        store.snapshot()
        plain, gated, rebuild = [], [], []
        for i in range(writes + gated_writes):
            changes = _retitle(store, f"bench {i}")
            start = time.perf_counter()
            if i < writes:
                store.apply(changes, expected_revision=store.revision(), author="bench")
                plain.append(time.perf_counter() - start)
            else:
                guarded_apply(store, changes, expected_revision=store.revision(), author="bench")
                gated.append(time.perf_counter() - start)
            start = time.perf_counter()
            store.snapshot()
            rebuild.append(time.perf_counter() - start)
        store.close()
    return {
        "initial_load_s": load,
        "apply": stats(plain),
        "apply_per_s": len(plain) / sum(plain) if plain else None,
        "guarded_apply": stats(gated),
        "guarded_apply_per_s": len(gated) / sum(gated) if gated else None,
        "snapshot_after_edit": stats(rebuild),
    }
