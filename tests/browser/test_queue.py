"""The queue page (issue 23): escalations first, then overdue promises, then
those due soon, each with its order number, the due time in the shop's zone
and a backstop reply ready to copy; accessible and clean under the CSP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from casework import Settings, diagnose_case
from graph.sqlite import SqliteStore

from .conftest import axe_problems, screenshot

AUTHOR = "browser-agent (agent)"
"""The records' name of the token ``login("agent")`` makes: its own cases show their numbers."""


def _file(store: SqliteStore, body: dict[str, Any]) -> dict[str, Any]:
    return diagnose_case(store, body, role="agent", author=AUTHOR, settings=Settings())


def test_the_queue_lists_escalations_then_overdue_then_due_soon(
    store: SqliteStore, login: Callable[[str], Any]
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    late = _file(
        store,
        {
            "symptom": "card_key_not_received",
            "order": {"order_no": "Q-LATE-0001", "status": "processing"},
            "now": (now - timedelta(minutes=45)).isoformat(),
        },
    )
    soon = _file(
        store,
        {
            "symptom": "card_key_invalid",
            "order": {"order_no": "Q-SOON-0002", "status": "completed"},
            "now": now.isoformat(),
        },
    )
    angry = _file(
        store,
        {
            "symptom": "card_key_not_received",
            "message": "骗子！！！付了钱卡密到现在都没收到",
            "order": {
                "order_no": "Q-ANGRY-0003",
                "status": "processing",
                "paid_at": (now - timedelta(hours=2)).isoformat(),
                "amount": {"total": 120.0, "currency": "CNY"},
                "product": {"name": "Steam 钱包充值卡", "kind": "card_key", "normal_minutes": 5},
            },
            "now": now.isoformat(),
        },
    )
    assert angry["escalation"] is not None

    page = login("agent")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.click("#nav-queue")
    page.wait_for_url("**/queue")

    escalation = page.locator("#escalations li")
    assert escalation.count() == 1
    assert "Q-ANGRY-0003" in escalation.first.inner_text()
    assert "主管" in escalation.first.locator("textarea").input_value()
    overdue = page.locator("#overdue li")
    assert [overdue.nth(i).get_attribute("data-case") for i in range(overdue.count())] == [
        late["case_id"]
    ]
    assert "Q-LATE-0001" in overdue.first.inner_text()
    assert "承诺已超时" in overdue.first.inner_text()
    # the backstop of "key not received" is a full refund: its reply is offered
    assert "退款" in overdue.first.locator("textarea").input_value()
    assert overdue.first.locator(".needs-role").count() == 1  # a refund is a senior's to do
    due_soon = page.locator("#due-soon li")
    cases = [due_soon.nth(i).get_attribute("data-case") for i in range(due_soon.count())]
    assert soon["case_id"] in cases and late["case_id"] not in cases
    # the section order: escalations, then overdue, then due soon
    tops = [
        page.locator(f"#{s}").bounding_box()["y"] for s in ("escalations", "overdue", "due-soon")
    ]
    assert tops == sorted(tops)
    due = soon["promise"]["due_at"]
    assert due.endswith("+08:00")
    assert f"{datetime.fromisoformat(due):%H:%M}" in due_soon.first.inner_text()

    overdue.first.locator("button.copy-backstop").click()
    page.wait_for_function(
        "() => document.querySelector('#overdue .copy-status').textContent.length > 0"
    )
    assert axe_problems(page) == []
    screenshot(page, "queue")

    overdue.first.get_by_role("link").click()
    page.wait_for_url(f"**/cases/{late['case_id']}")
    assert "Q-LATE-0001" in page.locator("#case").inner_text()
    assert axe_problems(page) == []
    page.goto("/queue?lang=en")
    assert page.locator("h1").inner_text() == "Promise queue"
    assert axe_problems(page) == []
    assert errors == []
