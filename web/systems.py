"""The systems page: every system's status, and the outages the orders suggest.

Seniors and admins see each system's recorded and effective status and the
open status proposals with their evidence (order numbers masked: the page
is for deciding, the back office for looking orders up); an admin accepts a
proposal (the status is set as by ``PUT /v1/systems/{id}/status``, under
their name) or dismisses it, after a confirmation. Same functions as
``GET /v1/system-proposals`` and ``POST /v1/system-proposals/{id}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from appstate import settings, store, token_author
from casework import ProposalDecided, decide_status_proposal, proposal_view, system_statuses
from graph.errors import NotFound
from graph.store import TokenInfo, role_allows

from .blueprint import page_role, pages
from .i18n import page_lang, t

__all__: list[str] = []


def _systems(now: datetime) -> list[dict[str, Any]]:
    """Every system with its default, recorded and effective status (as ``/v1/systems``)."""
    snap = store().snapshot()
    return [
        {
            "id": system,
            "title": snap.title(system, page_lang()),
            "default": node.get("default_status"),
            "recorded": view,
            "effective": effective,
        }
        for system, node, view, effective in system_statuses(store(), settings(), now)
    ]


@pages.get("/systems")
@page_role("senior")
def systems(who: TokenInfo) -> ResponseReturnValue:
    """Open proposals first (what needs a decision), then every system's status."""
    snap = store().snapshot()
    proposals = [
        proposal_view(p, snap, masked=True)
        for p in store().records.status_proposals(state="open", limit=100)
    ]
    return render_template(
        "systems.html",
        proposals=proposals,
        systems=_systems(datetime.now(UTC)),
        can_decide=role_allows(who.role, "admin"),
    )


def _eta(raw: str) -> str | None:
    """A ``datetime-local`` value, read in the shop's zone, as RFC 3339 (ValueError if bad)."""
    if not raw.strip():
        return None
    moment = datetime.fromisoformat(raw.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings().zone)
    if not 2000 <= moment.year <= 2100:
        raise ValueError("outside 2000-2100")
    return moment.isoformat(timespec="seconds")


@pages.post("/systems/proposals/<int:proposal_id>")
@page_role("admin")
def proposal_decision(who: TokenInfo, proposal_id: int) -> ResponseReturnValue:
    """Accept (with an optional ETA) or dismiss one proposal; a note either way."""
    back = redirect(url_for("pages.systems"))
    decision = request.form.get("decision", "")
    if decision not in ("accept", "dismiss"):
        flash(f"{t('refused')}: decision", "error")
        return back
    body: dict[str, Any] = {"decision": decision, "note": request.form.get("note", "")[:500]}
    try:
        eta = _eta(request.form.get("eta", ""))
    except ValueError:
        flash(f"{t('refused')}: eta", "error")
        return back
    if eta and decision == "accept":
        body["eta"] = eta
    try:
        decide_status_proposal(store().records, proposal_id, body, author=token_author(who))
    except (NotFound, ProposalDecided) as err:
        flash(f"{t('refused')}: {err}", "error")
    else:
        flash(t("proposal_accepted" if decision == "accept" else "proposal_dismissed"), "ok")
    return back
