"""An order by its number: from the shop's database or its hook, never failing a diagnosis.

``POST /v1/diagnose`` may send ``order_no`` (and ``contact``) instead of the
order's facts (``../shared/contract/diagnose.md``, "The order by its
number"). :func:`resolve` looks the order up in the configured source and
returns the body with the facts filled in, plus an :class:`OrderLookup`
that says how it went: ``found``, ``not_found`` or ``unavailable`` (no
source configured, or it did not answer in time). Whatever happens the
diagnosis goes on: without facts, the checks that need them become manual
steps, and :func:`annotate` adds ``order_lookup`` and a line for the agent
saying why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from jsonschema import Draft202012Validator, FormatChecker

from adapters import RowProblem, order_from_row
from schema import order_schema

from .breaker import CircuitBreaker
from .database import ShopDatabase, ShopUnavailable

__all__ = [
    "DatabaseSource",
    "NoSource",
    "OrderLookup",
    "OrderSource",
    "annotate",
    "clean_facts",
    "resolve",
]

log = logging.getLogger(__name__)

RECENT = timedelta(hours=24)
CONTACT_WINDOW = timedelta(days=7)
"""How far back an order is searched by the customer's contact alone."""


@dataclass(frozen=True)
class OrderLookup:
    """How the order was looked up; ``reason`` is for the log and the agent, no secrets."""

    status: str  # found | not_found | unavailable
    source: str
    order: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    matched_by: str | None = None  # order_no | contact
    candidates: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "source": self.source}
        if self.matched_by:
            out["matched_by"] = self.matched_by
        if self.candidates:
            out["candidates"] = list(self.candidates)
        if self.reason:
            out["reason"] = self.reason
        return out


class OrderSource(Protocol):
    """Where orders are read from (the shop's database, its hook)."""

    name: str

    def lookup(self, order_no: str | None, contact: str | None, now: datetime) -> OrderLookup: ...


class NoSource:
    """No shop database or hook configured: every lookup is unavailable, saying so."""

    name = "none"

    def lookup(self, order_no: str | None, contact: str | None, now: datetime) -> OrderLookup:
        return OrderLookup("unavailable", self.name, reason="not_configured")


@cache
def _order_validator() -> Draft202012Validator:
    return Draft202012Validator(order_schema(), format_checker=FormatChecker())


