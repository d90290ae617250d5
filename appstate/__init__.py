"""What the JSON API and the pages both read from the running app: the store,
the settings, who is acting.

Its own small package below ``api`` and ``web`` so the pages never import
the API (the app factory in ``api`` mounts the pages; imports point down).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import current_app

from casework import Settings
from diagnostics.outages import OutageRule
from diagnostics.timezone import shop_zone
from graph.store import GraphStore, TokenInfo
from shop import OrderSource

__all__ = ["order_source", "outage_rule", "settings", "store", "token_author"]


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
        retention=_days(float(config["KGDIAG_RETENTION_DAYS"])),
        outages=outage_rule(config),
        outage_check_every=timedelta(seconds=float(config["KGDIAG_OUTAGE_CHECK_SECONDS"])),
    )


def outage_rule(config: Mapping[str, Any]) -> OutageRule:
    """When failing orders propose a system status (``KGDIAG_OUTAGE_*``); a value
    that means nothing raises ValueError, named (the app factory asks at start)."""
    return OutageRule(
        window=timedelta(minutes=float(config["KGDIAG_OUTAGE_WINDOW_MINUTES"])),
        min_orders=int(config["KGDIAG_OUTAGE_MIN_ORDERS"]),
        down_share=float(config["KGDIAG_OUTAGE_DOWN_SHARE"]),
    )


def _days(days: float) -> timedelta | None:
    return timedelta(days=days) if days > 0 else None


def token_author(token: TokenInfo) -> str:
    """A token as the audit log and the records name its holder: name and role."""
    return f"{token.name} ({token.role})"
