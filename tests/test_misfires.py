"""The checks that misfired on real orders (real-failures.md, last section).

Each test holds one knowledge fix: a built-in, a condition or a likelihood.
They run the check as the engine runs it (``run_checks``), or the whole
diagnosis (``diagnose_body``) where the misfire was in the ranking.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from diagnostics.builtins import BUILTINS
from diagnostics.conditions import ConditionContext
from diagnostics.engine import diagnose_body
from diagnostics.evaluation import CheckOutcome, run_checks
from graph.model import GraphContent
from graph.snapshot import Snapshot

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
NOW_TEXT = "2026-11-21T15:00:00+08:00"


def _outcome(snapshot: Snapshot, check: str, order: dict[str, Any]) -> CheckOutcome:
    context = ConditionContext.build({"order_no": "T", **order}, NOW)
    return run_checks(snapshot, [check], context, {})[check]


def _result(snapshot: Snapshot, check: str, order: dict[str, Any]) -> str:
    return _outcome(snapshot, check, order).result


def _causes(snapshot: Snapshot, symptom: str, order: dict[str, Any]) -> list[str]:
    body = {"symptom": symptom, "message": "不行", "now": NOW_TEXT, "order": order}
    return [c["id"] for c in diagnose_body(snapshot, body).as_dict()["causes"]]


def _edges(content: GraphContent, edge_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (edge.source, edge.target, dict(edge.data))
        for edge in content.edges.values()
        if edge.type == edge_type
    ]


def _key_order(pasted: str, code: str = "KX4M2-PQ9RT-L7ZW8", **customer: Any) -> dict[str, Any]:
    return {
        "order_no": "P1",
        "status": "completed",
        "product": {"sku": "steam-us-20", "name": "Steam US$20", "kind": "card_key"},
        "delivery": {"card_keys": [{"code": code, "state": "unused"}]},
        "customer": {"pasted_code": pasted, **customer},
    }


# --- 1. outer spaces and line breaks ---------------------------------------------


@pytest.mark.parametrize(
    "pasted", ["KX4M2-PQ9RT-L7ZW8\n", " KX4M2-PQ9RT-L7ZW8", "KX4M2-PQ9RT-L7ZW8 \r\n"]
)
def test_a_trailing_newline_or_outer_space_is_not_paste_noise(
    snapshot: Snapshot, pasted: str
) -> None:
    assert _result(snapshot, "key_paste_noise", _key_order(pasted)) == "pass"


def test_noise_inside_the_key_still_fails(snapshot: Snapshot) -> None:
    assert _result(snapshot, "key_paste_noise", _key_order("KX4M2 PQ9RT L7ZW8\n")) == "fail"
    assert _result(snapshot, "key_paste_noise", _key_order("ＫＸ４Ｍ２-PQ9RT-L7ZW8")) == "fail"


def test_a_trailing_newline_does_not_outweigh_a_real_region_lock(snapshot: Snapshot) -> None:
    order = {
        "order_no": "R1",
        "status": "completed",
        "product": {
            "sku": "apple-us-50",
            "name": "Apple Gift Card US$50",
            "kind": "card_key",
            "platform": "apple",
            "region": "US",
        },
        "delivery": {"card_keys": [{"code": "X4HJ7K9LM2NP6QR8", "state": "unused"}]},
        "customer": {"account_region": "CN", "pasted_code": "X4HJ7K9LM2NP6QR8\n"},
    }
    assert _causes(snapshot, "card_key_invalid", order)[0] == "region_lock"


# --- 2. labels and the password half -------------------------------------------------


@pytest.mark.parametrize(
    "pasted",
    [
        "卡密：KX4M2-PQ9RT-L7ZW8",
        "卡密: KX4M2-PQ9RT-L7ZW8",
        "CDK: KX4M2-PQ9RT-L7ZW8",
        "Key: kx4m2-pq9rt-l7zw8",
        "卡密：KX4M2-PQ9RT-L7ZW8\n",
    ],
)
def test_a_paste_that_keeps_its_label_belongs_to_the_order(snapshot: Snapshot, pasted: str) -> None:
    assert _result(snapshot, "key_not_from_order", _key_order(pasted)) == "pass"


def test_a_paste_of_only_a_label_says_nothing(snapshot: Snapshot) -> None:
    for check in ("key_not_from_order", "key_paste_noise", "key_serial_typed"):
        assert _result(snapshot, check, _key_order("卡密：\n")) == "unknown"


@pytest.mark.parametrize(
    "code",
    ["卡号:1234567890123 密码:ABCDEF987654", "1234567890123----ABCDEF987654"],
)
def test_the_password_half_of_a_card_number_and_password_key_belongs_to_the_order(
    snapshot: Snapshot, code: str
) -> None:
    for pasted in ("ABCDEF987654", "密码：ABCDEF987654"):
        order = _key_order(pasted, code)
        assert _result(snapshot, "key_not_from_order", order) == "pass"
        assert _result(snapshot, "key_paste_noise", order) == "pass"
        assert _result(snapshot, "key_serial_typed", order) == "pass"
    # The card-number half is this order's too, but it is not the key.
    assert _result(snapshot, "key_serial_typed", _key_order("1234567890123", code)) == "fail"
    assert _result(snapshot, "key_not_from_order", _key_order("ABCDEF98765", code)) == "fail"


def test_a_labelled_paste_is_no_evidence_of_a_false_claim(snapshot: Snapshot) -> None:
    def answer(pasted: str) -> dict[str, Any]:
        order = _key_order(pasted, account_id="acct-1", claims_90d=0)
        order["delivery"]["card_keys"][0].update(state="redeemed", redeemed_by="acct-9")
        body = {"symptom": "card_key_reported_used", "message": "被用了", "now": NOW_TEXT}
        found: dict[str, Any] = diagnose_body(snapshot, {**body, "order": order}).as_dict()
        return found

    labelled, bare = answer("卡密：KX4M2-PQ9RT-L7ZW8"), answer("KX4M2-PQ9RT-L7ZW8")
    line = next(c for c in labelled["checks"] if c["id"] == "key_not_from_order")
    assert line["result"] == "pass"
    assert [(c["id"], c["probability"]) for c in labelled["causes"]] == [
        (c["id"], c["probability"]) for c in bare["causes"]
    ]
    assert labelled["causes"][0]["id"] == "card_redeemed_by_other"


# --- 3. device platform ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "device", "result"),
    [
        ("steam", "ios", "pass"),
        ("psn", "android", "pass"),
        ("xbox", "ios", "pass"),
        ("nintendo", "pc", "pass"),
        ("apple", "iOS", "pass"),
        ("Apple", "ios", "pass"),
        ("google_play", "Android", "pass"),
        ("apple", "Windows", "pass"),
        ("apple", "Android", "fail"),
        ("google_play", "iOS", "fail"),
    ],
)
def test_device_platform_only_for_store_cards_and_without_case(
    snapshot: Snapshot, platform: str, device: str, result: str
) -> None:
    order = {"product": {"platform": platform}, "customer": {"device_platform": device}}
    assert _result(snapshot, "device_platform_differs", order) == result


def test_a_steam_code_needs_no_device_to_pass(snapshot: Snapshot) -> None:
    assert (
        _result(snapshot, "device_platform_differs", {"product": {"platform": "steam"}}) == "pass"
    )
    assert _result(snapshot, "device_platform_differs", {"product": {"platform": "apple"}}) == (
        "unknown"
    )


# --- 4. region codes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "keys", "account", "result"),
    [
        ("GB", [], "UK", "pass"),
        ("uk", [], "gb", "pass"),
        ("EU", [], "DE", "pass"),
        ("EU", [], "fr", "pass"),
        ("GLOBAL", [], "JP", "pass"),
        ("global", [], "JP", "pass"),
        ("us", [], "US", "pass"),
        ("EU", [], "GB", "fail"),
        ("JP", [], "HK", "fail"),
        # The key's own region wins over the listing's.
        ("US", [{"code": "A", "region": "HK"}], "HK", "pass"),
        ("HK", [{"code": "A", "region": "US"}], "HK", "fail"),
        ("HK", [{"code": "A"}], "HK", "pass"),
    ],
)
def test_region_codes_are_compared_as_regions(
    snapshot: Snapshot, product: str, keys: list[dict[str, str]], account: str, result: str
) -> None:
    order = {
        "product": {"region": product},
        "delivery": {"card_keys": keys},
        "customer": {"account_region": account},
    }
    assert _result(snapshot, "product_region_differs", order) == result


def test_a_region_without_the_account_region_is_unknown(snapshot: Snapshot) -> None:
    outcome = _outcome(snapshot, "product_region_differs", {"product": {"region": "US"}})
    assert outcome.result == "unknown"
    assert "order.customer.account_region" in outcome.missing


@pytest.mark.parametrize(
    ("error", "result"),
    [
        ("This code can only be redeemed in the U.S. Store.", "fail"),
        ("Your account is not valid for use in the U.S. store.", "fail"),
        ("此代码只能在美国商店兑换", "fail"),
        ("The App Store is temporarily unavailable", "pass"),
    ],
)
def test_apple_store_wording_counts_as_a_region_error(
    snapshot: Snapshot, error: str, result: str
) -> None:
    order = {"customer": {"error_text": error}}
    assert _result(snapshot, "error_mentions_region", order) == result


# --- 5. amounts in one currency only ---------------------------------------------------


@pytest.mark.parametrize(
    ("payment", "result"),
    [
        ({"gateway_amount": 7.0, "gateway_currency": "USDT"}, "unknown"),
        ({"gateway_amount": 7.0, "gateway_currency": "USDT", "expected_amount": 7.0}, "pass"),
        ({"gateway_amount": 6.9, "gateway_currency": "USDT", "expected_amount": 7.0}, "fail"),
        ({"gateway_amount": 50.0, "gateway_currency": "CNY"}, "pass"),
        ({"gateway_amount": 50.3, "gateway_currency": "CNY"}, "fail"),
        ({"gateway_amount": 50.01, "gateway_currency": "CNY", "expected_amount": 50.01}, "pass"),
    ],
)
def test_the_gateway_amount_is_compared_in_one_currency(
    snapshot: Snapshot, payment: dict[str, Any], result: str
) -> None:
    order = {"amount": {"total": 50.0, "currency": "CNY"}, "payment": payment}
    assert _result(snapshot, "gateway_amount_differs", order) == result


# --- 6. the shop's own top-up errors -------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        "商户余额不足",
        "余额不足",
        "账户余额不足",
        "Internal Server Error",
        "系统繁忙，请稍后再试",
        "timeout",
        "merchant account balance insufficient",
        "HTTP 502 from server",
    ],
)
def test_a_shop_side_top_up_error_is_not_a_wrong_account(snapshot: Snapshot, error: str) -> None:
    order = {"delivery": {"topup": {"channel_status": "failed", "error": error}}}
    assert _result(snapshot, "topup_account_rejected", order) == "pass"


@pytest.mark.parametrize(
    "error", ["充值账号不存在", "UID 1503388 不存在", "role not found on server"]
)
def test_a_wrong_account_error_still_fails(snapshot: Snapshot, error: str) -> None:
    order = {"delivery": {"topup": {"channel_status": "failed", "error": error}}}
    assert _result(snapshot, "topup_account_rejected", order) == "fail"


def test_a_low_merchant_balance_is_the_channels_problem(snapshot: Snapshot) -> None:
    order = {
        "order_no": "T6",
        "status": "processing",
        "product": {"sku": "g", "name": "原神 直充", "kind": "direct_topup", "normal_minutes": 5},
        "payment": {"gateway": "wechat", "gateway_status": "paid", "callback": {"received": True}},
        "delivery": {
            "topup": {
                "account": "108765432",
                "channel_status": "failed",
                "error": "商户余额不足",
                "submitted_at": "2026-11-21T14:00:00+08:00",
            }
        },
    }
    causes = _causes(snapshot, "recharge_not_arrived", order)
    assert causes[0] == "supplier_interface_outage"
    assert _result(snapshot, "topup_channel_connection_error", order) == "fail"


# --- 7. the refund status decides ------------------------------------------------------


@pytest.mark.parametrize("status", ["rejected", "requested", "reviewing", "none"])
def test_a_refund_not_sent_needs_no_refund_time(snapshot: Snapshot, status: str) -> None:
    order = {"refund": {"status": status}}
    assert _result(snapshot, "refund_issued_in_window", order) == "pass"
    assert _result(snapshot, "refund_overdue", order) == "pass"


def test_a_refund_sent_without_its_time_is_unknown(snapshot: Snapshot) -> None:
    outcome = _outcome(snapshot, "refund_overdue", {"refund": {"status": "refunded"}})
    assert outcome.result == "unknown"
    assert outcome.missing == ("order.refund.refunded_at",)


# --- 8. the lookup contact as MySQL compares it --------------------------------------


@pytest.mark.parametrize(
    ("typed", "result"),
    [
        ("abc@qq.com", "pass"),
        ("ABC@QQ.COM", "pass"),
        (" abc@qq.com\n", "pass"),
        ("abc @qq.com", "fail"),
        ("abd@qq.com", "fail"),
    ],
)
def test_the_lookup_contact_is_compared_without_case_and_trimmed(
    snapshot: Snapshot, typed: str, result: str
) -> None:
    order = {"customer": {"contact": "Abc@QQ.com", "lookup_contact": typed}}
    assert _result(snapshot, "lookup_contact_differs", order) == result


# --- 9. claims per order ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "orders", "result"),
    [(5, 300, "pass"), (5, 10, "fail"), (3, 15, "fail"), (3, 16, "pass"), (1, None, "pass")],
)
def test_frequent_claims_are_counted_per_order(
    snapshot: Snapshot, claims: int, orders: int | None, result: str
) -> None:
    order: dict[str, Any] = {"customer": {"claims_90d": claims}}
    if orders is not None:
        order["extra"] = {"orders_90d": orders}
    assert _result(snapshot, "customer_claims_frequent", order) == result


def test_many_claims_without_the_order_count_are_unknown_and_weak(
    snapshot: Snapshot, seed_content: GraphContent
) -> None:
    assert _result(snapshot, "customer_claims_frequent", {"customer": {"claims_90d": 5}}) == (
        "unknown"
    )
    edge = next(
        d
        for s, t, d in _edges(seed_content, "tested_by")
        if (s, t) == ("malicious_claim", "customer_claims_frequent")
    )
    assert edge["p_fail"] <= 0.5


def test_a_merchant_with_many_claims_over_many_orders_is_not_a_false_claimant(
    snapshot: Snapshot,
) -> None:
    order = _key_order("KX4M2-PQ9RT-L7ZW8", account_id="acct-m", claims_90d=8)
    order["delivery"]["card_keys"][0].update(state="redeemed", redeemed_by="acct-m")
    order["extra"] = {"orders_90d": 400}
    assert _causes(snapshot, "card_key_reported_used", order)[0] == (
        "card_already_redeemed_by_customer"
    )


# --- 10. escalations observe nothing ----------------------------------------------------


def test_an_escalation_carries_no_evidence(seed_content: GraphContent) -> None:
    escalations = {
        node_id: node.data
        for node_id, node in seed_content.nodes.items()
        if node.type == "Check" and node.data.get("escalates_to")
    }
    edges = [(s, t, d) for s, t, d in _edges(seed_content, "tested_by") if t in escalations]
    assert edges
    for source, target, data in edges:
        assert data["p_fail"] == escalations[target]["p_fail_otherwise"], (source, target)


def test_no_likelihood_is_surer_than_its_fact(seed_content: GraphContent) -> None:
    fails = {(s, t): d["p_fail"] for s, t, d in _edges(seed_content, "tested_by")}
    assert fails[("risk_control_hold", "order_risk_held")] < 0.95
    assert fails[("topup_processing_delay", "topup_reported_success")] <= 0.05
    assert max(fails.values()) <= 0.95


def test_an_unpaid_order_without_a_notification_is_no_lost_notification(
    snapshot: Snapshot,
) -> None:
    unpaid = {"payment": {"gateway_status": "unpaid", "callback": {"received": False}}}
    paid = {"payment": {"gateway_status": "paid", "callback": {"received": False}}}
    assert _result(snapshot, "callback_not_received", unpaid) == "pass"
    assert _result(snapshot, "callback_not_received", paid) == "fail"


# --- B. shown_by ------------------------------------------------------------------------


def test_every_cause_is_shown_by_its_own_checks_never_an_escalation(
    seed_content: GraphContent,
) -> None:
    tested: dict[str, set[str]] = {}
    for source, target, _ in _edges(seed_content, "tested_by"):
        tested.setdefault(source, set()).add(target)
    causes = {i: n.data for i, n in seed_content.nodes.items() if n.type == "Cause"}
    assert causes
    for cause_id, data in causes.items():
        shown = data.get("shown_by")
        assert shown, cause_id
        for check in shown:
            assert check in tested.get(cause_id, set()), (cause_id, check)
            assert not seed_content.nodes[check].data.get("escalates_to"), (cause_id, check)


def test_the_built_ins_the_seed_names_exist(seed_content: GraphContent) -> None:
    named = {
        str(n.data["builtin"])
        for n in seed_content.nodes.values()
        if n.type == "Check" and n.data.get("builtin")
    }
    assert {"key_region_differs", "lookup_contact_mismatch"} <= named <= set(BUILTINS)
