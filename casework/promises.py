"""The promise ledger and escalations: what the team said it would do, by when.

The engine says what each reply promised (``promise``) and when an angry
customer on a P1/P2 case needs a supervisor (``escalation``); this module
files both with the case (``file_promise``), keeps them when the case's
outcome is recorded and reopens them when it is reverted, and lists them
as an agent may see them (others' order numbers and authors left out, as
``case_view`` does). A promise's state is derived against ``now``
(``graph.promise_records.promise_state``); an overdue one raises its case's
priority a level, in the listing and for a new diagnosis of the same order.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from diagnostics.conditions import parse_time
from diagnostics.knowledge import Knowledge
from diagnostics.reply import render_text
from diagnostics.variables import eta_variables, order_variables
from graph.promise_records import (
    PROMISE_STATES,
    EscalationRecord,
    PromiseRecord,
    promise_state,
    utc_text,
)
from graph.records import CaseRecord
from graph.store import GraphStore, role_allows

if TYPE_CHECKING:  # service files cases through this module: no import cycle at run time
    from .service import Settings

__all__ = [
    "DUE_SOON",
    "OVERDUE_REASON",
    "escalation_list",
    "file_promise",
    "promise_list",
    "queue",
    "with_overdue",
]

_log = logging.getLogger(__name__)

OVERDUE_REASON = {"zh": "承诺已超时", "en": "promise overdue"}
DUE_SOON = timedelta(hours=2)
"""The queue's third part: open promises due within this time."""
_RAISE = {"P1": "P1", "P2": "P1", "P3": "P2", "P4": "P3"}


def _order_no(body: Mapping[str, Any]) -> str | None:
    """The order number a request names, if it could be one: the engine has not
    checked the body yet, and refuses a bad one (a lone surrogate) with a 400."""
    order = body.get("order")
    number = order.get("order_no") if isinstance(order, Mapping) else None
    number = number or body.get("order_no")
    if not isinstance(number, str | int) or isinstance(number, bool):
        return None
    text = str(number)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return text if 0 < len(text) <= 200 else None


def _moment(body: Mapping[str, Any]) -> datetime:
    """The diagnosis's ``now`` (the server clock when absent or not a time: the
    engine refuses a bad one with its own 400 right after)."""
    value = body.get("now")
    if isinstance(value, str):
        try:
            moment = parse_time(value)
        except (ValueError, OverflowError):
            moment = None
        if moment is not None and 2000 <= moment.year <= 2100:
            return moment
    return datetime.now(UTC)


def with_overdue(store: GraphStore, body: Any, knowledge: Knowledge) -> Knowledge:
    """``knowledge`` plus the order's overdue promise, when it has one (raises priority)."""
    if not isinstance(body, Mapping):
        return knowledge
    number = _order_no(body)
    if number is None or not store.records.overdue_order(number, _moment(body)):
        return knowledge
    return dataclasses.replace(knowledge, overdue_orders=frozenset({number}))


def file_promise(
    store: GraphStore, case: CaseRecord, answer: Mapping[str, Any], *, author: str
) -> None:
    """File the answer's promise (not a clarifying one: its clock starts when the
    customer writes back) and its escalation with ``case``."""
    promise = answer.get("promise")
    symptom = (answer.get("symptom") or {}).get("id")
    level = str((answer.get("priority") or {}).get("level") or "P3")
    lang = str((answer.get("reply") or {}).get("lang") or "zh")
    if promise and promise["kind"] != "clarify":
        store.records.record_promise(
            case_id=case.id,
            author=author,
            order_no=case.order_no,
            symptom=symptom,
            kind=str(promise["kind"]),
            what=str(promise["what"]),
            due_at=utc_text(parse_time(str(promise["due_at"]))),
            backstop=promise.get("backstop"),
            backstop_resolution=promise.get("backstop_resolution"),
            lang=lang,
            priority=level,
        )
    escalation = answer.get("escalation")
    if escalation:
        goodwill = escalation.get("goodwill") or {}
        store.records.record_escalation(
            case_id=case.id,
            author=author,
            order_no=case.order_no,
            escalate_to=str(escalation["escalate_to"]),
            reason=str(escalation["reason"]),
            lang=str(escalation["calming"]["lang"]),
            calming=str(escalation["calming"]["text"]),
            goodwill_kind=goodwill.get("kind"),
            goodwill_value=goodwill.get("value"),
            goodwill_text=goodwill.get("text"),
        )


def _local(text: str | None, settings: Settings) -> str | None:
    return None if text is None else parse_time(text).astimezone(settings.zone).isoformat()


def _sees(role: str, author: str, owner: str) -> bool:
    return role_allows(role, "senior") or owner == author


