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
