"""Training in a real browser: open a symptom's graph and click through a path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conftest import screenshot


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
    page.wait_for_function("() => window.kgdiagGraph && window.kgdiagGraph.nodes().length > 10")
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
