"""What a team records beside the graph: cases, confirmed outcomes, system status.

The graph is knowledge, edited by seniors in audited revisions. These records
are the daily work that feeds it: every diagnosis is a *case*; an agent who
solved a case records its *outcome* (the confirmed cause and the resolution
used), from which priors are learned and similar past cases are found; an
admin or a monitoring webhook records *system status* (a supplier down, a
platform in maintenance until 18:00), which diagnoses read.

History is never rewritten, so insights can look back: a case has one
*active* outcome; recording another revises it (the old row stays, marked
``revised``) and a senior may revert one (marked ``reverted``, never
deleted), so learning counts each case once and a poisoned outcome can be
undone. Cases carry an unguessable ``ref``, the only id the API shows. A
case diagnosed from the customer's words keeps those words (``message``),
so that once its outcome confirms the symptom they can become a *candidate*
utterance a senior accepts into the corpus. Everything older than the
retention window is purged (``purge``), the latest status of each system
excepted.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from .promise_records import PromiseRecords

__all__ = [
    "Candidate",
    "CaseRecord",
    "Notice",
    "Outcome",
    "OutcomeCounts",
    "RecordStore",
    "StatusProposal",
    "SystemStatus",
    "new_ref",
    "now_text",
]


def new_ref() -> str:
    """An unguessable case reference (96 random bits, URL-safe): ids are never sequential."""
    return "c" + secrets.token_urlsafe(12)


def now_text() -> str:
    """The current UTC time as every record stores it: RFC 3339, seconds, ``+00:00``.

    One fixed form, so that records compare and sort as plain strings.
    """
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class CaseRecord:
    """One diagnosis as it was answered (no contact data).

    ``message`` holds the customer's words only when the symptom was found
    from them (to become a candidate utterance); it is purged with the case.
    """

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
    ref: str = ""
    message: str | None = None
    channel: str | None = None
    """The payment channel (the graph's System id when the gateway is a known alias)."""

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
    state: str = "active"
    changed_by: str | None = None
    changed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Candidate:
    """A solved case's words offered to the corpus of its confirmed symptom."""

    id: int
    at: str
    case_id: int
    symptom: str
    text: str
    lang: str
    state: str
    decided_by: str | None
    decided_at: str | None

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
class StatusProposal:
    """A system status that orders suggest (``casework.outages``), for an admin to decide.

    One ``open`` proposal per system at most: a later signal refreshes its
    status, cause and ``evidence`` (the order numbers, counts, window, the
    cause) and ``updated_at``; an admin ``accepted`` or ``dismissed`` it.
    """

    id: int
    at: str
    updated_at: str
    system: str
    status: str
    cause: str
    evidence: Mapping[str, Any]
    state: str = "open"
    decided_by: str | None = None
    decided_at: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "evidence": dict(self.evidence)}


@dataclass(frozen=True)
class Notice:
    """A proactive notice: an order past its normal time, told before the customer asks.

    Written before it is delivered (``sent_at`` stays None until the webhook
    took it; ``attempts``, ``next_attempt_at`` and ``last_error`` track the
    retries), and unique per order and cause, so a watcher killed mid-pass
    resumes without losing or repeating one. ``case_ref`` is the case filed
    with its diagnosis; ``channel`` the payment channel.
    """

    id: int
    at: str
    order_no: str
    symptom: str
    cause: str
    supplier: str | None
    channel: str | None
    lang: str
    text: str
    case_ref: str | None
    sent_at: str | None = None
    attempts: int = 0
    next_attempt_at: str | None = None
    last_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OutcomeCounts:
    """Active outcomes per symptom and cause; ``version`` changes with every outcome write."""

    version: tuple[int, int]
    by_symptom: Mapping[str, Mapping[str, int]]


