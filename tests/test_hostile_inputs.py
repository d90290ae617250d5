"""Hostile values get a 400 naming the field, never a 500 (issue 20, items 6 and 7).

Each value below once crashed a request or was stored as is: a lone surrogate
(sent as the JSON escape ``\\ud800``) in a value or a key, an integer beyond
64 bits (``2**3000``, 5,000 digits in a shop row), a time in year 1 or 9999,
``NaN`` and the infinities. Bodies are sent as raw JSON text, because a JSON
library would refuse to write most of them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.errors import MAX_DETAILS
from graph.sqlite import SqliteStore
from schema.validate import validate_edge, validate_node
from web.examples import examples

from .conftest import bearer
from .test_adapters import ACG_ROW, DUJIAOKA_ROW
from .test_web_pages import _client

SURROGATE = '"\\ud800"'
DIGITS_5000 = "9" * 5000
ORDER = '"order_no": "A1"'
OUTCOME = (
    '"symptom": "card_key_invalid", "cause": "region_lock", "resolution": "explain_region_rule"'
)


def _row(source: str, **columns: str) -> str:
    """A diagnose body with a shop row whose ``columns`` are raw JSON text."""
    row = DUJIAOKA_ROW if source == "dujiaoka" else ACG_ROW
    text = json.dumps({k: v for k, v in row.items() if k not in columns})[:-1]
    extra = "".join(f', "{k}": {v}' for k, v in columns.items())
    return (
        f'{{"symptom": "card_key_invalid", "order_source": "{source}", '
        f'"order_row": {text}{extra}}}}}'
    )


# (method, path, raw body or None, the field the 400 must name)
BAD: dict[str, tuple[str, str, str | None, str]] = {
    # lone surrogates, in values and in keys, on every body the API takes
    "diagnose message": ("POST", "/v1/diagnose", f'{{"message": {SURROGATE}}}', "message"),
    "diagnose order_no": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", "order": {{"order_no": {SURROGATE}}}}}',
        "order.order_no",
    ),
    "diagnose evidence key": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", "evidence": {{{SURROGATE}: "pass"}}}}',
        'evidence["\\ud800"]',
    ),
    "diagnose top-level key": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", {SURROGATE}: 1}}',
        '["\\ud800"]',
    ),
    "diagnose shop_timezone": (
        "POST",
        "/v1/diagnose",
        _row("acg_faka").replace('"symptom"', f'"shop_timezone": {SURROGATE}, "symptom"'),
        "shop_timezone",
    ),
    "outcome note": ("POST", "/v1/outcomes", f'{{{OUTCOME}, "note": {SURROGATE}}}', "note"),
    "outcome key": ("POST", "/v1/outcomes", f"{{{OUTCOME}, {SURROGATE}: 1}}", '["\\ud800"]'),
    "utterance text": (
        "POST",
        "/v1/utterances",
        '{"symptom": "card_key_invalid", "text": "abc \\ud800"}',
        "text",
    ),
    "status note": (
        "PUT",
        "/v1/systems/alipay/status",
        f'{{"status": "up", "note": {SURROGATE}}}',
        "note",
    ),
    "changeset value": (
        "POST",
        "/v1/changesets",
        '{"operations": [{"op": "delete_node", "id": "x"}], "message": "\\udfff"}',
        "message",
    ),
    # integers beyond 64 bits
    "order quantity 2**3000": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", "order": {{{ORDER}, "quantity": {2**3000}}}}}',
        "order.quantity",
    ),
    "order amount 2**3000": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", "order": {{{ORDER}, '
        f'"amount": {{"total": {2**3000}, "currency": "CNY"}}}}}}',
        "order.amount.total",
    ),
    "dujiaoka buy_amount 5000 digits": (
        "POST",
        "/v1/diagnose",
        _row("dujiaoka", buy_amount=DIGITS_5000),
        "order_row.buy_amount",
    ),
    "dujiaoka buy_amount 5000 digits as text": (
        "POST",
        "/v1/diagnose",
        _row("dujiaoka", buy_amount=f'"{DIGITS_5000}"'),
        "order_row.buy_amount",
    ),
    "dujiaoka actual_price 4000 digits": (
        "POST",
        "/v1/diagnose",
        _row("dujiaoka", actual_price="9" * 4000),
        "order_row.actual_price",
    ),
    "acg_faka card_num 5000 digits as text": (
        "POST",
        "/v1/diagnose",
        _row("acg_faka", card_num=f'"{DIGITS_5000}"'),
        "order_row.card_num",
    ),
    "acg_faka amount 5000 digits as text": (
        "POST",
        "/v1/diagnose",
        _row("acg_faka", amount=f'"{DIGITS_5000}"'),
        "order_row.amount",
    ),
    # times outside the years 2000-2100
    "diagnose now 9999": (
        "POST",
        "/v1/diagnose",
        '{"symptom": "card_key_invalid", "now": "9999-12-31T23:59:59Z"}',
        "now",
    ),
    "diagnose now year 1 east": (
        "POST",
        "/v1/diagnose",
        '{"symptom": "card_key_invalid", "now": "0001-01-01T00:00:00+14:00"}',
        "now",
    ),
    "order paid_at 9999 west": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", "order": {{{ORDER}, '
        '"payment": {"paid_at": "9999-12-31T23:00:00-14:00"}}}',
        "order.payment.paid_at",
    ),
    "dujiaoka created_at 9999": (
        "POST",
        "/v1/diagnose",
        _row("dujiaoka", created_at='"9999-12-31 23:59:59"', status="1"),
        "order_row.created_at",
    ),
    "status eta 9999": (
        "PUT",
        "/v1/systems/alipay/status",
        '{"status": "maintenance", "eta": "9999-12-31T23:59:59Z"}',
        "eta",
    ),
    "status eta year 1": (
        "PUT",
        "/v1/systems/alipay/status",
        '{"status": "maintenance", "eta": "0001-01-01T00:00:00Z"}',
        "eta",
    ),
    "outcomes until 9999": ("GET", "/v1/outcomes?until=9999-12-31T23:59:59Z", None, "until"),
    "insights until 9999": ("GET", "/v1/insights?until=9999-12-31T23:59:59Z", None, "until"),
    "insights until year 1": ("GET", "/v1/insights?until=0001-01-01T00:00:00Z", None, "until"),
    # NaN and the infinities
    "order amount NaN": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", "order": {{{ORDER}, '
        '"amount": {"total": NaN, "currency": "CNY"}}}',
        "order.amount.total",
    ),
    "order extra -Infinity": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", "order": {{{ORDER}, "extra": {{"x": -Infinity}}}}}}',
        "order.extra.x",
    ),
    "dujiaoka actual_price NaN": (
        "POST",
        "/v1/diagnose",
        _row("dujiaoka", actual_price="NaN"),
        "order_row.actual_price",
    ),
    "order amount 1e400": (
        "POST",
        "/v1/diagnose",
        f'{{"symptom": "card_key_invalid", "order": {{{ORDER}, '
        '"amount": {"total": 1e400, "currency": "CNY"}}}',
        "order.amount.total",
    ),
    "changeset prior NaN": (
        "POST",
        "/v1/changesets",
        '{"operations": [{"op": "update_edge", "type": "caused_by", "source": '
        '"card_key_invalid", "target": "region_lock", "data": {"prior": NaN}}]}',
        "operations[0].data.prior",
    ),
    "changeset cost Infinity": (
        "POST",
        "/v1/changesets",
        '{"operations": [{"op": "update_node", "type": "Check", '
        '"node": {"id": "key_paste_noise", "cost_minutes": Infinity}}]}',
        "operations[0].node.cost_minutes",
    ),
}


def _send(client: FlaskClient, token: str, method: str, path: str, raw: str | None) -> Any:
    headers = {**bearer(token), "Content-Type": "application/json", "If-Match": "1"}
    return client.open(path, method=method, data=raw, headers=headers)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_hostile_value_is_a_400_naming_its_field(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore, name: str
) -> None:
    method, path, raw, field = BAD[name]
    revision, outcomes = store.revision(), len(store.records.outcomes(since="", until="~"))
    response = _send(client, tokens["admin"], method, path, raw)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert field in [d.get("field") for d in error["details"]], error
    assert len(response.data) < 1000  # the bad value is pointed at, not echoed whole
    assert store.revision() == revision  # nothing stored
    assert len(store.records.outcomes(since="", until="~")) == outcomes


def test_a_surrogate_in_a_query_string_is_never_a_500(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    """Werkzeug reads a query's bad UTF-8 as U+FFFD, so nothing past it sees a surrogate."""
    for url in (
        "/v1/search?q=%ED%A0%80",
        "/v1/outcomes?since=%ED%A0%80",
        "/v1/paths?symptom=%ED%A0%80",
        "/v1/search?%ED%A0%80=1",
        "/v1/graph/nodes/%ED%A0%80",
        "/v1/systems/%ED%A0%80/status",
    ):
        response = client.get(url, headers=bearer(tokens["admin"]))
        assert response.status_code < 500, url
        response.get_data().decode("utf-8")  # the answer is valid UTF-8