def _backstop_reply(store: GraphStore, record: PromiseRecord, now: datetime, shown: bool) -> str:
    """The reply to send once the promise is missed: the backstop resolution's
    reply (its order facts left as 【待补充】 gaps for the agent), else the
    backstop the customer was told."""
    snapshot = store.snapshot()
    named = record.backstop_resolution
    if named and snapshot.has_node(named) and snapshot.node_type(named) == "Resolution":
        node = snapshot.node(named)
        template = (node.get("reply") or {}).get(record.lang)
        if template:
            order = {"order_no": record.order_no} if shown and record.order_no else {}
            variables = order_variables(order, now, record.lang).extended(
                eta_variables(now, record.lang, int(node.get("promise_minutes") or 30))
            )
            return render_text(str(template), variables, record.lang)
    elif named:
        _log.warning("backstop resolution %s is not in the graph: the backstop text is used", named)
    return record.backstop or ""


def _min_role(store: GraphStore, resolution: str | None) -> str | None:
    """Who may carry the backstop out (a refund needs a senior and its checks)."""
    snapshot = store.snapshot()
    if not resolution or not snapshot.has_node(resolution):
        return None
    return str(snapshot.node(resolution).get("min_role", "agent"))


def _promise_view(
    store: GraphStore,
    record: PromiseRecord,
    now: datetime,
    *,
    role: str,
    author: str,
    settings: Settings,
) -> dict[str, Any]:
    state = promise_state(record, now)
    case = store.records.get_case(record.case_id)
    shown = _sees(role, author, record.author)
    late = state == "overdue" or (state == "broken" and record.kept_at is None)
    return {
        "case_id": case.ref if case else None,
        "order_no": record.order_no if shown else None,
        "author": record.author if shown else None,
        "symptom": record.symptom,
        "kind": record.kind,
        "what": record.what,
        "due_at": _local(record.due_at, settings),
        "state": state,
        "kept_at": _local(record.kept_at, settings),
        "backstop": record.backstop,
        "backstop_resolution": record.backstop_resolution,
        "backstop_reply": _backstop_reply(store, record, now, shown),
        "backstop_min_role": _min_role(store, record.backstop_resolution),
        "lang": record.lang,
        "priority": {
            "level": _RAISE[record.priority] if late else record.priority,
            "filed": record.priority,
            "reason": dict(OVERDUE_REASON) if late else None,
        },
    }


def promise_list(
    store: GraphStore,
    *,
    state: str,
    now: datetime,
    role: str,
    author: str,
    settings: Settings,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Promises in ``state`` at ``now`` as the caller may see them."""
    if state not in PROMISE_STATES:
        raise ValueError(f"state must be one of {', '.join(PROMISE_STATES)}")
    found = store.records.promises(state=state, now=now, limit=limit)
    return [
        _promise_view(store, r, now, role=role, author=author, settings=settings) for r in found
    ]


def _escalation_view(
    store: GraphStore, record: EscalationRecord, *, role: str, author: str, settings: Settings
) -> dict[str, Any]:
    case = store.records.get_case(record.case_id)
    shown = _sees(role, author, record.author)
    goodwill = None
    if record.goodwill_kind:
        goodwill = {
            "kind": record.goodwill_kind,
            "value": record.goodwill_value,
            "text": record.goodwill_text or "",
        }
    return {
        "case_id": case.ref if case else None,
        "at": _local(record.at, settings),
        "order_no": record.order_no if shown else None,
        "author": record.author if shown else None,
        "escalate_to": record.escalate_to,
        "reason": record.reason,
        "calming": {"lang": record.lang, "text": record.calming},
        "goodwill": goodwill,
    }


def escalation_list(
    store: GraphStore, *, role: str, author: str, settings: Settings, limit: int = 200
) -> list[dict[str, Any]]:
    """Open escalations (no outcome recorded yet), oldest first."""
    return [
        _escalation_view(store, r, role=role, author=author, settings=settings)
        for r in store.records.open_escalations(limit=limit)
    ]


def queue(
    store: GraphStore, *, now: datetime, role: str, author: str, settings: Settings
) -> dict[str, list[dict[str, Any]]]:
    """The console's queue: open escalations, then overdue promises (and those
    past their grace, still unkept), then open ones due within :data:`DUE_SOON`."""

    def listed(state: str) -> list[dict[str, Any]]:
        return promise_list(
            store, state=state, now=now, role=role, author=author, settings=settings
        )

    late = listed("overdue") + [p for p in listed("broken") if p["kept_at"] is None]
    soon_by = (now + DUE_SOON).astimezone(UTC)
    soon = [p for p in listed("open") if p["due_at"] and parse_time(p["due_at"]) <= soon_by]
    return {
        "escalations": escalation_list(store, role=role, author=author, settings=settings),
        "overdue": late,
        "due_soon": soon,
    }
