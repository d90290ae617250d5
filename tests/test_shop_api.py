"""POST /v1/diagnose with an order number: read from the shop's MariaDB, never a 5xx."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from graph.sqlite import SqliteStore
from shop import order_source
from tests.conftest import bearer
from tests.shop_server import MariaDB, ro_dsn

NOW = "2026-11-30T14:00:00+08:00"

# What an agent would have typed by hand for every order a lookup finds in
# tests/fixtures/shopdb (the JSON twins), read from the order row, its goods or
# commodity, pay and card rows, and ../shared/contract/order.schema.json. Shop
# times are Beijing local time; "recent" is the same contact's other orders in
# the 24 hours before NOW.
DUJIAOKA_STEAM = {"kind": "card_key", "delivery": "auto", "sku": "1"}
DUJIAOKA_TWINS: dict[str, dict[str, Any]] = {
    # delivered: the key in info, paid by Alipay (pays.id 1, /pay/alipay)
    "DJ20261130A1": {
        "order_no": "DJ20261130A1",
        "status": "completed",
        "created_at": "2026-11-30T10:00:00+08:00",
        "completed_at": "2026-11-30T10:00:07+08:00",
        "quantity": 1,
        "amount": {"total": 92.0, "currency": "CNY"},
        "product": {**DUJIAOKA_STEAM, "name": "Steam 钱包充值卡 100 HKD x 1"},
        "payment": {
            "gateway": "alipay",
            "gateway_trade_no": "2026113022001400001",
            "callback": {"received": True},
        },
        "delivery": {
            "card_keys": [{"code": "STEAM-AAAA-BBBB-CCCC"}],
            "email": {"to": "buyer@example.com"},
        },
        "customer": {
            "contact": "buyer@example.com",
            "recent_orders": [
                {
                    "order_no": "DJ20261130A2",
                    "sku": "1",
                    "status": "pending_payment",
                    "amount": 92.0,
                }
            ],
        },
    },
    # the same buyer's second order, unpaid: it expires 5 minutes after it was made
    "DJ20261130A2": {
        "order_no": "DJ20261130A2",
        "status": "pending_payment",
        "created_at": "2026-11-30T11:30:00+08:00",
        "expires_at": "2026-11-30T11:35:00+08:00",
        "quantity": 1,
        "amount": {"total": 92.0, "currency": "CNY"},
        "product": {**DUJIAOKA_STEAM, "name": "Steam 钱包充值卡 100 HKD x 1"},
        "payment": {"gateway": "alipay"},
        "delivery": {"email": {"to": "buyer@example.com"}},
        "customer": {
            "contact": "buyer@example.com",
            "recent_orders": [
                {"order_no": "DJ20261130A1", "sku": "1", "status": "completed", "amount": 92.0}
            ],
        },
    },
    # two days old: its recent orders are the contact's of the 24 hours before NOW
    "DJ20261128A3": {
        "order_no": "DJ20261128A3",
        "status": "completed",
        "created_at": "2026-11-28T10:00:00+08:00",
        "completed_at": "2026-11-28T10:00:09+08:00",
        "quantity": 1,
        "amount": {"total": 92.0, "currency": "CNY"},
        "product": {**DUJIAOKA_STEAM, "name": "Steam 钱包充值卡 100 HKD x 1"},
        "payment": {
            "gateway": "alipay",
            "gateway_trade_no": "T3",
            "callback": {"received": True},
        },
        "delivery": {"card_keys": [{"code": "STEAM-XXXX"}], "email": {"to": "buyer@example.com"}},
        "customer": {
            "contact": "buyer@example.com",
            "recent_orders": [
                {
                    "order_no": "DJ20261130A2",
                    "sku": "1",
                    "status": "pending_payment",
                    "amount": 92.0,
                },
                {"order_no": "DJ20261130A1", "sku": "1", "status": "completed", "amount": 92.0},
            ],
        },
    },
    # sold out after payment (6 异常, 库存不足), paid through 易支付 (/pay/yipay)
    "DJ20261130B1": {
        "order_no": "DJ20261130B1",
        "status": "abnormal",
        "created_at": "2026-11-30T12:00:00+08:00",
        "quantity": 2,
        "amount": {"total": 184.0, "currency": "CNY"},
        "product": {**DUJIAOKA_STEAM, "name": "Steam 钱包充值卡 100 HKD x 2"},
        "payment": {
            "gateway": "yipay",
            "gateway_trade_no": "4200001234202611300001",
            "callback": {"received": True},
        },
        "delivery": {
            "message": "商品库存不足，请联系客服补单",
            "stock_shortage": True,
            "email": {"to": "other@example.com"},
        },
        "customer": {"contact": "other@example.com"},
    },
    # a manual top-up waiting (2 待处理), the account in info, paid in USDT (pay/epusdt)
    "DJ20261130C1": {
        "order_no": "DJ20261130C1",
        "status": "pending",
        "created_at": "2026-11-30T13:00:00+08:00",
        "quantity": 1,
        "amount": {"total": 60.0, "currency": "CNY"},
        "product": {
            "kind": "manual",
            "delivery": "manual",
            "sku": "2",
            "name": "王者荣耀 点券代充 🎮 x 1",
        },
        "payment": {
            "gateway": "epusdt",
            "gateway_trade_no": "USDT-77",
            "callback": {"received": True},
        },
        "delivery": {
            "message": "充值账号：123456789",
            "topup": {"account": "123456789"},
            "email": {"to": "qq123456@qq.com"},
        },
        "customer": {"contact": "qq123456@qq.com"},
    },
    # awkward: no goods 99, no pay, zero time, status 7: only what the row can tell
    "DJ-ODD-1": {
        "order_no": "DJ-ODD-1",
        "amount": {"total": 0.0, "currency": "CNY"},
        "product": {"kind": "card_key", "delivery": "auto", "sku": "99"},
    },
}
ACG_BUYER = "buyer😀@qq.com"
ACG_TWINS: dict[str, dict[str, Any]] = {
    # paid by 支付宝 (handle Epay), shipped: the key in secret and in acg_card
    "2611301000123456789": {
        "order_no": "2611301000123456789",
        "status": "completed",
        "created_at": "2026-11-30T10:00:00+08:00",
        "paid_at": "2026-11-30T10:00:30+08:00",
        "quantity": 1,
        "amount": {"total": 35.0, "currency": "CNY"},
        "product": {
            "sku": "1",
            "name": "Netflix 月卡",
            "kind": "card_key",
            "delivery": "auto",
            "source": "own_stock",
        },
        "payment": {"gateway": "yipay", "paid_at": "2026-11-30T10:00:30+08:00"},
        "delivery": {
            "message": "NFLX-1111-2222",
            "card_keys": [{"code": "NFLX-1111-2222"}],
        },
        "customer": {
            "contact": ACG_BUYER,
            "device_platform": "android",
            "recent_orders": [
                {
                    "order_no": "2611301100123456789",
                    "sku": "2",
                    "status": "processing",
                    "amount": 68.0,
                    "paid_at": "2026-11-30T11:00:20+08:00",
                }
            ],
        },
    },
    # paid, not shipped: a manual top-up (delivery_way 1), the account in widget
    "2611301100123456789": {
        "order_no": "2611301100123456789",
        "status": "processing",
        "created_at": "2026-11-30T11:00:00+08:00",
        "paid_at": "2026-11-30T11:00:20+08:00",
        "quantity": 1,
        "amount": {"total": 68.0, "currency": "CNY"},
        "product": {
            "sku": "2",
            "name": "原神 创世结晶 代充",
            "kind": "manual",
            "delivery": "manual",
            "source": "own_stock",
        },
        "payment": {"gateway": "yipay", "paid_at": "2026-11-30T11:00:20+08:00"},
        "delivery": {"topup": {"account": "UID 800123456"}},
        "customer": {
            "contact": ACG_BUYER,
            "device_platform": "ios",
            "recent_orders": [
                {
                    "order_no": "2611301000123456789",
                    "sku": "1",
                    "status": "completed",
                    "amount": 35.0,
                    "paid_at": "2026-11-30T10:00:30+08:00",
                }
            ],
        },
    },
    # an upstream (对接, shared_id 7) good sold out while paying: left unpaid
    "2611301200123456789": {
        "order_no": "2611301200123456789",
        "status": "pending_payment",
        "created_at": "2026-11-30T12:00:00+08:00",
        "quantity": 1,
        "amount": {"total": 100.0, "currency": "CNY"},
        "product": {
            "sku": "3",
            "name": "对接 Apple 礼品卡",
            "kind": "card_key",
            "delivery": "auto",
            "source": "upstream",
        },
        "payment": {"gateway": "yipay"},
        "delivery": {"message": "很抱歉，有人在你付款之前抢走了商品", "stock_shortage": True},
        "customer": {"contact": "13800138000", "device_platform": "pc"},
    },
    # awkward: status 5 and device 9 no release uses, zero pay_time, no contact,
    # a widget that is not JSON: only what the row can tell
    "2611301300000000000": {
        "order_no": "2611301300000000000",
        "created_at": "2026-11-30T13:00:00+08:00",
        "amount": {"total": 1.0, "currency": "CNY"},
        "product": {
            "sku": "1",
            "name": "Netflix 月卡",
            "kind": "card_key",
            "delivery": "auto",
            "source": "own_stock",
        },
        "payment": {"gateway": "yipay"},
    },
}
TWINS: dict[str, dict[str, dict[str, Any]]] = {"dujiaoka": DUJIAOKA_TWINS, "acg_faka": ACG_TWINS}
DATABASES = {"dujiaoka": "dujiaoka", "acg_faka": "acg"}
# What each customer wrote to the shop about the order.
MESSAGES = {
    "DJ20261130A1": "卡密无效，兑换不了",
    "DJ20261130A2": "我付过钱了，订单怎么还是待支付？",
    "DJ20261128A3": "前天买的 Steam 卡，兑换提示这个代码已被使用",
    "DJ20261130B1": "付了钱没收到卡密",
    "DJ20261130C1": "王者荣耀点券充值付款一个小时了还没到账",
    "DJ-ODD-1": "查不到我的订单，麻烦看一下",
    "2611301000123456789": "Netflix 卡密输进去提示无效",
    "2611301100123456789": "原神充值付款了还没到账，UID 800123456",
    "2611301200123456789": "付款成功了但是订单显示未支付，也没有卡密",
    "2611301300000000000": "买了一块钱的东西一直没发货",
}


@pytest.fixture(scope="module")
def shop_app(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the module (the symptom model trains once); tests swap its source."""
    path = tmp_path_factory.mktemp("shopapi") / "kg.db"
    shutil.copyfile(seeded_db, path)
    app = create_app({"KGDIAG_DB": str(path), "TESTING": True})
    yield app
    app.extensions["kgdiag_store"].close()


