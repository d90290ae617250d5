"""``kgdiag watch``: the watch loop from the command line (one pass with ``--once``).

Reads the same settings as the server (``KGDIAG_SHOP_DB``, ``KGDIAG_WATCH_*``,
``KGDIAG_NOTICE_WEBHOOK*``, ``KGDIAG_TIMEZONE``, ``KGDIAG_STATUS_MAX_AGE_MINUTES``)
from the environment; a wrong one is named on stderr with exit 2.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta

from casework import Settings
from casework.watch import run_watch, watch_config
from diagnostics.timezone import DEFAULT_ZONE, shop_zone
from graph.store import GraphStore
from shop import DatabaseSource, source_from_environment

__all__ = ["watch_command"]


def watch_command(store: GraphStore, *, once: bool) -> int:
    """Run the loop over ``store``; exit 0 after ``--once`` or a stop, 2 on bad settings."""
    try:
        zone = shop_zone(os.environ.get("KGDIAG_TIMEZONE", DEFAULT_ZONE))
        source = source_from_environment(zone)
        config = watch_config(os.environ)
        max_age = float(os.environ.get("KGDIAG_STATUS_MAX_AGE_MINUTES") or 120)
    except ValueError as err:
        print(f"kgdiag: {err}", file=sys.stderr)
        return 2
    if not isinstance(source, DatabaseSource):
        print(
            "kgdiag: KGDIAG_SHOP_DB is not set: the watch loop reads the shop's open orders"
            " from its database (and KGDIAG_SHOP_SYSTEM)",
            file=sys.stderr,
        )
        return 2
    settings = Settings(status_max_age=timedelta(minutes=max_age), zone=zone)
    try:
        report = run_watch(store, source, settings, config, once=once)
    except KeyboardInterrupt:
        return 0
    print(report.line())
    return 0 if report.skipped is None or "lease" in report.skipped else 1
