"""The notices page: what the watch loop told customers before they asked.

Same function as ``GET /v1/notices`` (``casework.notice_views``): newest first,
the order number, the diagnosed cause, the text and whether the webhook took it.
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from appstate import settings, store
from casework.notice_views import notice_list
from graph.store import TokenInfo

from .blueprint import page_role, pages

__all__: list[str] = []

PAGE = 50


@pages.get("/notices")
@page_role("agent")
def notices(who: TokenInfo) -> ResponseReturnValue:
    """A page of notices; ``?before=<id>`` (the link at the bottom) pages on."""
    raw = request.args.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) <= 18 else None
    found = notice_list(store(), limit=PAGE, before=before, zone=settings().zone)
    snapshot = store().snapshot()
    for item in found["notices"]:
        item["cause_title"] = (
            snapshot.node(item["cause"])["title"] if snapshot.has_node(item["cause"]) else None
        )
    return render_template("notices.html", **found)
