"""Proactive notices and the watcher's lease in the SQLite store (see ``records.py``).

A mixin of :class:`~graph.sqlite_records.SqliteRecords`, kept apart so the
notice tables read in one place. Every write is one short transaction:
``UNIQUE(order_no, cause)`` makes a second notice of an order and cause a
no-op, and the lease is taken or renewed by one upsert whose ``WHERE`` lets
it through only when the lease is free, expired or already the holder's.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import Protocol

from .records import Notice, now_text

__all__ = ["NOTICES_DDL", "NOTICE_COLUMNS", "SqliteNotices"]

NOTICES_DDL = """
CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, order_no TEXT NOT NULL,
    symptom TEXT NOT NULL, cause TEXT NOT NULL, supplier TEXT, channel TEXT,
    lang TEXT NOT NULL, text TEXT NOT NULL, case_ref TEXT,
    sent_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT, last_error TEXT,
    UNIQUE (order_no, cause));
CREATE INDEX IF NOT EXISTS notices_at ON notices(at);
CREATE INDEX IF NOT EXISTS notices_due ON notices(next_attempt_at) WHERE sent_at IS NULL;
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at TEXT NOT NULL);
"""
"""Appended to ``RECORDS_DDL`` (run on every open: no schema-version bump)."""

NOTICE_COLUMNS = (
    "id, at, order_no, symptom, cause, supplier, channel, lang, text, case_ref,"
    " sent_at, attempts, next_attempt_at, last_error"
)


class _Db(Protocol):
    def connection(self) -> sqlite3.Connection: ...

    def transaction(
        self, mode: str = "IMMEDIATE"
    ) -> AbstractContextManager[sqlite3.Connection]: ...


class SqliteNotices:
    """The ``notices`` and ``leases`` tables of one SQLite store."""

    _db: _Db

    def record_notice(
        self,
        *,
        order_no: str,
        symptom: str,
        cause: str,
        supplier: str | None,
        channel: str | None,
        lang: str,
        text: str,
        case_ref: str | None,
        next_attempt_at: str | None,
    ) -> Notice | None:
        at = now_text()
        with self._db.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO notices ({NOTICE_COLUMNS})"
                " VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, NULL)"
                " ON CONFLICT(order_no, cause) DO NOTHING",
                (at, order_no, symptom, cause, supplier, channel, lang, text, case_ref,
                 next_attempt_at),
            )  # fmt: skip
            if cur.rowcount != 1:
                return None
        return Notice(
            int(cur.lastrowid or 0), at, order_no, symptom, cause, supplier, channel, lang,
            text, case_ref, None, 0, next_attempt_at, None,
        )  # fmt: skip

    def noticed_orders(self, order_nos: list[str]) -> set[str]:
        found: set[str] = set()
        conn = self._db.connection()
        for start in range(0, len(order_nos), 500):  # SQLite's bound-parameter limit
            chunk = order_nos[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT DISTINCT order_no FROM notices WHERE order_no IN ({marks})", chunk
            )
            found.update(str(row[0]) for row in rows)
        return found

    def notices(self, since: str, limit: int) -> list[Notice]:
        rows = self._db.connection().execute(
            f"SELECT {NOTICE_COLUMNS} FROM notices WHERE at >= ? ORDER BY id LIMIT ?",
            (since, limit),
        )
        return [Notice(*row) for row in rows]

    def notice_page(self, *, limit: int, before: int | None = None) -> list[Notice]:
        rows = self._db.connection().execute(
            f"SELECT {NOTICE_COLUMNS} FROM notices WHERE ? IS NULL OR id < ?"
            " ORDER BY id DESC LIMIT ?",
            (before, before, limit),
        )
        return [Notice(*row) for row in rows]

    def notices_due(self, *, now: str, limit: int, max_attempts: int) -> list[Notice]:
        rows = self._db.connection().execute(
            f"SELECT {NOTICE_COLUMNS} FROM notices WHERE sent_at IS NULL"
            " AND next_attempt_at IS NOT NULL AND next_attempt_at <= ? AND attempts < ?"
            " ORDER BY id LIMIT ?",
            (now, max_attempts, limit),
        )
        return [Notice(*row) for row in rows]

    def claim_notice(self, notice_id: int, *, attempts: int, next_attempt_at: str) -> bool:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE notices SET attempts = attempts + 1, next_attempt_at = ?"
                " WHERE id = ? AND attempts = ? AND sent_at IS NULL",
                (next_attempt_at, notice_id, attempts),
            ).rowcount
        return changed == 1

    def notice_sent(self, notice_id: int, *, at: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE notices SET sent_at = ?, next_attempt_at = NULL, last_error = NULL"
                " WHERE id = ?",
                (at, notice_id),
            )

    def notice_failed(self, notice_id: int, *, error: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE notices SET last_error = ? WHERE id = ?", (error[:500], notice_id))

    def take_lease(self, name: str, *, holder: str, now: str, until: str) -> bool:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
                " expires_at = excluded.expires_at"
                " WHERE leases.holder = excluded.holder OR leases.expires_at < ?",
                (name, holder, until, now),
            )
            row = conn.execute("SELECT holder FROM leases WHERE name = ?", (name,)).fetchone()
        return row is not None and row[0] == holder

    def release_lease(self, name: str, *, holder: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
