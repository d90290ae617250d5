"""Which open orders have crossed their normal time: a pure function of the facts and now.

Three kinds of order are watched (the contract's "Proactive notices"), each
told by its facts and named by the symptom a customer would report:

- paid and undelivered card keys (``card_key_not_received``): automatic
  delivery, paid (``pending``, ``processing`` or ``abnormal``), no key;
- top-ups pending (``recharge_not_arrived``): a direct top-up, or a manual
  order carrying the account to credit (``delivery.topup``);
- manual orders overdue (``manual_delivery_slow``): any other manual order.

The window is the product's ``normal_minutes`` when the order states it
(neither dujiaoka nor acg-faka stores one), else the symptom's authored
``watch_minutes`` from the graph. It runs from payment (``paid_at``), else
from the order's creation (dujiaoka keeps no payment time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from diagnostics.conditions import parse_time

__all__ = ["PAID_OPEN", "WATCHED", "Crossing", "crossing", "watched_symptom"]

PAID_OPEN = frozenset({"pending", "processing", "abnormal"})
"""Order states of a paid order that has not been delivered."""
WATCHED = ("card_key_not_received", "recharge_not_arrived", "manual_delivery_slow")


@dataclass(frozen=True)
class Crossing:
    """An order past its window: the symptom it implies, since when and by how much."""

    order_no: str
    symptom: str
    window_minutes: float
    started_at: datetime
    due_at: datetime
    late_minutes: float


def watched_symptom(order: Mapping[str, Any]) -> str | None:
    """The symptom an open order implies, or None when it is not paid and undelivered."""
    if order.get("status") not in PAID_OPEN:
        return None
    delivery = order.get("delivery") or {}
    if delivery.get("card_keys"):
        return None  # keys were delivered: a delivered order is not late
    product = order.get("product") or {}
    kind, mode = product.get("kind"), product.get("delivery")
    if kind == "direct_topup" or (mode == "manual" and delivery.get("topup")):
        return "recharge_not_arrived"
    if kind == "manual" or mode == "manual":
        return "manual_delivery_slow"
    if kind == "card_key" or mode == "auto":
        return "card_key_not_received"
    return None  # a row that does not say how it is delivered: nothing to promise


def crossing(
    order: Mapping[str, Any], now: datetime, windows: Mapping[str, float]
) -> Crossing | None:
    """The order's crossing at ``now``, or None when it is inside its window or not watched.

    ``windows``: the default minutes per watched symptom (the graph's
    ``watch_minutes``); a symptom without one is not watched.
    """
    symptom = watched_symptom(order)
    if symptom is None:
        return None
    normal = (order.get("product") or {}).get("normal_minutes")
    window = float(normal) if isinstance(normal, int | float) else windows.get(symptom)
    if window is None:
        return None
    start_text = order.get("paid_at") or (order.get("payment") or {}).get("paid_at")
    start_text = start_text or order.get("created_at")
    if not isinstance(start_text, str):
        return None  # no time to count from: never guess one
    try:
        started = parse_time(start_text)
    except ValueError:
        return None
    due = started + timedelta(minutes=window)
    if now < due:
        return None
    late = (now - due).total_seconds() / 60
    return Crossing(str(order.get("order_no") or ""), symptom, window, started, due, late)
