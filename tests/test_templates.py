"""Templates under budgets (issue 20): refused at lint with a finding naming the
node and field, and at render an over-budget reply falls back to the verifying
reply with a warning in the log. Method objects never print."""

from __future__ import annotations

import copy
import logging
import time

import pytest

from api import create_app
from diagnostics.engine import diagnose_body
from diagnostics.evaluate import load_cases
from diagnostics.templates import MAX_OUTPUT_CHARS, render, render_checked, template_problems
from graph.model import GraphContent
from graph.snapshot import build_snapshot, thaw
from graph.sqlite import SqliteStore
from schema.validate import validate_node
from web.fields import editable_fields

from .conftest import CONTRACT_CASES

NESTED_LOOPS = "{% for a in [1,2,3] %}{% for b in [1,2,3] %}{{ order_no }}{% endfor %}{% endfor %}"
OVER_BUDGET = [
    NESTED_LOOPS,
    "{{ order_no|replace('', '0123456789')|replace('', '0123456789') }}",
    "{{ 9**40000000 }}",
    "{{ 999999999999999999999 + 1 }}",
    "{{ '" + "x" * 1001 + "' }}",
    "{{ " + "-" * 1990 + "1 }}",
    "{{ " + "(" * 300 + "1" + ")" * 300 + " }}",
    "{% if [" + ",".join(["1"] * 51) + "] %}x{% endif %}",
    "{{ order_no" + "|upper" * 101 + " }}",
    "{{ order_no.upper }}",
]


@pytest.mark.parametrize("text", OVER_BUDGET)
def test_a_template_over_budget_is_refused_quickly(text: str) -> None:
    started = time.monotonic()
    assert template_problems(text)
    assert time.monotonic() - started < 2  # 9**40000000 was computed during lint


@pytest.mark.parametrize("text", OVER_BUDGET)
def test_a_template_over_budget_renders_as_nothing_and_is_logged(
    text: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="diagnostics.templates"):
        assert render_checked(text, {"order_no": "A123"}) is None
        assert render(text, {"order_no": "A123"}) == "【待补充：模板有误，请人工回复】"
    assert "template" in caplog.text


def test_replace_that_would_pass_the_output_budget_is_stopped_at_render(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each replacement here is legal; together they would build megabytes."""
    text = "{{ order_no|replace('A', '" + "x" * 900 + "')|replace('x', '" + "y" * 900 + "') }}"
    assert template_problems(text) == []
    with caplog.at_level(logging.WARNING):
        assert render_checked(text, {"order_no": "A123"}) is None
    assert "replace" in caplog.text


def test_output_over_budget_is_stopped_as_it_is_produced() -> None:
    text = "{% for c in keys %}{{ keys }}{% endfor %}"
    assert template_problems(text) == []
    keys = "K" * 2000
    assert render_checked(text, {"keys": "ab"}) == "abab"
    assert render_checked(text, {"keys": keys}) is None
    assert len(keys) * len(keys) > MAX_OUTPUT_CHARS


def test_a_method_never_prints() -> None:
    for text in ("{{ order_no.upper }}", "{{ order_no['upper'] }}", "{{ order_no.__len__ }}"):
        assert "built-in" not in render(text, {"order_no": "A123"}), text
        assert "0x" not in render(text, {"order_no": "A123"}), text
    assert render("{{ order_no['upper'] }}", {"order_no": "A123"}) == ""


def test_a_filter_still_works() -> None:
    assert render("{{ order_no|upper }}", {"order_no": "a1"}) == "A1"
    assert render("{{ order_no|replace('a', 'b') }}", {"order_no": "aa"}) == "bb"


def test_lint_names_the_node_and_field(content: GraphContent) -> None:
    data = copy.deepcopy(content.nodes["exchange_unused_key"].data)
    data["reply"]["zh"] = NESTED_LOOPS
    found = [f for f in validate_node("Resolution", data) if f.what == "reply.zh"]
    assert found and "loops nested" in found[0].why
    assert found[0].where == "exchange_unused_key"


def test_a_reply_over_budget_falls_back_to_the_verifying_reply(
    content: GraphContent, caplog: pytest.LogCaptureFixture
) -> None:
    case = next(c for c in load_cases([CONTRACT_CASES]) if c["id"] == "ex-10")
    request = {**case["request"], "evidence": {"check_redemption_record": "fail"}}
    answer = diagnose_body(build_snapshot(1, content), request, role="senior").as_dict()
    assert answer["reply"]["kind"] == "resolution"
    chosen = answer["resolution"]["id"]
    for lang in ("zh", "en"):
        content.nodes[chosen].data["reply"][lang] = NESTED_LOOPS
    with caplog.at_level(logging.WARNING):
        answer = diagnose_body(build_snapshot(2, content), request, role="senior").as_dict()
    assert answer["reply"]["kind"] == "verifying"
    assert "template refused" in caplog.text


def test_the_editor_preview_of_a_template_over_budget_answers(store: SqliteStore) -> None:
    """The preview renders the unsaved draft: ``9**999999`` was a 500 there."""
    app = create_app({"KGDIAG_DB": str(store.path), "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    info = store.verify_token(store.create_token("senior", "preview"))
    assert info is not None
    with client.session_transaction() as session:
        session["sid"] = store.create_session(info.id)
    data = thaw(store.snapshot().node("exchange_unused_key"))
    form = {f.input_name(lang): v for f in editable_fields(data) for lang, v in f.values.items()}
    form[next(f for f in editable_fields(data) if f.path == ("reply",)).input_name("zh")] = (
        "{{ 9**999999 }}"
    )
    form.update(action="preview", example="ex-10", revision=str(store.snapshot().revision))
    started = time.monotonic()
    page = client.post("/edit/exchange_unused_key", data=form)
    assert time.monotonic() - started < 15  # a draft snapshot trains its own model (~2 s)
    assert page.status_code == 400  # refused at the field, the draft kept on the page
    assert "模板里不能使用 pow" in page.get_data(as_text=True)  # the reason, in the page's language
