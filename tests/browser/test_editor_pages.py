"""The editor and history pages at desktop and phone sizes, in Chinese and English:
no serious or critical axe-core violation, no console error, a screenshot of each
(issue 22)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.sqlite import SqliteStore

from .conftest import axe_problems, screenshot

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


def _edit_title(page: Any, title: str) -> None:
    page.goto("/edit/card_key_invalid")
    page.fill("textarea[name='f.title.zh']", title)
    page.fill("#change-message", "浏览器测试")
    page.click("#save")
    page.wait_for_selector(".flash.ok")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_editor_and_history_pages_pass_axe(
    login: Callable[[str], Any], store: SqliteStore, size: str, lang: str
) -> None:
    page = login("senior")
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    first = store.revision()
    _edit_title(page, "卡密无效（测试）")
    paths = {
        "edit-index": "/edit",
        "edit-node": "/edit/card_key_invalid",
        "history": "/history",
        "revision": "/history/1",
        "revert-preview": f"/history/{first}/revert",
        "candidates": "/candidates",
    }
    problems: dict[str, list[str]] = {}
    for name, path in paths.items():
        response = page.goto(f"{path}?lang={lang}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        if found := axe_problems(page):
            problems[path] = found
        screenshot(page, f"{name}-{size}-{lang}")
    assert problems == {}
    assert errors == []
    if size == "phone":  # nothing of these pages' own is wider than the phone's screen
        for path in ("/edit/card_key_invalid", "/history/1", f"/history/{first}/revert"):
            page.goto(f"{path}?lang={lang}")
            right = page.evaluate(WIDEST)
            assert right <= width + 1, path


WIDEST = """() => Math.max(...[...document.querySelectorAll('main *')]
  .filter(e => !e.closest('.table-scroll'))
  .map(e => e.getBoundingClientRect().right))"""
"""The right edge of the widest element in <main> (the header is the console's; a
diff table scrolls inside its own box)."""


def test_a_bad_number_in_the_browser_keeps_the_draft(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    revision = store.revision()
    page.goto("/edit/card_key_invalid?lang=en")
    page.fill("textarea[name='f.title.en']", "Key invalid (draft)")
    page.fill("input[name='f.service_level.resolve_minutes']", "12o")
    page.click("#save")
    field = page.locator("fieldset[data-field='service_level.resolve_minutes']")
    assert field.locator("input").input_value() == "12o"
    assert "not a number" in field.locator(".field-problem").inner_text()
    assert page.locator("textarea[name='f.title.en']").input_value() == "Key invalid (draft)"
    assert store.revision() == revision
    screenshot(page, "edit-node-bad-number")


def test_unlink_is_confirmed_on_its_own_page(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    page.goto("/edit/region_lock")
    page.click("#advanced-link > summary")  # the YAML way still works
    page.select_option("#link-type", "tested_by")
    page.fill("#link-target", "key_paste_noise")
    page.fill("#link-data", "p_fail: 0.2")
    page.click("#link")
    page.wait_for_selector(".flash.ok")
    revision = store.revision()
    page.click("section[data-edge='region_lock>key_paste_noise'] button.unlink")
    assert "key_paste_noise" in page.locator("#unlink-question").inner_text()
    assert store.revision() == revision
    assert axe_problems(page) == []
    screenshot(page, "unlink-confirm")
    page.click("#confirm-unlink")
    page.wait_for_selector(".flash.ok")
    assert store.revision() == revision + 1


def test_delete_is_confirmed_on_its_own_page(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    revision = store.revision()
    page.goto("/edit/corpus_coupon_problem")
    page.click("#delete")
    assert page.locator("#delete-edges li").count() >= 1
    assert store.revision() == revision
    assert axe_problems(page) == []
    screenshot(page, "delete-confirm")
    page.fill("#delete-message", "并入别处")
    page.click("#confirm-delete")
    page.wait_for_selector(".flash.ok")
    assert store.revision() == revision + 1
    assert not store.snapshot().has_node("corpus_coupon_problem")
