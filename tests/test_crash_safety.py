"""A process killed in the middle of a change-set leaves the previous revision intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graph.model import GraphContent
from graph.sqlite import SqliteStore

REPO = Path(__file__).resolve().parent.parent

# The child applies a large change-set; after 200 rows are written (inside the
# transaction) it announces MID and stalls, so the parent kills it there.
CHILD = textwrap.dedent("""
    import sys, time, copy
    import diagnostics  # the engine's content checks, which the store validates with
    from graph.sqlite import SqliteStore
    from graph.model import ChangeSet, Operation, Node

    store = SqliteStore(__import__("pathlib").Path(sys.argv[1]))
    snap = store.snapshot()
    ops = []
    for node_id in snap.nodes_of_type("Check"):
        data = copy.deepcopy(snap.content().nodes[node_id].data)
        data["title"]["zh"] = "被改写"
        ops.append(Operation("update", "node", node_id, node=Node("Check", data)))
    written = 0
    original = SqliteStore._write

    def slow_write(conn, change):
        global written
        original(conn, change)
        written += 1
        if written == 40:
            print("MID", flush=True)
            time.sleep(60)

    SqliteStore._write = staticmethod(slow_write)
    store.apply(ChangeSet(tuple(ops)), expected_revision=snap.revision, author="doomed")
    print("DONE", flush=True)
""")


@pytest.mark.slow
def test_kill_mid_changeset_keeps_previous_revision(store: SqliteStore) -> None:
    before = store.content_at(1)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store.path)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "MID", "the child should stall inside the transaction"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()

    reopened = SqliteStore(store.path)
    assert reopened.revision() == 1
    after = reopened.content_at(1)
    assert _titles(after) == _titles(before)
    assert all(n.data["title"]["zh"] != "被改写" for n in after.nodes.values())
    # and the store still takes writes
    reopened.revert(0, expected_revision=1, author="check")
    assert reopened.revision() == 2
    reopened.close()


def _titles(content: GraphContent) -> dict[str, str]:
    return {k: str(n.data["title"]["zh"]) for k, n in content.nodes.items()}
