"""Template variables: worked out from the order when a template prints them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from diagnostics.conditions import parse_time
from diagnostics.templates import allowed_variables, render
from diagnostics.variables import order_variables

NOW = parse_time("2026-11-20T12:00:00+08:00")
ORDER: dict[str, Any] = {
    "order_no": "S0S1",
    "quantity": 2,
    "paid_at": "2026-11-20T11:55:00+08:00",
    "amount": {"total": 25.5, "currency": "CNY"},
    "product": {"name": "Xbox 礼品卡", "region": "US", "platform": "xbox"},
    "customer": {"account_region": "HK"},
    "delivery": {
        "card_keys": [{"code": " AAAA-BBBB "}, {"code": "CCCC-DDDD"}, {"state": "unused"}],
        "email": {"to": "buyer@qq.com"},
    },
}
OWNED_BY_THE_DIAGNOSIS = {
    "eta_minutes",
    "eta_time",
    "review_minutes",
    "maintenance_until",
    "compensation",
    "detail",
    "checking",
    "backstop",
    "outage",
}
"""Variables the engine adds (the promise, a check's detail, a notice's outage), not
read from the order."""


class _Asked(Mapping[str, Any]):
    """Variables that note every name asked for."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.known, self.asked = values, set[str]()

    def __getitem__(self, name: str) -> Any:
        self.asked.add(name)
        return self.known[name]

    def get(self, name: str, default: Any = None) -> Any:
        self.asked.add(name)
        return self.known.get(name, default)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("render walked every variable")

    def __len__(self) -> int:
        return len(self.known)


def test_the_order_gives_its_facts_in_the_house_style() -> None:
    values = dict(order_variables(ORDER, NOW, "zh"))
    assert values == {
        "order_no": "S0S1",
        "quantity": 2,
        "product_name": "Xbox 礼品卡",
        "delivered_count": 2,
        "keys": "AAAA-BBBB\nCCCC-DDDD",
        "amount": "25.50 元",
        "paid_at": "11:55",
        "region": "美国",
        "account_region": "中国香港",
        "platform": "Xbox",
        "email": "bu***@qq.com",
        "waited_minutes": 5,
        "refund_eta": "11月27日",
    }
    assert dict(order_variables(ORDER, NOW, "en"))["amount"] == "25.50 CNY"


def test_every_declared_variable_comes_from_the_order_or_the_diagnosis() -> None:
    full = order_variables(ORDER, NOW, "zh")
    missing = {
        "normal_minutes",
        "topup_account",
        "refund_amount",
        "refund_reference",
        "refund_reason",
        "coupon_reason",
    }
    missing |= {"device_platform", "error_text"}
    assert set(full) | missing | OWNED_BY_THE_DIAGNOSIS == set(allowed_variables())


def test_an_absent_fact_has_no_variable_and_prints_as_a_gap() -> None:
    empty = order_variables({}, NOW, "zh")
    assert empty.get("order_no") is None and "order_no" not in empty
    assert render("订单 {{ order_no }}", empty, "zh") == "订单 【待补充：订单号】"


def test_render_asks_only_for_what_the_template_prints() -> None:
    asked = _Asked(order_variables(ORDER, NOW, "zh"))
    text = render("订单 {{ order_no }}，{% if region %}地区 {{ region }}{% endif %}", asked, "zh")
    assert text == "订单 S0S1，地区 美国"
    assert asked.asked == {"order_no", "region"}


def test_extended_values_lie_over_the_order_and_none_hides_one() -> None:
    base = order_variables(ORDER, NOW, "zh")
    over = base.extended({"order_no": "X9", "detail": "全角字符", "email": None})
    assert over["order_no"] == "X9" and over["detail"] == "全角字符"
    assert over.get("email") is None and base["email"] == "bu***@qq.com"
    assert "detail" not in base


def test_variables_follow_the_moment_they_are_asked_for() -> None:
    later: datetime = parse_time("2026-11-21T12:00:00+08:00")
    assert order_variables(ORDER, later, "zh")["paid_at"] == "11月20日 11:55"
    assert order_variables(ORDER, later, "zh")["waited_minutes"] == 24 * 60 + 5
