"""acg-faka (lizhipay/acg-faka) ``order`` row → order facts.

``status`` 0 unpaid, 1 paid; ``delivery_status`` 0 not shipped, 1 shipped;
``secret`` the delivered keys (one per line) or the shop's message, such as
the sold-out notice 很抱歉，有人在你付款之前抢走了商品; ``widget`` the JSON
of the buyer's extra inputs (the account to top up); ``create_device``
0 PC, 1 Android, 2 iOS, 3 iPad. Goods bought from an upstream shop at
payment time leave the order unpaid when the upstream purchase fails, so
"unpaid" here never proves the customer did not pay. Read from the shop's
database, the row also carries its payment channel's ``pay_handle`` (``pay``)
and its commodity's ``commodity_name``, ``commodity_delivery_way`` (0 automatic
from the shop's cards, 1 manual or by a plugin) and ``commodity_shared_id`` (the
upstream shop it is bought from, 对接; NULL for the shop's own stock). The
order's own ``race`` is the variant the buyer chose (月卡, 年卡), not the name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from .common import gateway_of, integer, key_lines, local_time, number, text

__all__ = ["DELIVERY_WAYS", "DEVICES", "SOLD_OUT", "order_facts"]

_log = logging.getLogger(__name__)

DEVICES: Mapping[int, str] = {0: "pc", 1: "android", 2: "ios", 3: "ios"}
SOLD_OUT = "抢走了商品"
DELIVERY_WAYS: Mapping[int, tuple[str, str]] = {0: ("card_key", "auto"), 1: ("manual", "manual")}
"""A commodity's ``delivery_way`` → the contract's product kind and delivery."""


def _widget_account(widget: str) -> str | None:
    """The first filled-in extra input, which is the charge account in practice.

    The column is the shop's text: one it cannot read (not JSON, a number past
    Python's 4,300 digits, nesting past the parser's stack) tells no account.
    """
    try:
        data = json.loads(widget) if widget.strip() else None
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        _log.warning("acg-faka widget column is not readable JSON: no account taken from it")
        return None
    values = data.values() if isinstance(data, Mapping) else data if isinstance(data, list) else []
    for value in values:
        if isinstance(value, Mapping):
            value = value.get("value")
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return None


def order_facts(row: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The contract's order facts for one acg-faka ``order`` row."""
    code = integer(row, "status")
    paid = code == 1
    shipped = integer(row, "delivery_status") == 1
    secret = text(row, "secret")
    status = "completed" if paid and shipped else "processing" if paid else "pending_payment"
    facts: dict[str, Any] = {"order_no": text(row, "trade_no")}
    if code in (0, 1, None):  # a code no release uses stays unsaid, never guessed
        facts["status"] = status
    if created := local_time(row, "create_time", zone):
        facts["created_at"] = created
    if paid_at := local_time(row, "pay_time", zone):
        facts["paid_at"] = paid_at
    if (quantity := integer(row, "card_num")) is not None and quantity >= 1:
        facts["quantity"] = quantity
    if (amount := number(row, "amount")) is not None:
        facts["amount"] = {"total": amount, "currency": "CNY"}
    product: dict[str, Any] = {}
    if row.get("commodity_id") is not None:
        product["sku"] = text(row, "commodity_id")
    name, race = text(row, "commodity_name"), text(row, "race")
    if name or race:
        product["name"] = f"{name}（{race}）" if name and race else name or race
    way = integer(row, "commodity_delivery_way")
    if (
        way is not None and way in DELIVERY_WAYS
    ):  # only a joined commodity row tells how it is delivered
        product["kind"], product["delivery"] = DELIVERY_WAYS[way]
        product["source"] = "own_stock" if row.get("commodity_shared_id") is None else "upstream"
    if product:
        facts["product"] = product
    payment: dict[str, Any] = {"paid_at": paid_at} if paid and paid_at else {}
    if gateway := gateway_of(text(row, "pay_handle")):
        payment["gateway"] = gateway
    if paid or payment:
        facts["payment"] = payment
    delivery: dict[str, Any] = {}
    if secret:
        delivery["message"] = secret
    if SOLD_OUT in secret:
        delivery["stock_shortage"] = True
    elif shipped and secret:
        delivery["card_keys"] = [{"code": code} for code in key_lines(secret)]
    if account := _widget_account(text(row, "widget")):
        delivery["topup"] = {"account": account}
    if delivery:
        facts["delivery"] = delivery
    customer: dict[str, Any] = {}
    if text(row, "contact"):
        customer["contact"] = text(row, "contact")
    device = integer(row, "create_device")
    if device is not None and device in DEVICES:  # a code no release uses stays unsaid
        customer["device_platform"] = DEVICES[device]
    if customer:
        facts["customer"] = customer
    facts["extra"] = {
        "source": "acg_faka",
        **{
            c: row[c]
            for c in ("id", "commodity_id", "pay_id", "user_id", "card_id")
            if row.get(c) is not None
        },
    }
    if code not in (0, 1, None):
        facts["extra"]["status_code"] = code
    return facts
