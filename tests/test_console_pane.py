"""The console's answer panes without a browser: the fragment the script swaps
in place, the form nonce that keeps a reload from filing a second case, the
order number found in the customer's words, and the English page in English."""

from __future__ import annotations

import json
import re
from typing import Any

import pymysql
import pytest
from flask.testing import FlaskClient

from api import create_app
from graph.sqlite import SqliteStore
from web.examples import example


def _client(store: SqliteStore, csrf: bool = False) -> FlaskClient:
    app = create_app({"KGDIAG_DB": str(store.path), "WTF_CSRF_ENABLED": csrf})
    client = app.test_client()
    info = store.verify_token(store.create_token("agent", "pane-agent"))
    assert info is not None
    with client.session_transaction() as session:
        session["sid"] = store.create_session(info.id)
    return client


def _ex12() -> dict[str, str]:
    case = example("ex-12")
    assert case is not None
    body = dict(case["request"])
    message = str(body.pop("message"))
    return {"order": json.dumps(body, ensure_ascii=False), "message": message, "source": "facts"}


def test_the_answer_fragment_is_the_panes_alone_on_the_same_case(store: SqliteStore) -> None:
    client = _client(store)
    client.post("/", data=_ex12())
    (case,) = store.records.cases(since="2000", until="9999")
    form = {**_ex12(), "case_id": case.ref, "evidence": "{}"}
    part = client.post("/console/answer", data={**form, "record": "find_refund_in_wallet:fail"})
    assert part.status_code == 200
    text = part.get_data(as_text=True)
    assert "<html" not in text and 'id="diagnose-form"' not in text  # the panes only
    assert f'data-case="{case.ref}"' in text
    assert '"find_refund_in_wallet": "fail"' in text.replace("&#34;", '"')
    assert 'data-cause="refunded_to_balance"' in text.split('id="causes"')[1][:200]
    assert len(store.records.cases(since="2000", until="9999")) == 1


def test_the_answer_fragment_refuses_without_csrf_and_says_what_stops_it(
    store: SqliteStore,
) -> None:
    refused = _client(store, csrf=True).post("/console/answer", data=_ex12())
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    bad = _client(store).post("/console/answer", data={**_ex12(), "order": "{nope"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.get_data(as_text=True)
    assert store.records.cases(since="2000", until="9999") == []


def test_the_same_diagnose_form_posted_again_files_no_second_case(store: SqliteStore) -> None:
    """A reload resubmits the form with its nonce: the case it filed answers."""
    client = _client(store)
    page = client.get("/").get_data(as_text=True)
    nonce = page.split('name="nonce" value="')[1].split('"')[0]
    form = {**_ex12(), "nonce": nonce}
    first = client.post("/", data=form).get_data(as_text=True)
    again = client.post("/", data=form).get_data(as_text=True)
    (case,) = store.records.cases(since="2000", until="9999")
    for answer in (first, again):
        assert f'data-case="{case.ref}"' in answer
    fresh = again.split('name="nonce" value="')[1].split('"')[0]
    assert fresh != nonce  # the next diagnosis from this page is a new case
    client.post("/", data={**form, "nonce": fresh})
    assert len(store.records.cases(since="2000", until="9999")) == 2
    # Another page session sending the same nonce files its own case.
    _client(store).post("/", data=form)
    assert len(store.records.cases(since="2000", until="9999")) == 3


def test_the_lookup_note_is_in_the_agents_language_whatever_failed() -> None:
    from shop.database import _describe
    from shop.lookup import OrderLookup, note_line

    errors = [
        pymysql.err.OperationalError(2003, "Can't connect to MySQL server on '10.0.0.9'"),
        pymysql.err.OperationalError(1045, "Access denied for user 'ro'"),
        pymysql.err.ProgrammingError(1146, "Table 'shop.orders' doesn't exist"),
        pymysql.err.InternalError(1815, "Internal error"),
        TimeoutError(),
    ]
    for err in errors:
        lookup = OrderLookup("unavailable", "dujiaoka", reason=_describe(err))
        zh, en = note_line(lookup, "zh"), note_line(lookup, "en")
        assert not re.search(
            r"[A-Za-z]{3,}", zh.replace("dujiaoka", "").replace(type(err).__name__, "")
        ), zh
        assert not re.search(r"[\u4e00-\u9fff]", en), en
        assert "10.0.0.9" not in zh + en  # no address in either


def test_order_numbers_are_found_in_the_words_and_nothing_else() -> None:
    from shop.numbers import order_numbers_in

    said = "您好 订单号DJ20261130B1 付款单号4200001234202611300001 卡密ABCDE-FGHIJ-KLMNO"
    assert order_numbers_in(said) == ["DJ20261130B1", "4200001234202611300001"]
    assert order_numbers_in("trade 2611301000123456789, order 8AE80574F3CA98BE") == [
        "2611301000123456789",
        "8AE80574F3CA98BE",
    ]
    for nothing in (
        "付了钱没收到卡密",
        "手机 13800138000 QQ 123456789",
        "邮箱 buyer20261130@example.com",
        "password abcdefghij and Steam wallet",
        "https://shop.example.com/order/2026",
    ):
        assert order_numbers_in(nothing) == [], nothing
    assert len(order_numbers_in(" ".join(f"DJ2026113{i}X" for i in range(9)))) == 3


class _Shop:
    """An order source that knows one order and remembers what it was asked."""

    name = "fake-shop"

    def __init__(self) -> None:
        self.asked: list[str | None] = []

    def lookup(self, order_no: str | None, contact: str | None, now: Any) -> Any:
        from shop.lookup import OrderLookup

        self.asked.append(order_no)
        if order_no == "DJ20261130B1":
            return OrderLookup("found", self.name, {"order_no": order_no}, matched_by="order_no")
        return OrderLookup("not_found", self.name)


def test_the_words_number_is_looked_up_only_when_none_was_typed(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _Shop()
    monkeypatch.setattr("web.console.order_source", lambda: shop)
    client = _client(store)
    said = "付款单号4200001234202611300001 订单号DJ20261130B1 付了钱没收到卡密"
    page = client.post("/", data={"message": said}).get_data(as_text=True)
    assert shop.asked == ["4200001234202611300001", "DJ20261130B1"]  # the first found wins
    assert 'id="order-no" value="DJ20261130B1"' in page
    assert 'class="lookup-found"' in page
    shop.asked.clear()
    page = client.post("/", data={"message": said, "order_no": "W42"}).get_data(as_text=True)
    assert shop.asked == ["W42"]  # a typed number is the one looked up
    assert 'id="order-no" value="W42"' in page
    shop.asked.clear()
    page = client.post("/", data={"message": "订单号DJ99999999X 没收到"}).get_data(as_text=True)
    assert shop.asked == ["DJ99999999X"]
    assert 'id="order-no" value=""' in page and "lookup-" not in page  # unknown: words only
