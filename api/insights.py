"""Insights (senior): top symptoms and causes by product and supplier; spikes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, jsonify

from diagnostics.insights import SpikeRule, insights

from . import responses
from .cases import TIME
from .common import record_bounds, store, time_window, v1
from .spec import Param, endpoint

__all__: list[str] = []


@endpoint(
    v1,
    "GET",
    "/v1/insights",
    summary="Top symptoms and causes by product and supplier; spikes",
    role="senior",
    tag="insights",
    query=(
        Param("since", TIME, "from (default: 7 days before until)"),
        Param("until", TIME, "until (default: now); spikes are measured here"),
        Param("window_minutes", {"type": "integer", "minimum": 5, "maximum": 10080, "default": 60}),
        Param("baseline_windows", {"type": "integer", "minimum": 1, "maximum": 720, "default": 24}),
        Param("min_count", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 3}),
    ),
    response=responses.InsightsBody,
)
def get_insights(query: dict[str, Any]) -> Response:
    """The prevention loop: what is asked, what was confirmed, what is rising."""
    since, until = time_window(query)
    rule = SpikeRule(
        window=timedelta(minutes=query["window_minutes"]),
        baseline=query["baseline_windows"],
        min_count=query["min_count"],
    )
    start = min(since, until - (rule.baseline + 1) * rule.window)
    records = store().records
    low, high = record_bounds(start, until)
    cases = records.cases(since=low, until=high)
    outcomes = records.outcomes(since=low, until=high)
    body = insights(store().snapshot(), cases, outcomes, since=since, until=until, rule=rule)
    return jsonify(body)
