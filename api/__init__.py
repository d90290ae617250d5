"""The Flask app factory: JSON API under /v1, health check, one error shape.

Like Flask's tutorial app (flaskr): defaults, then the environment, then the
test config; the store is opened once per process (per gunicorn worker) and
shared by its threads.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_orjson import OrjsonProvider
from flask_wtf.csrf import CSRFProtect

from appstate import outage_rule
from casework.watch import watch_config
from diagnostics.timezone import shop_zone
from graph.errors import StoreUnavailable
from graph.store import open_store
from schema.problems import json_int
from shop import DatabaseSource, order_source

from . import (  # noqa: F401  (routes)
    browse,
    cases,
    editing,
    insights,
    notices,
    openapi,
    promises,
    proposals,
    systems,
)
from .common import health, v1
from .errors import register_error_handlers
from .headers import add_security_headers
from .limits import install_limits
from .logs import configure_logging, log_requests
from .settings import SETTINGS

__all__ = ["create_app"]

_log = logging.getLogger(__name__)


class _JsonProvider(OrjsonProvider):
    """Answers encoded by orjson: a 10 KB diagnosis in tens of µs, not the
    300 µs of the standard encoder (it was a tenth of a diagnose request).
    Bodies are still read by the standard parser: its RecursionError on a
    body nested thousands deep is caught and named (``api.spec``), where
    orjson would only say "not JSON"."""

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self._standard = DefaultJSONProvider(app)
        self._standard.ensure_ascii = False
        self._standard.sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        try:
            return super().dumps(obj, **kwargs)
        except TypeError:  # past orjson: an integer beyond 64 bits (a huge id echoed back)
            _log.warning("orjson could not encode an answer; the standard encoder did")
            return self._standard.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # A 5,000-digit number is read as a marker that the body check names by
        # its field, not as a body that is "not JSON".
        kwargs.setdefault("parse_int", json_int)
        return json.loads(s, **kwargs)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``KGDIAG_DB`` names the store (it must exist)."""
    # The pages build on this package's modules, so they are imported here, not above.
    from web import install_sessions, pages, render_error

    app = Flask(__name__)
    app.json = _JsonProvider(app)
    for setting in SETTINGS:
        raw = os.environ.get(setting.name)
        app.config[setting.name] = setting.default if raw is None else setting.kind(raw)
    if test_config is not None:
        app.config.from_mapping(test_config)
    configure_logging(str(app.config["KGDIAG_LOG_LEVEL"]))
    log_requests(app)  # first, so a request refused early is logged too
    # Bodies over this size get 413 before they are read.
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["KGDIAG_MAX_BODY_BYTES"])
    zone = shop_zone(str(app.config["KGDIAG_TIMEZONE"]))  # a wrong zone stops the start, named
    outage_rule(app.config)  # so does an outage setting that means nothing
    # Orders by their number: the shop's database, its hook, or none (a wrong setting
    # stops the start, named; the database is first asked at the first lookup).
    app.extensions["kgdiag_order_source"] = order_source(app.config, zone)
    if isinstance(app.extensions["kgdiag_order_source"], DatabaseSource):
        # The watch loop's settings (a wrong one stops the start, named); `kgdiag
        # serve` starts the loop itself in each worker (api.watching).
        app.extensions["kgdiag_watch"] = watch_config(app.config)
    app.extensions["kgdiag_store"] = open_store(app.config["KGDIAG_DB"])
    if not app.config.get("SECRET_KEY"):  # Flask's default is None
        app.config["SECRET_KEY"] = _secret_key(str(app.config["KGDIAG_DB"]))
    install_sessions(app)
    register_error_handlers(app)
    add_security_headers(app)
    app.extensions["kgdiag_error_page"] = render_error
    csrf = CSRFProtect(app)
    csrf.exempt(v1)  # bearer tokens, not cookies: no cross-site request can carry one
    csrf.exempt(health)
    app.register_blueprint(health)
    app.register_blueprint(v1)
    app.register_blueprint(pages)
    install_limits(app, (v1, pages))
    return app


def _secret_key(db: str) -> str:
    """The key that signs page sessions: ``KGDIAG_SECRET_KEY``, else one kept beside
    the store (made once, readable by its owner only), so every worker shares it."""
    if os.environ.get("KGDIAG_SECRET_KEY"):
        return os.environ["KGDIAG_SECRET_KEY"]
    if "://" in str(db):  # a shared Neo4j: every server must sign sessions alike
        raise StoreUnavailable("set KGDIAG_SECRET_KEY (the same on every server) to use Neo4j")
    path = Path(db).with_name(Path(db).name + ".secret")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made before, or by another worker a moment ago
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    for _ in range(50):  # another worker may still be writing it
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it and restart")
