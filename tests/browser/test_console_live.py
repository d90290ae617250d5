"""The console's live behaviour (issue 22): a reload files no second case, the
countdown runs on the server's clock, contradictions are shown beside the step,
and the English answer is English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from graph.sqlite import SqliteStore

from .conftest import axe_problems, screenshot
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


def test_a_record_against_an_automatic_check_is_warned_beside_the_step(
    login: Callable[[str], Any],
) -> None:
    for size, (width, height) in {"desktop": (1440, 900), "phone": (390, 844)}.items():
        page = login("agent")
        page.set_viewport_size({"width": width, "height": height})
        errors = _errors(page)
        _diagnose_example(page, "ex-12")
        page.locator("li[data-check=find_refund_in_wallet] button.fail-button").click()
        expect(page.locator("#recorded li[data-check=find_refund_in_wallet]")).to_have_count(1)
        assert page.locator(".warning").count() == 0
        # Then fresher order facts arrive (as when the shop's database answers
        # again): the refund went back the original way, an automatic check sees it.
        page.evaluate(
            "() => { const box = document.querySelector('#work input[name=order]');"
            " const body = JSON.parse(box.value); body.order.refund.to = 'original';"
            " box.value = JSON.stringify(body); }"
        )
        page.locator("li[data-check=check_refund_with_gateway] button.pass-button").click()
        warning = page.locator("#recorded li[data-check=find_refund_in_wallet] .warning")
        expect(warning).to_have_count(1)
        assert warning.get_attribute("data-against") == "refund_went_to_balance"
        assert "与自动检查矛盾" in warning.inner_text() and "两者都计入排序" in warning.inner_text()
        assert page.locator("#reply-kind").inner_text().startswith("核实中")
        page.click("#auto-findings summary")
        other = page.locator("#auto-findings li[data-check=refund_went_to_balance] .warning")
        expect(other).to_have_count(1)
        assert axe_problems(page) == []
        warning.scroll_into_view_if_needed()
        screenshot(page, f"console-contradiction-{size}-zh")
        assert errors == []


CJK_OUTSIDE_THEIR_WORDS = """(words) => {
  const cjk = /[\\u3000-\\u303f\\u3400-\\u9fff\\uff00-\\uffef]/;
  const panes = document.getElementById('answer-panes');
  const found = [];
  const walker = document.createTreeWalker(panes, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    // The reply is in the customer's language; a form's values are the order itself.
    if (node.parentElement.closest('#reply, script, textarea')) continue;
    let text = node.textContent;
    for (const word of words) text = text.split(word).join('');
    if (cjk.test(text)) found.push(node.textContent.trim());
  }
  for (const option of panes.querySelectorAll('option')) {
    if (cjk.test(option.textContent)) found.push(option.textContent.trim());
  }
  return found;
}"""
"""The Chinese text in the answer panes outside the reply, once the customer's
words and the order's own strings are taken out."""


def _their_words(body: Any) -> list[str]:
    """Every string of a request: the customer's words and the order's data."""
    if isinstance(body, dict):
        return [w for v in body.values() for w in _their_words(v)]
    if isinstance(body, list):
        return [w for v in body for w in _their_words(v)]
    return [body] if isinstance(body, str) else []


def test_the_english_console_answer_is_english(login: Callable[[str], Any]) -> None:
    from web.examples import examples

    page = login("agent")
    page.set_viewport_size({"width": 1440, "height": 900})
    errors = _errors(page)
    # A solved case first, so the answers show similar cases too.
    _diagnose_example(page, "ex-12")
    page.click("#save-outcome")
    page.goto("/?lang=en")
    checked = 0
    problems: list[str] = []
    for case in examples():
        case_id = case["id"]
        _diagnose_example(page, case_id)
        words = sorted(_their_words(case["request"]), key=len, reverse=True)
        found = page.evaluate(CJK_OUTSIDE_THEIR_WORDS, words)
        problems.extend(f"{case_id}: {text}" for text in found)
        checked += 1
        if case_id == "ex-12":
            assert page.locator("#similar li").first.inner_text() != "none"
            screenshot(page, "console-english-answer-desktop-en")
            page.set_viewport_size({"width": 390, "height": 844})
            screenshot(page, "console-english-answer-phone-en")
            page.set_viewport_size({"width": 1440, "height": 900})
    assert problems == []
    assert checked == len(examples())
    assert errors == []