def test_ten_thousand_bad_keys_make_a_short_error(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    """It was 300 KB and more; now the first twenty problems and a count of the rest."""
    body = {"symptom": "card_key_invalid", **{f"k{i:05d}" + "x" * 20: 1 for i in range(10_000)}}
    response = client.post("/v1/diagnose", json=body, headers=bearer(tokens["agent"]))
    assert response.status_code == 400
    details = response.get_json()["error"]["details"]
    assert len(details) == MAX_DETAILS + 1
    assert details[-1] == {"field": "(more)", "message": f"{10_000 - MAX_DETAILS} more not listed"}
    assert len(response.data) < 5000


def test_a_long_bad_value_is_echoed_cut(client: FlaskClient, tokens: dict[str, str]) -> None:
    for body in (
        {"symptom": "card_key_invalid", "lang": "x" * 100_000},
        {"symptom": "card_key_invalid", "y" * 100_000: 1},
        {"symptom": "card_key_invalid", "evidence": {"z" * 100_000: "pass"}},
    ):
        response = client.post("/v1/diagnose", json=body, headers=bearer(tokens["agent"]))
        assert response.status_code == 400
        assert len(response.data) < 1000, response.data[:200]
    query = client.get("/v1/history?limit=" + "9" * 5000, headers=bearer(tokens["senior"]))
    assert query.status_code == 400 and len(query.data) < 1000


def test_a_refused_change_lists_short_findings(client: FlaskClient, tokens: dict[str, str]) -> None:
    edge = {"prior": 0.5, "k" * 10_000: 1}
    operation = {
        "op": "update_edge",
        "type": "caused_by",
        "source": "card_key_invalid",
        "target": "region_lock",
        "data": edge,
    }
    response = client.post(
        "/v1/changesets",
        json={"operations": [operation]},
        headers={**bearer(tokens["senior"]), "If-Match": "1"},
    )
    assert response.status_code == 422
    assert len(response.data) < 1000


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_lint_refuses_non_finite_numbers(value: float) -> None:
    """NaN compares false, so JSON Schema's minimum and maximum both let it through."""
    edge = validate_edge("caused_by", "card_key_invalid", "region_lock", {"prior": value})
    assert [(f.what, "finite" in f.why) for f in edge] == [("prior", True)]
    check = {
        "id": "x",
        "title": {"zh": "x", "en": "x"},
        "description": {"zh": "x", "en": "x"},
        "mode": "manual",
        "instructions": {"zh": "x", "en": "x"},
        "cost_minutes": value,
        "findings": {"pass": {"zh": "x", "en": "x"}, "fail": {"zh": "x", "en": "x"}},
        "p_fail_otherwise": 0.1,
    }
    assert "cost_minutes" in [f.what for f in validate_node("Check", check)]


def _console(client: FlaskClient, order: str, source: str = "") -> str:
    response = client.post("/", data={"order": order, "message": "卡密无效", "source": source})
    assert response.status_code == 200, order[:80]
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("order", "source", "named"),
    [
        ('{"order_no": "\\ud800"}', "", "order.order_no"),
        ('{"order_no": "A1", "quantity": NaN}', "", "order.quantity"),
        ('{"order_no": "A1", "quantity": ' + str(2**3000) + "}", "", "order.quantity"),
        ('{"order_no": "A1", "created_at": "9999-12-31T23:59:59Z"}', "", "order.created_at"),
        (
            '{"order_sn": "a", "status": 4, "buy_amount": "' + DIGITS_5000 + '"}',
            "dujiaoka",
            "order_row.buy_amount",
        ),
        (
            '{"order_sn": "a", "status": 1, "created_at": "9999-12-31 23:59:59"}',
            "dujiaoka",
            "order_row.created_at",
        ),
        ('{"trade_no": "a", "status": 1, "amount": Infinity}', "acg_faka", "order_row.amount"),
    ],
)
def test_the_console_names_a_hostile_order_value(
    store: SqliteStore, order: str, source: str, named: str
) -> None:
    page = _console(_client(store, "agent"), order, source)
    assert named in page


