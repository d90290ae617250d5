"""Outages seen from orders: the rule (pure), the channel on cases, the schema-4 store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from diagnostics.outages import Observation, OutageRule, outage_signals
from graph.snapshot import Snapshot
from graph.sqlite import SqliteStore

from .conftest import bearer

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
OUTAGE = "supplier_interface_outage"


def _seen(
    minutes_ago: float,
    order_no: str,
    *,
    supplier: str | None = "sup_kx",
    channel: str | None = "paypal",
    cause: str | None = OUTAGE,
) -> Observation:
    at = (NOW - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")
    return Observation(at, order_no, supplier, channel, "recharge_not_arrived", cause)


def _signals(snapshot: Snapshot, seen: list[Observation], **rule: float) -> list[dict[str, object]]:
    found = outage_signals(snapshot, seen, until=NOW, rule=OutageRule(**rule))  # type: ignore[arg-type]
    return [{"system": s.system, "status": s.status, **s.evidence()} for s in found]


def test_several_orders_of_one_supplier_failing_alike_are_a_degraded_signal(
    snapshot: Snapshot,
) -> None:
    seen = [_seen(m, f"KX{m:03d}") for m in (2, 5, 9, 14)]
    seen.append(_seen(7, "KX-OK-1", cause="wrong_recharge_account"))
    (signal,) = _signals(snapshot, seen)
    assert signal["system"] == "sup_kx" and signal["status"] == "degraded"
    assert signal["cause"] == OUTAGE and signal["group"] == "supplier"
    assert sorted(signal["orders"]) == ["KX002", "KX005", "KX009", "KX014"]  # type: ignore[type-var]
    assert (signal["failing"], signal["seen"], signal["share"]) == (4, 5, 0.8)
    assert signal["window_minutes"] == 30


def test_almost_all_orders_failing_is_down_and_aliases_count_as_their_system(
    snapshot: Snapshot,
) -> None:
    seen = [_seen(m, f"KX{m:03d}", supplier="sup-kx") for m in (1, 3, 4, 20)]
    (signal,) = _signals(snapshot, seen)
    assert (signal["system"], signal["status"], signal["share"]) == ("sup_kx", "down", 1.0)
    assert signal["name"] == "sup_kx"
    # With a lower bar for "down", 4 of 5 is down too.
    seen.append(_seen(7, "KX-OK-1", cause="wrong_recharge_account"))
    assert _signals(snapshot, seen, down_share=0.8)[0]["status"] == "down"
    assert _signals(snapshot, seen)[0]["status"] == "degraded"


def test_a_payment_channel_failing_alike_is_a_signal_for_that_gateway(snapshot: Snapshot) -> None:
    seen = [
        _seen(m, f"WX{m:03d}", supplier=f"sup-{m}", channel="wechat", cause="payment_callback_lost")
        for m in (1, 2, 3)
    ]
    (signal,) = _signals(snapshot, seen)
    assert (signal["system"], signal["group"], signal["status"]) == (
        "wechat_pay",
        "channel",
        "down",
    )


@pytest.mark.parametrize(
    "seen",
    [
        pytest.param([_seen(m, f"KX{m}") for m in (31, 40, 55, 80)], id="outside-the-window"),
        pytest.param([_seen(2, "KX1"), _seen(3, "KX2")], id="too-few"),
        pytest.param(
            [_seen(2, "A", supplier="sup_kx"), _seen(3, "B", supplier="sup_steam"),
             _seen(4, "C", supplier="upstream_shop")],
            id="spread-over-suppliers",
        ),
        pytest.param(
            [_seen(2, "A"), _seen(3, "B", cause="wrong_recharge_account"),
             _seen(4, "C", cause="topup_processing_delay")],
            id="spread-over-causes",
        ),
        pytest.param(
            [_seen(m, f"KX{m}", cause="wrong_recharge_account") for m in (1, 2, 3, 4)],
            id="a-cause-that-is-no-state-of-the-supplier",
        ),
        pytest.param([_seen(m, "KX-SAME") for m in (1, 2, 3, 4)], id="one-order-diagnosed-4x"),
        pytest.param(
            [_seen(m, f"KX{m}", supplier="sup-nobody-knows") for m in (1, 2, 3)],
            id="a-supplier-the-graph-does-not-know",
        ),
    ],
)  # fmt: skip
def test_no_signal(snapshot: Snapshot, seen: list[Observation]) -> None:
    assert _signals(snapshot, seen) == []


def test_a_cause_as_common_as_ever_is_no_spike(snapshot: Snapshot) -> None:
    """The insights' spike rule: 3 now against 3 in every window before is no outage."""
    seen = [_seen(30 * w + m, f"KX{w}-{m}") for w in range(0, 25) for m in (2, 9, 17)]
    assert _signals(snapshot, seen) == []
    assert _signals(snapshot, seen, ratio=1.0) != []


def test_the_rule_refuses_settings_that_mean_nothing() -> None:
    with pytest.raises(ValueError, match="down_share"):
        OutageRule(down_share=0)
    with pytest.raises(ValueError, match="window"):
        OutageRule(window=timedelta(0))


def _case(store: SqliteStore, order_no: str, channel: str | None = None) -> int:
    return store.records.record_case(
        author="a",
        graph_revision=1,
        symptom="recharge_not_arrived",
        top_cause=OUTAGE,
        confidence=0.9,
        product="pubg-1800",
        supplier="sup_kx",
        order_no=order_no,
        channel=channel,
    ).id


def test_a_schema_3_store_migrates_to_4_keeping_every_case(tmp_path: Path) -> None:
    path = tmp_path / "three.db"
    store = SqliteStore(path, create=True)
    ids = [_case(store, f"KX{n}") for n in range(5)]
    before = {i: store.records.get_case(i) for i in ids}
    store.close()
    with sqlite3.connect(path) as conn:  # as kgdiag 0.4 (schema 3) left it
        conn.executescript(
            "DROP TABLE status_proposals; ALTER TABLE cases DROP COLUMN channel;"
            " UPDATE meta SET value = '3' WHERE key = 'schema_version';"
        )
    store = SqliteStore(path)
    assert store._meta("schema_version") == "4"
    assert {i: store.records.get_case(i) for i in ids} == before
    assert all(store.records.get_case(i).channel is None for i in ids)  # type: ignore[union-attr]
    new = store.records.get_case(_case(store, "KX9", "wechat_pay"))
    assert new is not None and new.channel == "wechat_pay"
    proposal = store.records.upsert_proposal(
        system="sup_kx", status="down", cause=OUTAGE, evidence={"orders": ["KX1"]}
    )
    assert store.records.status_proposals(state="open") == [proposal]
    store.close()


def test_a_filed_case_keeps_the_orders_payment_channel_by_its_system_id(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    order = {
        "order_no": "WX20261201A",
        "status": "pending_payment",
        "product": {"sku": "xbox-hk-100", "name": "Xbox 礼品卡", "kind": "card_key"},
        "payment": {"gateway": "wechat", "gateway_status": "paid"},
    }
    body = {"symptom": "order_unpaid_after_payment", "order": order}
    answer = client.post("/v1/diagnose", json=body, headers=bearer(tokens["agent"])).get_json()
    case = store.records.case_by_ref(answer["case_id"])
    assert case is not None and case.channel == "wechat_pay"
    del order["payment"]
    answer = client.post("/v1/diagnose", json=body, headers=bearer(tokens["agent"])).get_json()
    assert store.records.case_by_ref(answer["case_id"]).channel is None  # type: ignore[union-attr]