def clean_facts(facts: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The facts the contract accepts: a top-level field a shop's odd row made
    invalid is dropped (logged), so a row never turns a diagnosis into a 400."""
    out = dict(facts)
    for _ in range(len(out) + 1):
        errors = list(_order_validator().iter_errors(out))
        if not errors:
            return out
        for error in errors:
            top = str(error.absolute_path[0]) if error.absolute_path else None
            if top and top != "order_no" and top in out:
                log.warning("%s: dropped order.%s (%s)", source, top, error.message[:200])
                out.pop(top)
            elif not top or top == "order_no":
                log.warning("%s: order facts unusable (%s)", source, error.message[:200])
                return {"order_no": str(out.get("order_no") or "")[:64] or "?"}
    return out


class DatabaseSource:
    """The shop's own database (dujiaoka or acg-faka), guarded by a breaker."""

    def __init__(
        self, database: ShopDatabase, zone: ZoneInfo, breaker: CircuitBreaker | None = None
    ) -> None:
        self.database, self.zone = database, zone
        self.name = database.system
        self.breaker = breaker or CircuitBreaker(f"shop database {database.dsn.safe}")

    def facts(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """One row of this database as the contract's order facts (the watch loop's rows)."""
        return self._facts(row)

    def _facts(self, row: Mapping[str, Any]) -> dict[str, Any]:
        try:
            facts = order_from_row(self.database.system, row, self.zone.key)
        except (RowProblem, ValueError, TypeError) as err:
            log.warning("%s: a row the adapter cannot read (%s)", self.name, err)
            number = row.get(self.database.statements.number_column)
            return {"order_no": str(number or "?")[:64]}
        return clean_facts(facts, self.name)

    def lookup(self, order_no: str | None, contact: str | None, now: datetime) -> OrderLookup:
        if not self.breaker.allow():
            return OrderLookup("unavailable", self.name, reason="circuit_open")
        local_now = now.astimezone(self.zone)
        try:
            row = self.database.order_by_number(order_no) if order_no else None
            matched_by = "order_no" if row else None
            candidates: tuple[str, ...] = ()
            if row is None and contact:
                found = self.database.orders_by_contact(contact, local_now - CONTACT_WINDOW, 10)
                if found:
                    row, matched_by = found[0], "contact"
                    column = self.database.statements.number_column
                    candidates = tuple(str(r[column]) for r in found)
            if row is None:
                self.breaker.success()
                return OrderLookup("not_found", self.name)
            facts = self._facts(row)
            who = contact or str((facts.get("customer") or {}).get("contact") or "")
            recent = self.database.orders_by_contact(who, local_now - RECENT, 51) if who else []
        except ShopUnavailable as err:
            self.breaker.failure(str(err))
            log.warning("%s %s: order lookup failed: %s", self.name, self.database.dsn.safe, err)
            return OrderLookup("unavailable", self.name, reason=str(err))
        self.breaker.success()
        others = [self._recent(r) for r in recent]
        others = [o for o in others if o["order_no"] != facts["order_no"]][:50]
        if others:
            customer = dict(facts.get("customer") or {})
            customer["recent_orders"] = others
            facts["customer"] = customer
            facts = clean_facts(facts, self.name)
        return OrderLookup("found", self.name, facts, matched_by=matched_by, candidates=candidates)

    def _recent(self, row: Mapping[str, Any]) -> dict[str, Any]:
        facts = self._facts(row)
        item: dict[str, Any] = {"order_no": facts["order_no"]}
        if sku := (facts.get("product") or {}).get("sku"):
            item["sku"] = sku
        for key in ("status", "paid_at"):
            if key in facts:
                item[key] = facts[key]
        if (total := (facts.get("amount") or {}).get("total")) is not None:
            item["amount"] = total
        return item


def _wanted(body: Any) -> tuple[str | None, str | None]:
    """The order number and contact to look up, when the body asks for a lookup."""
    if not isinstance(body, Mapping) or body.get("order") or body.get("order_row"):
        return None, None
    number, contact = body.get("order_no"), body.get("contact")
    number = number.strip() if isinstance(number, str) and 0 < len(number.strip()) <= 64 else None
    contact = (
        contact.strip() if isinstance(contact, str) and 0 < len(contact.strip()) <= 200 else None
    )
    return number, contact


def resolve(
    body: Any, source: OrderSource, now: datetime | None = None
) -> tuple[Any, OrderLookup | None]:
    """``body`` with the looked-up facts as its ``order``, and how the lookup went.

    Bodies that send facts, a row, or no well-formed ``order_no``/``contact``
    come back as they are (validation then speaks about them), with no lookup.
    """
    number, contact = _wanted(body)
    if number is None and contact is None:
        return body, None
    moment = now or datetime.now(UTC)
    if isinstance(body.get("now"), str):
        try:
            moment = datetime.fromisoformat(body["now"].replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        except ValueError:
            pass  # validation reports it
    try:
        result = source.lookup(number, contact, moment)
    except Exception as err:  # a source's bug must not fail the diagnosis
        log.exception("order lookup in %s failed", source.name)
        result = OrderLookup("unavailable", source.name, reason=type(err).__name__)
    if result.status == "found":
        order = dict(result.order)
    else:
        # The diagnosis goes on with the number only: say so (never the contact: personal).
        log.info(
            "order %r: %s in %s%s; diagnosing without its facts",
            number,
            result.status,
            result.source,
            f" ({result.reason})" if result.reason else "",
        )
        order = {"order_no": number} if number else {}
        if contact:
            order["customer"] = {"contact": contact}
        if not order:
            return body, result
    return {**body, "order": order}, result


NOTES: Mapping[str, Mapping[str, str]] = {
    "found_order_no": {
        "zh": "订单信息：已从{source}读取订单 {order_no}",
        "en": "Order facts: read order {order_no} from {source}",
    },
    "found_contact": {
        "zh": "订单信息：订单号未找到，已按联系方式读取最近的订单 {order_no}"
        "（共 {count} 个），请与客户核对",
        "en": "Order facts: the number was not found; read the contact's latest order "
        "{order_no} (of {count}), confirm it with the customer",
    },
    "not_found": {
        "zh": "订单信息：{source}中没有这个订单号，请向客户核对订单号或联系方式；"
        "需要订单信息的检查改为手动",
        "en": "Order facts: {source} has no such order; check the number or contact with "
        "the customer. Checks that need the order's facts are manual",
    },
    "unavailable": {
        "zh": "订单信息：暂时无法读取店铺订单（{reason}），需要订单信息的检查改为手动",
        "en": "Order facts: the shop's orders could not be read ({reason}); checks that "
        "need the order's facts are manual",
    },
}
REASONS: Mapping[str, Mapping[str, str]] = {
    "not_configured": {"zh": "未配置店铺数据库", "en": "no shop database is configured"},
    "circuit_open": {
        "zh": "数据库连续失败，暂停查询",
        "en": "it failed repeatedly, paused for a while",
    },
}


_REASON_PHRASES: tuple[tuple[str, Mapping[str, str]], ...] = (
    ("access denied", {"zh": "数据库拒绝了账号或密码", "en": "access denied (user or password)"}),
    ("is missing", {"zh": "缺少查询要读的数据表", "en": "a table the lookup reads is missing"}),
    (
        "no answer",
        {"zh": "数据库没有应答（停机、不可达或太慢）", "en": "no answer from the server"},
    ),
    (
        "by number only",
        {"zh": "订单接口只能按订单号查询", "en": "the hook looks up by number only"},
    ),
)
"""The technical reasons (``database._describe``, the hook) in each language;
the error's name and number stay as they are, for whoever reads the log."""


def _reason(reason: str, lang: str) -> str:
    """``reason`` in the agent's language: a known one in words, any other with
    its technical name kept (an error class and number read the same in both)."""
    if reason in REASONS:
        return REASONS[reason][lang]
    technical, _, words = reason.partition(": ")
    for phrase, texts in _REASON_PHRASES:
        if phrase in reason:
            return f"{texts[lang]}; {technical}" if words else texts[lang]
    if lang == "zh" and reason:
        return f"出错：{technical}" if words else f"出错：{reason}"
    return reason


def note_line(lookup: OrderLookup, lang: str) -> str:
    """One line for the agent, in their language, on what the lookup gave."""
    lang = "zh" if lang != "en" else "en"
    if lookup.status == "found":
        key = "found_contact" if lookup.matched_by == "contact" else "found_order_no"
    else:
        key = lookup.status
    reason = _reason(lookup.reason, lang)
    return NOTES[key][lang].format(
        source=lookup.source,
        order_no=lookup.order.get("order_no", ""),
        count=len(lookup.candidates),
        reason=reason,
    )


def annotate(answer: dict[str, Any], lookup: OrderLookup | None) -> dict[str, Any]:
    """The answer with ``order_lookup`` and the agent's note saying how the lookup went."""
    if lookup is None:
        return answer
    out = dict(answer)
    out["order_lookup"] = lookup.as_dict()
    note = dict(out.get("note") or {"lang": "zh", "text": ""})
    line = note_line(lookup, str(note.get("lang") or "zh"))
    note["text"] = f"{line}\n{note['text']}" if note.get("text") else line
    out["note"] = note
    return out
