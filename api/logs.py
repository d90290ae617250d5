"""Logging: stdlib ``logging``, configured once per process, one line per request.

Every module logs to ``logging.getLogger(__name__)``; the app factory (and
the CLI) call :func:`configure_logging` once, which gives the root logger one
handler writing ``key=value`` lines to stderr, each with the request id when
it was logged inside a request. :func:`log_requests` adds the request line:

    2026-12-01T04:05:06.789Z INFO api.requests request_id=3f2a… method=POST
    path=/v1/diagnose status=200 duration_ms=4.1

The request id is the caller's ``X-Request-Id`` when it is sane (1-64 of
``A-Za-z0-9._:-``), else a new random one; the response carries it back.
Logged are the method, the path (never the query string, which may hold a
customer's words), the status and the time: never a body, a header or a token.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, has_request_context, request

__all__ = ["configure_logging", "log_requests", "request_id"]

REQUEST_ID_HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_BARE = re.compile(r"[A-Za-z0-9_./:@%+,-]+")
_requests = logging.getLogger("api.requests")


def _value(value: Any) -> str:
    """A value as logfmt writes it: bare when plain, else quoted with every
    control character escaped (a path with a newline cannot forge a line)."""
    text = f"{value:.1f}" if isinstance(value, float) else str(value)
    return text if _BARE.fullmatch(text) else json.dumps(text)


class _KeyValueFormatter(logging.Formatter):
    """``time LEVEL logger request_id=… message key=value…`` on one line."""

    def __init__(self) -> None:
        super().__init__()
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        parts = [f"{stamp}.{int(record.msecs):03d}Z", record.levelname, record.name]
        parts.append(f"request_id={getattr(record, 'request_id', '-')}")
        message = record.getMessage()
        if message:
            parts.append(message.replace("\n", "\\n"))
        fields: Mapping[str, Any] = getattr(record, "fields", {})
        parts += [f"{key}={_value(value)}" for key, value in fields.items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _RequestIdFilter(logging.Filter):
    """Stamps every record logged inside a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id() if has_request_context() else "-"
        return True


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so a second call finds it and does nothing."""


def configure_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr as key=value lines at ``level``
    and above; once per process (later calls only change the level)."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    if any(isinstance(h, _Handler) for h in root.handlers):
        return
    handler = _Handler(sys.stderr)
    handler.setFormatter(_KeyValueFormatter())
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)


def request_id() -> str:
    """This request's id (made on first use)."""
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
    found: str = g.request_id
    return found


def log_requests(app: Flask) -> None:
    """One ``api.requests`` line per request, and ``X-Request-Id`` on every response."""

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def _done(response: Response) -> Response:
        started = g.get("request_started", time.perf_counter())
        response.headers[REQUEST_ID_HEADER] = request_id()
        fields = {
            "method": request.method,
            "path": request.path[:256],
            "status": response.status_code,
            "duration_ms": (time.perf_counter() - started) * 1000.0,
        }
        _requests.info("", extra={"fields": fields})
        return response
