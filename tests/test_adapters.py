"""Shop adapters: rows shaped exactly like dujiaoka's `orders` and acg-faka's `order`."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker

from adapters import order_from_row
from adapters.dujiaoka import STATUS
from schema import order_schema

from .conftest import bearer

# Every column of dujiaoka's `orders` table (database/sql/install.sql), as a MySQL
# client hands them over: decimals and tinyints may come as strings.
DUJIAOKA_ROW: dict[str, Any] = {
    "id": 1042,
    "order_sn": "K8Q2ZP4M7XN3TB5W",
    "goods_id": 7,
    "coupon_id": 0,
    "title": "Steam 钱包充值卡 100 美元 x 1",
    "type": 1,
    "goods_price": "688.00",
    "buy_amount": 1,
    "coupon_discount_price": "0.00",
    "wholesale_discount_price": "0.00",
    "total_price": "688.00",
    "actual_price": "688.00",
    "search_pwd": "",
    "email": "buyer@example.com",
    "info": "ABCDE-FGHIJ-KLMNP\r\n",
    "pay_id": 3,
    "buy_ip": "203.0.113.9",
    "trade_no": "2026112222001400001234567890",
    "status": "4",
    "coupon_ret_back": 0,
    "created_at": "2026-11-22 10:00:05",
    "updated_at": "2026-11-22 10:01:10",
    "deleted_at": None,
}

# Every column of acg-faka's `order` table (kernel/Install/Install.sql).
ACG_ROW: dict[str, Any] = {
    "id": 88,
    "owner": 0,
    "user_id": 0,
    "trade_no": "261122100005123456",
    "amount": "30.00",
    "commodity_id": 12,
    "card_id": None,
    "card_num": 1,
    "pay_id": 2,
    "create_time": "2026-11-22 10:00:05",
    "create_ip": "198.51.100.7",
    "create_device": 2,
    "pay_time": "2026-11-22 10:00:40",
    "status": 1,
    "secret": "很抱歉，有人在你付款之前抢走了商品，请联系客服。",
    "password": None,
    "contact": "13800000000",
    "delivery_status": 0,
    "pay_url": None,
    "coupon_id": None,
    "cost": "0.00",
    "from": None,
    "premium": "0.00",
    "widget": '{"account": {"value": "player#1234"}}',
    "rent": "25.00",
    "race": "月卡",
    "rebate": "0.00",
    "pay_cost": "0.00",
    "sku": None,
    "divide_amount": None,
    "substation_user_id": None,
    "request_no": None,
}

_VALID = Draft202012Validator(order_schema(), format_checker=FormatChecker())


def _valid(facts: dict[str, Any]) -> dict[str, Any]:
    errors = [e.message for e in _VALID.iter_errors(facts)]
    assert errors == [], errors
    return facts


@pytest.mark.parametrize("code,status", sorted(STATUS.items()))
def test_dujiaoka_status_codes(code: int, status: str) -> None:
    facts = _valid(order_from_row("dujiaoka", {**DUJIAOKA_ROW, "status": code}))
    assert facts["status"] == status
    assert ("expires_at" in facts) == (code in (1, -1))


def test_dujiaoka_row_maps_to_order_facts() -> None:
    facts = _valid(order_from_row("dujiaoka", DUJIAOKA_ROW))
    assert facts["order_no"] == "K8Q2ZP4M7XN3TB5W"
    assert facts["created_at"] == "2026-11-22T10:00:05+08:00"
    assert facts["completed_at"] == "2026-11-22T10:01:10+08:00"
    assert facts["amount"] == {"total": 688.0, "currency": "CNY"}
    assert facts["delivery"]["card_keys"] == [{"code": "ABCDE-FGHIJ-KLMNP"}]
    assert facts["payment"]["gateway_trade_no"].startswith("2026")
    assert facts["product"] == {
        "kind": "card_key",
        "delivery": "auto",
        "sku": "7",
        "name": "Steam 钱包充值卡 100 美元 x 1",
    }
    utc = order_from_row("dujiaoka", DUJIAOKA_ROW, "UTC")
    assert utc["created_at"] == "2026-11-22T10:00:05+00:00"
    short = {**DUJIAOKA_ROW, "status": 6, "info": "库存可使用卡密不足，请联系管理员核查"}
    assert _valid(order_from_row("dujiaoka", short))["delivery"]["stock_shortage"] is True
    manual = {**DUJIAOKA_ROW, "type": 2, "status": 3, "info": "充值账号：player#77\n区服：亚服"}
    facts = _valid(order_from_row("dujiaoka", manual))
    assert facts["delivery"]["topup"] == {"account": "player#77"}
    assert facts["product"]["delivery"] == "manual"


def test_acg_faka_row_maps_to_order_facts() -> None:
    facts = _valid(order_from_row("acg_faka", ACG_ROW))
    assert facts["status"] == "processing"  # paid, not shipped
    assert facts["paid_at"] == "2026-11-22T10:00:40+08:00"
    assert facts["delivery"]["stock_shortage"] is True
    assert facts["delivery"]["topup"] == {"account": "player#1234"}
    assert facts["customer"] == {"contact": "13800000000", "device_platform": "ios"}
    shipped = {**ACG_ROW, "delivery_status": 1, "secret": "KEY-1\nKEY-2", "card_num": 2}
    facts = _valid(order_from_row("acg_faka", shipped))
    assert facts["status"] == "completed"
    assert [k["code"] for k in facts["delivery"]["card_keys"]] == ["KEY-1", "KEY-2"]
    unpaid = _valid(order_from_row("acg_faka", {**ACG_ROW, "status": "0", "pay_time": None}))
    assert unpaid["status"] == "pending_payment" and "paid_at" not in unpaid


def test_acg_faka_product_from_the_joined_commodity() -> None:
    # A pasted order row carries no commodity: its race is all the name it has.
    assert order_from_row("acg_faka", ACG_ROW)["product"] == {"sku": "12", "name": "月卡"}
    joined = {
        **ACG_ROW,
        "commodity_name": "Netflix",
        "commodity_delivery_way": 1,
        "commodity_shared_id": 7,
    }
    assert _valid(order_from_row("acg_faka", joined))["product"] == {
        "sku": "12",
        "name": "Netflix（月卡）",
        "kind": "manual",
        "delivery": "manual",
        "source": "upstream",
    }
    own = {**joined, "race": None, "commodity_delivery_way": "0", "commodity_shared_id": None}
    assert _valid(order_from_row("acg_faka", own))["product"] == {
        "sku": "12",
        "name": "Netflix",
        "kind": "card_key",
        "delivery": "auto",
        "source": "own_stock",
    }
    # A delivery way no release uses says nothing about delivery or stock.
    odd = _valid(order_from_row("acg_faka", {**joined, "commodity_delivery_way": 9}))
    assert odd["product"] == {"sku": "12", "name": "Netflix（月卡）"}


def test_diagnose_accepts_a_shop_row(client: FlaskClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["agent"])
    short = {**DUJIAOKA_ROW, "status": 6, "info": "库存可使用卡密不足，请联系管理员核查"}
    body = {
        "order_source": "dujiaoka",
        "order_row": short,
        "message": "付款成功了但是一直没收到卡密",
        "now": "2026-11-22T10:20:00+08:00",
    }
    response = client.post("/v1/diagnose", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["symptom"]["id"] == "card_key_not_received"
    assert answer["causes"][0]["id"] == "stock_shortage"
    assert answer["reply"]["needs_edit"] is False and "售罄" in answer["reply"]["text"]
    acg = client.post(
        "/v1/diagnose",
        json={"order_source": "acg_faka", "order_row": ACG_ROW, "symptom": "card_key_not_received"},
        headers=headers,
    )
    assert acg.status_code == 200 and acg.get_json()["causes"][0]["id"] == "stock_shortage"


def test_bad_rows_are_refused_by_field(client: FlaskClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["agent"])
    bad = {**DUJIAOKA_ROW, "status": 9, "created_at": "yesterday"}
    response = client.post(
        "/v1/diagnose",
        json={"order_source": "dujiaoka", "order_row": bad, "symptom": "card_key_invalid"},
        headers=headers,
    )
    assert response.status_code == 400
    fields = {d["field"] for d in response.get_json()["error"]["details"]}
    assert {"order_row.status", "order_row.created_at"} <= fields
    both = client.post(
        "/v1/diagnose",
        json={
            "order_source": "acg_faka",
            "order_row": ACG_ROW,
            "order": {"order_no": "1"},
            "symptom": "card_key_invalid",
        },
        headers=headers,
    )
    assert both.status_code == 400
    assert both.get_json()["error"]["details"][0]["field"] == "order_row"
    zone = client.post(
        "/v1/diagnose",
        json={
            "order_source": "acg_faka",
            "order_row": ACG_ROW,
            "shop_timezone": "Mars/Olympus",
            "symptom": "card_key_invalid",
        },
        headers=headers,
    )
    assert zone.status_code == 400
    assert zone.get_json()["error"]["details"][0]["field"] == "shop_timezone"