@pytest.mark.parametrize("data", ["prior: .nan", "prior: .inf", "prior: -.inf", "prior: 1.0e+400"])
def test_the_editor_refuses_a_non_finite_prior(store: SqliteStore, data: str) -> None:
    client = _client(store, "senior")
    revision = store.revision()
    page = client.post(
        "/edit/card_key_invalid/edges",
        data={
            "revision": str(revision),
            "action": "update",
            "type": "caused_by",
            "target": "region_lock",
            "data": data,
        },
        follow_redirects=True,
    )
    assert page.status_code == 400  # refused, with the typed draft kept on the page
    assert "finite" in page.get_data(as_text=True)
    assert store.revision() == revision


@pytest.mark.parametrize("value", ["nan", "inf", "-1e400"])
def test_the_editor_refuses_a_non_finite_cost(store: SqliteStore, value: str) -> None:
    client = _client(store, "senior")
    revision = store.revision()
    page = client.post(
        "/edit/key_paste_noise",
        data={"revision": str(revision), "action": "save", "f.cost_minutes": value},
    )
    assert page.status_code == 400
    assert "finite" in page.get_data(as_text=True)
    assert store.revision() == revision


def test_the_pages_take_numbers_too_long_to_read(store: SqliteStore) -> None:
    """5,000 digits in the order box, the evidence, an edge's YAML, a revision's URL."""
    agent, senior = _client(store, "agent"), _client(store, "senior")
    page = _console(agent, '{"order_no": "A1", "extra": {"n": ' + DIGITS_5000 + "}}")
    assert "order.extra.n" in page
    evidence = agent.post("/", data={"message": "卡密无效", "evidence": DIGITS_5000})
    assert evidence.status_code == 200
    edge = senior.post(
        "/edit/region_lock/edges",
        data={
            "revision": str(store.revision()),
            "action": "update",
            "type": "tested_by",
            "target": "key_paste_noise",
            "data": "p_fail: " + DIGITS_5000,
        },
        follow_redirects=True,
    )
    assert edge.status_code == 400 and "4300 digits" in edge.get_data(as_text=True)
    assert senior.get("/history/" + "9" * 30).status_code == 404


