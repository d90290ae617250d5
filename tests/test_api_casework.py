"""Case outcomes that teach the graph, similar past cases, system status, insights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from graph.sqlite import SqliteStore

from .conftest import bearer

ORDER = {
    "order_no": "D20261122001",
    "status": "completed",
    "product": {
        "sku": "steam-wallet-100-us",
        "name": "Steam 钱包充值卡 100 美元",
        "kind": "card_key",
        "platform": "steam",
        "supplier": "sup-steam",
    },
}


def _diagnose(client: FlaskClient, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/diagnose", json=body, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def _outcome(client: FlaskClient, token: str, body: dict[str, Any]) -> Any:
    return client.post("/v1/outcomes", json=body, headers=bearer(token))


def _case_ids(client: FlaskClient, token: str, body: dict[str, Any], n: int) -> list[str]:
    return [_diagnose(client, token, body)["case_id"] for _ in range(n)]


def test_outcome_must_fit_the_graph(client: FlaskClient, tokens: dict[str, str]) -> None:
    agent = tokens["agent"]
    (case,) = _case_ids(client, agent, {"symptom": "card_key_invalid", "order": ORDER}, 1)
    wrong_cause = _outcome(
        client, agent, {"case_id": case, "cause": "double_charge_gateway", "resolution": "x"}
    )
    assert wrong_cause.status_code == 422
    assert wrong_cause.get_json()["error"]["details"][0]["what"] == "cause"
    wrong_fix = _outcome(
        client, agent, {"case_id": case, "cause": "region_lock", "resolution": "refund_order"}
    )
    assert wrong_fix.status_code == 422
    fix = {"cause": "region_lock", "resolution": "explain_region_rule"}
    no_case = _outcome(client, agent, {"case_id": "c" + "A" * 16, **fix})
    assert no_case.status_code == 404
    sequential = _outcome(client, agent, {"case_id": 1, **fix})
    assert sequential.status_code == 400  # case ids are unguessable strings, never numbers
    without = _outcome(client, agent, {"symptom": "card_key_invalid", **fix})
    assert without.status_code == 400  # an outcome needs a filed case
    assert without.get_json()["error"]["details"][0]["field"] == "case_id"
    bad = _outcome(client, agent, {"case_id": case, "cause": "Region Lock!", "resolution": 5})
    assert bad.status_code == 400
    fields = {d["field"] for d in bad.get_json()["error"]["details"]}
    assert {"cause", "resolution"} <= fields


def test_repeated_outcomes_cannot_poison_and_a_senior_reverts(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    """Finding: 60 outcomes "malicious_claim" with an agent token, no case needed, made
    every "card key invalid" diagnosis a suspected fraud. Now a case counts once."""
    agent, senior = tokens["agent"], tokens["senior"]
    ambiguous = {"symptom": "card_key_invalid", "order": {"order_no": "A1"}}
    before = _diagnose(client, agent, ambiguous)["causes"][0]["id"]
    assert before != "malicious_claim"
    (case,) = _case_ids(client, agent, ambiguous, 1)
    poison = {
        "case_id": case,
        "cause": "malicious_claim",
        "resolution": "neutral_reply_with_record",
    }
    for _ in range(30):
        response = _outcome(client, agent, poison)
        assert response.status_code == 201, response.get_json()
    priors = {p["cause"]: p for p in response.get_json()["priors"]}
    assert priors["malicious_claim"]["confirmed_cases"] == 1
    assert _diagnose(client, agent, ambiguous)["causes"][0]["id"] == before
    outcome_id = response.get_json()["outcome"]["id"]
    assert (
        client.post(f"/v1/outcomes/{outcome_id}/revert", headers=bearer(agent)).status_code == 403
    )
    undone = client.post(f"/v1/outcomes/{outcome_id}/revert", headers=bearer(senior))
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["outcome"]["state"] == "reverted"
    assert undone.get_json()["outcome"]["changed_by"] == "t-senior (senior)"
    priors = {p["cause"]: p for p in undone.get_json()["priors"]}
    assert priors["malicious_claim"]["confirmed_cases"] == 0
    again = client.post(f"/v1/outcomes/{outcome_id}/revert", headers=bearer(senior))
    assert again.status_code == 404
    listed = client.get("/v1/outcomes", headers=bearer(senior)).get_json()["outcomes"]
    assert [o["state"] for o in listed] == ["revised"] * 29 + ["reverted"]
    assert {o["case_id"] for o in listed} == {case}


def test_confirmed_outcomes_teach_the_priors(client: FlaskClient, tokens: dict[str, str]) -> None:
    """An ambiguous case (no facts tell the causes apart) follows what was confirmed."""
    agent = tokens["agent"]
    ambiguous = {"symptom": "card_key_invalid", "order": {"order_no": "A1"}}
    before = _diagnose(client, agent, ambiguous)
    assert before["causes"][0]["id"] == "paste_format_error"
    region = next(c for c in before["causes"] if c["id"] == "region_lock")
    assert region["confirmed_cases"] == 0 and region["prior"] == region["authored_prior"]
    for i, case_id in enumerate([before["case_id"], *_case_ids(client, agent, ambiguous, 5)]):
        body = {"cause": "region_lock", "resolution": "explain_region_rule", "note": f"n{i}"}
        response = _outcome(client, agent, {"case_id": case_id, **body})
        assert response.status_code == 201, response.get_json()
    priors = {p["cause"]: p for p in response.get_json()["priors"]}
    assert priors["region_lock"]["confirmed_cases"] == 6
    assert priors["region_lock"]["learned_prior"] > priors["paste_format_error"]["learned_prior"]
    # Outcomes of another symptom do not move this one.
    (other,) = _case_ids(client, agent, {"symptom": "card_key_reported_used"}, 1)
    _outcome(
        client,
        agent,
        {
            "case_id": other,
            "symptom": "card_key_reported_used",
            "cause": "card_redeemed_by_other",
            "resolution": "supplier_verified_reissue",
        },
    )
    listed = client.get("/v1/outcomes", headers=bearer(tokens["senior"])).get_json()
    assert [o["cause"] for o in listed["outcomes"]].count("region_lock") == 6
    assert listed["outcomes"][0]["author"] == "t-agent (agent)"
    after = _diagnose(client, agent, ambiguous)
    assert after["causes"][0]["id"] == "region_lock"
    leader = after["causes"][0]
    assert leader["confirmed_cases"] == 6 and leader["prior"] > leader["authored_prior"]
    paths = client.get("/v1/paths?symptom=card_key_invalid", headers=bearer(agent)).get_json()
    assert paths["causes"][0]["id"] == "region_lock"
    assert paths["causes"][0]["confirmed_cases"] == 6
    assert paths["causes"][0]["learned_prior"] > paths["causes"][0]["authored_prior"]
    assert paths["confirmed_cases"] == 6 and paths["prior_weight"] == 20


def test_similar_past_cases_same_product_or_supplier(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    agent = tokens["agent"]
    body = {"symptom": "card_key_invalid", "order": ORDER}
    first = _diagnose(client, agent, body)
    assert first["similar_cases"] == []
    leader = first["causes"][0]["id"]
    fix = first["resolution"]["id"]
    notes = ["case 0", "case 1", "case 2", "换了卡密 KM20261122009 给客户 13800001111"]
    for case_id, note in zip(
        [first["case_id"], *_case_ids(client, agent, body, 3)], notes, strict=True
    ):
        response = _outcome(
            client, agent, {"case_id": case_id, "cause": leader, "resolution": fix, "note": note}
        )
        assert response.status_code == 201
        assert response.get_json()["outcome"]["product"] == "steam-wallet-100-us"
        assert response.get_json()["outcome"]["supplier"] == "sup_steam"  # alias → system id
    seen = _diagnose(client, tokens["senior"], body)["similar_cases"]
    assert len(seen) == 3  # up to three, newest first
    assert [s["note"] for s in seen] == [notes[3], "case 2", "case 1"]
    assert seen[0]["same"] == ["product", "supplier"] and seen[0]["order_no"] == "D20261122001"
    assert seen[0]["supplier"] == "sup_steam"
    # An agent learns how others solved it, not whose order or which supplier it was.
    again = _diagnose(client, agent, body)
    similar = again["similar_cases"]
    assert [s["note"] for s in similar] == ["换了卡密 *** 给客户 ***", "case 2", "case 1"]
    assert all("order_no" not in s and "supplier" not in s and "author" not in s for s in similar)
    assert similar[0]["same"] == ["product"]
    assert similar[0]["resolution"]["id"] == fix and similar[0]["resolution"]["title"]
    other = {**ORDER, "product": {**ORDER["product"], "sku": "other", "supplier": "upstream"}}
    assert (
        _diagnose(client, agent, {"symptom": "card_key_invalid", "order": other})["similar_cases"]
        == []
    )
    case = client.get(f"/v1/cases/{again['case_id']}", headers=bearer(agent)).get_json()
    assert case["symptom"] == "card_key_invalid" and case["product"] == "steam-wallet-100-us"
    assert case["order_no"] == "D20261122001"  # the agent's own case


def test_case_reads_are_unguessable_and_redacted_for_other_agents(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    """Finding: any agent read every case by sequential id, other orders' numbers included."""
    mine = _diagnose(client, tokens["agent"], {"symptom": "card_key_invalid", "order": ORDER})
    ref = mine["case_id"]
    assert isinstance(ref, str) and len(ref) == 17 and not ref[1:].isdigit()
    other_agent = store.create_token("agent", "other")
    assert client.get("/v1/cases/1", headers=bearer(other_agent)).status_code == 404
    seen = client.get(f"/v1/cases/{ref}", headers=bearer(other_agent)).get_json()
    assert seen["symptom"] == "card_key_invalid"
    assert not {"order_no", "supplier", "author"} & set(seen)
    senior = client.get(f"/v1/cases/{ref}", headers=bearer(tokens["senior"])).get_json()
    assert senior["order_no"] == "D20261122001" and senior["author"] == "t-agent (agent)"
    assert "message" not in senior


