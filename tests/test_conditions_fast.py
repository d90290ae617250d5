"""The fast CEL paths give the answers the plain ones give.

Two speed-ups sit between a condition and the Rust evaluator: the CEL
context holds only the order fields the symptom's conditions read
(``ConditionContext.focus``), and ``x.matches(p)`` runs as the global
``matches(x, p)`` with cached patterns (``cel_regex``). Each is checked here
against the slow path over every condition of the seed and generated orders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import cel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnostics.cel_flat import flat_form
from diagnostics.cel_regex import global_form, literal_patterns
from diagnostics.conditions import (
    Condition,
    ConditionContext,
    _parser,
    compile_condition,
    evaluate,
    parse_time,
    pruned_order,
)
from graph.model import GraphContent
from schema.validate import validate_node
from tests.test_diagnose_properties import ORDERS

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _seed_conditions(content: GraphContent) -> list[Condition]:
    sources = [
        str(node.data[key])
        for node in content.nodes.values()
        for key in ("fails_when", "fits_order")
        if node.data.get(key)
    ]
    sources += [str(e.data["when"]) for e in content.edges.values() if e.data.get("when")]
    return [compile_condition(source) for source in sorted(set(sources))]


def _plain(cond: Condition, order: dict[str, Any], systems: dict[str, str]) -> bool | None:
    """The condition as the Rust evaluator alone answers it: whole order, built-in matches.

    A missing fact errors where it is read; ``&&`` and ``||`` absorb the error
    when the other side decides, and any other error is unknown (None).
    """
    functions = {
        "minutes_since": lambda ts: (NOW - parse_time(ts)).total_seconds() / 60.0,
        "minutes_between": lambda a, b: (parse_time(b) - parse_time(a)).total_seconds() / 60.0,
    }
    variables = {"order": order, "now": NOW, "systems": systems}
    try:
        result = cel.compile(cond.source).execute(cel.Context(variables, functions))
    except (KeyError, IndexError, ValueError, TypeError, RuntimeError, OverflowError):
        return None
    return result if isinstance(result, bool) else None


SYSTEMS = st.dictionaries(
    st.sampled_from(["sup-kx", "steam", "alipay", "wechat", "mailer"]),
    st.sampled_from(["up", "down", "degraded"]),
    max_size=3,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=ORDERS, systems=SYSTEMS)
def test_focused_and_fast_conditions_answer_as_the_plain_evaluator(
    seed_content: GraphContent, order: dict[str, Any], systems: dict[str, str]
) -> None:
    conds = _seed_conditions(seed_content)
    focused = ConditionContext.build(order, NOW, systems)
    focused.focus(conds[: len(conds) // 2])  # half focused, half on their own fields
    for cond in conds:
        assert evaluate(cond, focused) == _plain(cond, order, systems), cond.source


_TEXTS = [
    "",
    "x",
    "Error: Region locked (地区不符)",
    "系统维护中，请稍后再试",
    "TIMED OUT after 30s",
    "角色不存在",
    "ab\u3000cd@qq.com",
    "ab@gmial.com",
    "Ab.c@Example.ORG",
    "user_01",
    "账号 12",
    "price mismatch 金额不符",
    "商品已被抢走",
]


def _with(path: str, text: str) -> dict[str, Any]:
    order: dict[str, Any] = {}
    node = order
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = text
    return order


def test_every_seed_pattern_answers_as_the_built_in_matches(seed_content: GraphContent) -> None:
    """Texts with the patterns' words mid-string, in other cases, with full-width spaces."""
    tried = 0
    for cond in _seed_conditions(seed_content):
        if not cond.patterns:
            continue
        for path in sorted(f for f in cond.fields if "[]" not in f):
            for text in _TEXTS:
                order = _with(path, text)
                for other in cond.required - {path}:  # the rest present, so the pattern decides
                    order = _merge(order, _with(other, "timeout" if "status" in other else text))
                fast = evaluate(cond, ConditionContext.build(order, NOW))
                assert fast == _plain(cond, order, {}), (cond.source, order)
                tried += fast is not None
    assert tried > 50


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge(out[key], value) if isinstance(out.get(key), dict) else value
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ab\u3000cd@qq.com", True),  # a full-width space is a space, as in the Rust evaluator
        ("abcd@qq.com", False),
        ("abcd@qq", True),
        ("ABCD@QQ.COM", False),
    ],
)
def test_email_pattern_keeps_unicode_spaces(text: str, expected: bool) -> None:
    source = r'!order.delivery.email.to.matches(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")'
    order = {"delivery": {"email": {"to": text}}}
    cond = compile_condition(source)
    assert evaluate(cond, ConditionContext.build(order, NOW)) is expected
    assert _plain(cond, order, {}) is expected


def test_member_matches_becomes_the_global_call_and_nothing_else_changes() -> None:
    cases = {
        'a.matches("x")': 'matches(a, "x")',
        '!a.b.matches(r"^\\s") && c': '!matches(a.b, r"^\\s") && c',
        'l.exists(k, k.code.matches("(?i)x") || k.n > 1)': (
            'l.exists(k, matches(k.code, "(?i)x") || k.n > 1)'
        ),
        '(a + "b").matches("x".upperAscii())': 'matches((a + "b"), "x".upperAscii())',
        'a.matches(b.matches("y") ? "p" : "q")': 'matches(a, matches(b, "y") ? "p" : "q")',
        'size(a) > 2 && a.startsWith("x")': 'size(a) > 2 && a.startsWith("x")',
    }
    for source, expected in cases.items():
        assert global_form(source, _parser().parse(source)) == expected


