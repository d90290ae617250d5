"""What a team records beside the graph: cases, confirmed outcomes, system status.

The graph is knowledge, edited by seniors in audited revisions. These records
are the daily work that feeds it: every diagnosis is a *case*; an agent who
solved a case records its *outcome* (the confirmed cause and the resolution
used), from which priors are learned and similar past cases are found; an
admin or a monitoring webhook records *system status* (a supplier down, a
platform in maintenance until 18:00), which diagnoses read. Records are
append-only: history is never rewritten, so insights can look back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

__all__ = [
    "CaseRecord",
    "Outcome",
    "OutcomeCounts",
    "RecordStore",
    "SystemStatus",
    "now_text",
]


def now_text() -> str:
    """The current UTC time as every record stores it: RFC 3339, seconds, ``+00:00``.

    One fixed form, so that records compare and sort as plain strings.
    """
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class CaseRecord:
    """One diagnosis as it was answered (no customer text, no contact data)."""

    id: int
    at: str
    author: str
    graph_revision: int
    symptom: str | None
    top_cause: str | None
    confidence: float
    product: str | None
    supplier: str | None
    order_no: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    """How a case really ended: the confirmed cause and the resolution used."""

    id: int
    at: str
    author: str
    case_id: int | None
    symptom: str
    cause: str
    resolution: str
    product: str | None
    supplier: str | None
    order_no: str | None
    note: str
    graph_revision: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SystemStatus:
    """A system's status as recorded at ``at``; ``eta`` is when it should recover."""

    id: int
    system: str
    status: str
    note: str
    eta: str | None
    at: str
    author: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OutcomeCounts:
    """Confirmed outcomes per symptom and cause; ``version`` changes with every new one."""

    version: int
    by_symptom: Mapping[str, Mapping[str, int]]


class RecordStore(Protocol):
    """The records every backend keeps beside the graph."""

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
    ) -> CaseRecord: ...

    def get_case(self, case_id: int) -> CaseRecord | None: ...

    def cases(self, *, since: str, until: str) -> list[CaseRecord]:
        """Cases with ``since <= at < until`` (RFC 3339 UTC strings), oldest first."""
        ...

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
    ) -> Outcome: ...

    def outcomes(self, *, since: str, until: str, limit: int = 10_000) -> list[Outcome]:
        """Outcomes with ``since <= at < until``, oldest first."""
        ...

    def outcome_counts(self) -> OutcomeCounts:
        """Confirmed counts per symptom and cause (cached until a new outcome)."""
        ...

    def similar_outcomes(
        self,
        *,
        symptom: str,
        cause: str,
        product: str | None,
        supplier: str | None,
        limit: int = 3,
    ) -> list[Outcome]:
        """Newest outcomes of ``symptom`` and ``cause`` on the same product or supplier."""
        ...

    def set_system_status(
        self, *, system: str, status: str, note: str, eta: str | None, author: str
    ) -> SystemStatus: ...

    def current_system_statuses(self) -> list[SystemStatus]:
        """The latest record of every system that has one."""
        ...

    def system_status_history(self, system: str, *, limit: int = 50) -> list[SystemStatus]:
        """A system's records, newest first."""
        ...

    def raw_records(self) -> dict[str, list[dict[str, Any]]]:
        """Every record, ids included, by table (``cases``, ``outcomes``,
        ``system_status``): what ``kgdiag migrate`` copies."""
        ...

    def import_records(self, records: dict[str, list[dict[str, Any]]]) -> None:
        """Insert another store's records with their ids (this store's must be empty)."""
        ...
