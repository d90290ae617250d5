"""The console from the order number alone, in chromium, against the shop's MariaDB."""

from __future__ import annotations

from typing import Any

import pytest

from graph.sqlite import SqliteStore

from ..server import running_server
from ..shop_server import MariaDB, ro_dsn
from .conftest import screenshot


def test_order_number_and_words_give_the_answer_without_json(
    shop_mariadb: MariaDB, store: SqliteStore, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGDIAG_SHOP_DB", ro_dsn(shop_mariadb, "dujiaoka"))
    monkeypatch.setenv("KGDIAG_SHOP_SYSTEM", "dujiaoka")
    token = store.create_token("agent", "browser-shop-agent")
    with running_server(store.path, "--workers", "1") as base:
        context = browser.new_context(
            base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        try:
            page = context.new_page()
            page.goto("/login")
            page.fill("#token", token)
            page.click("#login")
            page.wait_for_url(f"{base}/")
            # The order number field has the focus: an agent just types.
            assert page.evaluate("document.activeElement.id") == "order-no"
            assert not page.locator("#order").is_visible()  # JSON waits under "advanced"
            page.keyboard.type("DJ20261130B1")
            page.fill("#message", "付了钱但是一直没收到卡密")
            page.press("#message", "Control+Enter")
            page.wait_for_selector("#answer")
            lookup = page.locator("#order-lookup")
            assert "已从dujiaoka读取订单 DJ20261130B1" in lookup.inner_text()
            assert lookup.get_attribute("class") == "lookup-found"
            causes = page.locator("#causes > li")
            assert causes.first.get_attribute("data-cause") == "stock_shortage"
            assert page.locator("#reply").inner_text()
            screenshot(page, "console-order-number")
        finally:
            context.close()
