"""Recorded evidence against an automatic observation is warned about, never
accepted silently, and the reply states neither side as fact."""

from __future__ import annotations

import copy
from typing import Any

from flask.testing import FlaskClient

from api.responses import DiagnoseAnswer
from diagnostics.engine import diagnose_body
from graph.snapshot import Snapshot
from web.examples import example

from .conftest import bearer


def _refund(to: str, evidence: dict[str, str], lang: str = "zh") -> dict[str, Any]:
    """ex-12 (a refund not received) with the refund's destination known."""
    case = example("ex-12")
    assert case is not None
    body = copy.deepcopy(dict(case["request"]))
    body["order"]["refund"]["to"] = to
    body["evidence"] = evidence
    return body


def _answer(snapshot: Snapshot, body: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    return dict(diagnose_body(snapshot, body, agent_lang=lang).as_dict())


def test_a_record_against_the_same_automatic_check_wins_with_a_warning(
    snapshot: Snapshot,
) -> None:
    answer = _answer(snapshot, _refund("original", {"refund_went_to_balance": "fail"}))
    (warning,) = answer["warnings"]
    assert {k: warning[k] for k in ("check", "against", "observed", "recorded", "wins")} == {
        "check": "refund_went_to_balance",
        "against": "refund_went_to_balance",
        "observed": "pass",
        "recorded": "fail",
        "wins": "recorded",
    }
    assert "以您的记录为准" in warning["text"] and "退款不是退到站内余额" in warning["text"]
    line = next(c for c in answer["checks"] if c["id"] == "refund_went_to_balance")
    assert (line["result"], line["source"]) == ("fail", "agent")  # the record decides
    assert answer["causes"][0]["id"] == "refunded_to_balance"
    # ... but no reply states a disputed observation as fact.
    assert "refund_went_to_balance" not in answer["reply"]["shown_by"]
    assert answer["reply"]["kind"] == "verifying"


def test_a_record_against_a_check_of_the_same_cause_is_warned_about(
    snapshot: Snapshot,
) -> None:
    body = _refund("original", {"find_refund_in_wallet": "fail"})
    (warning,) = _answer(snapshot, body)["warnings"]
    assert (warning["check"], warning["against"], warning["wins"]) == (
        "find_refund_in_wallet",
        "refund_went_to_balance",
        "both",
    )
    assert (warning["observed"], warning["recorded"]) == ("pass", "fail")
    english = _answer(snapshot, body, "en")
    (warning,) = english["warnings"]
    assert "you recorded" in warning["text"] and "Refund paid to the shop wallet" in warning["text"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in warning["text"])
    assert english["reply"]["shown_by"] == []


def test_agreeing_evidence_gives_no_warning_and_the_reply_rests_on_it(
    snapshot: Snapshot,
) -> None:
    answer = _answer(snapshot, _refund("balance", {"find_refund_in_wallet": "fail"}))
    assert answer["warnings"] == []
    assert set(answer["reply"]["shown_by"]) == {"refund_went_to_balance", "find_refund_in_wallet"}
    # A record that agrees with nothing automatic (the fact is missing) is no contradiction.
    case = _refund("original", {"find_refund_in_wallet": "fail"})
    del case["order"]["refund"]["to"]
    assert _answer(snapshot, case)["warnings"] == []


def test_the_api_answer_carries_the_warning_in_its_model(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    body = _refund("original", {"find_refund_in_wallet": "fail"})
    response = client.post("/v1/diagnose", json=body, headers=bearer(tokens["agent"]))
    assert response.status_code == 200
    answer = DiagnoseAnswer.model_validate(response.get_json())
    assert [(w.check, w.against) for w in answer.warnings] == [
        ("find_refund_in_wallet", "refund_went_to_balance")
    ]
    quiet = client.post(
        "/v1/diagnose", json=_refund("balance", {}), headers=bearer(tokens["agent"])
    )
    assert DiagnoseAnswer.model_validate(quiet.get_json()).warnings == []
