"""Edits that would make ``kgdiag lint`` fail are refused, whoever sends them.

The store itself validates each node and edge (schema, CEL that compiles,
templates that use only declared variables, edge ends). Some mistakes only
show in the whole graph: a cause left without a resolution, a symptom
without causes, a phrase two symptoms claim, a node nothing leads to. The
gate replays the change-set over the current graph in memory, lints the
result and refuses the change with the findings it would *add*; findings
already there do not block an edit that does not make them worse (so a
senior can fix one problem at a time).

Race-free without a lock: the replay is made against the expected revision,
and the store's own ``apply`` refuses the write if the graph has moved since.
"""

from __future__ import annotations

from collections.abc import Iterable

from schema.validate import Finding

from .errors import ChangeSetInvalid, StaleRevision
from .integrity import plan_changeset
from .lint import lint_content
from .model import ChangeSet, Edge, EdgeKey, GraphContent, Node, redo_change
from .snapshot import Snapshot
from .store import GraphStore, RevisionInfo

__all__ = [
    "ContentReader",
    "draft",
    "guarded_apply",
    "guarded_revert",
    "new_findings",
    "snapshot_findings",
]


class ContentReader:
    """A :class:`~graph.integrity.StateReader` over graph content in memory."""

    def __init__(self, content: GraphContent) -> None:
        self.content = content

    def get_node(self, node_id: str) -> Node | None:
        return self.content.nodes.get(node_id)

    def get_edge(self, key: EdgeKey) -> Edge | None:
        return self.content.edges.get(key)

    def edges_touching(self, node_id: str) -> Iterable[Edge]:
        return [e for e in self.content.edges.values() if node_id in (e.source, e.target)]


def snapshot_findings(snapshot: Snapshot) -> list[Finding]:
    """The lint findings of a snapshot, computed once per revision."""
    found: list[Finding] = snapshot.derived("lint", lambda snap: lint_content(snap.content()))
    return found


def _current(store: GraphStore, expected_revision: int) -> tuple[GraphContent, list[Finding]]:
    snapshot = store.snapshot()
    if snapshot.revision != expected_revision:
        raise StaleRevision(expected_revision, snapshot.revision)
    return snapshot.content(), snapshot_findings(snapshot)


def new_findings(before: list[Finding], after: GraphContent) -> list[Finding]:
    """The lint findings of ``after`` that ``before`` did not have."""
    known = set(before)
    return [f for f in lint_content(after) if f not in known]


def _draft(
    store: GraphStore, changes: ChangeSet, expected_revision: int
) -> tuple[GraphContent, list[Finding], list[Finding]]:
    """(the draft graph, the findings it adds, all its findings)."""
    content, before = _current(store, expected_revision)
    for change in plan_changeset(changes, ContentReader(content)):
        redo_change(content, change)
    every = lint_content(content)
    known = set(before)
    return content, [f for f in every if f not in known], every


def draft(
    store: GraphStore, changes: ChangeSet, expected_revision: int
) -> tuple[GraphContent, list[Finding]]:
    """The graph as ``changes`` would leave it, and the lint findings they would add.

    Nothing is written: the editor previews a reply on this content before
    a senior saves. ChangeSetInvalid or StaleRevision as ``guarded_apply``.
    """
    content, added, _ = _draft(store, changes, expected_revision)
    return content, added


def guarded_apply(
    store: GraphStore,
    changes: ChangeSet,
    *,
    expected_revision: int,
    author: str,
    message: str = "",
) -> RevisionInfo:
    """Apply ``changes`` unless they add lint findings (ChangeSetInvalid lists them).

    The draft's findings are the new revision's: they are handed to its
    snapshot, so the next edit does not lint the whole graph again (the gate
    lints the whole graph, which costs seconds at 10k nodes).
    """
    _, found, every = _draft(store, changes, expected_revision)
    if found:
        raise ChangeSetInvalid(found)
    info = store.apply(changes, expected_revision=expected_revision, author=author, message=message)
    snapshot = store.snapshot()
    if snapshot.revision == info.revision:  # else another writer came between: lint anew
        snapshot.derived("lint", lambda _: every)
    return info


def guarded_revert(
    store: GraphStore,
    to_revision: int,
    *,
    expected_revision: int,
    author: str,
    message: str = "",
) -> RevisionInfo:
    """Revert to ``to_revision`` unless that graph adds lint findings."""
    _, before = _current(store, expected_revision)
    target = store.content_at(to_revision)
    if found := new_findings(before, target):
        raise ChangeSetInvalid(found)
    return store.revert(
        to_revision, expected_revision=expected_revision, author=author, message=message
    )
