"""Move a whole store between backends (SQLite ⇄ Neo4j), history included.

Lossless by construction: every revision is replayed into the empty target
verbatim (its author, time, message and audited changes, not a new diff),
tokens move as their hashes, and cases, outcomes and system status keep
their ids. The target must be empty; the source is only read. A check at the
end compares the two graphs revision by revision.
"""

from __future__ import annotations

from .errors import StoreUnavailable
from .store import GraphStore

__all__ = ["Migratable", "MigrationReport", "migrate"]

Migratable = GraphStore
"""Every store migrates: the export and import methods are part of ``GraphStore``."""


class MigrationReport(dict[str, int]):
    """How many of each were copied (revisions, changes, tokens, cases, …)."""


def migrate(source: Migratable, target: Migratable) -> MigrationReport:
    """Copy ``source`` into the empty ``target``; raises if the target is not empty."""
    if target.revision() != 0 or target.raw_tokens() or any(target.records.raw_records().values()):
        raise StoreUnavailable("the target store is not empty: migrate only into a new store")
    report = MigrationReport(revisions=0, changes=0)
    for revision in range(1, source.revision() + 1):
        (info,) = source.history(limit=1, before=revision + 1)
        changes = source.changes(revision)
        target.import_revision(info, changes)
        report["revisions"] += 1
        report["changes"] += len(changes)
    tokens = source.raw_tokens()
    if tokens:
        target.import_tokens(tokens)
    report["tokens"] = len(tokens)
    records = source.records.raw_records()
    target.records.import_records(records)
    report.update({table: len(rows) for table, rows in records.items()})
    _verify(source, target)
    return report


def _verify(source: GraphStore, target: GraphStore) -> None:
    if target.revision() != source.revision():
        raise StoreUnavailable("migration check failed: the revisions differ")
    if source.revision() and source.content_at(source.revision()) != target.content_at(
        target.revision()
    ):
        raise StoreUnavailable("migration check failed: the graphs differ")
