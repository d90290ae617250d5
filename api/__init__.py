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

from . import browse, cases, editing, insights, openapi, systems  # noqa: F401  (routes)
from .common import health, v1
from .errors import register_error_handlers
from .settings import SETTINGS

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``KGDIAG_DB`` names the store (it must exist)."""
    app = Flask(__name__)
    for setting in SETTINGS:
        raw = os.environ.get(setting.name)
        app.config[setting.name] = setting.default if raw is None else setting.kind(raw)
    if test_config is not None:
        app.config.from_mapping(test_config)
    # Bodies over this size get 413 before they are read.
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["KGDIAG_MAX_BODY_BYTES"])
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["kgdiag_store"] = open_store(app.config["KGDIAG_DB"])
    register_error_handlers(app)
    app.register_blueprint(health)
    app.register_blueprint(v1)
    return app
