"""The promise ledger and escalations (agent): what we promised, by when, and who to bring in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, g, jsonify

from casework import escalation_list, promise_list
from diagnostics.conditions import parse_time
from graph.promise_records import PROMISE_STATES

from . import responses
from .cases import TIME
from .common import author, settings, store, v1
from .spec import Param, endpoint

__all__: list[str] = []


@endpoint(
    v1,
    "GET",
    "/v1/promises",
    summary="Promises made in replies, by state",
    role="agent",
    tag="cases",
    query=(
        Param("state", {"enum": list(PROMISE_STATES), "default": "open"}),
        Param("now", TIME, "the moment states are judged at (default: now)"),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 200}),
    ),
    response=responses.PromiseList,
)
def get_promises(query: dict[str, Any]) -> Response:
    """Open (not due), overdue (past due, no outcome, within the grace), kept (outcome
    by the time) or broken (outcome late, or none past the grace); an overdue one
    shows its case's priority raised a level. Others' order numbers are left out
    for agents, as in case reads."""
    now = parse_time(query["now"]) if query.get("now") else datetime.now(UTC)
    found = promise_list(
        store(),
        state=query["state"],
        now=now,
        role=g.kgdiag_token.role,
        author=author(),
        settings=settings(),
        limit=query["limit"],
    )
    return jsonify({"state": query["state"], "promises": found})


@endpoint(
    v1,
    "GET",
    "/v1/escalations",
    summary="Open escalations: angry customers on P1/P2 cases without an outcome yet",
    role="agent",
    tag="cases",
    query=(Param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 200}),),
    response=responses.EscalationList,
)
def get_escalations(query: dict[str, Any]) -> Response:
    """Oldest first, with the words to calm and the goodwill a supervisor may grant."""
    found = escalation_list(
        store(),
        role=g.kgdiag_token.role,
        author=author(),
        settings=settings(),
        limit=query["limit"],
    )
    return jsonify({"escalations": found})
