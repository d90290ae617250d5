"""The promise ledger and the escalations, beside the cases (see ``records.py``).

Every filed case whose reply promised something by a time has one
*promise*: what, by when (``due_at``, stored in UTC like every record time,
so rows compare as strings), the backstop the reply named and the
resolution it means. Recording the case's outcome *keeps* it (``kept_at``);
reverting the outcome reopens it. Its state is never stored: it is derived
against a ``now`` (:func:`promise_state`, and the same rule in each
backend's query):

- ``open``: not kept, not yet due;
- ``overdue``: not kept, past ``due_at`` by less than :data:`PROMISE_GRACE`;
- ``kept``: kept at or before ``due_at``;
- ``broken``: kept after ``due_at``, or still not kept :data:`PROMISE_GRACE`
  past it (the backstop's moment has passed).

An *escalation* is filed with a case when an angry customer's case was P1
or P2; it stays open until the case's outcome is recorded (a reverted
outcome reopens it too).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

__all__ = [
    "ESCALATIONS_DDL",
    "PROMISES_DDL",
    "PROMISE_GRACE",
    "PROMISE_STATES",
    "EscalationRecord",
    "PromiseRecord",
    "PromiseRecords",
    "promise_state",
    "utc_text",
]

PROMISE_STATES = ("open", "overdue", "kept", "broken")
PROMISE_GRACE = timedelta(hours=1)
"""How long past ``due_at`` an unkept promise is *overdue* (send the backstop
now) before it counts as *broken*."""


def utc_text(moment: datetime) -> str:
    """A time as records store it: UTC, seconds, ``+00:00`` (sorts as a string)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class PromiseRecord:
    """One case's promise. ``due_at`` and ``kept_at`` are UTC record times;
    ``lang`` is the reply's language (of ``backstop``), ``priority`` the
    case's level when it was filed."""

    id: int
    at: str
    case_id: int
    author: str
    order_no: str | None
    symptom: str | None
    kind: str
    what: str
    due_at: str
    backstop: str | None
    backstop_resolution: str | None
    lang: str
    priority: str
    kept_at: str | None = None
    kept_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EscalationRecord:
    """A supervisor called in on a case; open while ``closed_at`` is None."""

    id: int
    at: str
    case_id: int
    author: str
    order_no: str | None
    escalate_to: str
    reason: str
    lang: str
    calming: str
    goodwill_kind: str | None
    goodwill_value: str | None
    goodwill_text: str | None
    closed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def promise_state(record: PromiseRecord, now: datetime, grace: timedelta = PROMISE_GRACE) -> str:
    """The promise's state at ``now`` (module docstring); the backends' queries agree.

    >>> p = PromiseRecord(1, "t", 1, "a", None, None, "verifying", "x",
    ...                   "2026-11-20T04:30:00+00:00", None, None, "zh", "P3")
    >>> [promise_state(p, datetime(2026, 11, 20, h, tzinfo=UTC)) for h in (4, 5, 6)]
    ['open', 'overdue', 'broken']
    """
    if record.kept_at is not None:
        return "kept" if record.kept_at <= record.due_at else "broken"
    if record.due_at > utc_text(now):
        return "open"
    return "overdue" if record.due_at > utc_text(now - grace) else "broken"


PROMISES_DDL = """
CREATE TABLE IF NOT EXISTS promises (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, case_id INTEGER NOT NULL UNIQUE,
    author TEXT NOT NULL, order_no TEXT, symptom TEXT, kind TEXT NOT NULL,
    what TEXT NOT NULL, due_at TEXT NOT NULL, backstop TEXT, backstop_resolution TEXT,
    lang TEXT NOT NULL, priority TEXT NOT NULL, kept_at TEXT, kept_by TEXT);
CREATE INDEX IF NOT EXISTS promises_due ON promises(kept_at, due_at);
CREATE INDEX IF NOT EXISTS promises_order ON promises(order_no, kept_at, due_at);
"""

ESCALATIONS_DDL = """
CREATE TABLE IF NOT EXISTS escalations (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, case_id INTEGER NOT NULL UNIQUE,
    author TEXT NOT NULL, order_no TEXT, escalate_to TEXT NOT NULL, reason TEXT NOT NULL,
    lang TEXT NOT NULL, calming TEXT NOT NULL, goodwill_kind TEXT, goodwill_value TEXT,
    goodwill_text TEXT, closed_at TEXT);
CREATE INDEX IF NOT EXISTS escalations_open ON escalations(closed_at, id);
"""


class PromiseRecords(Protocol):
    """What every backend's records keep of promises and escalations."""

    def record_promise(
        self,
        *,
        case_id: int,
        author: str,
        order_no: str | None,
        symptom: str | None,
        kind: str,
        what: str,
        due_at: str,
        backstop: str | None,
        backstop_resolution: str | None,
        lang: str,
        priority: str,
    ) -> PromiseRecord:
        """File the promise of a case (``due_at`` a UTC record time)."""
        ...

    def promises(
        self, *, state: str, now: datetime, grace: timedelta = PROMISE_GRACE, limit: int = 200
    ) -> list[PromiseRecord]:
        """Promises in ``state`` at ``now``: open and overdue soonest due first,
        kept and broken latest due first."""
        ...

    def case_promise(self, case_id: int) -> PromiseRecord | None: ...

    def overdue_order(self, order_no: str, now: datetime) -> bool:
        """Has ``order_no`` a promise past its time and not kept?"""
        ...

    def keep_promises(self, case_id: int, *, author: str) -> int:
        """The case's outcome is recorded: keep its promise (once) and close its escalation."""
        ...

    def reopen_promises(self, case_id: int) -> int:
        """The case's outcome was reverted: its promise and escalation are open again."""
        ...

    def record_escalation(
        self,
        *,
        case_id: int,
        author: str,
        order_no: str | None,
        escalate_to: str,
        reason: str,
        lang: str,
        calming: str,
        goodwill_kind: str | None,
        goodwill_value: str | None,
        goodwill_text: str | None,
    ) -> EscalationRecord: ...

    def open_escalations(self, *, limit: int = 200) -> list[EscalationRecord]:
        """Escalations whose case has no outcome yet, oldest first."""
        ...
