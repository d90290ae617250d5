"""dujiaoka (assimon/dujiaoka) ``orders`` row → order facts.

``status``: 1 待支付, 2 待处理, 3 处理中, 4 已完成, 5 处理失败, 6 异常, -1 过期.
``type`` 1 is automatic delivery (``info`` holds the keys, one per line),
2 manual (``info`` holds the buyer's "desc:value" inputs: the charge account).
An unpaid order expires ``order_expire_time`` minutes after it was made
(5 by default). An order set to 6 with 库存…不足 in ``info`` ran out of keys.
dujiaoka's amounts are in yuan. Read from the shop's database, the row also
carries its payment channel's ``pay_handleroute`` (``pays``, e.g. ``/pay/yipay``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .common import gateway_of, integer, key_lines, local_time, number, text

__all__ = ["EXPIRE_MINUTES", "STATUS", "order_facts"]

STATUS: Mapping[int, str] = {
    1: "pending_payment",
    2: "pending",
    3: "processing",
    4: "completed",
    5: "failed",
    6: "abnormal",
    -1: "expired",
}
PAID = {2, 3, 4, 5, 6}
EXPIRE_MINUTES = 5


def _account(info: str) -> str | None:
    """The first "desc:value" input of a manual order (the account to top up)."""
    for line in key_lines(info):
        for sep in ("：", ":"):
            if sep in line:
                value = line.split(sep, 1)[1].strip()
                if value:
                    return value
    return None


def order_facts(row: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The contract's order facts for one dujiaoka ``orders`` row."""
    status = integer(row, "status") or 1
    automatic = (integer(row, "type") or 1) == 1
    info = text(row, "info")
    facts: dict[str, Any] = {"order_no": text(row, "order_sn")}
    if status in STATUS:  # a code no release uses (a fork's) stays unsaid, never guessed
        facts["status"] = STATUS[status]
    created = local_time(row, "created_at", zone)
    if created:
        facts["created_at"] = created
        if status in (1, -1):
            expires = datetime.fromisoformat(created) + timedelta(minutes=EXPIRE_MINUTES)
            facts["expires_at"] = expires.isoformat()
    updated = local_time(row, "updated_at", zone)
    if status == 4 and updated:
        facts["completed_at"] = updated
    if (quantity := integer(row, "buy_amount")) is not None and quantity >= 1:
        facts["quantity"] = quantity
    if (price := number(row, "actual_price")) is not None:
        facts["amount"] = {"total": price, "currency": "CNY"}
    product: dict[str, Any] = {
        "kind": "card_key" if automatic else "manual",
        "delivery": "auto" if automatic else "manual",
    }
    if row.get("goods_id") is not None:
        product["sku"] = text(row, "goods_id")
    if text(row, "title"):
        product["name"] = text(row, "title")
    facts["product"] = product
    payment: dict[str, Any] = {}
    if gateway := gateway_of(text(row, "pay_handleroute")):
        payment["gateway"] = gateway
    if text(row, "trade_no"):
        payment["gateway_trade_no"] = text(row, "trade_no")
    if status in PAID:
        # The shop moved past 待支付 only on an accepted payment notification.
        payment["callback"] = {"received": True}
    if payment:
        facts["payment"] = payment
    delivery: dict[str, Any] = {}
    if status == 6:
        delivery["message"] = info
        delivery["stock_shortage"] = "库存" in info and "不足" in info
    elif automatic and status == 4 and info:
        delivery["card_keys"] = [{"code": code} for code in key_lines(info)]
    elif info:
        delivery["message"] = info
    if not automatic and (account := _account(info)):
        delivery["topup"] = {"account": account}
    if text(row, "email"):
        delivery["email"] = {"to": text(row, "email")}
        facts["customer"] = {"contact": text(row, "email")}
    if delivery:
        facts["delivery"] = delivery
    facts["extra"] = {
        "source": "dujiaoka",
        **{c: row[c] for c in ("id", "goods_id", "pay_id", "coupon_id") if row.get(c) is not None},
    }
    if status not in STATUS:
        facts["extra"]["status_code"] = status
    return facts
