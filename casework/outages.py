"""Outage proposals: what the filed cases say about a supplier or channel, for an admin.

``diagnostics.outages`` finds the signal (many orders of one supplier or
payment channel leading with a cause that is a state of its system); this
module reads the cases it needs, files one *proposal* per system for an
admin (``status_proposals``), and carries out the admin's decision:

- ``propose_outages`` is idempotent: one open proposal per system, its
  evidence refreshed on every run, never a second while one is open. It
  proposes nothing the recorded status already says (a fresh ``down`` covers
  ``degraded``; ``maintenance`` covers both), and after a dismissal it waits
  for ``min_orders`` failing orders diagnosed *after* it: the admin judged
  the evidence they saw, not the next diagnosis of the same orders.
- It runs after each filed case whose leading cause implicates its own
  supplier or channel (at most every ``outage_check_every`` per store), and
  whenever a caller asks (the watch loop).
- Accepting sets the system's status as an admin's manual change does (a
  status record under their name, the note naming the proposal and its
  counts), so every later diagnosis reads it; dismissing sets nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from diagnostics.conditions import parse_time
from diagnostics.outages import Observation, OutageRule, OutageSignal, outage_signals
from diagnostics.systems import canonical_system
from graph.errors import KgdiagError, NotFound
from graph.records import CaseRecord, RecordStore, StatusProposal, SystemStatus
from graph.snapshot import Snapshot

from .freshness import is_fresh

__all__ = [
    "ProposalDecided",
    "decide_status_proposal",
    "mask_order_no",
    "proposal_view",
    "propose_after_case",
    "propose_outages",
]

_log = logging.getLogger(__name__)
_SEVERITY = {"up": 0, "unknown": 0, "degraded": 1, "down": 2, "maintenance": 2}


class ProposalDecided(KgdiagError):
    """The proposal was already accepted or dismissed (the API answers 409)."""

    def __init__(self, proposal: StatusProposal) -> None:
        super().__init__(f"proposal {proposal.id} is already {proposal.state}")
        self.proposal = proposal


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _observation(case: CaseRecord) -> Observation:
    return Observation(
        case.at, case.order_no or "", case.supplier, case.channel, case.symptom, case.top_cause
    )


def _already_known(
    signal: OutageSignal, status: SystemStatus | None, now: datetime, age: timedelta
) -> bool:
    """The recorded status, still trusted, already says as much."""
    if status is None or not is_fresh(status, now, age):
        return False
    return _SEVERITY.get(status.status, 0) >= _SEVERITY[signal.status]


def _after_dismissal(records: RecordStore, signal: OutageSignal, rule: OutageRule) -> bool:
    """Enough failing orders since the system's last dismissed proposal (or none was)."""
    dismissed = records.status_proposals(state="dismissed", system=signal.system, limit=1)
    if not dismissed or not dismissed[0].decided_at:
        return True
    since = parse_time(dismissed[0].decided_at)
    return sum(parse_time(at) > since for at in signal.order_times) >= rule.min_orders


def propose_outages(
    records: RecordStore,
    snapshot: Snapshot,
    now: datetime,
    *,
    rule: OutageRule | None = None,
    status_max_age: timedelta = timedelta(hours=2),
) -> list[StatusProposal]:
    """Open or refresh a proposal for every system the recent cases say is failing.

    Returns the proposals opened or refreshed by this run (an empty list when
    nothing is failing, or when everything failing is already known).
    """
    rule = rule or OutageRule()
    until = _stamp(now + timedelta(seconds=1))
    # The window alone first: without the baseline every signal it holds shows (a
    # mean of 0 is beaten by any count), so when it shows none, the 24 windows
    # before need not be read (they are most of the cost: 25x the cases).
    recent = records.cases(since=_stamp(now - rule.window), until=until)
    if not outage_signals(snapshot, map(_observation, recent), until=now, rule=rule):
        return []
    cases = records.cases(since=_stamp(now - rule.reach), until=until)
    signals = outage_signals(snapshot, map(_observation, cases), until=now, rule=rule)
    if not signals:
        return []
    current = {s.system: s for s in records.current_system_statuses()}
    proposals = []
    for signal in signals:
        if _already_known(signal, current.get(signal.system), now, status_max_age):
            _log.debug("outage of %s already recorded; no proposal", signal.system)
            continue
        if not _after_dismissal(records, signal, rule):
            _log.debug("outage of %s was dismissed; waiting for newer orders", signal.system)
            continue
        proposal = records.upsert_proposal(
            system=signal.system,
            status=signal.status,
            cause=signal.cause,
            evidence=signal.evidence(),
        )
        _log.info(
            "status proposal %s: %s %s (%d of %d orders, cause %s)",
            proposal.id,
            signal.system,
            signal.status,
            signal.failing,
            signal.seen,
            signal.cause,
        )
        proposals.append(proposal)
    return proposals