@pytest.fixture(scope="module")
def store(shop_app: Flask) -> SqliteStore:
    found: SqliteStore = shop_app.extensions["kgdiag_store"]
    return found


def shop_client(app: Flask, **config: str) -> FlaskClient:
    app.extensions["kgdiag_order_source"] = order_source(config, ZoneInfo("Asia/Shanghai"))
    return app.test_client()


@pytest.fixture(scope="module")
def agent(store: SqliteStore) -> dict[str, str]:
    return bearer(store.create_token("agent", "shop-agent"))


def essentials(answer: dict[str, Any]) -> dict[str, Any]:
    """What a diagnosis concludes, without the case id, the note and the lookup."""
    return {
        "symptom": answer["symptom"]["id"],
        "causes": [(c["id"], round(c["probability"], 9)) for c in answer["causes"]],
        "checks": [(c["id"], c.get("result"), c.get("step")) for c in answer["checks"]],
        "resolution": (answer.get("resolution") or {}).get("id"),
        "reply": answer["reply"]["text"],
    }


@pytest.mark.parametrize(
    ("system", "order_no"),
    [(system, order_no) for system, twins in TWINS.items() for order_no in twins],
)
def test_a_found_order_diagnoses_like_its_hand_built_twin(
    shop_mariadb: MariaDB,
    shop_app: Flask,
    store: SqliteStore,
    agent: dict[str, str],
    system: str,
    order_no: str,
) -> None:
    client = shop_client(
        shop_app,
        KGDIAG_SHOP_DB=ro_dsn(shop_mariadb, DATABASES[system]),
        KGDIAG_SHOP_SYSTEM=system,
    )
    message = MESSAGES[order_no]
    by_number = client.post(
        "/v1/diagnose",
        json={"order_no": order_no, "message": message, "now": NOW},
        headers=agent,
    )
    assert by_number.status_code == 200, by_number.json
    looked_up = by_number.json
    assert looked_up["order_lookup"] == {
        "status": "found",
        "source": system,
        "matched_by": "order_no",
    }
    assert looked_up["note"]["text"].startswith(f"订单信息：已从{system}读取订单 {order_no}")
    twin = client.post(
        "/v1/diagnose",
        json={"order": TWINS[system][order_no], "message": message, "now": NOW},
        headers=agent,
    )
    assert twin.status_code == 200, twin.json
    assert "order_lookup" not in twin.json
    # A message that leaves the symptom open would compare two questions, not two diagnoses.
    assert twin.json["symptom"]["id"], twin.json["symptom"]
    assert essentials(looked_up) == essentials(twin.json)


