"""Server-rendered pages on the same functions as the JSON API (the Datasette way).

A page never computes its own answer: the console calls ``diagnose_case``
exactly as ``POST /v1/diagnose`` does, the training graph draws
``browse.paths``, and the editor saves through the same lint gate as
``POST /v1/changesets``. Modules by page:

- ``blueprint``: the blueprint, login state, the role gate
- ``console``: the agent console and the outcome form
- ``training``: symptoms and their graph view; ``practice``: practice mode
- ``editor``: node and link editing, reply preview, history, revert
- ``candidates``: solved cases' words waiting for a senior
- ``queue``: escalations and promises overdue or due soon, with backstop replies; a case page
- ``systems``: every system's status and the outages the orders suggest
- ``fields``: which node fields are form fields; ``i18n``: zh/en labels

Every form post carries a CSRF token (Flask-WTF) and Jinja2 autoescaping
keeps customer text inert.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import default_exceptions

from appstate import store

from . import (  # noqa: F401  (routes)
    candidates,
    console,
    create,
    editor,
    notices,
    practice,
    queue,
    systems,
    template_preview,
    training,
)
from .blueprint import pages
from .i18n import LABELS, t
from .sessions import end_page_session, install_sessions, same_site_path, start_page_session

__all__ = ["install_sessions", "pages", "render_error"]


@pages.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Paste an API token; the page session remembers who, never the token (``sessions``)."""
    error = None
    if request.method == "POST":
        token = request.form.get("token", "").strip()
        info = store().verify_token(token)
        if info is not None:
            start_page_session(info)
            target = same_site_path(request.args.get("next") or "")
            return redirect(target or url_for("pages.console"))
        error = t("bad_token")
    return render_template("login.html", error=error), 401 if error else 200


@pages.post("/logout")
def logout() -> ResponseReturnValue:
    end_page_session()
    return redirect(url_for("pages.login"))


def render_error(status: int, message: str) -> str:
    """An error as a page, for browsers outside the JSON API, in the page's language.

    The pages' own refusals are already labels (``t(...)``). What comes from
    below them is English: werkzeug's stock descriptions (an unknown address),
    Flask-WTF's CSRF refusals, the API's one-line 5xx and rate-limit messages.
    Those are said again in the page's language (``error_text_<status>``), the
    original kept below as a technical detail for whoever fixes it (a stock
    description says nothing more and is dropped); the JSON API keeps its own words.
    """
    stock = default_exceptions.get(status)
    is_stock = stock is not None and message == stock.description
    english = (
        status >= 500
        or status == 429
        or is_stock
        or message.startswith(("The CSRF", "The referrer"))
    )
    detail = message if english and not is_stock else ""
    if english:
        message = t(_label(f"error_text_{status}", "error_text_other"))
    title = t(_label(f"error_title_{status}", "error_title_other"))
    return render_template("error.html", status=status, title=title, message=message, detail=detail)


def _label(key: str, fallback: str) -> str:
    return key if key in LABELS else fallback
