"""The values templates may print, computed from the order facts.

This is the only bridge between an order and a customer-facing text, so it
is where the house rules are enforced: emails are masked, keys are shown in
their clean form, regions and platforms by their public names, times in the
order's own time zone. Supplier ids, gateway names and internal ids are
simply not offered (the schema's ``template_variables`` is the whole list).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .conditions import parse_time
from .language import display_platform, display_region
from .timezone import zone_label

__all__ = [
    "REFUND_TRANSIT_DAYS",
    "OrderVariables",
    "eta_variables",
    "format_time",
    "mask_email",
    "order_variables",
]

REFUND_TRANSIT_DAYS = 7
"""The latest a refund takes to arrive (card-shops.md: 1-7 working days)."""
_CURRENCY_ZH = {"CNY": "元", "RMB": "元"}


def mask_email(address: str) -> str:
    """ab***@qq.com: enough to spot a typo in the domain, not enough to leak it."""
    local, at, domain = address.partition("@")
    if not at:
        return local[:2] + "***"
    return f"{local[:2]}***@{domain}"


def format_time(moment: datetime, now: datetime, lang: str, labelled: bool = False) -> str:
    """A time as a customer reads it, in the zone of ``now`` (the shop's):
    "12:30" today, "11月27日 12:30" otherwise. ``labelled`` adds the offset
    where a reader may be elsewhere (``timezone.zone_label``): a promise is
    a time the customer will hold us to."""
    local = moment.astimezone(now.tzinfo)
    clock = f"{local.hour:02d}:{local.minute:02d}"  # strftime costs twice as much
    label = zone_label(local, lang) if labelled else ""
    if local.date() == now.date():
        return clock + label
    if lang == "zh":
        return f"{local.month}月{local.day}日 {clock}{label}"
    return f"{local:%b} {local.day} {clock}{label}"


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


class OrderVariables(Mapping[str, Any]):
    """The template variables of one order in one language, each worked out
    when a template first prints it.

    A diagnosis renders a handful of texts that print a few variables between
    them; working out all of them (times in the order's zone, display names,
    masked email) cost more than the rendering. A fact that is absent has no
    variable (``get`` gives None), so the template prints a labelled gap.
    :meth:`extended` layers a diagnosis's own values (the promise, a check's
    detail) over the same order without working anything out again.
    """

    __slots__ = ("_done", "_extra", "lang", "now", "order")

    def __init__(
        self,
        order: Mapping[str, Any],
        now: datetime,
        lang: str,
        extra: Mapping[str, Any] | None = None,
        done: dict[str, Any] | None = None,
    ) -> None:
        self.order, self.now, self.lang = order, now, lang
        self._extra: Mapping[str, Any] = extra or {}
        self._done: dict[str, Any] = {} if done is None else done

    def extended(self, extra: Mapping[str, Any]) -> OrderVariables:
        """These variables with ``extra`` over them (a None in ``extra`` hides one)."""
        return OrderVariables(self.order, self.now, self.lang, {**self._extra, **extra}, self._done)

    def get(self, name: str, default: Any = None) -> Any:
        if name in self._extra:
            value = self._extra[name]
        elif name in self._done:
            value = self._done[name]
        else:
            work = _VARIABLES.get(name)
            value = self._done[name] = work(self.order, self.now, self.lang) if work else None
        return default if value is None else value

    def __getitem__(self, name: str) -> Any:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        names = dict.fromkeys([*_VARIABLES, *self._extra])
        return iter([name for name in names if self.get(name) is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)


_Work = Callable[[Mapping[str, Any], datetime, str], Any]
"""How one variable is worked out from the order, the moment and the language."""


def _section(order: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    """The map at ``path`` (empty when a step is missing or not a map)."""
    value: Mapping[str, Any] = order
    for name in path:
        value = _part(value, name)
    return value


def _delivered_codes(order: Mapping[str, Any]) -> list[str] | None:
    keys = _section(order, "delivery").get("card_keys")
    if not isinstance(keys, list):
        return None
    return [str(k["code"]).strip() for k in keys if isinstance(k, Mapping) and k.get("code")]


def _paid(order: Mapping[str, Any]) -> datetime | None:
    return _time(order.get("paid_at")) or _time(_section(order, "payment").get("paid_at"))


def _delivered_count(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
    codes = _delivered_codes(order)
    return None if codes is None else len(codes)


def _keys(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
    return "\n".join(_delivered_codes(order) or ()) or None


def _amount(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
    amount = _section(order, "amount")
    return _money(amount.get("total"), amount.get("currency"), lang)


def _paid_at(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
    paid = _paid(order)
    return format_time(paid, now, lang) if paid else None


def _displayed(section: str, field: str, display: Callable[[str, str], str]) -> _Work:
    """A code printed by its public name (``display_region``: HK → 中国香港)."""

    def work(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
        code = _section(order, section).get(field)
        return display(str(code), lang) if code else None

    return work


def _fact(*path: str) -> _Work:
    """A fact printed as the order holds it."""

    def work(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
        return _section(order, *path[:-1]).get(path[-1])

    return work


def _email(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
    email = _section(order, "delivery", "email").get("to")
    return mask_email(str(email)) if email else None


def _waited_minutes(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
    started = _time(_section(order, "delivery", "topup").get("submitted_at")) or _paid(order)
    return max(0, round((now - started).total_seconds() / 60)) if started else None


def _refund_amount(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
    currency = _section(order, "amount").get("currency")
    return _money(_section(order, "refund").get("amount"), currency, lang)


def _refund_eta(order: Mapping[str, Any], now: datetime, lang: str) -> Any:
    refunded = _time(_section(order, "refund").get("refunded_at"))
    return _format_date((refunded or now) + timedelta(days=REFUND_TRANSIT_DAYS), now, lang)


_VARIABLES: dict[str, _Work] = {
    "order_no": _fact("order_no"),
    "product_name": _fact("product", "name"),
    "quantity": _fact("quantity"),
    "delivered_count": _delivered_count,
    "keys": _keys,
    "amount": _amount,
    "paid_at": _paid_at,
    "region": _displayed("product", "region", display_region),
    "account_region": _displayed("customer", "account_region", display_region),
    "platform": _displayed("product", "platform", display_platform),
    "device_platform": _displayed("customer", "device_platform", display_platform),
    "email": _email,
    "topup_account": _fact("delivery", "topup", "account"),
    "waited_minutes": _waited_minutes,
    "normal_minutes": _fact("product", "normal_minutes"),
    "refund_amount": _refund_amount,
    "refund_reference": _fact("refund", "reference"),
    "refund_eta": _refund_eta,
    "error_text": _fact("customer", "error_text"),
    "refund_reason": _fact("refund", "rejected_reason"),
    "coupon_reason": _fact("coupon", "reason"),
}
"""How each order variable is worked out, in the order the schema lists them."""


def order_variables(
    order: Mapping[str, Any], now: datetime, lang: str, eta_minutes: int | None = None
) -> OrderVariables:
    """Template variables for ``order`` in ``lang``; a fact that is absent is left out."""
    variables = OrderVariables(order, now, lang)
    if eta_minutes is not None:
        variables = variables.extended(eta_variables(now, lang, eta_minutes))
    return variables


def eta_variables(now: datetime, lang: str, eta_minutes: int) -> dict[str, Any]:
    """The promise variables: in how many minutes, and at what time."""
    return {
        "eta_minutes": eta_minutes,
        # Added in UTC, so a daylight-saving change in the shop's zone is counted.
        "eta_time": format_time(
            (now.astimezone(UTC) + timedelta(minutes=eta_minutes)).astimezone(now.tzinfo),
            now,
            lang,
            labelled=True,
        ),
        "review_minutes": eta_minutes,
    }
