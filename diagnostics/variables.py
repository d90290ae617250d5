"""The values templates may print, computed from the order facts.

This is the only bridge between an order and a customer-facing text, so it
is where the house rules are enforced: emails are masked, keys are shown in
their clean form, regions and platforms by their public names, times in the
order's own time zone. Supplier ids, gateway names and internal ids are
simply not offered (the schema's ``template_variables`` is the whole list).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .conditions import parse_time
from .language import display_platform, display_region

__all__ = ["REFUND_TRANSIT_DAYS", "eta_variables", "format_time", "mask_email", "order_variables"]

REFUND_TRANSIT_DAYS = 7
"""The latest a refund takes to arrive (card-shops.md: 1-7 working days)."""
_CURRENCY_ZH = {"CNY": "元", "RMB": "元"}


def mask_email(address: str) -> str:
    """ab***@qq.com: enough to spot a typo in the domain, not enough to leak it."""
    local, at, domain = address.partition("@")
    if not at:
        return local[:2] + "***"
    return f"{local[:2]}***@{domain}"


def format_time(moment: datetime, now: datetime, lang: str) -> str:
    """A time as a customer reads it: "12:30" today, "11月27日 12:30" otherwise."""
    local = moment.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if lang == "zh":
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return local.strftime("%b %d %H:%M").replace(" 0", " ")


def _format_date(moment: datetime, now: datetime, lang: str) -> str:
    local = moment.astimezone(now.tzinfo)
    return (
        f"{local.month}月{local.day}日"
        if lang == "zh"
        else local.strftime("%b %d").replace(" 0", " ")
    )


def _money(value: Any, currency: Any, lang: str) -> str | None:
    if not isinstance(value, int | float):
        return None
    code = str(currency or "CNY").upper()
    if lang == "zh" and code in _CURRENCY_ZH:
        return f"{value:.2f} {_CURRENCY_ZH[code]}"
    return f"{value:.2f} {code}"


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


_NONE: Mapping[str, Any] = {}


def _part(value: Any, name: str) -> Mapping[str, Any]:
    """``value[name]`` when it is a map, else an empty one: each section of the
    order is looked up once, not once per variable read from it."""
    found = value.get(name) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else _NONE


def order_variables(
    order: Mapping[str, Any], now: datetime, lang: str, eta_minutes: int | None = None
) -> dict[str, Any]:
    """Template variables for ``order`` in ``lang``; a fact that is absent is left out."""
    product, customer = _part(order, "product"), _part(order, "customer")
    delivery, amount, refund = (
        _part(order, "delivery"),
        _part(order, "amount"),
        _part(order, "refund"),
    )
    topup = _part(delivery, "topup")
    values: dict[str, Any] = {}
    values["order_no"] = order.get("order_no")
    values["product_name"] = product.get("name")
    values["quantity"] = order.get("quantity")
    keys = delivery.get("card_keys")
    if isinstance(keys, list):
        codes = [str(k["code"]).strip() for k in keys if isinstance(k, Mapping) and k.get("code")]
        values["delivered_count"] = len(codes)
        values["keys"] = "\n".join(codes) if codes else None
    currency = amount.get("currency")
    values["amount"] = _money(amount.get("total"), currency, lang)
    paid = _time(order.get("paid_at")) or _time(_part(order, "payment").get("paid_at"))
    values["paid_at"] = format_time(paid, now, lang) if paid else None
    for name, code in (
        ("region", product.get("region")),
        ("account_region", customer.get("account_region")),
    ):
        values[name] = display_region(str(code), lang) if code else None
    for name, code in (
        ("platform", product.get("platform")),
        ("device_platform", customer.get("device_platform")),
    ):
        values[name] = display_platform(str(code), lang) if code else None
    email = _part(delivery, "email").get("to")
    values["email"] = mask_email(str(email)) if email else None
    values["topup_account"] = topup.get("account")
    started = _time(topup.get("submitted_at")) or paid
    values["waited_minutes"] = (
        max(0, round((now - started).total_seconds() / 60)) if started else None
    )
    values["normal_minutes"] = product.get("normal_minutes")
    values["refund_amount"] = _money(refund.get("amount"), currency, lang)
    values["refund_reference"] = refund.get("reference")
    refunded = _time(refund.get("refunded_at"))
    values["refund_eta"] = _format_date(
        (refunded or now) + timedelta(days=REFUND_TRANSIT_DAYS), now, lang
    )
    values["error_text"] = customer.get("error_text")
    if eta_minutes is not None:
        values.update(eta_variables(now, lang, eta_minutes))
    return {k: v for k, v in values.items() if v is not None}


def eta_variables(now: datetime, lang: str, eta_minutes: int) -> dict[str, Any]:
    """The promise variables: in how many minutes, and at what time."""
    return {
        "eta_minutes": eta_minutes,
        "eta_time": format_time(now + timedelta(minutes=eta_minutes), now, lang),
        "review_minutes": eta_minutes,
    }
