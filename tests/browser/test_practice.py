"""Practice mode in a real browser: replay a case, pick checks, name the cause."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import axe_problems, screenshot


def test_practise_a_case(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.click("#nav >> text=练习模式")
    page.click("a[data-scenario=ex-02]")
    assert "cannot be redeemed in my country" in page.locator("#customer-words").inner_text()
    # A costly detour first, then the decisive check.
    # Each pick posts the form: wait for the next page before the next pick.
    page.click("#open-checks button[data-check=check_redemption_record]")
    page.wait_for_selector("#path li[data-check=check_redemption_record]")
    page.click("#open-checks button[data-check=product_region_differs]")
    page.wait_for_selector("#path li[data-check=product_region_differs]")
    path = page.locator("#path > li")
    assert [li.get_attribute("data-check") for li in path.all()] == [
        "check_redemption_record",
        "product_region_differs",
    ]
    # Nothing says "found it" before the trainee names the cause.
    assert page.locator("#path .found").count() == 0
    assert page.locator("#open-checks button[data-check=product_region_differs]").count() == 0
    page.select_option("#guess", "region_lock")
    page.click("#reveal")
    page.wait_for_selector("#verdict-line")
    assert page.locator("#verdict-line").inner_text() == "判断正确"
    assert page.locator("#why").count() == 0  # a right answer needs no explanation
    assert page.locator("#path li[data-check=product_region_differs] .found").count() == 1
    assert page.locator("#true-cause").get_attribute("data-cause") == "region_lock"
    yours = float(page.locator("#your-minutes").inner_text().split()[0])
    engines = float(page.locator("#engine-minutes").inner_text().split()[0])
    assert yours > engines  # the detour cost minutes the engine's order did not spend
    assert page.locator("#engine-path > li").count() >= 1
    screenshot(page, "practice")


def _minutes(text: str) -> float:
    """The number in "~3 min" or "3 min"."""
    return float(text.split("min")[0].strip().lstrip("~").split()[-1])


def test_elapsed_time_is_the_sum_of_the_checks_done(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.goto("/practice/ex-02")
    picked = []
    for done in range(1, 4):
        button = page.locator("#open-checks button").first
        picked.append(_minutes(button.locator("small").inner_text()))
        button.click()
        page.wait_for_function(
            "n => document.querySelectorAll('#path > li[data-check]').length === n", arg=done
        )
    assert page.locator("#path > li").count() == 3
    assert float(page.locator("#minutes").inner_text()) == sum(picked)
    assert "3" in page.locator("#minutes + .muted").inner_text()  # says how it is counted


def test_a_wrong_answer_is_explained(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.goto("/practice/ex-02")  # the true cause is region_lock
    page.select_option("#guess", "paste_format_error")
    page.click("#reveal")
    page.wait_for_selector("#verdict-line")
    assert page.locator("#verdict-line").inner_text() == "判断有误"
    why = page.locator("#telling")
    check = why.get_attribute("data-check")
    assert check in ("product_region_differs", "key_paste_noise")
    assert "区域限制" in why.inner_text() and "复制粘贴格式错误" in why.inner_text()
    assert "你没有做这项检查" in page.locator("#telling-done").inner_text()
    screenshot(page, "practice-wrong")


def test_system_mode_credits_the_automatic_check(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.goto("/practice/ex-01?mode=system")  # the automatic paste check finds it
    assert page.locator("#system-checks").count() == 1
    page.select_option("#guess", "paste_format_error")
    page.click("#reveal")
    page.wait_for_selector("#engine-minutes")
    engine = page.locator("#engine-minutes").inner_text()
    assert "系统自动检查已找到" in engine and "未找到" not in engine
    assert "粘贴" in engine  # names the check that found it


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_practice_pages_pass_axe_without_console_errors(
    login: Callable[[str], Any], lang: str, width: int, height: int
) -> None:
    page = login("agent")
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type in ("error", "warning") and "willReadFrequently" not in m.text
            else None
        ),
    )
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/practice?lang={lang}")
    assert axe_problems(page) == []
    screenshot(page, f"practice-list-{lang}-{width}")
    page.goto(f"/practice/ex-02?lang={lang}")
    page.click("#open-checks button[data-check=product_region_differs]")
    page.wait_for_selector("#path li[data-check=product_region_differs]")
    assert axe_problems(page) == []
    page.select_option("#guess", "paste_format_error")
    page.click("#reveal")
    page.wait_for_selector("#why")
    assert axe_problems(page) == []
    screenshot(page, f"practice-{lang}-{width}")
    assert problems == []
