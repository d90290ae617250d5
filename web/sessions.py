"""Page sessions: the cookie holds a random session id, never the API token.

The session's record lives in the store beside the tokens (``sessions`` on
SQLite, ``:Session`` nodes on Neo4j) with the token it logged in with, so
logout, an idle timeout (``KGDIAG_SESSION_IDLE_MINUTES``) or revoking the
token ends it on every worker and every copy of the cookie. The cookie is
Flask's signed one (it also carries the CSRF secret and the page language),
``HttpOnly``, ``SameSite=Lax``, a browser-session cookie, and ``Secure``
whenever the request came over TLS (or always, with ``KGDIAG_COOKIE_SECURE``).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface

from appstate import store
from graph.store import TokenInfo

__all__ = ["end_page_session", "install_sessions", "same_site_path", "session_user"]

_log = logging.getLogger(__name__)


class _TlsAwareSessions(SecureCookieSessionInterface):
    """Flask's signed cookie, ``Secure`` whenever this request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def install_sessions(app: Flask) -> None:
    """Cookie flags from the settings; called by the app factory."""
    app.session_interface = _TlsAwareSessions()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["KGDIAG_COOKIE_SECURE"])


def start_page_session(token: TokenInfo) -> None:
    """Log ``token``'s holder in: a fresh session (a new id, so a planted one is useless)."""
    lang = session.get("lang")
    session.clear()
    session["sid"] = store().create_session(token.id)
    if lang is not None:
        session["lang"] = lang


def session_user(idle_minutes: float) -> TokenInfo | None:
    """The live token of this request's page session, or None."""
    sid = session.get("sid")
    if not isinstance(sid, str):
        return None
    return store().session_token(sid, idle_minutes * 60)


def end_page_session() -> None:
    """Logout: the record goes, so every copy of the cookie stops working."""
    sid = session.get("sid")
    if isinstance(sid, str):
        store().end_session(sid)
    session.clear()


def same_site_path(target: str) -> str | None:
    """``target`` if it is a path on this site, else None (logged).

    Browsers drop tabs and newlines from URLs and read a backslash as a
    slash, so ``/\\t/evil.example`` or ``/\\\\evil`` would leave the site: any control
    character or backslash refuses the target, as do ``//host`` and schemes.
    """
    if not target:
        return None
    bad = any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target
    parts = urlsplit(target)
    if bad or not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        _log.warning("login: refused next=%r (not a same-site path)", target[:200])
        return None
    return target
