"""The README's screenshots: the console with an answer and the training page.

Every run takes them (so a change that breaks them fails here) and writes them to
``build/screenshots/docs/``; ``make docs-shots`` sets ``KGDIAG_DOCS_SHOTS=1`` and
writes them to ``docs/`` instead, to refresh the README. Each stays small (a
reduced scale, not a second image library) so the repository does not grow.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..conftest import REPO
from .conftest import SCREENSHOTS

LIMIT = 150 * 1024
"""Bytes per README screenshot."""


def _target() -> Path:
    folder = REPO / "docs" if os.environ.get("KGDIAG_DOCS_SHOTS") == "1" else SCREENSHOTS / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _small(page: Any, name: str) -> Path:
    """A viewport screenshot at CSS-pixel scale 0.6 (the context's device scale)."""
    path = _target() / f"{name}.png"
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(path), scale="device", animations="disabled", caret="hide")
    assert 0 < path.stat().st_size <= LIMIT, (path, path.stat().st_size)
    return path


def test_the_readme_screenshots(browser: Any, login: Callable[[str], Any], server: str) -> None:
    agent = login("agent")
    context = browser.new_context(
        base_url=server,
        locale="zh-CN",
        viewport={"width": 1280, "height": 860},
        device_scale_factor=0.6,
        storage_state=agent.context.storage_state(),
    )
    page = context.new_page()
    page.goto("/?example=ex-12&lang=zh")
    page.click("#diagnose")
    page.wait_for_selector("#answer")
    # what the shot must show: the priority badge, the reply and the steps
    for shown in ("#answer .badge", "#reply", "#answer ol.steps"):
        assert page.locator(shown).first.is_visible(), shown
    page.evaluate("window.scrollTo(0, 0)")
    console = _small(page, "console")
    page.goto("/train/card_key_invalid?lang=zh")
    page.wait_for_function("() => window.kgdiagGraph && window.kgdiagGraph.nodes().length > 3")
    training = _small(page, "training")
    context.close()
    assert console.read_bytes()[:8] == training.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
