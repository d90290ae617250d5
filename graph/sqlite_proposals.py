"""System-status proposals in the SQLite store (see ``records.StatusProposal``).

Their table is in ``RECORDS_DDL``; a partial unique index keeps one open
proposal per system, so two workers that see the same outage at once refresh
one proposal rather than file two.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from .records import StatusProposal, now_text

__all__ = ["PROPOSALS_DDL", "PROPOSAL_COLUMNS", "SqliteProposals"]

PROPOSALS_DDL = """
CREATE TABLE IF NOT EXISTS status_proposals (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, updated_at TEXT NOT NULL,
    system TEXT NOT NULL, status TEXT NOT NULL, cause TEXT NOT NULL,
    evidence TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'open',
    decided_by TEXT, decided_at TEXT, note TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS status_proposals_open
    ON status_proposals(system) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS status_proposals_state ON status_proposals(state, id);
"""

PROPOSAL_COLUMNS = (
    "id, at, updated_at, system, status, cause, evidence, state, decided_by, decided_at, note"
)


class _Db(Protocol):
    def connection(self) -> sqlite3.Connection: ...

    def transaction(
        self, mode: str = "IMMEDIATE"
    ) -> AbstractContextManager[sqlite3.Connection]: ...


def _proposal(row: tuple[Any, ...]) -> StatusProposal:
    values = list(row)
    values[6] = json.loads(values[6])
    return StatusProposal(*values)


class SqliteProposals:
    """The proposal methods of :class:`~graph.sqlite_records.SqliteRecords`."""

    _db: _Db

    def upsert_proposal(
        self, *, system: str, status: str, cause: str, evidence: Mapping[str, Any]
    ) -> StatusProposal:
        at = now_text()
        text = json.dumps(dict(evidence), ensure_ascii=False, sort_keys=True)
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO status_proposals ({PROPOSAL_COLUMNS})"
                " VALUES (NULL, ?, ?, ?, ?, ?, ?, 'open', NULL, NULL, NULL)"
                " ON CONFLICT(system) WHERE state = 'open' DO UPDATE SET"
                " updated_at = excluded.updated_at, status = excluded.status,"
                " cause = excluded.cause, evidence = excluded.evidence",
                (at, at, system, status, cause, text),
            )
            row = conn.execute(
                f"SELECT {PROPOSAL_COLUMNS} FROM status_proposals"
                " WHERE system = ? AND state = 'open'",
                (system,),
            ).fetchone()
        return _proposal(row)

    def status_proposals(
        self, *, state: str | None = None, system: str | None = None, limit: int = 100
    ) -> list[StatusProposal]:
        rows = self._db.connection().execute(
            f"SELECT {PROPOSAL_COLUMNS} FROM status_proposals"
            " WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR system = ?2)"
            " ORDER BY id DESC LIMIT ?3",
            (state, system, limit),
        )
        return [_proposal(row) for row in rows]

    def get_proposal(self, proposal_id: int) -> StatusProposal | None:
        row = (
            self._db.connection()
            .execute(
                f"SELECT {PROPOSAL_COLUMNS} FROM status_proposals WHERE id = ?", (proposal_id,)
            )
            .fetchone()
        )
        return None if row is None else _proposal(row)

    def decide_proposal(
        self, proposal_id: int, *, state: str, author: str, note: str | None
    ) -> StatusProposal | None:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE status_proposals SET state = ?, decided_by = ?, decided_at = ?, note = ?"
                " WHERE id = ? AND state = 'open'",
                (state, author, now_text(), note, proposal_id),
            ).rowcount
        return self.get_proposal(proposal_id) if changed else None