def test_literal_patterns_are_found_in_both_forms() -> None:
    source = 'a.matches("x+") && matches(b, r"\\d") && c.matches(d)'
    assert literal_patterns(_parser().parse(source)) == ("x+", "\\d")


def test_a_pattern_that_cannot_compile_is_refused_when_edited(content: GraphContent) -> None:
    data = dict(content.nodes["email_address_suspect"].data)
    data["fails_when"] = 'order.delivery.email.to.matches("(?i)([a-z]+")'
    found = validate_node("Check", data)
    assert any(f.what == "fails_when" and "does not compile" in f.why for f in found), [
        str(f) for f in found
    ]


def test_pruned_order_keeps_only_read_paths_and_whole_subtrees() -> None:
    order = {
        "order_no": "A1",
        "product": {"name": "x", "region": "HK", "sku": "s"},
        "delivery": {"card_keys": [{"code": "C", "state": "sold", "serial": "S"}]},
        "payment": {"attempts": [{"status": "paid", "id": "p1"}]},
        "refund": {"status": "none", "amount": 1},
    }
    fields = ["product.region", "payment.attempts[].status", "refund", "customer.login"]
    assert pruned_order(order, fields) == {
        "product": {"region": "HK"},
        "payment": {"attempts": [{"status": "paid"}]},
        "refund": {"status": "none", "amount": 1},
    }


def test_a_condition_reading_the_whole_order_sees_it() -> None:
    cond = compile_condition("size(order) == 3")
    assert cond.whole_order
    context = ConditionContext.build({"a": 1, "b": 2, "c": 3}, NOW)
    context.focus([compile_condition("order.a == 1")])
    assert evaluate(cond, context) is True


def test_field_chains_become_variables_and_nothing_else_changes() -> None:
    cases = {
        'order.a.b == "x"': ('order__a__b == "x"', [("a", "b")]),
        "has(order.a.b.c) && order.a.b.c > 1": (
            "has(order__a__b.c) && order__a__b__c > 1",
            [("a", "b"), ("a", "b", "c")],
        ),
        "order.l.exists(k, k.x == order.m.n)": (
            "order__l.exists(k, k.x == order__m__n)",
            [("l",), ("m", "n")],
        ),
        "order.p[0].s == 1": ("order__p[0].s == 1", [("p",)]),
        'systems[order.s] == "down" && now > timestamp(order.t)': (
            'systems[order__s] == "down" && now > timestamp(order__t)',
            [("s",), ("t",)],
        ),
        "x.order.y == 1": ("x.order.y == 1", []),
    }
    for source, (flat, paths) in cases.items():
        assert flat_form(source, _parser().parse(source)) == (flat, tuple(paths)), source
    for nested in (
        "size(order) > 1",  # the order itself
        'order["a"] == 1',  # indexed
        "has(order.a)",  # has() needs the order map
        "l.exists(order, order.x)",  # a comprehension binds the name
        "order__a == 1",  # our names in the text
        "order.a__b == 1",  # a name that two paths could share
    ):
        assert flat_form(nested, _parser().parse(nested)) is None, nested


_SHAPES: list[dict[str, Any]] = [
    {},
    {"payment": None},
    {"payment": "paid"},
    {"payment": []},
    {"payment": {}},
    {"payment": {"callback": None}},
    {"payment": {"callback": "x"}},
    {"payment": {"callback": {}}},
    {"payment": {"callback": {"received": True}}},
    {"payment": {"callback": {"received": True, "error": None}}},
    {"payment": {"callback": {"received": False, "error": "amount mismatch"}}},
    {"payment": {"callback": {"received": True, "error": "金额不符"}, "attempts": "x"}},
    {"payment": {"attempts": [{"status": "paid"}, {"status": "paid"}, {}]}},
    {"payment": {"attempts": [None, "x", {"status": None}]}},
]


@pytest.mark.parametrize(
    "source",
    [
        "order.payment.callback.received",
        "!order.payment.callback.received",
        "has(order.payment.callback.error)",
        "order.payment.callback.received && has(order.payment.callback.error) "
        '&& order.payment.callback.error.matches("(?i)(金额|amount)")',
        "order.payment.callback.error == null || order.payment.callback.received",
        "size(order.payment.attempts.filter(a, a.status == 'paid')) >= 2",
        "order.payment.attempts[0].status == 'paid'",
        "has(order.payment.callback.received) ? order.payment.callback.received : false",
    ],
)
def test_flat_answers_as_nested_on_odd_shapes(source: str) -> None:
    """Missing steps, nulls, strings and lists where maps belong: the flat form
    fails exactly where the nested one does."""
    cond = compile_condition(source)
    assert cond.flat_program is not None
    for order in _SHAPES:
        answer = evaluate(cond, ConditionContext.build(order, NOW))
        assert answer == _plain(cond, order, {}), (source, order)


def test_a_missing_fact_the_verdict_does_not_depend_on_is_not_unknown() -> None:
    rejected = ConditionContext.build({"refund": {"status": "rejected"}}, NOW)
    done = compile_condition(
        'order.refund.status == "refunded" && timestamp(order.refund.refunded_at) < now'
    )
    assert evaluate(done, rejected) is False
    late = compile_condition(
        'order.refund.status == "pending" || timestamp(order.refund.refunded_at) < now'
    )
    assert evaluate(late, rejected) is None
    assert evaluate(compile_condition("order.customer.claims_90d >= 3"), rejected) is None
