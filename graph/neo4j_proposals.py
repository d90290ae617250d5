"""System-status proposals in the Neo4j store (see ``records.StatusProposal``).

``(:StatusProposal)`` nodes with their evidence as JSON text (Neo4j keeps no
maps in properties). Opening or refreshing one first takes the meta node's
write lock (``lock_proposals``), so of two servers that see the same outage
at once the second refreshes the first one's proposal.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Protocol

from .neo4j_cypher import STATEMENTS
from .records import StatusProposal, now_text

__all__ = ["PROPOSAL_FIELDS", "Neo4jProposals"]

PROPOSAL_FIELDS = tuple(f.name for f in dataclasses.fields(StatusProposal))


class _Store(Protocol):
    def _read(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

    def _write(self, work: Any) -> Any: ...


def _q(name: str) -> str:
    return STATEMENTS[name].text


def _proposal(row: Mapping[str, Any]) -> StatusProposal:
    values: dict[str, Any] = {name: row.get(name) for name in PROPOSAL_FIELDS}
    values["evidence"] = json.loads(values["evidence"] or "{}")
    return StatusProposal(**values)


class Neo4jProposals:
    """The proposal methods of :class:`~graph.neo4j.Neo4jRecords`."""

    _store: _Store

    def _proposal_rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return [dict(r["row"]) for r in self._store._read(name, **params)]

    def upsert_proposal(
        self, *, system: str, status: str, cause: str, evidence: Mapping[str, Any]
    ) -> StatusProposal:
        text = json.dumps(dict(evidence), ensure_ascii=False, sort_keys=True)

        def work(tx: Any) -> dict[str, Any]:
            tx.run(_q("lock_proposals")).consume()
            at = now_text()
            found = tx.run(_q("open_proposal"), system=system).single()
            if found is not None:
                params = {"at": at, "status": status, "cause": cause, "evidence": text}
                again = tx.run(_q("refresh_proposal"), id=found["row"]["id"], **params).single()
                return dict(again["row"])
            new_id = int(tx.run(_q("next_proposal")).single()["id"])
            row = {
                "id": new_id,
                "at": at,
                "updated_at": at,
                "system": system,
                "status": status,
                "cause": cause,
                "evidence": text,
                "state": "open",
                "decided_by": None,
                "decided_at": None,
                "note": None,
            }
            tx.run(_q("create_proposal"), row=row).consume()
            return row

        return _proposal(self._store._write(work))

    def status_proposals(
        self, *, state: str | None = None, system: str | None = None, limit: int = 100
    ) -> list[StatusProposal]:
        rows = self._proposal_rows("proposals_listed", state=state, system=system, limit=limit)
        return [_proposal(r) for r in rows]

    def get_proposal(self, proposal_id: int) -> StatusProposal | None:
        rows = self._proposal_rows("get_proposal", id=proposal_id)
        return _proposal(rows[0]) if rows else None

    def decide_proposal(
        self, proposal_id: int, *, state: str, author: str, note: str | None
    ) -> StatusProposal | None:
        def work(tx: Any) -> list[dict[str, Any]]:
            result = tx.run(
                _q("decide_proposal"),
                id=proposal_id,
                state=state,
                author=author,
                at=now_text(),
                note=note,
            )
            return [dict(r["row"]) for r in result]

        rows: list[dict[str, Any]] = self._store._write(work)
        return _proposal(rows[0]) if rows else None
