"""The agent console in a real browser: example, diagnose, record checks, copy, outcome."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graph.sqlite import SqliteStore

from .conftest import screenshot


def test_agent_diagnoses_an_example_and_copies_the_reply(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("agent")
    page.select_option("#example", "ex-03")
    page.click("#load-example")
    assert "原神" in page.input_value("#order")
    page.click("#diagnose")
    causes = page.locator("#causes > li")
    assert causes.first.get_attribute("data-cause") == "supplier_interface_outage"
    assert page.locator("#priority").inner_text().startswith("P")
    reply = page.locator("#reply").inner_text()
    assert reply and "sup-" not in reply.lower()
    page.click("#copy")
    assert page.locator("#copy").inner_text() == "已复制"
    assert page.evaluate("navigator.clipboard.readText()") == reply
    screenshot(page, "console")
    case_id = page.locator("#case-id").inner_text()
    assert store.records.get_case(int(case_id)) is not None

    # A manual result re-ranks at once, on the same case (no second case filed).
    before = [li.get_attribute("data-cause") for li in causes.all()]
    page.locator("li[data-check=query_channel_order] button.pass-button").click()
    assert "正常" in page.locator("li[data-check=query_channel_order] .result").inner_text()
    after = [li.get_attribute("data-cause") for li in page.locator("#causes > li").all()]
    percent_before = page.locator("#causes > li .pct").first.inner_text()
    assert page.locator("#case-id").inner_text() == case_id
    page.locator("li[data-check=escalate_supplier] button.fail-button").click()
    assert page.locator("#causes > li .pct").first.inner_text() != percent_before or after != before

    # The outcome is filed on the case and says so.
    page.click("#save-outcome")
    assert "已记录" in page.locator(".flash.ok").inner_text()
    outcomes = store.records.outcomes(since="2000", until="9999")
    assert [(o.case_id, o.cause) for o in outcomes] == [(int(case_id), after[0])]
    page.click("#lang-switch")
    assert page.locator("#diagnose").inner_text() == "Diagnose"


def test_customer_text_is_escaped(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.fill("#order", json.dumps({"order_no": "X1"}))
    page.fill("#message", "卡密无效 <img src=x onerror=\"document.title='pwned'\">")
    page.click("#diagnose")
    assert page.title() != "pwned"
    assert "<img" in page.locator("#message").input_value()
    assert page.locator("img").count() == 0


def test_wrong_token_is_refused(browser: Any, server: str) -> None:
    page = browser.new_page(base_url=server)
    page.goto("/")
    assert "/login" in page.url
    page.fill("#token", "wrong")
    page.click("#login")
    assert page.locator("[role=alert]").inner_text() == "令牌无效或已吊销"
    page.close()
