"""Outage proposals end to end: filed cases → one proposal → an admin's decision → diagnoses."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from casework import propose_outages
from diagnostics.outages import OutageRule
from graph.sqlite import SqliteStore

from .conftest import bearer

OUTAGE = "supplier_interface_outage"


def _order(n: int, *, failing: bool = True, gateway: str = "paypal") -> dict[str, Any]:
    """A paid PUBG top-up of supplier sup-kx: timed out upstream, or refused for its account."""
    topup = (
        {"channel_status": "timeout", "error": "upstream timeout"}
        if failing
        else {"channel_status": "failed", "error": "role not exist"}
    )
    return {
        "order_no": f"KX20261201{n:04d}",
        "status": "processing" if failing else "failed",
        "product": {
            "sku": "pubg-1800",
            "name": "PUBG Mobile 1800 UC",
            "kind": "direct_topup",
            "delivery": "auto",
            "platform": "pubg_mobile",
            "region": "GLOBAL",
            "supplier": "sup-kx",
            "normal_minutes": 5,
        },
        "payment": {"gateway": gateway, "gateway_status": "paid", "callback": {"received": True}},
        "delivery": {
            "topup": {"account": "5566778899", "submitted_at": "2026-12-01T07:20:00+00:00", **topup}
        },
    }


@pytest.fixture()
def app(store: SqliteStore) -> Flask:
    config = {"KGDIAG_DB": str(store.path), "TESTING": True, "KGDIAG_OUTAGE_CHECK_SECONDS": 0}
    return create_app(config)


def _diagnose(client: FlaskClient, token: str, order: dict[str, Any]) -> dict[str, Any]:
    body = {"symptom": "recharge_not_arrived", "order": order}
    response = client.post("/v1/diagnose", json=body, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def _proposals(client: FlaskClient, token: str, state: str = "open") -> Any:
    response = client.get(f"/v1/system-proposals?state={state}", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["proposals"]


def _decide(client: FlaskClient, token: str, proposal_id: Any, body: Any) -> Any:
    return client.post(f"/v1/system-proposals/{proposal_id}", json=body, headers=bearer(token))


def _check(answer: dict[str, Any], check_id: str) -> str:
    return next(str(c["result"]) for c in answer["checks"] if c["id"] == check_id)


def test_filed_cases_propose_once_and_an_accepted_status_changes_later_diagnoses(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    agent, admin = tokens["agent"], tokens["admin"]
    first = _diagnose(client, agent, _order(1))
    assert first["causes"][0]["id"] == OUTAGE and _check(first, "supplier_status_down") == "pass"
    assert _proposals(client, admin) == []
    _diagnose(client, agent, _order(2, failing=False))
    _diagnose(client, agent, _order(3))
    _diagnose(client, agent, _order(3))  # the same order again: still one order
    assert _proposals(client, admin) == []
    _diagnose(client, agent, _order(4))  # the third failing order: an admin is asked
    (proposal,) = _proposals(client, admin)
    assert (proposal["system"], proposal["status"], proposal["cause"]) == (
        "sup_kx",
        "degraded",
        OUTAGE,
    )
    evidence = proposal["evidence"]
    assert sorted(evidence["orders"]) == ["KX202612010001", "KX202612010003", "KX202612010004"]
    assert (evidence["failing"], evidence["seen"], evidence["window_minutes"]) == (3, 4, 30)
    assert proposal["system_title"]["zh"] and proposal["state"] == "open"

    # More failing orders refresh the open proposal: almost all fail now, so it says down.
    for n in range(5, 12):
        _diagnose(client, agent, _order(n))
    (again,) = _proposals(client, admin)
    assert again["id"] == proposal["id"] and again["status"] == "down"
    assert again["evidence"]["failing"] == 10 and again["updated_at"] >= proposal["updated_at"]
    rerun = propose_outages(store.records, store.snapshot(), datetime.now(UTC))
    assert [p.id for p in rerun] == [proposal["id"]]
    assert len(store.records.status_proposals(state=None)) == 1

    eta = (datetime.now(UTC) + timedelta(hours=3)).isoformat(timespec="seconds")
    decided = _decide(
        client, admin, proposal["id"], {"decision": "accept", "note": "上游确认", "eta": eta}
    )
    assert decided.status_code == 200, decided.get_json()
    body = decided.get_json()
    assert (
        body["proposal"]["state"] == "accepted"
        and body["proposal"]["decided_by"] == "t-admin (admin)"
    )
    status = body["status"]
    assert (status["system"], status["status"], status["author"]) == (
        "sup_kx",
        "down",
        "t-admin (admin)",
    )
    assert f"#{proposal['id']}" in status["note"] and "上游确认" in status["note"]
    assert "KX2026" not in status["note"]  # agents read status notes: no order numbers
    history = client.get("/v1/systems/sup_kx/status", headers=bearer(agent)).get_json()
    assert history["history"][0]["id"] == status["id"] and history["history"][0]["fresh"]

    after = _diagnose(client, agent, _order(99))
    assert _check(after, "supplier_status_down") == "fail"
    assert after["reply"]["kind"] != first["reply"]["kind"]
    assert after["reply"]["text"] != first["reply"]["text"]
    # The status says it already: no new proposal while it is trusted.
    assert propose_outages(store.records, store.snapshot(), datetime.now(UTC)) == []
    assert _proposals(client, admin) == []

    conflict = _decide(client, admin, proposal["id"], {"decision": "dismiss"})
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "conflict"


def test_a_dismissed_proposal_sets_no_status_and_waits_for_newer_orders(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    agent, admin = tokens["agent"], tokens["admin"]
    for n in (1, 2, 3):
        _diagnose(client, agent, _order(n, gateway="wechat"))
    (proposal,) = _proposals(client, admin)
    dismissed = _decide(client, admin, proposal["id"], {"decision": "dismiss", "note": "测试单"})
    assert dismissed.status_code == 200
    assert dismissed.get_json()["status"] is None
    assert dismissed.get_json()["proposal"]["note"] == "测试单"
    assert store.records.current_system_statuses() == []
    # The same evidence again proposes nothing; three orders failing after it do.
    assert propose_outages(store.records, store.snapshot(), datetime.now(UTC)) == []
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert propose_outages(store.records, store.snapshot(), later) == []
    assert _proposals(client, admin, "dismissed")[0]["id"] == proposal["id"]
    time.sleep(1.1)  # records keep seconds: the next orders are diagnosed after the dismissal
    for n in (4, 5):
        _diagnose(client, agent, _order(n, gateway="wechat"))
    assert _proposals(client, admin) == []
    _diagnose(client, agent, _order(6, gateway="wechat"))
    (fresh,) = _proposals(client, admin)
    assert fresh["id"] != proposal["id"] and fresh["evidence"]["failing"] == 6


def test_cases_outside_the_window_propose_nothing(store: SqliteStore) -> None:
    for n in range(4):
        store.records.record_case(
            author="watch",
            graph_revision=1,
            symptom="recharge_not_arrived",
            top_cause=OUTAGE,
            confidence=0.9,
            product="pubg-1800",
            supplier="sup_kx",
            order_no=f"KX{n:06d}",
        )
    now = datetime.now(UTC)
    rule = OutageRule(window=timedelta(minutes=10))
    assert (
        propose_outages(store.records, store.snapshot(), now + timedelta(minutes=11), rule=rule)
        == []
    )
    (found,) = propose_outages(
        store.records, store.snapshot(), now + timedelta(seconds=2), rule=rule
    )
    assert (found.system, found.status, found.evidence["failing"]) == ("sup_kx", "down", 4)


def test_bad_decisions_are_named_and_roles_below_admin_are_refused(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    admin = tokens["admin"]
    proposal = store.records.upsert_proposal(system="yipay", status="down", cause="c", evidence={})
    for role in ("agent", "senior", "monitor"):
        assert client.get("/v1/system-proposals", headers=bearer(tokens[role])).status_code == 403
        refused = _decide(client, tokens[role], proposal.id, {"decision": "accept"})
        assert refused.status_code == 403
    cases = [
        ({"decision": "yes"}, "decision"),
        ({}, "decision"),
        ({"decision": "accept", "eta": "tomorrow"}, "eta"),
        ({"decision": "dismiss", "eta": "2026-12-01T10:00:00+00:00"}, "eta"),
        ({"decision": "accept", "note": "x" * 501}, "note"),
        ({"decision": "accept", "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = _decide(client, admin, proposal.id, body)
        assert response.status_code == 400, (body, response.get_json())
        assert field in str(response.get_json()["error"]["details"]), body
    assert _decide(client, admin, 999999, {"decision": "accept"}).status_code == 404
    assert _decide(client, admin, "abc", {"decision": "accept"}).status_code == 404
    assert store.records.get_proposal(proposal.id).state == "open"  # type: ignore[union-attr]
    assert client.get("/v1/system-proposals?state=maybe", headers=bearer(admin)).status_code == 400