def test_every_fixture_order_has_a_twin(shop_mariadb: MariaDB) -> None:
    """An order added to the fixtures without its twin would go untested."""
    tables = {"dujiaoka": "dujiaoka.orders.order_sn", "acg_faka": "acg.acg_order.trade_no"}
    with shop_mariadb.root() as conn, conn.cursor() as cursor:
        for system, column in tables.items():
            table, number = column.rsplit(".", 1)
            cursor.execute(f"SELECT {number} FROM {table}")
            assert {row[0] for row in cursor.fetchall()} == set(TWINS[system]), system


def test_not_found_goes_on_with_manual_checks_and_says_why(
    shop_mariadb: MariaDB, shop_app: Flask, store: SqliteStore, agent: dict[str, str]
) -> None:
    client = shop_client(
        shop_app, KGDIAG_SHOP_DB=ro_dsn(shop_mariadb, "acg"), KGDIAG_SHOP_SYSTEM="acg_faka"
    )
    answer = client.post(
        "/v1/diagnose",
        json={"order_no": "NOPE-1", "message": "付了钱没收到卡密", "now": NOW, "lang": "en"},
        headers=agent,
    )
    assert answer.status_code == 200
    assert answer.json["order_lookup"] == {"status": "not_found", "source": "acg_faka"}
    assert answer.json["note"]["text"].startswith("订单信息：acg_faka中没有这个订单号")
    assert store.records.case_by_ref(answer.json["case_id"]).order_no == "NOPE-1"
    # It goes on exactly as with no facts but the number.
    bare = client.post(
        "/v1/diagnose",
        json={
            "order": {"order_no": "NOPE-1"},
            "message": "付了钱没收到卡密",
            "now": NOW,
            "lang": "en",
        },
        headers=agent,
    )
    assert essentials(answer.json) == essentials(bare.json)


