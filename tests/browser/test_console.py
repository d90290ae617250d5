"""The agent console in a real browser (Debian's chromium through playwright).

Skipped, with the reason printed, where chromium is not installed; `make test`
installs it (with fonts-noto-cjk) when it runs as root, as CI does.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from graph.sqlite import SqliteStore

from ..conftest import REPO, SHARED
from ..server import running_server

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "build" / "screenshots"
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason=f"{CHROMIUM} is not installed (make test installs chromium and fonts-noto-cjk as root)",
)


@pytest.fixture()
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        launched = play.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def _example(case_id: str) -> dict[str, Any]:
    cases = yaml.safe_load((SHARED / "examples" / "cases.yaml").read_text(encoding="utf-8"))
    found: dict[str, Any] = next(c for c in cases if c["id"] == case_id)
    return found


def test_agent_diagnoses_an_example_and_copies_the_reply(store: SqliteStore, browser: Any) -> None:
    token = store.create_token("agent", "browser-agent")
    request = _example("ex-03")["request"]
    message = request.pop("message")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with running_server(store.path, "--workers", "1") as base:
        context = browser.new_context(base_url=base, locale="zh-CN")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        page = context.new_page()
        page.goto("/")
        assert "/login" in page.url
        page.fill("#token", "wrong")
        page.click("#login")
        assert page.locator("[role=alert]").inner_text() == "令牌无效或已吊销"
        page.fill("#token", token)
        page.click("#login")
        page.fill("#order", json.dumps(request, ensure_ascii=False))
        page.fill("#message", message)
        page.click("#diagnose")
        first = page.locator("#causes > li").first
        assert first.get_attribute("data-cause") == "supplier_interface_outage"
        assert page.locator("#priority").inner_text().startswith("P")
        reply = page.locator("#reply").inner_text()
        assert reply and "sup" not in reply.lower()
        page.click("#copy")
        assert page.locator("#copy").inner_text() == "已复制"
        assert page.evaluate("navigator.clipboard.readText()") == reply
        page.screenshot(path=str(SCREENSHOTS / "console.png"), full_page=True)
        page.click("#lang-switch")
        assert page.locator("#diagnose").inner_text() == "Diagnose"
        context.close()


def test_customer_text_is_escaped(store: SqliteStore, browser: Any) -> None:
    token = store.create_token("agent", "browser-agent")
    with running_server(store.path, "--workers", "1") as base:
        page = browser.new_page(base_url=base)
        page.goto("/login")
        page.fill("#token", token)
        page.click("#login")
        page.fill("#order", json.dumps({"order_no": "X1"}))
        page.fill("#message", "卡密无效 <img src=x onerror=\"document.title='pwned'\">")
        page.click("#diagnose")
        assert page.title() != "pwned"
        assert "<img" in page.locator("#message").input_value()
        assert page.locator("img").count() == 0


def test_form_posts_without_csrf_token_are_refused(store: SqliteStore) -> None:
    from api import create_app

    app = create_app({"KGDIAG_DB": str(store.path)})
    client = app.test_client()
    token = store.create_token("agent", "csrf")
    response = client.post("/login", data={"token": token})
    assert response.status_code == 400
    assert "csrf" in response.get_json()["error"]["message"].lower()