class RecordStore(PromiseRecords, Protocol):
    """The records every backend keeps beside the graph (the promise ledger included)."""

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
        """File a case under a new unguessable ``ref``."""
        ...

    def get_case(self, case_id: int) -> CaseRecord | None: ...

    def case_by_ref(self, ref: str) -> CaseRecord | None: ...

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
    ) -> Outcome:
        """File the case's outcome; an active one of the same case becomes ``revised``."""
        ...

    def get_outcome(self, outcome_id: int) -> Outcome | None: ...

    def case_outcome(self, case_id: int) -> Outcome | None:
        """The case's active outcome, if any."""
        ...

    def revert_outcome(self, outcome_id: int, *, author: str) -> Outcome | None:
        """Mark an active outcome ``reverted`` (None when there is no such active one)."""
        ...

    def outcomes(self, *, since: str, until: str, limit: int = 10_000) -> list[Outcome]:
        """Outcomes (every state) with ``since <= at < until``, oldest first."""
        ...

    def outcome_counts(self) -> OutcomeCounts:
        """Active counts per symptom and cause (cached until an outcome write)."""
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
        """Newest active outcomes of ``symptom`` and ``cause`` on the same product or supplier."""
        ...

    def propose_candidate(self, *, case_id: int, symptom: str, text: str, lang: str) -> Candidate:
        """Offer a case's words for ``symptom``: one candidate per case; an open one
        follows a revised outcome's symptom, a decided one stays as decided."""
        ...

    def candidates(self, *, state: str, limit: int = 100) -> list[Candidate]:
        """Candidates in ``state``, oldest first."""
        ...

    def get_candidate(self, candidate_id: int) -> Candidate | None: ...

    def decide_candidate(self, candidate_id: int, *, state: str, author: str) -> Candidate | None:
        """Accept or reject an open candidate (None when it is not open)."""
        ...

    def purge(self, *, before: str) -> dict[str, int]:
        """Delete cases (with their outcomes and candidates) and statuses older than
        ``before``, except each system's latest status; counts by table."""
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

    def upsert_proposal(
        self, *, system: str, status: str, cause: str, evidence: Mapping[str, Any]
    ) -> StatusProposal:
        """Open a proposal for ``system``, or refresh the open one (never a second)."""
        ...

    def status_proposals(
        self, *, state: str | None = None, system: str | None = None, limit: int = 100
    ) -> list[StatusProposal]:
        """Proposals (of ``state`` and ``system`` when given), newest first."""
        ...

    def get_proposal(self, proposal_id: int) -> StatusProposal | None: ...

    def decide_proposal(
        self, proposal_id: int, *, state: str, author: str, note: str | None
    ) -> StatusProposal | None:
        """Mark an open proposal ``accepted`` or ``dismissed`` (None when it is not open)."""
        ...

    # --- proactive notices and the watcher's lease (casework/watch.py) ----------

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
        """File a notice; None when the order already has one for ``cause`` (never twice)."""
        ...

    def noticed_orders(self, order_nos: list[str]) -> set[str]:
        """Which of ``order_nos`` already have a notice (of any cause)."""
        ...

    def notices(self, since: str, limit: int) -> list[Notice]:
        """Notices with ``at >= since`` (RFC 3339 UTC), oldest first, at most ``limit``."""
        ...

    def notice_page(self, *, limit: int, before: int | None = None) -> list[Notice]:
        """Newest first, ids below ``before`` when given (the next page)."""
        ...

    def notices_due(self, *, now: str, limit: int, max_attempts: int) -> list[Notice]:
        """Unsent notices whose next attempt is due, with attempts left, oldest first."""
        ...

    def claim_notice(self, notice_id: int, *, attempts: int, next_attempt_at: str) -> bool:
        """Count an attempt before it is made (only if ``attempts`` is still the count
        read): the next try waits for ``next_attempt_at``; False when another took it."""
        ...

    def notice_sent(self, notice_id: int, *, at: str) -> None: ...

    def notice_failed(self, notice_id: int, *, error: str) -> None: ...

    def take_lease(self, name: str, *, holder: str, now: str, until: str) -> bool:
        """Take or renew the lease ``name`` until ``until``, atomically: True when
        ``holder`` has it (it was free, expired before ``now``, or already its own)."""
        ...

    def release_lease(self, name: str, *, holder: str) -> None:
        """Give the lease up if ``holder`` has it (a clean stop: no one waits for it to expire)."""
        ...

    def raw_records(self) -> dict[str, list[dict[str, Any]]]:
        """Every record, ids included, by table (``cases``, ``outcomes``,
        ``system_status``, ``status_proposals``): what ``kgdiag migrate`` copies."""
        ...

    def import_records(self, records: dict[str, list[dict[str, Any]]]) -> None:
        """Insert another store's records with their ids (this store's must be empty)."""
        ...
