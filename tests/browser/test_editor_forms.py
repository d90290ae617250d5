"""The editor's forms in chromium: links as form rows, new nodes, the variable
picker and the live preview; axe and the console on those pages (issue 22)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.sqlite import SqliteStore

from .conftest import axe_problems, screenshot
from .test_editor_pages import WIDEST

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
REFUSED = "Failed to load resource: the server responded with a status of 400"
"""Chromium's console line for a refused form's page: the page answers 400 on purpose."""


def _errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    return errors


def test_a_link_added_through_the_form_is_in_the_graph_and_the_audit_log(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    errors = _errors(page)
    revision = store.revision()
    page.goto("/edit/region_lock")
    page.click("#add-tested_by > summary")
    form = page.locator("form.link-form[data-type=tested_by]")
    form.locator("select[name=target]").select_option("key_paste_noise")
    form.locator("input[name='e.p_fail']").fill("0.3")
    form.locator("details.more-fields > summary").click()  # the optional meaning
    form.locator("textarea[name='e.meaning.fail.zh']").fill("复制时混入了空格")
    form.locator("textarea[name='e.meaning.fail.en']").fill("a space came with the copy")
    form.locator("input[name=message]").fill("地区锁定的客户也常粘贴出错")
    form.locator("#link-tested_by").click()
    page.wait_for_selector(".flash.ok")
    assert store.revision() == revision + 1
    data = dict(store.snapshot().out_edges("region_lock", "tested_by"))["key_paste_noise"]
    assert data["p_fail"] == 0.3 and data["meaning"]["fail"]["zh"] == "复制时混入了空格"
    assert store.history(limit=1)[0].message == "地区锁定的客户也常粘贴出错"
    row = page.locator("section[data-edge='region_lock>key_paste_noise']")
    assert row.locator("input[name='e.p_fail']").input_value() == "0.3"
    screenshot(page, "editor-link-added")
    page.goto("/history")
    assert (
        "地区锁定的客户也常粘贴出错"
        in page.locator(f"tr[data-revision='{revision + 1}']").inner_text()
    )
    assert errors == []


def test_a_bad_prior_is_said_at_the_field_and_the_draft_kept(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    errors = _errors(page)
    revision = store.revision()
    page.goto("/edit/card_key_invalid?lang=en")
    row = page.locator("section[data-edge='card_key_invalid>region_lock']")
    prior = row.locator("input[name='e.prior']")
    prior.fill("1.5")
    problem = row.locator("[data-field=prior] .field-problem")
    assert "out of range" in problem.inner_text()  # said as it is typed, before a save
    row.locator("input[name=message]").fill("seen more often")
    row.locator("button[value=update]").click()
    page.wait_for_load_state("load")
    row = page.locator("section[data-edge='card_key_invalid>region_lock']")
    assert row.locator("input[name='e.prior']").input_value() == "1.5"
    assert row.locator("input[name=message]").input_value() == "seen more often"
    assert "out of range" in row.locator("[data-field=prior] .field-problem").inner_text()
    assert row.locator("input[name='e.prior']").get_attribute("aria-invalid") == "true"
    assert store.revision() == revision
    screenshot(page, "editor-bad-prior")
    assert [e for e in errors if not e.startswith(REFUSED)] == []


def test_unlink_from_a_form_row_is_confirmed_first(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    page.goto("/edit/region_lock")
    page.click("#add-tested_by > summary")
    form = page.locator("form.link-form[data-type=tested_by]")
    form.locator("select[name=target]").select_option("key_paste_noise")
    form.locator("input[name='e.p_fail']").fill("0.2")
    form.locator("#link-tested_by").click()
    page.wait_for_selector(".flash.ok")
    revision = store.revision()
    page.click("section[data-edge='region_lock>key_paste_noise'] button.unlink")
    assert "key_paste_noise" in page.locator("#unlink-question").inner_text()
    assert store.revision() == revision
    page.fill("#unlink-message", "试过了，不相关")
    page.click("#confirm-unlink")
    page.wait_for_selector(".flash.ok")
    assert store.revision() == revision + 1
    assert "key_paste_noise" not in dict(store.snapshot().out_edges("region_lock", "tested_by"))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_editor_form_pages_pass_axe(
    login: Callable[[str], Any], store: SqliteStore, size: str, lang: str
) -> None:
    page = login("senior")
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    errors = _errors(page)
    problems: dict[str, list[str]] = {}
    for name, path in {
        "edit-cause": "/edit/region_lock",
        "edit-check": "/edit/key_paste_noise",
        "edit-resolution": "/edit/" + sorted(store.snapshot().nodes_of_type("Resolution"))[0],
        "new-check": "/edit/new/Check",
        "new-symptom": "/edit/new/Symptom",
    }.items():
        page.goto(f"{path}?lang={lang}")
        page.wait_for_load_state("networkidle")
        for summary in page.locator("details > summary").all():
            summary.click()  # axe checks what is folded too
        if found := axe_problems(page):
            problems[path] = found
        if size == "phone":  # nothing of the page's own is wider than the phone
            assert page.evaluate(WIDEST) <= width + 1, path
        screenshot(page, f"{name}-forms-{size}-{lang}")
    assert problems == {}
    assert errors == []


def _fill_new_check(page: Any, node_id: str) -> None:
    page.fill("input[name='f.id']", node_id)
    texts = {
        "title": ("核对卡面地区标识", "Check the region mark on the card"),
        "description": ("看卡密图片上的地区标识", "Look at the region mark of the key"),
        "findings.pass": ("卡面地区与账号地区一致", "The card's region matches the account"),
        "findings.fail": ("卡面地区与账号地区不一致", "The card's region differs"),
    }
    for name, (zh, en) in texts.items():
        page.fill(f"textarea[name='f.{name}.zh']", zh)
        page.fill(f"textarea[name='f.{name}.en']", en)
    page.select_option("select[name='f.mode']", "manual")
    page.fill("input[name='f.cost_minutes']", "3")
    page.fill("input[name='f.p_fail_otherwise']", "0.05")
    page.click("#new-node-form > details.more-fields > summary")
    page.fill("textarea[name='f.instructions.zh']", "打开卡面图片，看右下角的地区标识")
    page.fill(
        "textarea[name='f.instructions.en']", "Open the card picture and read its region mark"
    )
    page.fill("#new-node-message", "新增人工检查")


def test_a_new_node_created_in_the_form_is_in_the_graph(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    errors = _errors(page)
    revision = store.revision()
    page.goto("/edit")
    page.click("a[data-new=Check]")
    # The id is checked at the field as it is typed.
    page.fill("input[name='f.id']", "Key-Region")
    assert "不能作为编号" in page.locator("#f-id-problem").inner_text()
    _fill_new_check(page, "key_region_label")
    assert page.locator("#f-id-problem").is_hidden()
    links = page.locator("fieldset[data-group='tested_by-in']")
    links.locator("select[name='l1.other']").select_option("region_lock")
    links.locator("input[name='l1.e.p_fail']").fill("0.8")
    screenshot(page, "editor-new-node")
    page.click("#create")
    page.wait_for_selector(".flash.ok")
    assert store.revision() == revision + 1
    snapshot = store.snapshot()
    assert snapshot.node_type("key_region_label") == "Check"
    assert "key_region_label" in dict(snapshot.out_edges("region_lock", "tested_by"))
    assert page.url.endswith("/edit/key_region_label")
    page.goto("/edit?q=核对卡面地区标识")
    assert page.locator("#hits a", has_text="核对卡面地区标识").count() == 1
    assert errors == []


def test_a_new_node_that_breaks_lint_is_refused_and_the_draft_kept(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    revision = store.revision()
    page.goto("/edit/new/Check?lang=en")
    _fill_new_check(page, "key_region_label")  # and no link: nothing leads to it
    page.click("#create")
    page.wait_for_load_state("load")
    assert "unreachable" in page.locator("#findings").inner_text()
    assert page.locator("input[name='f.id']").input_value() == "key_region_label"
    assert (
        page.locator("textarea[name='f.findings.fail.zh']").input_value()
        == "卡面地区与账号地区不一致"
    )
    assert page.locator("#new-node-message").input_value() == "新增人工检查"
    assert store.revision() == revision
    assert not store.snapshot().has_node("key_region_label")
    assert axe_problems(page) == []
    screenshot(page, "editor-new-node-refused")


def test_the_picker_inserts_at_the_cursor_and_the_preview_follows(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("senior")
    errors = _errors(page)
    resolution = sorted(store.snapshot().nodes_of_type("Resolution"))[0]
    page.goto(f"/edit/{resolution}")
    field = page.locator("fieldset[data-field=reply]")
    box = field.locator("textarea[name='f.reply.zh']")
    box.fill("您好，订单已处理")
    box.evaluate("(area) => { area.focus(); area.setSelectionRange(5, 5); }")  # after 订单
    field.locator("details.variables > summary").click()
    field.locator("button.insert-variable[data-variable=order_no]").click()
    assert box.input_value() == "您好，订单{{ order_no }}已处理"
    preview = field.locator(".live-preview .preview-zh")
    order_no = "X7Q2M9KDA1B3C4D5"  # the order of the first example, ex-01
    page.wait_for_function(
        "([el, no]) => el.textContent.includes(no)", arg=[preview.element_handle(), order_no]
    )
    assert preview.inner_text() == f"您好，订单{order_no}已处理"
    # An unknown variable is said at the field, in the page's language.
    box.fill("供货商 {{ supplier }}")
    problem = field.locator(".live-preview .preview-problem")
    problem.wait_for(state="visible")
    assert "未知变量" in problem.inner_text()
    screenshot(page, "editor-template-preview")
    assert errors == []
