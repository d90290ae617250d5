"""Casework (agent): diagnose, look a case up, record how it ended."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify

from diagnostics.casework import diagnose_case, record_outcome, teach_utterance
from diagnostics.conditions import parse_time
from graph.errors import NotFound

from . import responses
from .common import author, record_bounds, settings, store, time_window, v1
from .spec import Param, endpoint

__all__ = ["TIME"]

TIME = {"type": "string", "format": "date-time", "maxLength": 40}


@endpoint(
    v1,
    "POST",
    "/v1/diagnose",
    summary="Diagnose an order and the customer's words",
    role="agent",
    body="DiagnoseRequest",
    errors=(404,),
    tag="diagnose",
    response=responses.DiagnoseAnswer,
)
def post_diagnose(body: Any) -> Response:
    """The contract's diagnose endpoint (../shared/contract/diagnose.md), plus
    ``similar_cases`` and the ``case_id`` to record the outcome against."""
    answer = diagnose_case(
        store(), body, role=g.kgdiag_token.role, author=author(), settings=settings()
    )
    return jsonify(answer)


@endpoint(
    v1,
    "GET",
    "/v1/cases/{case_id}",
    summary="One diagnosed case",
    role="agent",
    tag="cases",
    response=responses.CaseBody,
)
def get_case(case_id: str) -> Response:
    """A case as it was filed: symptom, leading cause, product, supplier, order number."""
    case = (
        store().records.get_case(int(case_id)) if case_id.isdigit() and len(case_id) < 19 else None
    )
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    return jsonify(case.as_dict())


@endpoint(
    v1,
    "POST",
    "/v1/outcomes",
    summary="Record the confirmed cause and the resolution used",
    role="agent",
    ok=201,
    body="Outcome",
    errors=(404, 422),
    tag="cases",
    response=responses.OutcomeRecorded,
)
def post_outcome(body: dict[str, Any]) -> Response:
    """Confirmed outcomes teach the priors and become similar past cases."""
    result = record_outcome(store(), body, author=author(), settings=settings())
    response = jsonify(result)
    response.status_code = 201
    return response


@endpoint(
    v1,
    "GET",
    "/v1/outcomes",
    summary="Recorded outcomes in a time window",
    role="senior",
    tag="cases",
    query=(
        Param("since", TIME, "from (default: 7 days ago)"),
        Param("until", TIME, "until (default: now)"),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 5000, "default": 500}),
    ),
    response=responses.OutcomesBody,
)
def get_outcomes(query: dict[str, Any]) -> Response:
    """Outcomes oldest first, for review and export."""
    since, until = time_window(query)
    low, high = record_bounds(since, until)
    found = store().records.outcomes(since=low, until=high, limit=query["limit"])
    exact = [o for o in found if since <= parse_time(o.at) < until]
    return jsonify({"outcomes": [o.as_dict() for o in exact]})


@endpoint(
    v1,
    "POST",
    "/v1/utterances",
    summary="Teach the symptom model a solved case's words (a new audited revision)",
    role="senior",
    ok=201,
    body="Utterance",
    errors=(404, 422),
    tag="edit",
    response=responses.UtteranceTaught,
)
def post_utterance(body: dict[str, Any]) -> Response:
    """The customer's words join the confirmed symptom's corpus; the next snapshot
    (every worker, at once) trains on them."""
    result = teach_utterance(store(), body, author=author())
    response = jsonify(result)
    response.status_code = 201
    return response
