"""Proactive notices and the watcher's lease in the Neo4j store (see ``records.py``).

A mixin of :class:`~graph.neo4j.Neo4jRecords`. ``(:Notice)`` nodes carry a
uniqueness constraint on ``(order_no, cause)`` and are written with ``MERGE``
on it, so two servers never file the same notice twice; ``(:Lease {name})``
is taken or renewed in one statement that holds the node's write lock.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from .neo4j_cypher import STATEMENTS
from .records import Notice, now_text

__all__ = ["Neo4jNotices"]


def _q(name: str) -> str:
    return STATEMENTS[name].text


def _notice(row: dict[str, Any]) -> Notice:
    values: dict[str, Any] = {f.name: row.get(f.name) for f in dataclasses.fields(Notice)}
    values["attempts"] = int(values.get("attempts") or 0)
    return Notice(**values)


class _Store(Protocol):
    def _read(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

    def _write(self, work: Any) -> Any: ...


class Neo4jNotices:
    """Notices as ``(:Notice)`` nodes (ids from ``KgMeta.next_notice``); the lease, ``(:Lease)``."""

    _store: _Store

    def _notice_rows(self, name: str, **params: Any) -> list[Notice]:
        return [_notice(dict(r["row"])) for r in self._store._read(name, **params)]

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
        fields = {
            "order_no": order_no, "symptom": symptom, "cause": cause, "supplier": supplier,
            "channel": channel, "lang": lang, "text": text, "case_ref": case_ref,
            "sent_at": None, "attempts": 0, "next_attempt_at": next_attempt_at,
            "last_error": None,
        }  # fmt: skip

        def work(tx: Any) -> Notice | None:
            new_id = int(tx.run(_q("next_notice")).single()["id"])
            row = {"id": new_id, "at": now_text(), **fields}
            created = tx.run(_q("create_notice"), row=row).single()
            return _notice(row) if created and created["created"] else None

        result: Notice | None = self._store._write(work)
        return result

    def noticed_orders(self, order_nos: list[str]) -> set[str]:
        rows = self._store._read("noticed_orders", order_nos=order_nos) if order_nos else []
        return {str(r["order_no"]) for r in rows}

    def notices(self, since: str, limit: int) -> list[Notice]:
        return self._notice_rows("notices_since", since=since, limit=limit)

    def notice_page(self, *, limit: int, before: int | None = None) -> list[Notice]:
        return self._notice_rows("notice_page", before=before, limit=limit)

    def notices_due(self, *, now: str, limit: int, max_attempts: int) -> list[Notice]:
        return self._notice_rows("notices_due", now=now, limit=limit, max_attempts=max_attempts)

    def claim_notice(self, notice_id: int, *, attempts: int, next_attempt_at: str) -> bool:
        def work(tx: Any) -> int:
            found = tx.run(
                _q("claim_notice"),
                id=notice_id,
                attempts=attempts,
                next_attempt_at=next_attempt_at,
            ).single()
            return int(found["n"]) if found else 0

        return bool(self._store._write(work) == 1)

    def notice_sent(self, notice_id: int, *, at: str) -> None:
        self._store._write(lambda tx: tx.run(_q("notice_sent"), id=notice_id, at=at).consume())

    def notice_failed(self, notice_id: int, *, error: str) -> None:
        self._store._write(
            lambda tx: tx.run(_q("notice_failed"), id=notice_id, error=error[:500]).consume()
        )

    def take_lease(self, name: str, *, holder: str, now: str, until: str) -> bool:
        def work(tx: Any) -> bool:
            found = tx.run(_q("take_lease"), name=name, holder=holder, now=now, until=until)
            row = found.single()
            return row is not None and row["holder"] == holder

        return bool(self._store._write(work))

    def release_lease(self, name: str, *, holder: str) -> None:
        self._store._write(
            lambda tx: tx.run(_q("release_lease"), name=name, holder=holder).consume()
        )
