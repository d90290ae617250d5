"""Cases, outcomes and system status in the SQLite store (see ``records.py``).

The tables live in the same file as the graph, so one backup holds both;
every write is one short transaction. Outcome counts are cached per process
and re-read only when an outcome is written (one ``MAX(id)``, ``MAX(changed_at)``
per lookup), so every gunicorn worker learns from an outcome recorded or
reverted through another.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from typing import Any, Protocol

from .promise_records import ESCALATIONS_DDL, PROMISES_DDL
from .records import (
    Candidate,
    CaseRecord,
    Outcome,
    OutcomeCounts,
    SystemStatus,
    new_ref,
    now_text,
)
from .sqlite_notices import NOTICE_COLUMNS, NOTICES_DDL, SqliteNotices
from .sqlite_promises import ESCALATION_COLUMNS, PROMISE_COLUMNS, SqlitePromises
from .sqlite_proposals import PROPOSAL_COLUMNS, PROPOSALS_DDL, SqliteProposals

__all__ = ["RECORDS_DDL", "RECORDS_MIGRATION_3", "RECORDS_MIGRATION_4", "SqliteRecords"]

RECORDS_DDL = (
    """
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, author TEXT NOT NULL,
    graph_revision INTEGER NOT NULL, symptom TEXT, top_cause TEXT,
    confidence REAL NOT NULL, product TEXT, supplier TEXT, order_no TEXT,
    ref TEXT, message TEXT, channel TEXT);
CREATE INDEX IF NOT EXISTS cases_at ON cases(at);
CREATE UNIQUE INDEX IF NOT EXISTS cases_ref ON cases(ref);
CREATE TABLE IF NOT EXISTS outcomes (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, author TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id), symptom TEXT NOT NULL, cause TEXT NOT NULL,
    resolution TEXT NOT NULL, product TEXT, supplier TEXT, order_no TEXT,
    note TEXT NOT NULL, graph_revision INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'active', changed_by TEXT, changed_at TEXT);
CREATE INDEX IF NOT EXISTS outcomes_at ON outcomes(at);
CREATE INDEX IF NOT EXISTS outcomes_pair ON outcomes(symptom, cause);
CREATE INDEX IF NOT EXISTS outcomes_case ON outcomes(case_id, state);
CREATE TABLE IF NOT EXISTS candidates (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, case_id INTEGER NOT NULL UNIQUE,
    symptom TEXT NOT NULL, text TEXT NOT NULL, lang TEXT NOT NULL,
    state TEXT NOT NULL, decided_by TEXT, decided_at TEXT);
