"""Server-rendered pages on the same functions as the JSON API (the Datasette way).

A page never computes its own answer: the console calls ``diagnose_case``
exactly as ``POST /v1/diagnose`` does and renders the same dict. Login is
by API token (kept in the signed session cookie); every form post carries a
CSRF token (Flask-WTF); Jinja2 autoescaping keeps customer text inert.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from api.auth import role_allows
from api.common import settings, store
from api.errors import ApiError
from diagnostics.casework import diagnose_case
from diagnostics.engine import RequestInvalid, UnknownSymptom
from graph.store import TokenInfo

from .i18n import page_lang, t

__all__ = ["pages"]

pages = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
F = TypeVar("F", bound=Callable[..., Any])


def _who() -> TokenInfo | None:
    token = session.get("token")
    return store().verify_token(token) if isinstance(token, str) else None


def page_role(role: str) -> Callable[[F], F]:
    """Send to the login page without a live token; 403 below ``role``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = _who()
            if who is None:
                return redirect(url_for("pages.login", next=request.path))
            if not role_allows(who.role, role):
                raise ApiError(403, "forbidden", f"needs the {role} role")
            return view(who, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


@pages.app_context_processor
def _labels() -> dict[str, Any]:
    return {"t": t, "lang": page_lang(), "who": _who()}


@pages.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Paste an API token; it stays in the signed session cookie until logout."""
    error = None
    if request.method == "POST":
        token = request.form.get("token", "").strip()
        if store().verify_token(token) is not None:
            session["token"] = token
            target = request.args.get("next") or url_for("pages.console")
            return redirect(target if target.startswith("/") else url_for("pages.console"))
        error = t("bad_token")
    return render_template("login.html", error=error), 401 if error else 200


@pages.post("/logout")
def logout() -> ResponseReturnValue:
    session.pop("token", None)
    return redirect(url_for("pages.login"))


@pages.route("/", methods=["GET", "POST"])
@page_role("agent")
def console(who: TokenInfo) -> ResponseReturnValue:
    """Paste an order and the customer's words; see the same answer as the API's."""
    form = {
        "order": request.form.get("order", ""),
        "source": request.form.get("source", "facts"),
        "message": request.form.get("message", ""),
    }
    answer: dict[str, Any] | None = None
    problems: list[str] = []
    if request.method == "POST":
        body: dict[str, Any] = {}
        try:
            order = json.loads(form["order"]) if form["order"].strip() else None
        except json.JSONDecodeError:
            order, problems = None, [t("bad_json")]
        if isinstance(order, dict):
            if form["source"] in ("dujiaoka", "acg_faka"):
                body.update(order_source=form["source"], order_row=order)
            elif "order_no" in order:
                body["order"] = order
            else:  # a whole request body (an example case's "request")
                body.update(order)
        if form["message"].strip():
            body["message"] = form["message"]
        if not problems:
            try:
                answer = diagnose_case(
                    store(),
                    body,
                    role=who.role,
                    author=f"{who.name} ({who.role})",
                    settings=settings(),
                )
            except RequestInvalid as err:
                problems = [f"{p.path}: {p.message}" for p in err.problems]
            except UnknownSymptom as err:
                problems = [str(err)]
    return render_template("console.html", form=form, answer=answer, problems=problems)
