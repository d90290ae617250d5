"""The pages keep working under their Content-Security-Policy (issue 20, item 7):
no page logs a CSP violation, and the graph still gets its height (set through
the CSSOM now, not an inline style attribute the policy would refuse)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_no_page_breaks_the_policy(login: Callable[[str], Any]) -> None:
    page = login("senior")
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    for path in (
        "/",
        "/train",
        "/train/card_key_invalid",
        "/practice",
        "/edit",
        "/history",
        "/systems",
    ):
        page.goto(path)
        page.wait_for_load_state("load")
        if path == "/train/card_key_invalid":
            page.wait_for_function("() => window.kgdiagGraph && window.kgdiagGraph.nodes().length")
            # the height the script sets through the CSSOM (no inline style) took effect
            height = page.locator("#graph").bounding_box()["height"]
            assert height >= int(page.locator("#graph").get_attribute("data-height")) >= 360
            # cytoscape's own <style> rule (allowed by its hash) took effect
            position = page.evaluate("getComputedStyle(document.getElementById('graph')).position")
            assert position == "relative"
    assert violations == []
