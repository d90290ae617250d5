"""Every page, at a desktop and a phone size, in Chinese and English (issue 22's acceptance).

The pages are read from the Flask app's ``url_map``: every GET rule of the
``pages`` blueprint, so a page added later is swept without touching this
file. A rule with a URL parameter needs a sample path in ``SAMPLES``; a new one
without a sample fails ``test_every_page_has_a_sample`` saying what to add.
Beside them: the login page (fresh, and refusing a bad token), and the error
pages (404, 403). An expired or revoked session has no page of its own: it is
sent to the login page with ``next=``, which says so; that state is swept too.

For each page, as the lowest role that may open it, at 1440×900 and 390×844,
in zh and en: a screenshot ``build/screenshots/<page>-<lang>-<width>.png``; no
serious or critical axe-core violation; no console error; nothing wider than
the viewport (no horizontal scroll, no element past its right edge outside a
box that scrolls or clips on its own); no button under 36 px. One server, one
browser, one logged-in context per role and language; every finding of every
page is collected and reported together, so one run shows everything to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from casework import Settings, diagnose_case
from graph.model import ChangeSet, Node, Operation
from graph.sqlite import SqliteStore
from graph.store import ROLES, open_store

from ..server import running_server
from .conftest import axe_problems, screenshot

SIZES = ((1440, 900), (390, 844))
LANGS = ("zh", "en")

SAMPLES: dict[str, str] = {
    "/train/<symptom>": "/train/card_key_invalid",
    "/practice/<scenario_id>": "/practice/ex-01",
    "/edit/<node_id>": "/edit/card_key_invalid",
    "/history/<int:revision>": "/history/2",
    "/history/<int:revision>/revert": "/history/1/revert",
    "/cases/<case_ref>": "/cases/{case}",
    "/edit/new/<node_type>": "/edit/new/Cause",
}
"""A path to open for each page rule with a URL parameter (the sweep's store has
the seed as revision 1 and one title edit as revision 2; ``{case}`` is the ref of
the one case it files, an angry customer's, so the queue has a row too)."""

SKIPPED: dict[str, str] = {}
"""GET rules that are no pages, with the reason (none so far)."""


@dataclass(frozen=True)
class Page:
    """One page to sweep: a file name, the path to open, the status it answers."""

    name: str
    path: str
    status: int = 200
    role: str = "lowest"
    """Who opens it: ``lowest``, the lowest role it lets in (found by asking), or a role,
    or ``nobody`` (logged out)."""
    action: str = ""
    """What to do once it is open: ``refuse-login`` (a bad token), ``diagnose``."""


def page_rules(db: Path) -> list[tuple[str, str]]:
    """(endpoint, rule) of every GET page of the ``pages`` blueprint of an app over ``db``."""
    app = create_app({"TESTING": True, "KGDIAG_DB": str(db)})
    found = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if not endpoint.startswith("pages.") or endpoint == "pages.static":
            continue
        if "GET" in (rule.methods or ()) and rule.rule not in SKIPPED:
            found.append((endpoint.removeprefix("pages."), rule.rule))
    return sorted(found, key=lambda pair: pair[1])


def test_every_page_has_a_sample(store: SqliteStore) -> None:
    rules = page_rules(store.path)
    missing = [rule for _, rule in rules if "<" in rule and rule not in SAMPLES]
    assert missing == [], (
        f"pages with URL parameters and no sample path: {missing}; add one to SAMPLES "
        "in tests/browser/test_page_sweep.py so the sweep opens them"
    )
    # every sample still names a page (a renamed rule must not leave a stale sample)
    assert set(SAMPLES) <= {rule for _, rule in rules}


def pages_to_sweep(db: Path, case: str) -> list[Page]:
    swept = [Page(name, SAMPLES.get(rule, rule).format(case=case)) for name, rule in page_rules(db)]
    # `login` is a page of the blueprint: open it logged out, after a session ended, and
    # refusing a bad token
    swept = [p for p in swept if p.name != "login"]
    swept += [
        Page("login", "/login", role="nobody"),
        Page("login-expired", "/login?next=/history", role="nobody"),
        Page("login-refused", "/login", status=401, role="nobody", action="refuse-login"),
        Page("error-404", "/no-such-page", status=404, role="senior"),
        Page("error-403", "/edit", status=403, role="agent"),
        # the console's main state is an answer, shown after a POST
        Page("console-answer", "/?example=ex-12", action="diagnose"),
    ]
    return swept


@pytest.fixture(scope="module")
def sweep_server(tmp_path_factory: pytest.TempPathFactory, seeded_db: Path) -> Iterator[Any]:
    """One server over a copy of the seed with one edit made (so history has two revisions)."""
    path = tmp_path_factory.mktemp("sweep") / "kg.db"
    path.write_bytes(seeded_db.read_bytes())
    store = open_store(path)
    assert isinstance(store, SqliteStore)
    node = store.snapshot().content().nodes["card_key_invalid"]
    data = {**node.data, "title": {"zh": "卡密无效（巡检）", "en": "Card key invalid (sweep)"}}
    change = ChangeSet((Operation("update", "node", node.id, node=Node(node.type, data)),))
    store.apply(change, expected_revision=1, author="sweep (senior)", message="巡检用的修改")
    body = {"symptom": "card_key_not_received", "message": "付了钱一直不发货，骗子吧！！！"}
    answer = diagnose_case(store, body, role="agent", author="sweep-agent", settings=Settings())
    case = str(answer["case_id"])
    with running_server(path, "--workers", "1") as base:
        yield store, base, case
    store.close()


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const clips = (e) => getComputedStyle(e).overflowX !== 'visible'
    && e.getBoundingClientRect().right <= width + 1;
  const inside = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (clips(a)) return true;
    }
    return false;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim()
      ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const wide = [...document.body.querySelectorAll('*')].filter((e) => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= width + 1) return false;
    const s = getComputedStyle(e);
    return s.visibility !== 'hidden' && s.position !== 'fixed' && !inside(e);
  }).slice(0, 5).map((e) => `${name(e)} right=${Math.round(e.getBoundingClientRect().right)}`);
  const short = [...document.querySelectorAll(
    'button, .button, input[type=submit], input[type=button], [role=button]')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.height < 35.5;
  }).slice(0, 5).map((e) => `${name(e)} ${Math.round(e.getBoundingClientRect().height)} px`);
  return {scroll: document.scrollingElement.scrollWidth, width, wide, short};
}"""
"""How wide the document scrolls, the viewport's width, the first elements that
reach past its right edge (outside a box that scrolls or clips them), and the
first buttons under the design system's 36 px."""


