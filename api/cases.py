"""Casework (agent): diagnose, look a case up, record how it ended."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify

from casework import (
    candidate_list,
    case_view,
    decide_candidate,
    diagnose_case,
    outcome_list,
    record_outcome,
    revert_outcome,
    teach_utterance,
)
from diagnostics.conditions import parse_time
from graph.errors import NotFound
from shop import annotate, resolve

from . import responses
from .common import author, order_source, record_bounds, settings, store, time_window, v1
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
    ``similar_cases`` and the ``case_id`` to record the outcome against. An
    ``order_no`` without ``order`` is looked up in the shop (``order_lookup``)."""
    body, lookup = resolve(body, order_source())
    answer = diagnose_case(
        store(), body, role=g.kgdiag_token.role, author=author(), settings=settings()
    )
    return jsonify(annotate(answer, lookup))


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
    """A case as it was filed: symptom, leading cause, product and its outcome; the
    supplier, author and order number only for its author and seniors."""
    case = store().records.case_by_ref(case_id) if len(case_id) <= 40 else None
    if case is None:
        raise NotFound(f"no case {case_id[:40]!r}")
    return jsonify(case_view(store(), case, role=g.kgdiag_token.role, author=author()))


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
    """Confirmed outcomes teach the priors and become similar past cases; one per
    case (a second revises the first); a case diagnosed from the customer's words
    offers them as a candidate utterance."""
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
    return jsonify({"outcomes": outcome_list(store(), exact)})


@endpoint(
    v1,
    "POST",
    "/v1/outcomes/{outcome_id}/revert",
    summary="Undo an outcome: it stays on file, marked reverted, and stops teaching",
    role="senior",
    response=responses.OutcomeReverted,
    errors=(404,),
    tag="cases",
)
def post_outcome_revert(outcome_id: str) -> Response:
    """A senior's undo for a wrong or poisoned outcome (who and when are kept)."""
    if not outcome_id.isdigit() or len(outcome_id) > 18:
        raise NotFound(f"no active outcome {outcome_id[:40]!r}")
    return jsonify(revert_outcome(store(), int(outcome_id), author=author(), settings=settings()))


@endpoint(
    v1,
    "GET",
    "/v1/candidates",
    summary="Solved cases' words waiting to join the corpus",
    role="senior",
    response=responses.CandidateList,
    tag="edit",
    query=(
        Param("state", {"enum": ["open", "accepted", "rejected"], "default": "open"}),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
    ),
)
def get_candidates(query: dict[str, Any]) -> Response:
    """Each with the confirmed symptom, the words as written and the case they came from."""
    found = candidate_list(store(), state=query["state"], limit=query["limit"])
    return jsonify({"candidates": found})


@endpoint(
    v1,
    "POST",
    "/v1/candidates/{candidate_id}",
    summary="Accept a candidate into the corpus (a new audited revision) or reject it",
    role="senior",
    response=responses.CandidateDecided,
    body="CandidateDecision",
    errors=(404, 422),
    tag="edit",
)
def post_candidate(candidate_id: str, body: dict[str, Any]) -> Response:
    """Accepted words train the next snapshot; the text may be cleaned first."""
    if not candidate_id.isdigit() or len(candidate_id) > 18:
        raise NotFound(f"no open candidate {candidate_id[:40]!r}")
    return jsonify(decide_candidate(store(), int(candidate_id), body, author=author()))


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
