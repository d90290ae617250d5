"""Rate limits (Flask-Limiter): wrong logins, every write, and diagnose.

Three shared limits, each counted per caller: the SHA-256 of the bearer token
(checked before the token is looked up, so a flood of requests costs no store
read), else the page session's id, else the client address. Login counts only
wrong tokens (401), per address, and once over the limit refuses every login
from there until the window passes, as a lockout does. Writes are every
POST/PUT/PATCH/DELETE under /v1 and on the pages, but diagnoses, which have
their own, higher ceiling. Over a limit: 429 in the API's one error shape
(``api.errors``) with ``Retry-After``.

Counts live in the worker's memory (``memory://``): each gunicorn worker
counts on its own, so a caller spread over N workers gets up to N times a
limit. That is enough to stop a brute force or a runaway script; a shop that
needs exact shared counts points ``KGDIAG_RATE_STORAGE`` at Redis or Memcached
(``limits`` storage URIs).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, Response, current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

__all__ = ["install_limits"]

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DIAGNOSES = frozenset(
    {
        "v1.post_diagnose",
        "pages.console",
        "pages.console_answer",
        "pages.practice",
        "pages.template_preview",
    }
)
"""Posts under the diagnose ceiling, not the writes one: diagnoses (which file a
case, as an answer's by-product), the console's in-place re-diagnosis and the
editor's live preview (asked as one types), so neither uses up a senior's writes."""
_LOGIN = "pages.login"


def _caller() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    sid = session.get("sid")
    if isinstance(sid, str):
        return "session:" + hashlib.sha256(sid.encode()).hexdigest()[:32]
    return "addr:" + get_remote_address()


def _not_a_write() -> bool:
    return (
        request.method not in _WRITES
        or request.endpoint in _DIAGNOSES
        or request.endpoint == _LOGIN
    )


def _not_a_diagnosis() -> bool:
    return request.method != "POST" or request.endpoint not in _DIAGNOSES


def _not_a_login() -> bool:
    return request.method != "POST" or request.endpoint != _LOGIN


def _wrong_login(response: Response) -> bool:
    return response.status_code == 401


def _setting(name: str) -> str:
    return str(current_app.config[name])


def install_limits(app: Flask, blueprints: tuple[Blueprint, ...]) -> Limiter:
    """A limiter for ``app`` with the three limits on every blueprint that takes writes."""
    limiter = Limiter(
        _caller,
        app=app,
        storage_uri=str(app.config["KGDIAG_RATE_STORAGE"]),
        headers_enabled=True,
        strategy="moving-window",
    )
    login = limiter.shared_limit(
        lambda: _setting("KGDIAG_RATE_LOGIN_FAILURES"),
        scope="login",
        key_func=get_remote_address,
        exempt_when=_not_a_login,
        deduct_when=_wrong_login,
    )
    writes = limiter.shared_limit(
        lambda: _setting("KGDIAG_RATE_WRITES"), scope="writes", exempt_when=_not_a_write
    )
    diagnoses = limiter.shared_limit(
        lambda: _setting("KGDIAG_RATE_DIAGNOSE"), scope="diagnose", exempt_when=_not_a_diagnosis
    )
    for blueprint in blueprints:
        for limit in (login, writes, diagnoses):
            limit(blueprint)
    return limiter