def test_system_status_drives_diagnosis_and_reply(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    eta = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    put = client.put(
        "/v1/systems/steam/status",
        json={"status": "maintenance", "note": "Steam 例行维护", "eta": eta.isoformat()},
        headers=bearer(tokens["monitor"]),
    )
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["fresh"] and put.get_json()["author"] == "t-monitor (monitor)"
    answer = _diagnose(client, tokens["agent"], {"symptom": "card_key_invalid", "order": ORDER})
    assert answer["causes"][0]["id"] == "game_platform_maintenance"
    check = next(c for c in answer["checks"] if c["id"] == "platform_in_maintenance")
    assert check["result"] == "fail" and check["mode"] == "auto"
    assert "预计" in answer["reply"]["text"] and "结束" in answer["reply"]["text"]
    assert answer["reply"]["needs_edit"] is False
    systems = client.get("/v1/systems", headers=bearer(tokens["agent"])).get_json()["systems"]
    steam = next(s for s in systems if s["id"] == "steam")
    assert steam["effective_status"] == "maintenance" and steam["recorded"]["note"]
    client.put("/v1/systems/steam/status", json={"status": "up"}, headers=bearer(tokens["admin"]))
    history = client.get("/v1/systems/steam/status", headers=bearer(tokens["agent"])).get_json()
    assert [h["status"] for h in history["history"]] == ["up", "maintenance"]
    recovered = _diagnose(client, tokens["agent"], {"symptom": "card_key_invalid", "order": ORDER})
    assert recovered["causes"][0]["id"] != "game_platform_maintenance"
    denied = client.put(
        "/v1/systems/steam/status", json={"status": "down"}, headers=bearer(tokens["senior"])
    )
    assert denied.status_code == 403
    unknown = client.put(
        "/v1/systems/stean/status", json={"status": "down"}, headers=bearer(tokens["admin"])
    )
    assert unknown.status_code == 404
    assert "steam" in unknown.get_json()["error"]["details"][0]["near"]


def test_stale_status_counts_as_unknown_unless_its_eta_is_ahead(
    store: SqliteStore, tokens: dict[str, str]
) -> None:
    app: Flask = create_app(
        {"KGDIAG_DB": str(store.path), "TESTING": True, "KGDIAG_STATUS_MAX_AGE_MINUTES": 0}
    )
    client = app.test_client()
    admin = bearer(tokens["admin"])
    stale = client.put("/v1/systems/sup_kx/status", json={"status": "down"}, headers=admin)
    assert stale.get_json()["fresh"] is False
    assert stale.get_json()["effective_status"] == "unknown"
    ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    kept = client.put(
        "/v1/systems/steam/status", json={"status": "maintenance", "eta": ahead}, headers=admin
    )
    assert kept.get_json()["fresh"] is True
    product = {k: v for k, v in ORDER["product"].items() if k != "platform"}
    order = {**ORDER, "product": {**product, "supplier": "sup-kx"}}
    answer = client.post(
        "/v1/diagnose",
        json={"symptom": "recharge_not_arrived", "order": order},
        headers=bearer(tokens["agent"]),
    ).get_json()
    outage = next(c for c in answer["checks"] if c["id"] == "supplier_status_down")
    assert outage["result"] == "unknown"


def test_insights_top_lists_and_spikes(client: FlaskClient, tokens: dict[str, str]) -> None:
    agent, senior = tokens["agent"], tokens["senior"]
    kx = {**ORDER, "product": {**ORDER["product"], "sku": "pubg-uc-660", "supplier": "sup-kx"}}
    for i in range(3):
        case = _diagnose(client, agent, {"symptom": "recharge_not_arrived", "order": kx})
        response = _outcome(
            client,
            agent,
            {
                "case_id": case["case_id"],
                "cause": "supplier_interface_outage",
                "resolution": "outage_eta_and_compensation",
                "note": f"kx {i}",
            },
        )
        assert response.status_code == 201, response.get_json()
    for _ in range(4):
        _diagnose(client, agent, {"message": "卡密提示不适用于您的国家或地区", "order": ORDER})
    body = client.get("/v1/insights", headers=bearer(senior)).get_json()
    assert body["totals"] == {"cases": 7, "outcomes": 3}
    assert body["top_causes"][0] == {
        "cause": "supplier_interface_outage",
        "title": body["top_causes"][0]["title"],
        "count": 3,
    }
    kinds = {(s["kind"], s.get("supplier") or s.get("product")) for s in body["spikes"]}
    assert ("confirmed_cause", "sup_kx") in kinds
    assert ("questions", "steam-wallet-100-us") in kinds
    spike = next(s for s in body["spikes"] if s["kind"] == "confirmed_cause")
    assert spike["recent"] == 3 and "sup_kx" in spike["message"]["zh"]
    by_product = {p["product"]: p for p in body["by_product"]}
    assert by_product["pubg-uc-660"]["top_causes"][0]["cause"] == "supplier_interface_outage"
    quiet = client.get("/v1/insights?min_count=5", headers=bearer(senior)).get_json()
    assert quiet["spikes"] == []
    denied = client.get("/v1/insights", headers=bearer(agent))
    assert denied.status_code == 403


def test_huge_ids_are_refused_not_crashed(client: FlaskClient, tokens: dict[str, str]) -> None:
    """Found by schemathesis: an id beyond SQLite's integers used to give a 500."""
    body = {"case_id": "c" * 10**4, "cause": "region_lock", "resolution": "explain_region_rule"}
    response = _outcome(client, tokens["agent"], body)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "case_id"
    revert = client.post(
        "/v1/revert",
        json={"to_revision": 10**30},
        headers={**bearer(tokens["senior"]), "If-Match": "1"},
    )
    assert revert.status_code == 400


def test_a_solved_case_teaches_the_symptom_model(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    """Learning: a message the model gets wrong is right once its outcome is
    recorded and a senior accepts the candidate, and nothing else changed."""
    words = "我那张绿色的卡刮开以后字母看不清"
    agent, senior = tokens["agent"], tokens["senior"]
    first = _diagnose(client, agent, {"message": words, "order": ORDER})
    assert first["symptom"]["id"] != "card_key_invalid"
    given = _diagnose(client, agent, {"symptom": "card_key_invalid", "message": words})
    recorded = _outcome(
        client,
        agent,
        {
            "case_id": first["case_id"],
            "symptom": "card_key_invalid",
            "cause": "defective_card_issued",
            "resolution": "reissue_key",
        },
    )
    assert recorded.status_code == 201
    offered = recorded.get_json()["candidate"]
    assert offered["text"] == words and offered["symptom"]["id"] == "card_key_invalid"
    assert offered["state"] == "open" and offered["case_id"] == first["case_id"]
    # A case whose symptom was given, not read from the words, offers nothing.
    plain = {
        "case_id": given["case_id"],
        "cause": "region_lock",
        "resolution": "explain_region_rule",
    }
    assert _outcome(client, agent, plain).get_json()["candidate"] is None
    queue = client.get("/v1/candidates", headers=bearer(senior)).get_json()["candidates"]
    assert [c["id"] for c in queue] == [offered["id"]]
    assert client.get("/v1/candidates", headers=bearer(agent)).status_code == 403
    decide = f"/v1/candidates/{offered['id']}"
    assert (
        client.post(decide, json={"decision": "accept"}, headers=bearer(agent)).status_code == 403
    )
    before = store.revision()
    taught = client.post(decide, json={"decision": "accept"}, headers=bearer(senior))
    assert taught.status_code == 200, taught.get_json()
    assert taught.get_json()["candidate"]["state"] == "accepted"
    assert taught.get_json()["taught"]["utterance"]["source"] == f"case: {first['case_id']}"
    changes = store.changes(before + 1)
    assert [(c.action, c.kind, c.key) for c in changes] == [
        ("update", "node", "corpus_card_key_invalid")
    ]
    again = _diagnose(client, agent, {"message": words, "order": ORDER})
    assert again["symptom"]["id"] == "card_key_invalid"
    twice = client.post(decide, json={"decision": "accept"}, headers=bearer(senior))
    assert twice.status_code == 404  # decided once
    body = {"symptom": "card_key_invalid", "text": words, "case_id": first["case_id"]}
    dup = client.post("/v1/utterances", json=body, headers=bearer(senior))
    assert dup.status_code == 422  # lint: the corpus already holds these words
    unknown = {"symptom": "card_key_invalidd", "text": "x y"}
    assert client.post("/v1/utterances", json=unknown, headers=bearer(senior)).status_code == 422


def test_a_rejected_candidate_teaches_nothing(
    client: FlaskClient, tokens: dict[str, str], store: SqliteStore
) -> None:
    agent, senior = tokens["agent"], tokens["senior"]
    first = _diagnose(
        client, agent, {"message": "你们这什么破店 我订单号 D1234567", "order": ORDER}
    )
    outcome = {"case_id": first["case_id"], "symptom": "card_key_invalid"}
    fix = {"cause": "region_lock", "resolution": "explain_region_rule"}
    offered = _outcome(client, agent, {**outcome, **fix}).get_json()["candidate"]
    before = store.revision()
    no = client.post(
        f"/v1/candidates/{offered['id']}", json={"decision": "reject"}, headers=bearer(senior)
    )
    assert no.status_code == 200 and no.get_json()["candidate"]["state"] == "rejected"
    assert no.get_json()["taught"] is None and store.revision() == before
    bad = client.post(
        f"/v1/candidates/{offered['id']}", json={"decision": "maybe"}, headers=bearer(senior)
    )
    assert bad.status_code == 400
