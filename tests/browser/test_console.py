"""The agent console in a real browser: example, diagnose, record checks, copy, outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

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
    expect(page.locator("#copy")).to_have_text("已复制")  # the clipboard write is async
    assert page.evaluate("navigator.clipboard.readText()") == reply
    screenshot(page, "console")
    case_id = page.locator("#case-id").inner_text()
    assert store.records.case_by_ref(case_id) is not None

    page.click("#lang-switch")
    assert page.locator("#diagnose").inner_text() == "Diagnose"


def _percent(page: Any, cause: str) -> int:
    return int(page.locator(f"#causes > li[data-cause={cause}] .pct").inner_text().rstrip("%"))


def test_a_recorded_check_re_ranks_and_the_outcome_is_filed(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("agent")
    page.select_option("#example", "ex-12")
    page.click("#load-example")
    page.click("#diagnose")
    case_id = page.locator("#case-id").inner_text()
    assert page.locator("#causes > li").first.get_attribute("data-cause") == "refund_in_transit"
    before = _percent(page, "refund_in_transit"), _percent(page, "refunded_to_balance")

    with page.expect_response(lambda r: r.url.endswith("/console/answer")):
        page.locator("li[data-check=find_refund_in_wallet] button.fail-button").click()
    check = page.locator("#recorded li[data-check=find_refund_in_wallet]")
    check.wait_for()  # the answer panes are swapped in place
    assert "发现异常" in check.locator(".result").inner_text()
    assert "客服记录" in check.inner_text()
    after = _percent(page, "refund_in_transit"), _percent(page, "refunded_to_balance")
    assert after[0] < before[0] and after[1] > before[1]
    assert page.locator("#case-id").inner_text() == case_id  # the same case, not a new one
    assert [c.ref for c in store.records.cases(since="2000", until="9999")] == [case_id]

    page.select_option("#pair", index=0)
    chosen = page.locator("#pair").input_value()
    page.fill("#note", "退到了余额，已告知客户")
    page.click("#save-outcome")
    assert "已记录" in page.locator(".flash.ok").inner_text()
    outcomes = store.records.outcomes(since="2000", until="9999")
    filed = store.records.case_by_ref(case_id)
    assert filed is not None
    assert [(o.case_id, f"{o.cause}|{o.resolution}", o.note) for o in outcomes] == [
        (filed.id, chosen, "退到了余额，已告知客户")
    ]


def test_customer_text_is_escaped(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.fill("#order-no", "X1")
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
    screenshot(page, "login")
    page.close()
