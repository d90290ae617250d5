"""What every route module shares: the blueprints, ETags, time windows; the store and
the settings (from ``appstate``, which the pages share too)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, g

from appstate import order_source, settings, store, token_author
from diagnostics.conditions import parse_time

__all__ = [
    "author",
    "health",
    "order_source",
    "record_bounds",
    "settings",
    "store",
    "tagged",
    "time_window",
    "token_author",
    "v1",
]

health = Blueprint("health", __name__)
v1 = Blueprint("v1", __name__, url_prefix="/v1")


def author() -> str:
    """Who is calling this API request (the pages pass their session's token)."""
    return token_author(g.kgdiag_token)


def tagged(response: Response, revision: int) -> Response:
    """Mark a graph read with its revision, the value an edit sends back in If-Match."""
    response.set_etag(str(revision))
    return response


def time_window(query: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """``since`` and ``until`` of a query: until defaults to now, since to 7 days before."""
    until = parse_time(query["until"]) if "until" in query else datetime.now(UTC)
    since = parse_time(query["since"]) if "since" in query else until - timedelta(days=7)
    return since, until


def record_bounds(since: datetime, until: datetime) -> tuple[str, str]:
    """Bounds for the records' second-precision UTC times that lose no record of
    ``[since, until)``: since rounded down, until rounded up. Callers that need
    the exact window cut again in Python."""

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat(timespec="seconds")

    return stamp(since), stamp(until + timedelta(seconds=1))
