"""The systems page in chromium: axe-core, no console error, and the confirmation
an admin answers before a proposed status is set (issue 23)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.sqlite import SqliteStore

from ..test_outage_pages import _proposal
from .conftest import axe_problems, screenshot

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_systems_page_passes_axe_with_a_proposal_open(
    login: Callable[[str], Any], store: SqliteStore, size: str, lang: str
) -> None:
    _proposal(store)
    page = login("admin")
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    response = page.goto(f"/systems?lang={lang}")
    assert response is not None and response.status == 200
    assert page.locator(".proposal").count() == 1
    assert axe_problems(page) == []
    screenshot(page, f"systems-{size}-{lang}")
    assert errors == []
    if size == "phone":
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= SIZES["phone"][0] + 1


def test_an_admin_confirms_before_the_status_is_set(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    proposal = _proposal(store)
    page = login("admin")
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto("/systems")
    asked: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))  # the admin thinks again: nothing happens
    page.click(f"[data-proposal='{proposal.id}'] button.accept")
    page.wait_for_timeout(300)
    assert store.records.get_proposal(proposal.id).state == "open"  # type: ignore[union-attr]
    page.fill(f"#note-{proposal.id}", "上游确认")
    page.once("dialog", lambda d: answer(d, True))
    page.click(f"[data-proposal='{proposal.id}'] button.accept")
    page.wait_for_selector(".flash.ok")
    assert len(asked) == 2 and "降级" in asked[0]
    assert page.locator("#no-proposals").count() == 1
    row = page.locator("tr[data-system='sup_kx']").inner_text()
    assert "降级" in row and "上游确认" in row
    assert store.records.get_proposal(proposal.id).state == "accepted"  # type: ignore[union-attr]
    assert errors == []