HOSTILE: dict[str, str] = {
    "surrogate": '"\\ud800"',
    "surrogate inside": '"ab\\udc00cd"',
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e400": "1e400",
    "2**3000": str(2**3000),
    "5000 digits": DIGITS_5000,
    "5000 digits as text": f'"{DIGITS_5000}"',
    "year 9999": '"9999-12-31T23:59:59Z"',
    "year 1": '"0001-01-01T00:00:00+14:00"',
    "long text": json.dumps("x" * 50_000),
    "deeply nested JSON as text": json.dumps("[" * 50_000),
}
"""Each as raw JSON text, put in place of one value of a valid body."""

_MARK = "\x00hostile\x00"


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every string and number of ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield path


def _with(body: Any, path: tuple[Any, ...], raw: str) -> str:
    changed = copy.deepcopy(body)
    parent = changed
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = _MARK
    return json.dumps(changed, ensure_ascii=False).replace(json.dumps(_MARK), raw)


def _fuzz_bodies() -> list[dict[str, Any]]:
    rich = max((case["request"] for case in examples()), key=lambda r: len(json.dumps(r)))
    return [
        {**rich, "symptom": "card_key_invalid", "evidence": {"key_paste_noise": "pass"}},
        {"message": "没收到卡密", "order_source": "dujiaoka", "order_row": DUJIAOKA_ROW},
        {"message": "没收到卡密", "order_source": "acg_faka", "order_row": ACG_ROW},
    ]


def test_no_hostile_value_in_any_diagnose_field_is_a_500(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    """Every hostile value in place of every string and number of three full
    diagnose bodies (order facts, a dujiaoka row, an acg-faka row), and as a
    key beside them: never a 500."""
    crashed: list[str] = []
    sent = 0
    for body in _fuzz_bodies():
        for path in _leaves(body):
            for name, raw in HOSTILE.items():
                response = client.post(
                    "/v1/diagnose",
                    data=_with(body, path, raw),
                    headers={**bearer(tokens["agent"]), "Content-Type": "application/json"},
                )
                sent += 1
                if response.status_code >= 500:
                    crashed.append(f"{'.'.join(map(str, path))} = {name}")
        keyed = json.dumps(body)[:-1] + ', "\\ud800": 1}'
        response = client.post(
            "/v1/diagnose",
            data=keyed,
            headers={**bearer(tokens["agent"]), "Content-Type": "application/json"},
        )
        sent += 1
        if response.status_code >= 500:
            crashed.append("surrogate key")
    assert sent > 500
    assert not crashed, f"{len(crashed)} of {sent} crashed: {crashed[:20]}"