CREATE INDEX IF NOT EXISTS candidates_state ON candidates(state, id);
CREATE TABLE IF NOT EXISTS system_status (
    id INTEGER PRIMARY KEY, system TEXT NOT NULL, status TEXT NOT NULL,
    note TEXT NOT NULL, eta TEXT, at TEXT NOT NULL, author TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS system_status_system ON system_status(system, id);
"""
    + PROMISES_DDL
    + ESCALATIONS_DDL
    + PROPOSALS_DDL
    + NOTICES_DDL
)

RECORDS_MIGRATION_3 = (
    "ALTER TABLE cases ADD COLUMN ref TEXT",
    "ALTER TABLE cases ADD COLUMN message TEXT",
    "ALTER TABLE outcomes ADD COLUMN state TEXT NOT NULL DEFAULT 'active'",
    "ALTER TABLE outcomes ADD COLUMN changed_by TEXT",
    "ALTER TABLE outcomes ADD COLUMN changed_at TEXT",
)
"""Schema 2 → 3: case refs and words, outcome states; then RECORDS_DDL adds the rest."""

RECORDS_MIGRATION_4 = ("ALTER TABLE cases ADD COLUMN channel TEXT",)
"""Schema 3 → 4: a case's payment channel (older cases have none); then RECORDS_DDL."""

_CASE_COLUMNS = (
    "id, at, author, graph_revision, symptom, top_cause, confidence, product, supplier, order_no,"
    " ref, message, channel"
)
_OUTCOME_COLUMNS = (
    "id, at, author, case_id, symptom, cause, resolution, product, supplier, order_no,"
    " note, graph_revision, state, changed_by, changed_at"
)
_CANDIDATE_COLUMNS = "id, at, case_id, symptom, text, lang, state, decided_by, decided_at"
_STATUS_COLUMNS = "id, system, status, note, eta, at, author"
_TABLES = {
    "cases": _CASE_COLUMNS,
    "outcomes": _OUTCOME_COLUMNS,
    "candidates": _CANDIDATE_COLUMNS,
    "system_status": _STATUS_COLUMNS,
    "promises": PROMISE_COLUMNS,
    "escalations": ESCALATION_COLUMNS,
    "status_proposals": PROPOSAL_COLUMNS,
    "notices": NOTICE_COLUMNS,
}


class _Db(Protocol):
    def connection(self) -> sqlite3.Connection: ...

    def transaction(
        self, mode: str = "IMMEDIATE"
    ) -> AbstractContextManager[sqlite3.Connection]: ...


class SqliteRecords(SqlitePromises, SqliteProposals, SqliteNotices):
    """The record tables of one SQLite store (the promise ledger from ``SqlitePromises``,
    the proposals' methods from ``SqliteProposals``, notices and leases from
    ``sqlite_notices``)."""

    def __init__(self, db: _Db) -> None:
        self._db = db
        self._counts: OutcomeCounts | None = None
        self._lock = threading.Lock()

    # --- migration (kgdiag migrate) -----------------------------------------

    def raw_records(self) -> dict[str, list[dict[str, Any]]]:
        """Every record row, ids included, by table."""
        found = {}
        for table, columns in _TABLES.items():
            cursor = self._db.connection().execute(f"SELECT {columns} FROM {table} ORDER BY id")
            names = [d[0] for d in cursor.description]
            found[table] = [dict(zip(names, row, strict=True)) for row in cursor]
        return found

    def import_records(self, records: dict[str, list[dict[str, Any]]]) -> None:
        """Insert another store's records with their ids (the tables must be empty)."""
        with self._db.transaction() as conn:
            for table, columns in _TABLES.items():
                names = [c.strip() for c in columns.split(",")]
                marks = ", ".join(f":{n}" for n in names)
                rows = [{n: row.get(n) for n in names} for row in records.get(table, [])]
                conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    # --- cases --------------------------------------------------------------

    def record_case(
        self,
        *,
        author: str,
        graph_revision: int,
        symptom: str | None,
        top_cause: str | None,
        confidence: float,
        product: str | None,
        supplier: str | None,
        order_no: str | None,
        message: str | None = None,
        channel: str | None = None,
    ) -> CaseRecord:
        at = now_text()
        values = (at, author, graph_revision, symptom, top_cause, confidence)
        rest = (product, supplier, order_no, new_ref(), message, channel)
        with self._db.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO cases ({_CASE_COLUMNS})"
                " VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, *rest),
            )
        return CaseRecord(int(cur.lastrowid or 0), *values, *rest)

    def get_case(self, case_id: int) -> CaseRecord | None:
        row = (
            self._db.connection()
            .execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,))
            .fetchone()
        )
        return None if row is None else CaseRecord(*row)

    def case_by_ref(self, ref: str) -> CaseRecord | None:
        row = (
            self._db.connection()
            .execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE ref = ?", (ref,))
            .fetchone()
        )
        return None if row is None else CaseRecord(*row)

    def cases(self, *, since: str, until: str) -> list[CaseRecord]:
        rows = self._db.connection().execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE at >= ? AND at < ? ORDER BY id",
            (since, until),
        )
        return [CaseRecord(*row) for row in rows]

    # --- outcomes -----------------------------------------------------------

    def record_outcome(
        self,
        *,
        author: str,
        case_id: int | None,
        symptom: str,
        cause: str,
        resolution: str,
        product: str | None,
        supplier: str | None,
        order_no: str | None,
        note: str,
        graph_revision: int,
    ) -> Outcome:
        at = now_text()
        values = (at, author, case_id, symptom, cause, resolution, product, supplier, order_no)
        with self._db.transaction() as conn:
            if case_id is not None:
                conn.execute(
                    "UPDATE outcomes SET state = 'revised', changed_by = ?, changed_at = ?"
                    " WHERE case_id = ? AND state = 'active'",
                    (author, at, case_id),
                )
            cur = conn.execute(
                f"INSERT INTO outcomes ({_OUTCOME_COLUMNS})"
                " VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', NULL, NULL)",
                (*values, note, graph_revision),
            )
        return Outcome(int(cur.lastrowid or 0), *values, note, graph_revision)

    def get_outcome(self, outcome_id: int) -> Outcome | None:
        row = (
            self._db.connection()
            .execute(f"SELECT {_OUTCOME_COLUMNS} FROM outcomes WHERE id = ?", (outcome_id,))
            .fetchone()
        )
        return None if row is None else Outcome(*row)

    def case_outcome(self, case_id: int) -> Outcome | None:
        row = (
            self._db.connection()
            .execute(
                f"SELECT {_OUTCOME_COLUMNS} FROM outcomes WHERE case_id = ? AND state = 'active'",
                (case_id,),
            )
            .fetchone()
        )
        return None if row is None else Outcome(*row)

    def revert_outcome(self, outcome_id: int, *, author: str) -> Outcome | None:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE outcomes SET state = 'reverted', changed_by = ?, changed_at = ?"
                " WHERE id = ? AND state = 'active'",
                (author, now_text(), outcome_id),
            ).rowcount
        return self.get_outcome(outcome_id) if changed else None

    def outcomes(self, *, since: str, until: str, limit: int = 10_000) -> list[Outcome]:
        rows = self._db.connection().execute(
            f"SELECT {_OUTCOME_COLUMNS} FROM outcomes WHERE at >= ? AND at < ? ORDER BY id LIMIT ?",
            (since, until, limit),
        )
        return [Outcome(*row) for row in rows]

    def outcome_counts(self) -> OutcomeCounts:
        conn = self._db.connection()
        top, changed = conn.execute(
            "SELECT COALESCE(MAX(id), 0), COUNT(changed_at) FROM outcomes"
        ).fetchone()
        version = (int(top), int(changed))
        cached = self._counts
        if cached is not None and cached.version == version:
            return cached
        with self._lock:
            rows = conn.execute(
                "SELECT symptom, cause, COUNT(*) FROM outcomes WHERE state = 'active'"
                " GROUP BY symptom, cause"
            ).fetchall()
            by_symptom: dict[str, dict[str, int]] = {}
            for symptom, cause, count in rows:
                by_symptom.setdefault(symptom, {})[cause] = int(count)
            self._counts = OutcomeCounts(version, by_symptom)
            return self._counts

    def similar_outcomes(
        self,
        *,
        symptom: str,
        cause: str,
        product: str | None,
        supplier: str | None,
        limit: int = 3,
    ) -> list[Outcome]:
        if product is None and supplier is None:
            return []
        rows = self._db.connection().execute(
            f"SELECT {_OUTCOME_COLUMNS} FROM outcomes WHERE symptom = ? AND cause = ?"
            " AND state = 'active' AND (product = ? OR supplier = ?)"
            " ORDER BY (product IS ? AND supplier IS ?) DESC, id DESC LIMIT ?",
            (symptom, cause, product, supplier, product, supplier, limit),
        )
        return [Outcome(*row) for row in rows]

    # --- candidate utterances ----------------------------------------------

    def propose_candidate(self, *, case_id: int, symptom: str, text: str, lang: str) -> Candidate:
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO candidates ({_CANDIDATE_COLUMNS})"
                " VALUES (NULL, ?, ?, ?, ?, ?, 'open', NULL, NULL)"
                " ON CONFLICT(case_id) DO UPDATE SET symptom = excluded.symptom"
                " WHERE candidates.state = 'open'",
                (now_text(), case_id, symptom, text, lang),
            )
            row = conn.execute(
                f"SELECT {_CANDIDATE_COLUMNS} FROM candidates WHERE case_id = ?", (case_id,)
            ).fetchone()
        return Candidate(*row)

    def candidates(self, *, state: str, limit: int = 100) -> list[Candidate]:
        rows = self._db.connection().execute(
            f"SELECT {_CANDIDATE_COLUMNS} FROM candidates WHERE state = ? ORDER BY id LIMIT ?",
            (state, limit),
        )
        return [Candidate(*row) for row in rows]

    def get_candidate(self, candidate_id: int) -> Candidate | None:
        row = (
            self._db.connection()
            .execute(f"SELECT {_CANDIDATE_COLUMNS} FROM candidates WHERE id = ?", (candidate_id,))
            .fetchone()
        )
        return None if row is None else Candidate(*row)

    def decide_candidate(self, candidate_id: int, *, state: str, author: str) -> Candidate | None:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE candidates SET state = ?, decided_by = ?, decided_at = ?"
                " WHERE id = ? AND state = 'open'",
                (state, author, now_text(), candidate_id),
            ).rowcount
        return self.get_candidate(candidate_id) if changed else None

    # --- retention ----------------------------------------------------------

    def purge(self, *, before: str) -> dict[str, int]:
        with self._db.transaction() as conn:
            old = "SELECT id FROM cases WHERE at < ?"
            counts = {
                "promises": conn.execute(
                    f"DELETE FROM promises WHERE case_id IN ({old})", (before,)
                ).rowcount,
                "escalations": conn.execute(
                    f"DELETE FROM escalations WHERE case_id IN ({old})", (before,)
                ).rowcount,
                "candidates": conn.execute(
                    f"DELETE FROM candidates WHERE case_id IN ({old})", (before,)
                ).rowcount,
                "outcomes": conn.execute(
                    f"DELETE FROM outcomes WHERE at < ? OR case_id IN ({old})", (before, before)
                ).rowcount,
                "cases": conn.execute("DELETE FROM cases WHERE at < ?", (before,)).rowcount,
                "system_status": conn.execute(
                    "DELETE FROM system_status WHERE at < ? AND id NOT IN"
                    " (SELECT MAX(id) FROM system_status GROUP BY system)",
                    (before,),
                ).rowcount,
                # Their evidence names orders: decided ones go with the cases they cite.
                "status_proposals": conn.execute(
                    "DELETE FROM status_proposals WHERE state <> 'open' AND decided_at < ?",
                    (before,),
                ).rowcount,
                # Far past the watch window, so the order and cause cannot come back.
                "notices": conn.execute("DELETE FROM notices WHERE at < ?", (before,)).rowcount,
            }
        self._counts = None
        return counts

    # --- system status ------------------------------------------------------

    def set_system_status(
        self, *, system: str, status: str, note: str, eta: str | None, author: str
    ) -> SystemStatus:
        at = now_text()
        with self._db.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO system_status ({_STATUS_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?)",
                (system, status, note, eta, at, author),
            )
        return SystemStatus(int(cur.lastrowid or 0), system, status, note, eta, at, author)

    def current_system_statuses(self) -> list[SystemStatus]:
        rows = self._db.connection().execute(
            f"SELECT {_STATUS_COLUMNS} FROM system_status WHERE id IN"
            " (SELECT MAX(id) FROM system_status GROUP BY system) ORDER BY system"
        )
        return [SystemStatus(*row) for row in rows]

    def system_status_history(self, system: str, *, limit: int = 50) -> list[SystemStatus]:
        rows = self._db.connection().execute(
            f"SELECT {_STATUS_COLUMNS} FROM system_status WHERE system = ?"
            " ORDER BY id DESC LIMIT ?",
            (system, limit),
        )
        return [SystemStatus(*row) for row in rows]
