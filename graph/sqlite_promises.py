"""Promises and escalations in the SQLite store (see ``promise_records.py``).

A mixin of :class:`~graph.sqlite_records.SqliteRecords`: the same file, the
same short transactions. A promise's state is derived in the query by the
rule of :func:`~graph.promise_records.promise_state`.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from .promise_records import (
    PROMISE_GRACE,
    EscalationRecord,
    PromiseRecord,
    utc_text,
)
from .records import now_text

__all__ = ["ESCALATION_COLUMNS", "PROMISE_COLUMNS", "SqlitePromises"]

PROMISE_COLUMNS = (
    "id, at, case_id, author, order_no, symptom, kind, what, due_at, backstop,"
    " backstop_resolution, lang, priority, kept_at, kept_by"
)
ESCALATION_COLUMNS = (
    "id, at, case_id, author, order_no, escalate_to, reason, lang, calming, goodwill_kind,"
    " goodwill_value, goodwill_text, closed_at"
)
_STATE = (
    "CASE WHEN kept_at IS NOT NULL THEN (CASE WHEN kept_at <= due_at THEN 'kept' ELSE 'broken' END)"
    " WHEN due_at > :now THEN 'open' WHEN due_at > :grace THEN 'overdue' ELSE 'broken' END"
)


class _Db(Protocol):
    def connection(self) -> sqlite3.Connection: ...

    def transaction(
        self, mode: str = "IMMEDIATE"
    ) -> AbstractContextManager[sqlite3.Connection]: ...


class SqlitePromises:
    """The promise ledger and escalations of one SQLite store."""

    _db: _Db

    def _insert(self, table: str, columns: str, row: dict[str, Any]) -> dict[str, Any]:
        """Insert ``row`` (every column but ``id``); the stored values with their new id."""
        names = [n.strip() for n in columns.split(",")][1:]
        values = {n: row.get(n) for n in names}
        with self._db.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO {table} ({', '.join(names)})"
                f" VALUES ({', '.join(':' + n for n in names)})",
                values,
            )
        return {"id": int(cur.lastrowid or 0), **values}

    def record_promise(self, **fields: Any) -> PromiseRecord:
        row = {"at": now_text(), **fields, "kept_at": None, "kept_by": None}
        return PromiseRecord(**self._insert("promises", PROMISE_COLUMNS, row))

    def promises(
        self, *, state: str, now: datetime, grace: timedelta = PROMISE_GRACE, limit: int = 200
    ) -> list[PromiseRecord]:
        order = "ASC" if state in ("open", "overdue") else "DESC"
        rows = self._db.connection().execute(
            f"SELECT {PROMISE_COLUMNS} FROM promises WHERE ({_STATE}) = :state"
            f" ORDER BY due_at {order}, id {order} LIMIT :limit",
            {"now": utc_text(now), "grace": utc_text(now - grace), "state": state, "limit": limit},
        )
        return [PromiseRecord(*row) for row in rows]

    def case_promise(self, case_id: int) -> PromiseRecord | None:
        row = (
            self._db.connection()
            .execute(f"SELECT {PROMISE_COLUMNS} FROM promises WHERE case_id = ?", (case_id,))
            .fetchone()
        )
        return None if row is None else PromiseRecord(*row)

    def overdue_order(self, order_no: str, now: datetime) -> bool:
        row = (
            self._db.connection()
            .execute(
                "SELECT 1 FROM promises WHERE order_no = ? AND kept_at IS NULL AND due_at <= ?"
                " LIMIT 1",
                (order_no, utc_text(now)),
            )
            .fetchone()
        )
        return row is not None

    def keep_promises(self, case_id: int, *, author: str) -> int:
        at = now_text()
        with self._db.transaction() as conn:
            kept = conn.execute(
                "UPDATE promises SET kept_at = ?, kept_by = ?"
                " WHERE case_id = ? AND kept_at IS NULL",
                (at, author, case_id),
            ).rowcount
            conn.execute(
                "UPDATE escalations SET closed_at = ? WHERE case_id = ? AND closed_at IS NULL",
                (at, case_id),
            )
        return int(kept)

    def reopen_promises(self, case_id: int) -> int:
        with self._db.transaction() as conn:
            opened = conn.execute(
                "UPDATE promises SET kept_at = NULL, kept_by = NULL WHERE case_id = ?", (case_id,)
            ).rowcount
            conn.execute("UPDATE escalations SET closed_at = NULL WHERE case_id = ?", (case_id,))
        return int(opened)

    def record_escalation(self, **fields: Any) -> EscalationRecord:
        row = {"at": now_text(), **fields, "closed_at": None}
        return EscalationRecord(**self._insert("escalations", ESCALATION_COLUMNS, row))

    def open_escalations(self, *, limit: int = 200) -> list[EscalationRecord]:
        rows = self._db.connection().execute(
            f"SELECT {ESCALATION_COLUMNS} FROM escalations WHERE closed_at IS NULL"
            " ORDER BY id LIMIT ?",
            (limit,),
        )
        return [EscalationRecord(*row) for row in rows]
