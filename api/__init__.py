"""The Flask app factory: JSON API under /v1, health check, one error shape.

Like Flask's tutorial app (flaskr): defaults, then the environment, then the
test config; the store is opened once per process (per gunicorn worker) and
shared by its threads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from graph.store import open_store

from .errors import register_error_handlers
from .routes import health, v1

__all__ = ["create_app"]

DEFAULTS: dict[str, Any] = {
    "KGDIAG_DB": "var/kgdiag.db",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "JSON_SORT_KEYS": False,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``KGDIAG_DB`` names the store (it must exist)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if "KGDIAG_DB" in os.environ:
        app.config["KGDIAG_DB"] = os.environ["KGDIAG_DB"]
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["kgdiag_store"] = open_store(app.config["KGDIAG_DB"])
    register_error_handlers(app)
    app.register_blueprint(health)
    app.register_blueprint(v1)
    return app
