"""The promise ledger and escalations: promises kept, overdue, broken; angry P1/P2 cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from graph.promise_records import PROMISE_GRACE
from graph.snapshot import thaw
from graph.sqlite import SqliteStore

from .conftest import bearer

ORDER = {
    "order_no": "D20261201077",
    "status": "completed",
    "product": {
        "sku": "steam-wallet-100-us",
        "name": "Steam 钱包充值卡 100 美元",
        "kind": "card_key",
        "platform": "steam",
    },
}


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _diagnose(client: FlaskClient, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/diagnose", json=body, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def _promises(client: FlaskClient, token: str, state: str, now: datetime) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/promises", query_string={"state": state, "now": _at(now)}, headers=bearer(token)
    )
    assert response.status_code == 200, response.get_json()
    found: list[dict[str, Any]] = response.get_json()["promises"]
    return found


def _escalated(client: FlaskClient, token: str) -> list[str]:
    response = client.get("/v1/escalations", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return [e["case_id"] for e in response.get_json()["escalations"]]


def test_a_promise_is_open_then_overdue_then_kept_and_a_revert_reopens_it(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    agent, senior = tokens["agent"], tokens["senior"]
    now = datetime.now(UTC).replace(microsecond=0)
    answer = _diagnose(
        client, agent, {"symptom": "card_key_invalid", "order": ORDER, "now": _at(now)}
    )
    promise = answer["promise"]
    assert promise["kind"] in ("resolution", "verifying")
    due = datetime.fromisoformat(promise["due_at"])
    assert due.utcoffset() == timedelta(hours=8)  # the shop's zone
    assert due == now + timedelta(minutes=promise["minutes"])
    assert promise["backstop"]
    case = answer["case_id"]

    def states(at: datetime) -> dict[str, list[str]]:
        return {
            s: [p["case_id"] for p in _promises(client, agent, s, at)]
            for s in ("open", "overdue", "kept", "broken")
        }

    assert states(now)["open"] == [case]
    later = due + timedelta(minutes=1)
    assert states(later)["overdue"] == [case]
    assert states(due + PROMISE_GRACE + timedelta(minutes=1))["broken"] == [case]
    (overdue,) = _promises(client, agent, "overdue", later)
    assert overdue["order_no"] == ORDER["order_no"]  # the agent's own case
    filed = answer["priority"]["level"]
    assert overdue["priority"]["filed"] == filed
    assert overdue["priority"]["level"] == {"P1": "P1", "P2": "P1", "P3": "P2", "P4": "P3"}[filed]
    assert overdue["priority"]["reason"] == {"zh": "承诺已超时", "en": "promise overdue"}

    # A new diagnosis of the same order while the promise is overdue is raised a level.
    again = _diagnose(
        client, agent, {"symptom": "card_key_invalid", "order": ORDER, "now": _at(later)}
    )
    assert "承诺已超时" in again["priority"]["reasons"]
    plain = _diagnose(
        client,
        agent,
        {"symptom": "card_key_invalid", "order": {**ORDER, "order_no": "D1"}, "now": _at(later)},
    )
    assert "承诺已超时" not in plain["priority"]["reasons"]

    outcome = client.post(
        "/v1/outcomes",
        json={"case_id": case, "cause": "region_lock", "resolution": "explain_region_rule"},
        headers=bearer(agent),
    )
    assert outcome.status_code == 201
    after = states(later)
    assert case in after["kept"] and case not in after["overdue"]

    reverted = client.post(
        f"/v1/outcomes/{outcome.get_json()['outcome']['id']}/revert", headers=bearer(senior)
    )
    assert reverted.status_code == 200
    assert case in states(later)["overdue"]


def test_other_agents_see_promises_redacted(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    now = datetime.now(UTC)
    _diagnose(client, tokens["senior"], {"symptom": "card_key_invalid", "order": ORDER})
    (seen,) = _promises(client, tokens["agent"], "open", now)
    assert seen["order_no"] is None and seen["author"] is None
    assert ORDER["order_no"] not in str(seen)
    (whole,) = _promises(client, tokens["senior"], "open", now)
    assert whole["order_no"] == ORDER["order_no"]


def test_a_bad_state_is_refused_by_name(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = client.get(
        "/v1/promises", query_string={"state": "late"}, headers=bearer(tokens["agent"])
    )
    assert response.status_code == 400
    assert "state" in str(response.get_json()["error"])
    assert client.get("/v1/promises").status_code == 401


ANGRY = "骗子！！！付了钱卡密到现在都没收到，垃圾店"
PAID = {
    "order_no": "D20261201088",
    "status": "processing",
    "paid_at": "2026-12-01T09:00:00+08:00",
    "amount": {"total": 120.0, "currency": "CNY"},
    "product": {"name": "Steam 钱包充值卡", "kind": "card_key", "normal_minutes": 5},
}


def test_anger_on_a_p1_or_p2_case_brings_a_supervisor_in_until_the_outcome(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    agent = tokens["agent"]
    now = "2026-12-01T10:00:00+08:00"
    angry = _diagnose(
        client,
        agent,
        {"symptom": "card_key_not_received", "order": PAID, "message": ANGRY, "now": now},
    )
    assert angry["mood"]["level"] == "angry"
    assert angry["priority"]["level"] in ("P1", "P2")
    escalation = angry["escalation"]
    assert escalation["escalate_to"] == "supervisor"
    assert escalation["calming"]["lang"] == "zh" and "主管" in escalation["calming"]["text"]
    assert escalation["goodwill"]["kind"] == "coupon" and escalation["goodwill"]["text"]
    assert _escalated(client, agent) == [angry["case_id"]]

    calm = _diagnose(client, agent, {"symptom": "card_key_not_received", "order": PAID, "now": now})
    assert calm["escalation"] is None and calm["mood"]["level"] == "calm"
    low = _diagnose(client, agent, {"symptom": "usage_question", "message": "垃圾，怎么用啊"})
    assert low["mood"]["level"] == "angry" and low["priority"]["level"] not in ("P1", "P2")
    assert low["escalation"] is None
    assert _escalated(client, agent) == [angry["case_id"]]

    done = client.post(
        "/v1/outcomes",
        json={
            "case_id": angry["case_id"],
            "cause": angry["causes"][0]["id"],
            "resolution": _first_resolution(store, angry["causes"][0]["id"]),
        },
        headers=bearer(agent),
    )
    assert done.status_code == 201, done.get_json()
    assert _escalated(client, agent) == []


def _first_resolution(store: SqliteStore, cause: str) -> str:
    return str(next(iter(store.snapshot().out_edges(cause, "resolved_by")))[0])


def test_calming_and_goodwill_edits_are_validated_and_audited(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    senior = tokens["senior"]
    node = thaw(store.snapshot().node("card_key_not_received"))

    def edit(data: dict[str, Any]) -> Any:
        return client.post(
            "/v1/changesets",
            json={"operations": [{"op": "update_node", "type": "Symptom", "node": data}]},
            headers={**bearer(senior), "If-Match": f'"{store.revision()}"'},
        )

    twice = {
        **node,
        "calming": {**node["calming"], "zh": "抱歉，非常抱歉，{{ eta_time }} 前给您结果。"},
    }
    refused = edit(twice)
    assert refused.status_code in (400, 422)
    assert "calming" in str(refused.get_json()["error"])
    bad_goodwill = {**node, "goodwill": {"kind": "cash", "text": node["goodwill"]["text"]}}
    refused = edit(bad_goodwill)
    assert refused.status_code in (400, 422)
    assert "goodwill" in str(refused.get_json()["error"])

    words = (
        "我是客服主管，您的订单由我亲自跟进，{{ eta_time }} 前把卡密发给您；"
        "如到时还没发出，直接全额退款。"
    )
    before = store.revision()
    accepted = edit({**node, "calming": {**node["calming"], "zh": words}})
    assert accepted.status_code in (200, 201), accepted.get_json()
    assert store.revision() == before + 1
    history = client.get("/v1/history", headers=bearer(senior)).get_json()
    assert history["revisions"][0]["author"].startswith("t-senior")
    answer = _diagnose(
        client,
        tokens["agent"],
        {
            "symptom": "card_key_not_received",
            "order": PAID,
            "message": ANGRY,
            "now": "2026-12-01T10:00:00+08:00",
        },
    )
    assert answer["escalation"]["calming"]["text"].startswith(
        "我是客服主管，您的订单由我亲自跟进，"
    )


def test_without_calming_words_the_language_files_are_used_and_logged(
    content: Any, caplog: Any
) -> None:
    from diagnostics.engine import diagnose_body
    from diagnostics.language import language_data
    from graph.snapshot import build_snapshot

    body = {"symptom": "card_key_not_received", "order": PAID, "message": ANGRY}
    body["now"] = "2026-12-01T10:00:00+08:00"
    own = diagnose_body(build_snapshot(1, content), body).as_dict()["escalation"]
    node = content.nodes["card_key_not_received"]
    data = {k: v for k, v in node.data.items() if k != "calming"}
    content.nodes["card_key_not_received"] = type(node)(node.type, data)
    with caplog.at_level("WARNING", logger="diagnostics.promise"):
        bare = diagnose_body(build_snapshot(2, content), body).as_dict()["escalation"]
    fallback = str(language_data()["calming"]["zh"]).split("{{")[0]
    assert bare["calming"]["text"].startswith(fallback)
    assert not own["calming"]["text"].startswith(fallback)
    assert "no calming words for symptom card_key_not_received" in caplog.text
    # the supervisor names the same time the reply promised
    answer = diagnose_body(build_snapshot(2, content), body).as_dict()
    due = datetime.fromisoformat(answer["promise"]["due_at"])
    assert f"{due:%H:%M}" in bare["calming"]["text"]