def test_by_contact_with_an_emoji_finds_the_latest_order(
    shop_mariadb: MariaDB, shop_app: Flask, store: SqliteStore, agent: dict[str, str]
) -> None:
    client = shop_client(
        shop_app, KGDIAG_SHOP_DB=ro_dsn(shop_mariadb, "acg"), KGDIAG_SHOP_SYSTEM="acg_faka"
    )
    answer = client.post(
        "/v1/diagnose",
        json={"contact": "buyer😀@qq.com", "message": "充值还没到账", "now": NOW},
        headers=agent,
    )
    assert answer.status_code == 200
    assert answer.json["order_lookup"]["matched_by"] == "contact"
    assert answer.json["order_lookup"]["candidates"][0] == "2611301100123456789"


@pytest.mark.parametrize(
    "config",
    [
        {"KGDIAG_SHOP_DB": "mysql://kgdiag_ro:bad@127.0.0.1:1/dujiaoka"},  # unreachable
        {},  # not configured
    ],
)
def test_unavailable_never_fails_the_diagnosis(
    shop_app: Flask, store: SqliteStore, agent: dict[str, str], config: dict[str, str]
) -> None:
    client = shop_client(shop_app, **config)
    answer = client.post(
        "/v1/diagnose",
        json={"order_no": "DJ20261130A1", "message": "卡密无效", "now": NOW},
        headers=agent,
    )
    assert answer.status_code == 200
    assert answer.json["order_lookup"]["status"] == "unavailable"
    assert "暂时无法读取店铺订单" in answer.json["note"]["text"]
    assert "bad" not in str(answer.json["order_lookup"])


