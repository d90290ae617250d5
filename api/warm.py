"""Warm a worker: build the served snapshot and its words model before an agent needs them.

Both are derived lazily, so without this the first diagnosis after a start
(or the first after a graph edit) pays for training the symptom model, 2-8 s
on a shared machine: the console's timed test saw 14 s for a first answer.
Each gunicorn worker starts this from its ``load`` (``api.serve``), in the
background, so the worker listens at once and /healthz answers as before; a
request that comes while it runs waits for the same work it would have done
itself. Never from the app factory, so tests and the CLI build apps without it.
A failure is logged and changes nothing: the first request builds them.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from appstate import store
from diagnostics.symptom_model import symptom_model

__all__ = ["start_warm_up", "warm_up"]

_log = logging.getLogger(__name__)


def warm_up(app: Flask) -> bool:
    """Build the snapshot and its symptom model now; True when both are ready."""
    started = time.monotonic()
    try:
        with app.app_context():
            snapshot = store().snapshot()
            symptom_model(snapshot)
    except Exception:  # any store or training error: the first request tries again
        _log.warning("warm-up failed; the first diagnosis builds the model", exc_info=True)
        return False
    _log.info(
        "warm-up: revision %d and its words model ready in %.1f s",
        snapshot.revision,
        time.monotonic() - started,
    )
    return True


def start_warm_up(app: Flask) -> threading.Thread:
    """Run :func:`warm_up` beside the worker's requests (a greenlet under gevent)."""
    thread = threading.Thread(target=warm_up, args=(app,), name="kgdiag-warm", daemon=True)
    thread.start()
    return thread
