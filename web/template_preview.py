"""The live preview of a template field: its Chinese and English texts rendered
on a sample order, as the editor types (``web/static/editor.js`` asks, debounced).

The texts render in the same sandbox and under the same budgets as the
replies (``diagnostics.templates``), with the variables the engine would give
them for the example order, so what the senior sees is what a customer
would. A text the gate would refuse answers its problems in the page's
language instead of a rendering; nothing is written.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from diagnostics.templates import render, template_problems
from diagnostics.variables import order_variables
from graph.store import TokenInfo

from .blueprint import page_role, pages
from .examples import example, examples
from .reasons import say

__all__: list[str] = []

_log = logging.getLogger(__name__)

SAMPLE_ETA_MINUTES = 30
"""The promise a sample rendering shows (a resolution's own is used in a real reply)."""
MAX_TEXT = 4000
"""The schema's longest text; a longer draft is cut, the gate names it on save."""


def _sample(example_id: str) -> tuple[dict[str, Any], datetime]:
    """The example's order and time (the first example when the id is unknown)."""
    case = example(example_id) or example(examples()[0]["id"]) or {}
    body = case.get("request", {})
    order = body.get("order") if isinstance(body.get("order"), dict) else {}
    try:
        now = datetime.fromisoformat(str(body.get("now")))
    except ValueError:
        _log.info("example %s has no time; the preview uses now", example_id)
        now = datetime.now().astimezone()
    return order, now


def _one(text: str, order: dict[str, Any], now: datetime, lang: str) -> dict[str, Any]:
    problems = [say(p) for p in template_problems(text)]
    if problems:
        return {"text": "", "problems": problems}
    variables = order_variables(order, now, lang, eta_minutes=SAMPLE_ETA_MINUTES)
    return {"text": render(text, variables, lang), "problems": []}


@pages.post("/edit/template-preview")
@page_role("senior")
def template_preview(who: TokenInfo) -> ResponseReturnValue:
    """``zh`` and ``en`` rendered on the example order ``example``, as JSON."""
    order, now = _sample(request.form.get("example", "")[:40])
    answer = {
        lang: _one(request.form.get(lang, "")[:MAX_TEXT], order, now, lang)
        for lang in ("zh", "en")
        if lang in request.form
    }
    return jsonify(answer)
