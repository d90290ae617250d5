"""What every route module shares: the blueprints, the store, the settings, ETags."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, g

from diagnostics.casework import Settings
from diagnostics.conditions import parse_time
from diagnostics.timezone import shop_zone
from graph.store import GraphStore, TokenInfo
from shop import OrderSource

__all__ = [
    "author",
    "health",
    "order_source",
    "record_bounds",
    "settings",
    "store",
    "tagged",
    "time_window",
    "v1",
]

health = Blueprint("health", __name__)
v1 = Blueprint("v1", __name__, url_prefix="/v1")


def store() -> GraphStore:
    """The process's store (one per gunicorn worker, shared by its threads)."""
    found: GraphStore = current_app.extensions["kgdiag_store"]
    return found


def order_source() -> OrderSource:
    """Where orders are read by their number (``KGDIAG_SHOP_DB``, ``KGDIAG_ORDER_HOOK``)."""
    found: OrderSource = current_app.extensions["kgdiag_order_source"]
    return found


def settings() -> Settings:
    """How far records are trusted, from the app's configuration."""
    config = current_app.config
    return Settings(
        status_max_age=timedelta(minutes=float(config["KGDIAG_STATUS_MAX_AGE_MINUTES"])),
        prior_weight=float(config["KGDIAG_PRIOR_WEIGHT"]),
        zone=shop_zone(str(config["KGDIAG_TIMEZONE"])),
    )


def token_author(token: TokenInfo) -> str:
    """A token as the audit log and the records name its holder: name and role."""
    return f"{token.name} ({token.role})"


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
