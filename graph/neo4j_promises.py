"""Promises and escalations in the Neo4j store (see ``promise_records.py``).

A mixin of :class:`~graph.neo4j.Neo4jRecords`: ``:Promise`` and
``:Escalation`` nodes, ids from their own counters on ``KgMeta``; a
promise's state is derived in the query by the rule of
:func:`~graph.promise_records.promise_state`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from .neo4j_cypher import STATEMENTS
from .promise_records import PROMISE_GRACE, EscalationRecord, PromiseRecord, utc_text
from .records import now_text

__all__ = ["Neo4jPromises"]

_P = TypeVar("_P", PromiseRecord, EscalationRecord)


class _Store(Protocol):
    def _read(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

    def _write(self, work: Any) -> Any: ...


def _q(name: str) -> str:
    return STATEMENTS[name].text


def _as(cls: type[_P], row: Mapping[str, Any]) -> _P:
    """A record from a node's properties (Neo4j drops null ones: they come back as None)."""
    values: dict[str, Any] = {f.name: row.get(f.name) for f in dataclasses.fields(cls)}
    return cls(**values)


class Neo4jPromises:
    """The promise ledger and escalations of one Neo4j store."""

    _store: _Store

    def _new(self, counter: str, statement: str, fields: dict[str, Any]) -> dict[str, Any]:
        def work(tx: Any) -> dict[str, Any]:
            new_id = int(tx.run(_q(counter)).single()["id"])
            row = {"id": new_id, "at": now_text(), **fields}
            tx.run(_q(statement), row=row).consume()
            return row

        created: dict[str, Any] = self._store._write(work)
        return created

    def _promise_rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return [dict(r["row"]) for r in self._store._read(name, **params)]

    def record_promise(self, **fields: Any) -> PromiseRecord:
        row = self._new("next_promise", "create_promise", {**fields, "kept_at": None})
        return _as(PromiseRecord, row)

    def promises(
        self, *, state: str, now: datetime, grace: timedelta = PROMISE_GRACE, limit: int = 200
    ) -> list[PromiseRecord]:
        name = "promises_open_first" if state in ("open", "overdue") else "promises_latest_first"
        rows = self._promise_rows(
            name, now=utc_text(now), grace=utc_text(now - grace), state=state, limit=limit
        )
        return [_as(PromiseRecord, r) for r in rows]

    def case_promise(self, case_id: int) -> PromiseRecord | None:
        rows = self._promise_rows("case_promise", case_id=case_id)
        return _as(PromiseRecord, rows[0]) if rows else None

    def overdue_order(self, order_no: str, now: datetime) -> bool:
        rows = self._store._read("overdue_order", order_no=order_no, now=utc_text(now))
        return bool(rows and int(rows[0]["n"]))

    def keep_promises(self, case_id: int, *, author: str) -> int:
        def work(tx: Any) -> int:
            found = tx.run(_q("keep_promises"), case_id=case_id, at=now_text(), author=author)
            return int(found.single()["n"])

        kept: int = self._store._write(work)
        return kept

    def reopen_promises(self, case_id: int) -> int:
        def work(tx: Any) -> int:
            return int(tx.run(_q("reopen_promises"), case_id=case_id).single()["n"])

        opened: int = self._store._write(work)
        return opened

    def record_escalation(self, **fields: Any) -> EscalationRecord:
        row = self._new("next_escalation", "create_escalation", {**fields, "closed_at": None})
        return _as(EscalationRecord, row)

    def open_escalations(self, *, limit: int = 200) -> list[EscalationRecord]:
        return [
            _as(EscalationRecord, r) for r in self._promise_rows("open_escalations", limit=limit)
        ]

    # --- migration and retention, called by Neo4jRecords ---------------------

    def raw_promise_records(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "promises": [
                dataclasses.asdict(_as(PromiseRecord, r))
                for r in self._promise_rows("all_promises_raw")
            ],
            "escalations": [
                dataclasses.asdict(_as(EscalationRecord, r))
                for r in self._promise_rows("all_escalations_raw")
            ],
        }

    def import_promise_records(self, records: dict[str, list[dict[str, Any]]]) -> None:
        def work(tx: Any) -> None:
            for table, statement in (
                ("promises", "import_promises"),
                ("escalations", "import_escalations"),
            ):
                if records.get(table):
                    tx.run(_q(statement), rows=records[table]).consume()

            def next_id(table: str) -> int:
                return max((int(r["id"]) for r in records.get(table, [])), default=0) + 1

            tx.run(
                _q("set_promise_counters"),
                next_promise=next_id("promises"),
                next_escalation=next_id("escalations"),
            ).consume()

        self._store._write(work)

    @staticmethod
    def purge_promise_records(tx: Any, before: str) -> dict[str, int]:
        return {
            table: int(tx.run(_q(statement), before=before).single()["n"])
            for table, statement in (
                ("promises", "purge_promises"),
                ("escalations", "purge_escalations"),
            )
        }
