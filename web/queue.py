"""The queue: open escalations first, then overdue promises, then promises due soon.

Same functions as ``GET /v1/escalations`` and ``GET /v1/promises``
(``casework.queue``): each row has its order number (the agent's own cases;
seniors see all), what was promised, the due time in the shop's zone and
the backstop reply ready to copy, with a link to the case.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from appstate import settings, store, token_author
from casework import case_view, queue
from graph.store import TokenInfo

from .blueprint import page_role, pages

__all__: list[str] = []


@pages.get("/queue")
@page_role("agent")
def promise_queue(who: TokenInfo) -> ResponseReturnValue:
    """The team's queue at the server's clock."""
    found = queue(
        store(),
        now=datetime.now(UTC),
        role=who.role,
        author=token_author(who),
        settings=settings(),
    )
    return render_template("queue.html", queue=found)


@pages.get("/cases/<case_ref>")
@page_role("agent")
def case_page(who: TokenInfo, case_ref: str) -> ResponseReturnValue:
    """One filed case as ``GET /v1/cases/{id}`` shows it to this caller."""
    case = store().records.case_by_ref(case_ref) if len(case_ref) <= 40 else None
    if case is None:
        raise NotFound(case_ref[:40])
    view = case_view(store(), case, role=who.role, author=token_author(who))
    return render_template("case.html", case=view)
