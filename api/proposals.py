"""System-status proposals (admin): outages the orders suggest, accepted or dismissed.

``casework.outages`` files them; an admin lists them here and decides. An
accepted proposal sets the system's status exactly as ``PUT
/v1/systems/{id}/status`` would (a status record under the admin's name), so
every later diagnosis reads it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify

from casework import ProposalDecided, decide_status_proposal, proposal_view, status_view
from graph.errors import NotFound

from . import responses
from .common import author, settings, store, v1
from .errors import ApiError
from .spec import Param, endpoint

__all__: list[str] = []


@endpoint(
    v1,
    "GET",
    "/v1/system-proposals",
    summary="System statuses the orders suggest (outages), with their evidence",
    role="admin",
    tag="systems",
    query=(
        Param("state", {"enum": ["open", "accepted", "dismissed", "all"], "default": "open"}),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
    ),
    response=responses.StatusProposalList,
)
def get_system_proposals(query: dict[str, Any]) -> Response:
    """Newest first; each names the failing orders, the counts and the window."""
    state = None if query["state"] == "all" else query["state"]
    snap = store().snapshot()
    found = store().records.status_proposals(state=state, limit=query["limit"])
    return jsonify({"proposals": [proposal_view(p, snap) for p in found]})


@endpoint(
    v1,
    "POST",
    "/v1/system-proposals/{proposal_id}",
    summary="Accept a proposed status (set at once, audited) or dismiss it",
    role="admin",
    body="SystemProposalDecision",
    response=responses.StatusProposalDecided,
    errors=(404, 409),
    tag="systems",
)
def post_system_proposal(proposal_id: str, body: dict[str, Any]) -> Response:
    """Accepting records the status as the admin's own, its note naming the evidence;
    a proposal is decided once (409 after)."""
    if not proposal_id.isdigit() or len(proposal_id) > 18:
        raise NotFound(f"no status proposal {proposal_id[:40]!r}")
    if body["decision"] == "dismiss" and body.get("eta"):
        detail = {"field": "eta", "message": "only an accepted status has an ETA"}
        raise ApiError(400, "invalid_request", "1 bad field: eta", [detail])
    try:
        proposal, status = decide_status_proposal(
            store().records, int(proposal_id), body, author=author()
        )
    except ProposalDecided as err:
        raise ApiError(
            409,
            "conflict",
            str(err),
            [{"field": "proposal_id", "state": err.proposal.state}],
        ) from err
    now = datetime.now(UTC)
    return jsonify(
        {
            "proposal": proposal_view(proposal, store().snapshot()),
            "status": status_view(status, now, settings()) if status else None,
        }
    )
