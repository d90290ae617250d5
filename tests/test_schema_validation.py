"""Each kind of bad node and edge is rejected with a message naming where, what and why."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from graph.model import GraphContent
from schema.validate import validate_edge, validate_node

from .conftest import example_count


def _node(content: GraphContent, node_id: str) -> dict[str, Any]:
    return copy.deepcopy(dict(content.nodes[node_id].data))


def _problems(node_type: str, data: Any) -> set[tuple[str, str]]:
    return {(f.what, f.why) for f in validate_node(node_type, data)}


def test_seed_nodes_are_valid(content: GraphContent) -> None:
    for node in content.nodes.values():
        assert validate_node(node.type, node.data) == [], node.id


@pytest.mark.parametrize(
    ("node_id", "mutate", "what", "why_part"),
    [
        ("card_key_invalid", lambda d: d.update(id="Card-Key"), "id", "does not match"),
        ("card_key_invalid", lambda d: d["title"].pop("en"), "title.en", "required"),
        ("card_key_invalid", lambda d: d["title"].update(zh="  "), "title.zh", "blank"),
        (
            "card_key_invalid",
            lambda d: d["phrases"].update(zh=["卡密无效"]),
            "phrases.zh",
            "too short",
        ),
        ("card_key_invalid", lambda d: d.update(category="misc"), "category", "is not one of"),
        ("card_key_invalid", lambda d: d.update(colour="red"), "colour", "unknown field"),
        (
            "card_key_invalid",
            lambda d: d["service_level"].update(resolve_minutes=0),
            "service_level.resolve_minutes",
            "minimum",
        ),
        ("region_lock", lambda d: d.update(fault="nobody"), "fault", "is not one of"),
        (
            "region_lock",
            lambda d: d["explanation"].update(zh="供货商 {{ supplier }}"),
            "explanation.zh",
            "unknown variable 'supplier'",
        ),
        (
            "region_lock",
            lambda d: d["explanation"].update(en="{% if %}"),
            "explanation.en",
            "template syntax error",
        ),
        (
            "key_state_invalid",
            lambda d: d.update(fails_when="order.delivery.card_keys.exists(k,"),
            "fails_when",
            "CEL does not compile",
        ),
        (
            "key_state_invalid",
            lambda d: d.update(fails_when='order.payment.gatway_status == "paid"'),
            "fails_when",
            "did you mean gateway_status",
        ),
        (
            "key_state_invalid",
            lambda d: d.update(fails_when='order.delivery.card_keys.exists(k, k.stat == "x")'),
            "fails_when",
            "order.delivery.card_keys[] has no field 'stat'",
        ),
        (
            "key_state_invalid",
            lambda d: d.update(fails_when="secret_env == 1"),
            "fails_when",
            "unknown variable 'secret_env'",
        ),
        (
            "key_state_invalid",
            lambda d: d.update(fails_when="exec('rm') == 1"),
            "fails_when",
            "unknown function 'exec'",
        ),
        (
            "key_state_invalid",
            lambda d: d.update(builtin="pasted_key_format_noise"),
            "(node)",
            "exactly one of fails_when",
        ),
        (
            "key_paste_noise",
            lambda d: d.update(builtin="no_such_builtin"),
            "builtin",
            "unknown built-in",
        ),
        (
            "key_state_invalid",
            lambda d: d.update(p_fail_otherwise=1.5),
            "p_fail_otherwise",
            "maximum",
        ),
        ("check_redemption_record", lambda d: d.pop("instructions"), "instructions", "required"),
        ("reissue_key", lambda d: d.update(min_role="intern"), "min_role", "is not one of"),
        ("reissue_key", lambda d: d.pop("irreversible"), "irreversible", "required"),
        (
            "mail_queue",
            lambda d: d.update(default_status="fine"),
            "default_status",
            "is not one of",
        ),
    ],
)
def test_bad_node_is_rejected_precisely(
    content: GraphContent, node_id: str, mutate: Any, what: str, why_part: str
) -> None:
    data = _node(content, node_id)
    mutate(data)
    found = validate_node(content.nodes[node_id].type, data)
    matches = [f for f in found if f.what == what and why_part in f.why]
    assert matches, [str(f) for f in found]
    assert all(f.where == str(data["id"]) for f in found)


def test_unknown_node_type_is_named() -> None:
    found = validate_node("Widget", {"id": "w"})
    assert [(f.where, f.what) for f in found] == [("w", "type")]
    assert "unknown node type 'Widget'" in found[0].why


@pytest.mark.parametrize(
    ("edge_type", "data", "what", "why_part"),
    [
        ("caused_by", {}, "prior", "required"),
        ("caused_by", {"prior": 0}, "prior", "less than or equal to the minimum"),
        ("caused_by", {"prior": 0.2, "weight": 1}, "weight", "unknown field"),
        ("tested_by", {"p_fail": 2}, "p_fail", "maximum"),
        (
            "tested_by",
            {"p_fail": 0.5, "meaning": {"fail": {"zh": "{{ nope }}", "en": "x"}}},
            "meaning.fail.zh",
            "unknown variable 'nope'",
        ),
        ("resolved_by", {"rank": 1, "when": "order.refund.stats == 1"}, "when", "no field"),
        ("depends_on", {"statuses": ["exploded"]}, "statuses[0]", "is not one of"),
        ("links_to", {}, "type", "unknown edge type"),
    ],
)
def test_bad_edge_is_rejected_precisely(
    edge_type: str, data: dict[str, Any], what: str, why_part: str
) -> None:
    found = validate_edge(edge_type, "a_node", "b_node", data)
    matches = [f for f in found if f.what == what and why_part in f.why]
    assert matches, [str(f) for f in found]
    assert all(f.where == "a_node -> b_node" for f in found)


def test_finding_reads_as_one_line() -> None:
    (finding,) = validate_edge("caused_by", "s", "c", {})
    assert str(finding) == "s -> c: prior: required field is missing"


def test_the_fast_validator_agrees_with_the_python_one() -> None:
    """jsonschema-rs answers "valid?" first; it must never pass what jsonschema refuses."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from diagnostics.request import _validator
    from schema.problems import fast_twin
    from web.examples import examples

    python, fast = _validator(), fast_twin(_validator())
    for case in examples():
        assert fast.is_valid(case["request"]) and not list(python.iter_errors(case["request"]))

    leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=30)
    values = st.recursive(
        leaves,
        lambda kids: (
            st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=10), kids, max_size=3)
        ),
        max_leaves=8,
    )
    order_keys = st.sampled_from(["order_no", "status", "paid_at", "product", "payment", "amount"])
    bodies = st.fixed_dictionaries(
        {"message": st.text(max_size=20)},
        optional={
            "order": st.dictionaries(order_keys, values, max_size=4),
            "now": st.sampled_from(
                ["2026-11-20T12:00:00+08:00", "yesterday", "2026-13-01T00:00:00Z"]
            ),
            "lang": st.sampled_from(["zh", "en", "fr"]),
            "evidence": st.dictionaries(
                st.sampled_from(["key_paste_noise", "X"]), values, max_size=2
            ),
        },
    )

    @settings(max_examples=example_count(300), deadline=None)
    @given(bodies)
    def agree(body: dict[str, object]) -> None:
        assert fast.is_valid(body) == (not list(python.iter_errors(body)))

    agree()
