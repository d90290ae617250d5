"""Proactive notices (``casework.watch``): what the watcher told customers, newest first."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from casework.notice_views import notice_list

from . import responses
from .common import settings, store, v1
from .spec import Param, endpoint

__all__: list[str] = []


@endpoint(
    v1,
    "GET",
    "/v1/notices",
    summary="Notices sent to customers before they asked (the watch loop)",
    role="agent",
    tag="cases",
    query=(
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
        Param("before", {"type": "integer", "minimum": 1}),
    ),
    response=responses.NoticeList,
)
def get_notices(query: dict[str, Any]) -> Response:
    """Each with the order number, the diagnosed cause, the text and whether it was sent;
    ``before`` (the previous page's ``next_before``) pages on."""
    found = notice_list(
        store(), limit=query["limit"], before=query.get("before"), zone=settings().zone
    )
    return jsonify(found)