def test_a_bad_order_no_is_a_400_naming_it(
    shop_app: Flask, store: SqliteStore, agent: dict[str, str]
) -> None:
    client = shop_client(shop_app)
    answer = client.post(
        "/v1/diagnose", json={"order_no": "x" * 65, "message": "卡密无效"}, headers=agent
    )
    assert answer.status_code == 400
    assert [p["field"] for p in answer.json["error"]["details"]] == ["order_no"]


def test_a_wrong_setting_stops_the_start_named(store: SqliteStore) -> None:
    # Its own app: the setting is read when the app is made.
    with pytest.raises(ValueError, match="KGDIAG_SHOP_SYSTEM"):
        create_app(
            {
                "KGDIAG_DB": str(store.path),
                "KGDIAG_SHOP_DB": "mysql://u@h/db",
                "KGDIAG_SHOP_SYSTEM": "x",
            }
        )


def page_client(app: Flask, store: SqliteStore, **config: str) -> FlaskClient:
    """The console as an agent, CSRF off (the pages' own tests cover it)."""
    client = shop_client(app, **config)
    app.config["WTF_CSRF_ENABLED"] = False
    info = store.verify_token(store.create_token("agent", f"page-agent-{len(config)}-{id(client)}"))
    assert info is not None
    with client.session_transaction() as session:
        session["sid"] = store.create_session(info.id)
    return client


def test_the_console_diagnoses_from_the_order_number(
    shop_mariadb: MariaDB, shop_app: Flask, store: SqliteStore
) -> None:
    client = page_client(
        shop_app,
        store,
        KGDIAG_SHOP_DB=ro_dsn(shop_mariadb, "dujiaoka"),
        KGDIAG_SHOP_SYSTEM="dujiaoka",
    )
    page = client.get("/").get_data(as_text=True)
    assert 'id="order-no"' in page and "autofocus" in page
    html = client.post(
        "/", data={"order_no": "DJ20261130B1", "message": "付了钱没收到卡密"}
    ).get_data(as_text=True)
    assert 'id="order-lookup" class="lookup-found"' in html
    assert "已从dujiaoka读取订单 DJ20261130B1" in html
    # Pasted into the JSON box, as a new user would: looked up, not "not valid JSON".
    html = client.post(
        "/", data={"order": "DJ20261130B1", "message": "付了钱没收到卡密", "source": "facts"}
    ).get_data(as_text=True)
    assert "订单不是有效的 JSON" not in html and "lookup-found" in html


def test_the_console_recognises_a_pasted_dujiaoka_row(shop_app: Flask, store: SqliteStore) -> None:
    client = page_client(shop_app, store)
    row = '{"order_sn": "R1", "status": 6, "info": "库存不足", "type": 1}'
    html = client.post(
        "/", data={"order": row, "message": "付了钱没收到卡密", "source": "facts"}
    ).get_data(as_text=True)
    assert 'id="answer"' in html and 'class="error"' not in html