def _open(browser: Any, base: str, store: SqliteStore, role: str | None, lang: str) -> Any:
    """A tab in a context of its own, logged in as ``role`` (None: logged out)."""
    context = browser.new_context(base_url=base, locale="zh-CN" if lang == "zh" else "en-US")
    tab = context.new_page()
    tab.goto(f"/login?lang={lang}")
    if role is not None:
        tab.fill("#token", store.create_token(role, f"sweep-{role}-{lang}"))
        tab.click("#login")
        tab.wait_for_url(f"{base}/")
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(_console_line(m)))
    tab.on("pageerror", lambda err: errors.append(f"page error: {err}"))
    tab.kgdiag_errors = errors
    return tab


def _role_of(tabs: dict[str, Any], base: str, path: str) -> str:
    """The lowest role whose session opens ``path`` without a 403."""
    for role in ROLES:
        if tabs[role].context.request.get(f"{base}{path}", max_redirects=0).status != 403:
            return role
    raise AssertionError(f"{path}: every role is refused")


def _visit(tab: Any, swept: Page, lang: str) -> int | None:
    """Open ``swept`` in ``tab`` (and do its action); the status of the page shown."""
    joiner = "&" if "?" in swept.path else "?"
    response = tab.goto(f"{swept.path}{joiner}lang={lang}")
    if swept.action == "refuse-login":
        tab.fill("#token", "not-a-token")
        with tab.expect_navigation() as sent:
            tab.click("#login")
        response = sent.value
    elif swept.action == "diagnose":
        with tab.expect_navigation() as sent:
            tab.click("#diagnose")
        response = sent.value
        tab.wait_for_selector("#answer")
    tab.wait_for_load_state("load")
    if tab.locator("#graph").is_visible():  # the training graph draws after load
        tab.wait_for_function("() => window.kgdiagGraph && window.kgdiagGraph.nodes().length")
    tab.evaluate("document.fonts.ready")
    return response.status if response is not None else None


def _findings(tab: Any, swept: Page, label: str) -> list[str]:
    """What is wrong with the page as ``tab`` shows it now."""
    found = [f"{label}: axe {problem}" for problem in axe_problems(tab)]
    measured = tab.evaluate(OVERFLOW)
    if measured["scroll"] > measured["width"]:
        found.append(f"{label}: scrolls sideways ({measured['scroll']} > {measured['width']} px)")
    found += [f"{label}: wider than the viewport: {wide}" for wide in measured["wide"]]
    found += [f"{label}: button under 36 px: {short}" for short in measured["short"]]
    found += [
        f"{label}: console {line}"
        for line in tab.kgdiag_errors
        if line and not _expected(line, swept, tab.url)
    ]
    return found


def test_every_page_at_every_size_and_language(browser: Any, sweep_server: Any) -> None:
    store, base, case = sweep_server
    swept = pages_to_sweep(store.path, case)
    problems: list[str] = []
    shots = 0
    for lang in LANGS:
        tabs = {role: _open(browser, base, store, role, lang) for role in ROLES}
        tabs["nobody"] = _open(browser, base, store, None, lang)
        roles = {
            p.name: _role_of(tabs, base, p.path) if p.role == "lowest" else p.role for p in swept
        }
        for width, height in SIZES:
            for tab in tabs.values():
                tab.set_viewport_size({"width": width, "height": height})
            for page in swept:
                tab = tabs[roles[page.name]]
                tab.kgdiag_errors.clear()
                label = f"{page.name} {lang} {width}px ({roles[page.name]})"
                status = _visit(tab, page, lang)
                if status != page.status:
                    problems.append(f"{label}: status {status}, not {page.status}")
                screenshot(tab, f"{page.name}-{lang}-{width}")
                shots += 1
                problems += _findings(tab, page, label)
        for tab in tabs.values():
            tab.context.close()
    print(f"\nswept {len(swept)} pages × {len(SIZES)} sizes × {len(LANGS)} languages = {shots}")
    print("\n".join(problems) or "no problems")
    assert shots == len(swept) * len(SIZES) * len(LANGS) >= 4 * len(SAMPLES)
    assert problems == []


def _console_line(message: Any) -> str:
    """A console error as one line with where it came from; '' for other levels."""
    if message.type != "error":
        return ""
    return f"{message.text} @ {message.location.get('url', '')}"


def _expected(line: str, swept: Page, url: str) -> bool:
    """The browser logs the document's own error status: expected on an error page."""
    own = re.escape(url.split("?")[0])
    return (
        swept.status != 200 and re.search(rf"status of {swept.status} .*@ {own}", line) is not None
    )
