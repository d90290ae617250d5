"""The console's live behaviour (issue 22): a reload files no second case, the
countdown runs on the server's clock, contradictions are shown beside the step,
and the English answer is English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.sqlite import SqliteStore

from .test_console_workspace import _diagnose_example, _errors


def test_reloading_after_diagnose_files_no_second_case(
    login: Callable[[str], Any], store: SqliteStore
) -> None:
    page = login("agent")
    errors = _errors(page)
    _diagnose_example(page, "ex-12")
    case_id = page.locator("#case-id").inner_text()
    with page.expect_request(lambda r: r.method == "POST") as resent:
        page.reload()  # chromium resends the diagnose form
    assert resent.value.post_data and "nonce=" in resent.value.post_data
    page.wait_for_selector("#answer")
    assert page.locator("#case-id").inner_text() == case_id
    assert [c.ref for c in store.records.cases(since="2000", until="9999")] == [case_id]
    assert errors == []


SKEW = "const real = Date.now; Date.now = () => real() + 86400000;"
"""A browser whose clock runs a day ahead of the server's."""


def _seconds(clock: str) -> int:
    """'剩余 1:02:03' / '剩余 4:05' -> seconds."""
    parts = [int(p) for p in clock.split()[-1].split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def test_the_countdown_runs_on_the_servers_clock(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.add_init_script(SKEW)
    page.reload()
    errors = _errors(page)
    _diagnose_example(page, "ex-12")  # ex-12 happened on 2026-11-20: drop its time
    page.evaluate(
        "() => { const box = document.getElementById('order');"
        " const body = JSON.parse(box.value); delete body.now;"
        " box.value = JSON.stringify(body); }"
    )
    page.click("#diagnose")
    page.wait_for_selector("#countdown .clock")
    countdown = page.locator("#countdown")
    deadline, server_now = (
        countdown.get_attribute("data-deadline"),
        countdown.get_attribute("data-now"),
    )
    left = page.evaluate(
        "([d, n]) => (Date.parse(d) - Date.parse(n)) / 1000", [deadline, server_now]
    )
    assert 60 < left < 86400  # answered later today by the server's clock
    assert (
        page.evaluate("Date.now() - Date.parse(document.getElementById('countdown').dataset.now)")
        > 86000000
    )
    assert countdown.get_attribute("class") == "countdown"  # not overdue, as a raw clock says
    shown = page.locator("#countdown .clock").inner_text()
    assert shown.startswith("剩余 ")
    assert left - 30 <= _seconds(shown) <= left
    assert errors == []
