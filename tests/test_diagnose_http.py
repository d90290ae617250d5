"""POST /v1/diagnose end to end: the worked cases, errors, roles, the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from api import create_app
from graph.model import GraphContent, diff
from graph.store import open_store
from kgdiag.cli import main

from .conftest import CONTRACT_CASES

EXAMPLES = yaml.safe_load(CONTRACT_CASES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, seed_content: GraphContent
) -> Iterator[tuple[FlaskClient, dict[str, str]]]:
    """One seeded store and client for the module, with a token per role."""
    path = tmp_path_factory.mktemp("diag") / "kg.db"
    store = open_store(path, create=True)
    store.apply(diff(GraphContent(), seed_content), expected_revision=0, author="t", message="s")
    tokens = {role: store.create_token(role, f"t-{role}") for role in ("agent", "senior")}
    client = create_app({"KGDIAG_DB": str(path), "TESTING": True}).test_client()
    yield client, tokens
    store.close()


def _post(served: tuple[FlaskClient, dict[str, str]], body: Any, role: str = "agent") -> Any:
    client, tokens = served
    return client.post(
        "/v1/diagnose", json=body, headers={"Authorization": f"Bearer {tokens[role]}"}
    )


@pytest.mark.parametrize("case", EXAMPLES, ids=[c["id"] for c in EXAMPLES])
def test_worked_example_through_http(
    served: tuple[FlaskClient, dict[str, str]], case: dict[str, Any]
) -> None:
    response = _post(served, case["request"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["symptom"]["id"] == case["expect"]["symptom"]
    assert body["causes"][0]["id"] == case["expect"]["cause"]
    assert body["graph_revision"] == 1
    assert abs(sum(c["probability"] for c in body["causes"]) - 1.0) < 1e-9
    assert body["causes"][0]["because"], "the leading cause must give its reasons"
    assert body["reply"]["text"] and body["reply"]["lang"] in ("zh", "en")
    modes = [c["mode"] for c in body["checks"]]
    done = [c for c in body["checks"] if c["result"] in ("pass", "fail")]
    assert all(c["mode"] == "auto" for c in done)
    assert body["checks"][: len(done)] == done, "automatic results come first"
    assert set(modes) <= {"auto", "manual"}
    assert body["priority"]["level"] in ("P1", "P2", "P3", "P4")


def test_examples_reply_in_the_customers_language(
    served: tuple[FlaskClient, dict[str, str]],
) -> None:
    english = next(c for c in EXAMPLES if c["id"] == "ex-02")
    assert _post(served, english["request"]).get_json()["reply"]["lang"] == "en"
    forced = {**english["request"], "lang": "zh"}
    assert _post(served, forced).get_json()["reply"]["lang"] == "zh"


def test_malformed_order_names_every_bad_field(served: tuple[FlaskClient, dict[str, str]]) -> None:
    body = {
        "message": "卡密无效",
        "order": {
            "status": "shipped",
            "paid_at": "yesterday",
            "quantity": "two",
            "payment": {"gateway_status": "ok", "callback": {"received": "yes"}},
            "delivery": {"card_keys": [{"code": "A"}, {"state": "gone"}]},
            "paymnet": {},
        },
        "evidence": {"key_paste_noise": "maybe"},
        "lang": "fr",
    }
    response = _post(served, body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    fields = {d["field"] for d in error["details"]}
    assert fields == {
        "order.order_no",
        "order.status",
        "order.paid_at",
        "order.quantity",
        "order.payment.gateway_status",
        "order.payment.callback.received",
        "order.delivery.card_keys[1].code",
        "order.delivery.card_keys[1].state",
        "order.paymnet",
        "evidence.key_paste_noise",
        "lang",
    }
    assert error["code"] == "invalid_request"


def test_body_that_is_not_json_is_400(served: tuple[FlaskClient, dict[str, str]]) -> None:
    client, tokens = served
    response = client.post(
        "/v1/diagnose",
        data="not json",
        headers={"Authorization": f"Bearer {tokens['agent']}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "(body)"


def test_neither_symptom_nor_message_is_400(served: tuple[FlaskClient, dict[str, str]]) -> None:
    response = _post(served, {"order": {"order_no": "X1"}})
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "symptom"


def test_unknown_evidence_check_is_400_with_suggestion(
    served: tuple[FlaskClient, dict[str, str]],
) -> None:
    response = _post(
        served, {"symptom": "card_key_invalid", "evidence": {"key_past_noise": "pass"}}
    )
    assert response.status_code == 400
    detail = response.get_json()["error"]["details"][0]
    assert detail["field"] == "evidence.key_past_noise"
    assert "key_paste_noise" in detail["message"]


def test_unknown_symptom_is_404_listing_near_ones(
    served: tuple[FlaskClient, dict[str, str]],
) -> None:
    response = _post(served, {"symptom": "card_key_invalidd", "message": "x"})
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "unknown_symptom"
    assert "card_key_invalid" in error["details"][0]["near"]


def test_diagnose_needs_a_token(served: tuple[FlaskClient, dict[str, str]]) -> None:
    client, _ = served
    response = client.post("/v1/diagnose", json={"message": "卡密无效"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_role_gates_the_money_moving_resolution(served: tuple[FlaskClient, dict[str, str]]) -> None:
    case = next(c for c in EXAMPLES if c["id"] == "ex-10")
    agent = _post(served, case["request"]).get_json()["resolution"]
    assert agent["moves_money"] and agent["irreversible"]
    assert agent["allowed"] is False and agent["ready"] is False
    assert agent["pending_checks"] == ["check_redemption_record"]
    senior_body = {**case["request"], "evidence": {"check_redemption_record": "fail"}}
    senior = _post(served, senior_body, role="senior").get_json()["resolution"]
    assert senior["allowed"] is True and senior["ready"] is True


@pytest.mark.slow
def test_cli_diagnose_prints_the_same_answer(
    served: tuple[FlaskClient, dict[str, str]],
    tmp_path: Path,
    seed_content: GraphContent,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = next(c for c in EXAMPLES if c["id"] == "ex-03")
    db = tmp_path / "kg.db"
    assert main(["init", "--db", str(db)]) == 0
    case_file = tmp_path / "case.yaml"
    case_file.write_text(yaml.safe_dump(case, allow_unicode=True), encoding="utf-8")
    capsys.readouterr()
    assert main(["diagnose", "--db", str(db), "--case", str(case_file)]) == 0
    printed = json.loads(capsys.readouterr().out)
    over_http = _post(served, case["request"]).get_json()
    assert isinstance(over_http.pop("case_id"), str)  # the server files the case; the CLI not
    assert printed == over_http
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"message": "x", "order": {"status": "nope"}}), encoding="utf-8")
    assert main(["diagnose", "--db", str(db), "--case", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "order.status" in err and "order.order_no" in err


@pytest.mark.slow
def test_store_is_untouched_by_diagnosis(served: tuple[FlaskClient, dict[str, str]]) -> None:
    client, _ = served
    before = client.get("/healthz").get_json()["graph_revision"]
    for case in EXAMPLES[:3]:
        _post(served, case["request"])
    assert client.get("/healthz").get_json()["graph_revision"] == before
