"""Bearer-token auth by role: agent < senior < admin.

Tokens are checked against their SHA-256 hashes in the store; the token itself
is never stored. A route declares the least role it needs with
``@requires("agent")``; 401 means no valid token, 403 a role too low.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request

from graph.store import ROLES, role_allows

from .errors import ApiError

__all__ = ["requires", "role_allows"]

F = TypeVar("F", bound=Callable[..., Any])
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kgdiag"'}


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def requires(role: str, also: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Refuse the request unless it carries a live token of ``role`` or higher.

    ``also`` admits roles outside the ladder (``monitor``, a webhook's token)
    for this one endpoint.
    """
    ROLES.index(role)  # an unknown role is a programming error: fail at import

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _bearer()
            if token is None:
                raise ApiError(
                    401, "unauthorized", "send Authorization: Bearer <token>", (), _CHALLENGE
                )
            info = current_app.extensions["kgdiag_store"].verify_token(token)
            if info is None:
                raise ApiError(401, "unauthorized", "unknown or revoked token", (), _CHALLENGE)
            if not role_allows(info.role, role, also):
                raise ApiError(
                    403, "forbidden", f"needs the {role} role; this token is {info.role}"
                )
            g.kgdiag_token = info
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
