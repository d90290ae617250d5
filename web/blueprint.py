"""The pages' blueprint, who is logged in, and the role gate every page view uses.

Login is by API token; the cookie holds only a session id whose record the
store keeps beside the token (``sessions``). The role is read from the store
on every request, so a revoked token logs its page sessions out at once.
The role rule is the API's own (``graph.store.role_allows``): a page can never
allow what the endpoint behind it refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, redirect, request, url_for
from werkzeug.exceptions import Forbidden

from appstate import settings
from diagnostics.conditions import parse_time
from diagnostics.timezone import zone_label
from graph.store import TokenInfo, role_allows

from .i18n import page_lang, t
from .sessions import session_user

__all__ = ["current_user", "page_role", "pages"]

_log = logging.getLogger(__name__)

pages = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
F = TypeVar("F", bound=Callable[..., Any])


def current_user() -> TokenInfo | None:
    """The live token of this page session, or None (looked up once per request)."""
    if "kgdiag_page_user" not in g:
        idle = float(current_app.config["KGDIAG_SESSION_IDLE_MINUTES"])
        g.kgdiag_page_user = session_user(idle)
    found: TokenInfo | None = g.kgdiag_page_user
    return found


def page_role(role: str) -> Callable[[F], F]:
    """Send to the login page without a live token; 403 below ``role``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = current_user()
            if who is None:
                return redirect(url_for("pages.login", next=request.path))
            if not role_allows(who.role, role):
                raise Forbidden(t("needs_role").format(role=t("role_" + role)))
            return view(who, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


@pages.app_context_processor
def _labels() -> dict[str, Any]:
    who = current_user()
    return {
        "t": t,
        "lang": page_lang(),
        "who": who,
        "can_edit": who is not None and role_allows(who.role, "senior"),
    }


@pages.app_template_filter("local_time")
def local_time(value: Any) -> str:
    """An RFC 3339 time as the shop reads it: "2026-11-21 17:35 (UTC+8)" in ``KGDIAG_TIMEZONE``.

    Records and answers keep their times with an offset (UTC for the audit
    log); a page shows every one of them in the shop's zone, the offset named.
    """
    try:
        moment = parse_time(str(value))
    except ValueError:
        _log.warning("a time the page shows is not RFC 3339: shown as it is")
        return str(value)
    local = moment.astimezone(settings().zone)
    return f"{local:%Y-%m-%d %H:%M}{zone_label(local, 'en')}"