_checked_at: dict[int, datetime] = {}
_check_lock = threading.Lock()


def _implicates(snapshot: Snapshot, case: CaseRecord) -> bool:
    """The case's leading cause is a state of its own supplier's or channel's system."""
    if not case.top_cause or not snapshot.has_node(case.top_cause):
        return False
    mine = {canonical_system(snapshot, n) for n in (case.supplier, case.channel) if n}
    return any(t in mine for t, _ in snapshot.out_edges(case.top_cause, "depends_on"))


def propose_after_case(
    records: RecordStore,
    snapshot: Snapshot,
    case: CaseRecord,
    *,
    rule: OutageRule,
    every: timedelta,
    status_max_age: timedelta,
) -> list[StatusProposal]:
    """After a filed case: look for outages when its cause could be one, at most
    every ``every`` per record store. A failure is logged and never fails the
    diagnosis it follows (the case is on file; the next run looks again)."""
    if not _implicates(snapshot, case):
        return []
    now = datetime.now(UTC)
    with _check_lock:
        last = _checked_at.get(id(records))
        if last is not None and now - last < every:
            return []
        _checked_at[id(records)] = now
    try:
        return propose_outages(records, snapshot, now, rule=rule, status_max_age=status_max_age)
    except Exception:  # any store's error: the diagnosis is answered and filed already
        _log.warning("looking for outages after case %s failed", case.ref, exc_info=True)
        return []


def mask_order_no(order_no: str) -> str:
    """An order number with all but its last four characters hidden, as the pages
    show another customer's order: enough to tell the orders apart, and to find
    one in the shop's back office, not enough to look it up from outside.

    >>> mask_order_no("DJ20261201A7Q3")
    '***A7Q3'
    >>> mask_order_no("A1")
    '***'
    """
    return "***" + order_no[-4:] if len(order_no) > 6 else "***"


def proposal_view(
    proposal: StatusProposal, snapshot: Snapshot, *, masked: bool = False
) -> dict[str, Any]:
    """A proposal as the API and the page show it, with the system's and the cause's titles."""
    evidence = dict(proposal.evidence)
    if masked:
        evidence["orders"] = [mask_order_no(str(o)) for o in evidence.get("orders", [])]
    return {
        **proposal.as_dict(),
        "evidence": evidence,
        "system_title": {lang: snapshot.title(proposal.system, lang) for lang in ("zh", "en")},
        "cause_title": {lang: snapshot.title(proposal.cause, lang) for lang in ("zh", "en")},
    }


def _status_note(proposal: StatusProposal, note: str | None) -> str:
    """The status record's note: which proposal, on what evidence (no order numbers:
    agents read status notes), then the admin's own words."""
    ev = proposal.evidence
    said = (
        f"由状态提议 #{proposal.id} 确认 / accepted from proposal #{proposal.id}: "
        f"{ev.get('failing')} of {ev.get('seen')} orders of {ev.get('group')} "
        f"{ev.get('name')} in {ev.get('window_minutes')} min led with {proposal.cause}"
    )
    return f"{said}. {note}" if note else said


def decide_status_proposal(
    records: RecordStore,
    proposal_id: int,
    body: Mapping[str, Any],
    *,
    author: str,
) -> tuple[StatusProposal, SystemStatus | None]:
    """Accept (the system's status is set, under ``author``) or dismiss an open proposal.

    ``body``: ``decision`` (accept | dismiss), optional ``note`` and ``eta``
    (RFC 3339, accept only). Raises NotFound for no such proposal and
    ProposalDecided when it was decided before (or meanwhile, by another admin).
    """
    proposal = records.get_proposal(proposal_id)
    if proposal is None:
        raise NotFound(f"no status proposal {proposal_id}")
    if proposal.state != "open":
        raise ProposalDecided(proposal)
    accept = body["decision"] == "accept"
    note = str(body.get("note") or "").strip() or None
    decided = records.decide_proposal(
        proposal_id, state="accepted" if accept else "dismissed", author=author, note=note
    )
    if decided is None:
        again = records.get_proposal(proposal_id)
        raise ProposalDecided(again or proposal)
    if not accept:
        return decided, None
    eta = body.get("eta")
    status = records.set_system_status(
        system=decided.system,
        status=decided.status,
        note=_status_note(decided, note),
        eta=_stamp(parse_time(str(eta))) if eta else None,
        author=author,
    )
    return decided, status
