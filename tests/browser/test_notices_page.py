"""The notices page in a real browser: labelled, accessible, clean under the CSP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.sqlite import SqliteStore

from .conftest import axe_problems, screenshot


def test_the_notices_page_lists_what_customers_were_told(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    for number, text, lang in (
        ("DJ-N1", "您好，您的订单 DJ-N1 已付款成功，卡密发放比平时慢了一些。", "zh"),
        ("DJ-N2", "Hello, your order DJ-N2 is paid, and its key is taking longer.", "en"),
    ):
        store.records.record_notice(
            order_no=number, symptom="card_key_not_received", cause="stock_out",
            supplier="sup_kx", channel="yipay", lang=lang, text=text, case_ref=None,
            next_attempt_at=None,
        )  # fmt: skip
    page = login("agent")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.click("#nav-notices")
    page.wait_for_selector("#notices")
    rows = page.locator("#notices tbody tr")
    assert rows.count() == 2
    assert "DJ-N2" in rows.nth(0).inner_text()  # newest first
    assert "DJ-N1" in rows.nth(1).inner_text() and "卡密发放比平时慢" in rows.nth(1).inner_text()
    assert page.locator("h1").inner_text() == "主动通知"
    assert "sup_kx" not in page.content()
    assert axe_problems(page) == []
    screenshot(page, "notices")
    page.goto(page.url.split("?")[0] + "?lang=en")
    assert page.locator("h1").inner_text() == "Notices"
    assert axe_problems(page) == []
    assert errors == []
