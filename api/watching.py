"""The watch loop inside ``kgdiag serve``: one background greenlet per worker, one runner.

When ``KGDIAG_SHOP_DB`` is set, each gunicorn worker starts
:func:`casework.watch.run_watch` beside its requests (under gevent a thread
is a greenlet; the loop yields between orders). Every worker and every
server tries the store's ``watch`` lease each round and only its holder
works, so two servers never notify twice; a killed holder's lease expires
and another takes over. Started from the worker's ``load`` (``api.serve``),
never from the app factory, so tests and the CLI build apps without a loop.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from appstate import settings
from casework.watch import WatchConfig, run_watch
from shop import DatabaseSource

__all__ = ["start_watch"]

_log = logging.getLogger(__name__)


def start_watch(app: Flask) -> threading.Thread | None:
    """Start the loop for ``app`` (None when no shop database is configured)."""
    source = app.extensions.get("kgdiag_order_source")
    config = app.extensions.get("kgdiag_watch")
    if not isinstance(source, DatabaseSource) or not isinstance(config, WatchConfig):
        return None
    with app.app_context():
        found = settings()
    store = app.extensions["kgdiag_store"]
    thread = threading.Thread(
        target=run_watch, args=(store, source, found, config), name="kgdiag-watch", daemon=True
    )
    thread.start()
    _log.info("watch loop started: every %g minutes", config.minutes)
    return thread
