"""Debian's chromium through playwright, a real server, and a logged-in page.

Skipped, with the reason printed, where chromium is not installed; `make test`
installs it (with fonts-noto-cjk) when it runs as root, as CI does.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite import SqliteStore

from ..conftest import REPO
from ..server import running_server

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "build" / "screenshots"

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is slow (a server and a browser); skip them, saying why,
    where chromium is missing."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.slow)
    if shutil.which(CHROMIUM) is not None:
        return
    reason = f"{CHROMIUM} is not installed (make test installs chromium and fonts-noto-cjk as root)"
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        launched = play.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture()
def server(store: SqliteStore) -> Iterator[str]:
    with running_server(store.path, "--workers", "1") as base:
        yield base


@pytest.fixture()
def login(store: SqliteStore, browser: Any, server: str) -> Iterator[Callable[[str], Any]]:
    """``login(role)``: a fresh page logged in with a new token of that role."""
    contexts = []

    def open_as(role: str) -> Any:
        token = store.create_token(role, f"browser-{role}")
        context = browser.new_context(
            base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("#token", token)
        page.click("#login")
        page.wait_for_url(f"{server}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


NO_TOFU = """() => {
  const canvas = document.createElement('canvas');
  canvas.width = 48;
  canvas.height = 48;
  const g = canvas.getContext('2d');
  const family = getComputedStyle(document.body).fontFamily;
  const draw = (ch) => {
    g.clearRect(0, 0, 48, 48);
    g.font = '36px ' + family;
    g.fillText(ch, 4, 40);
    return g.getImageData(0, 0, 48, 48).data.join(',');
  };
  const tofu = draw('\\uFFFF');
  return [...'卡密无效诊断'].every((ch) => draw(ch) !== tofu);
}"""
"""True when the page's font draws Chinese: no glyph may look like the box of
U+FFFF, a code point no font has (that box is what chromium draws as tofu)."""


def screenshot(page: Any, name: str) -> None:
    """Save the whole page under build/screenshots/, after checking CJK renders."""
    assert page.evaluate(NO_TOFU), "Chinese renders as tofu boxes: install fonts-noto-cjk"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


AXE = HERE / "vendor" / "axe.min.js"
"""axe-core 4.14.1 (npm, MPL-2.0), vendored for the accessibility checks; never served."""


def axe_problems(page: Any) -> list[str]:
    """The serious and critical axe-core violations of ``page`` as it is now.

    The script is evaluated through the DevTools protocol, which the pages'
    Content-Security-Policy does not govern, so nothing about the pages changes.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['nodes'][:3])}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
