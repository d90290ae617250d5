"""Training in a real browser: open a symptom's graph and click through a path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import axe_problems, screenshot


def _click_node(page: Any, node_id: str) -> None:
    """Click a cytoscape node where it is drawn: zoom to it, scroll it into view, click."""
    page.evaluate(
        "id => { const g = window.kgdiagGraph; g.fit(g.getElementById(id).closedNeighborhood()); }",
        node_id,
    )
    where = page.evaluate("id => window.kgdiagGraph.getElementById(id).renderedPosition()", node_id)
    box = page.locator("#graph").bounding_box()
    # resize() drops cytoscape's cached container offset, which a scroll makes stale.
    page.evaluate(
        "dy => { window.scrollBy(0, dy); window.kgdiagGraph.resize(); }",
        box["y"] + where["y"] - 400,
    )
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])
    page.wait_for_function(
        "id => document.getElementById('panel').dataset.node === id", arg=node_id, timeout=5000
    )


def test_open_a_symptom_graph_and_click_through_a_path(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.click("#nav >> text=培训：问题路径")
    page.click("a[data-symptom=card_key_invalid]")
    # A function, not a string: the page's CSP (no 'unsafe-eval') refuses to eval a string.
    page.wait_for_function("() => window.kgdiagGraph && window.kgdiagGraph.nodes().length > 3")
    kinds = page.evaluate(
        "[...new Set(window.kgdiagGraph.nodes().map(n => n.data('kind')))].sort()"
    )
    assert kinds == ["cause", "check", "resolution", "symptom"]
    # dagre lays the path out left to right: symptom, cause, check.
    x = {
        node: page.evaluate("id => window.kgdiagGraph.getElementById(id).position().x", node)
        for node in ("card_key_invalid", "paste_format_error", "key_paste_noise")
    }
    assert x["card_key_invalid"] < x["paste_format_error"] < x["key_paste_noise"]

    _click_node(page, "card_key_invalid")
    assert "卡密复制进去一直提示无效" not in page.locator("#panel-body").inner_text()
    assert "客户常见说法" in page.locator("#panel-body").inner_text()
    _click_node(page, "paste_format_error")
    assert page.locator("#panel-title").inner_text() == "复制粘贴格式错误"
    assert "怎么跟客户说" in page.locator("#panel-body").inner_text()
    _click_node(page, "key_paste_noise")
    assert page.locator("#panel-kind").inner_text() == "检查"
    assert "怎么查" in page.locator("#panel-body").inner_text()
    _click_node(page, "send_clean_key")
    body = page.locator("#panel-body").inner_text()
    assert "处理步骤" in body and "从订单详情复制系统中的原始卡密" in body
    assert page.locator("#panel-edit").count() == 0  # an agent gets no edit link
    page.evaluate("() => { window.kgdiagGraph.fit(); }")  # returns nothing: cy is huge
    screenshot(page, "training")


def _console_errors(page: Any) -> list[str]:
    """Collect the page's console errors and warnings from now on (cytoscape warns there)."""
    found: list[str] = []
    page.on(
        "console",
        lambda m: (
            found.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") and "willReadFrequently" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: found.append(f"pageerror: {e}"))
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_training_pages_pass_axe_without_console_errors(
    login: Callable[[str], Any], lang: str, width: int, height: int
) -> None:
    page = login("agent")
    problems = _console_errors(page)
    page.set_viewport_size({"width": width, "height": height})
    for path, name in (("/train", "training-list"), ("/train/card_key_invalid", "training-graph")):
        page.goto(f"{path}?lang={lang}")
        if path != "/train":
            # The canvas on a desktop; on a phone the outline instead.
            assert page.locator("#graph").is_visible() == (width > 600)
            assert page.locator("#outline").is_visible()
            if width > 600:
                page.wait_for_function(
                    "() => window.kgdiagGraph && window.kgdiagGraph.nodes().length"
                )
                # Text stays readable at fit: no zooming out below 0.8 (15 px × 0.8 = 12 px).
                assert page.evaluate("() => window.kgdiagGraph.zoom()") >= 0.8
                assert not page.evaluate("() => window.kgdiagGraph.userZoomingEnabled()")
        assert axe_problems(page) == [], path
        screenshot(page, f"{name}-{lang}-{width}")
    assert problems == []


def test_edge_meanings_and_outline_are_shown(login: Callable[[str], Any]) -> None:
    page = login("agent")
    page.goto("/train/card_key_invalid?cause=region_lock")
    page.wait_for_function("() => window.kgdiagGraph && window.kgdiagGraph.nodes().length > 3")
    # One cause path is drawn; the others are a list to switch to.
    causes = page.evaluate("() => window.kgdiagGraph.nodes('[kind = \"cause\"]').map(n => n.id())")
    assert causes == ["region_lock"]
    assert (
        page.locator("#cause-list a[aria-current=page]").get_attribute("data-cause")
        == "region_lock"
    )
    assert page.locator("#cause-list a").count() > 5
    # Each tested_by link carries what a failing check means for this cause.
    meanings = page.evaluate(
        "() => window.kgdiagGraph.edges('[kind = \"tested_by\"]').map(e => e.data('meaning'))"
    )
    assert meanings and all(meanings)
    # Resolutions get a column of their own, right of the checks.
    xs = page.evaluate(
        "() => ['check', 'resolution'].map(k => window.kgdiagGraph.nodes(`[kind = \"${k}\"]`)"
        ".map(n => n.position().x))"
    )
    assert max(xs[0]) < min(xs[1])
    # The outline has every cause, the current one open, with each check's meaning.
    assert page.locator("#outline li[data-cause]").count() == page.locator("#cause-list a").count()
    current = page.locator("#outline li[data-cause=region_lock] details")
    assert current.get_attribute("open") is not None
    assert current.locator(".fail-means").count() == len(meanings)
    assert meanings[0] in current.locator(".fail-means").first.inner_text()
    # A keyboard user selects a node from the outline: the panel shows it, the node is highlighted.
    check = current.locator(".outline-check").first.get_attribute("data-check")
    button = current.locator(f"button[data-node={check}]")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.getElementById('panel').dataset.node === id", arg=check, timeout=5000
    )
    assert "查到异常说明" in page.locator("#panel-body").inner_text()
    assert page.evaluate("id => window.kgdiagGraph.getElementById(id).hasClass('chosen')", check)
    # The wheel scrolls the page instead of zooming.
    zoom = page.evaluate("() => window.kgdiagGraph.zoom()")
    page.locator("#graph").hover()
    before = page.evaluate("() => window.scrollY")
    page.mouse.wheel(0, 400)
    page.wait_for_function("y => window.scrollY > y", arg=before, timeout=5000)
    assert page.evaluate("() => window.kgdiagGraph.zoom()") == zoom
    page.click("#zoom-in")
    assert page.evaluate("() => window.kgdiagGraph.zoom()") > zoom
