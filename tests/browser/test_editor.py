"""The senior editor in a real browser, and an agent who cannot edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.sqlite import SqliteStore

from .conftest import screenshot

NEW_PHRASE = "码贴进去按钮是灰的"


def _diagnose(page: Any, message: str) -> str:
    page.goto("/")
    page.fill("#order-no", "E1")
    page.fill("#message", message)
    page.click("#diagnose")
    return str(page.locator("#symptom").inner_text())


def test_senior_edits_a_phrase_and_the_diagnosis_changes(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    assert _diagnose(page, NEW_PHRASE) == "无"  # too vague before the edit
    page.click("#nav-editor")
    page.click("a[data-node=card_key_invalid]")
    phrases = page.locator("textarea[name='f.phrases.zh']")
    phrases.fill(phrases.input_value() + "\n" + NEW_PHRASE)

    # A broken CEL condition is refused inline; nothing is written.
    revision = store.revision()
    cel = page.locator("input[name='f.fits_order']")
    good_cel = cel.input_value()
    cel.fill(good_cel.replace("order.product.kind", "order.product.kindd"))
    page.click("#save")
    assert "kindd" in page.locator("fieldset[data-field=fits_order] .field-problem").inner_text()
    assert store.revision() == revision
    cel.fill(good_cel)

    page.select_option("#preview-example", "ex-01")
    page.click("#preview")
    assert page.locator("#preview-symptom").inner_text() == "卡密无效 / 无法兑换"
    assert page.locator("#preview-reply").inner_text()
    assert store.revision() == revision  # a preview writes nothing
    page.fill("#change-message", "客户说按钮是灰的")
    page.click("#save")
    assert "已保存" in page.locator(".flash.ok").inner_text()
    assert store.revision() == revision + 1
    screenshot(page, "editor")

    assert _diagnose(page, NEW_PHRASE) == "卡密无效 / 无法兑换"

    page.click("#nav-history")
    page.click(f"tr[data-revision='{revision + 1}'] a")
    assert NEW_PHRASE in page.locator("tr[data-field='phrases.zh'] td.add").inner_text()
    screenshot(page, "history")
    page.goto(f"/history/{revision}")
    page.click("#revert")
    # The preview shows what would change and writes nothing until confirmed.
    assert NEW_PHRASE in page.locator("tr[data-field='phrases.zh'] td.del").inner_text()
    assert store.revision() == revision + 1
    page.fill("#revert-reason", "试验结束")
    page.click("#confirm-revert")
    assert store.revision() == revision + 2
    assert _diagnose(page, NEW_PHRASE) == "无"


def test_an_agent_cannot_edit(login: Callable[[str], Any], store: SqliteStore) -> None:
    page = login("agent")
    assert page.locator("#nav-editor").count() == 0
    assert page.locator("#nav-history").count() == 0
    response = page.goto("/edit/card_key_invalid")
    assert response.status == 403
    assert page.locator("#error-message").is_visible()
    screenshot(page, "agent-refused")
    # Even a hand-made form post with a valid CSRF token is refused by the server.
    page.goto("/")
    token = page.locator("input[name=csrf_token]").first.input_value()
    revision = store.revision()
    refused = page.request.post(
        "/edit/card_key_invalid",
        form={
            "csrf_token": token,
            "revision": str(revision),
            "f.title.zh": "改了",
            "action": "save",
        },
    )
    assert refused.status == 403
    refused = page.request.post(
        "/edit/card_key_invalid/edges",
        form={
            "csrf_token": token,
            "revision": str(revision),
            "action": "unlink",
            "source": "card_key_invalid",
            "target": "paste_format_error",
        },
    )
    assert refused.status == 403
    assert store.revision() == revision
