"""Practice mode in a real browser: replay a case, pick checks, name the cause."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conftest import screenshot


def test_practise_a_case(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.click("#nav >> text=练习模式")
    page.click("a[data-scenario=ex-02]")
    assert "cannot be redeemed in my country" in page.locator("#customer-words").inner_text()
    # A costly detour first, then the decisive check.
    page.click("#open-checks button[data-check=check_redemption_record]")
    page.click("#open-checks button[data-check=product_region_differs]")
    path = page.locator("#path > li")
    assert [li.get_attribute("data-check") for li in path.all()] == [
        "check_redemption_record",
        "product_region_differs",
    ]
    assert page.locator("#path li[data-check=product_region_differs] .found").count() == 1
    assert page.locator("#open-checks button[data-check=product_region_differs]").count() == 0
    page.select_option("#guess", "region_lock")
    page.click("#reveal")
    assert page.locator("#verdict-line").inner_text() == "判断正确"
    assert page.locator("#true-cause").get_attribute("data-cause") == "region_lock"
    yours = float(page.locator("#your-minutes").inner_text().split()[0])
    engines = float(page.locator("#engine-minutes").inner_text().split()[0])
    assert yours > engines  # the detour cost minutes the engine's order did not spend
    assert page.locator("#engine-path > li").count() >= 1
    screenshot(page, "practice")
