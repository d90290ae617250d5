"""Insights (senior): top symptoms and causes by product and supplier; spikes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, jsonify

from diagnostics.conditions import parse_time
from diagnostics.insights import SpikeRule, insights

from .cases import TIME
from .common import store, v1
from .spec import Param, endpoint

__all__: list[str] = []


def _floor(moment: datetime) -> str:
    """Bounds for the stored times, which are to the second; ``insights`` cuts exactly."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _ceil(moment: datetime) -> str:
    return _floor(moment + timedelta(seconds=1))


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
)
def get_insights(query: dict[str, Any]) -> Response:
    """The prevention loop: what is asked, what was confirmed, what is rising."""
    until = parse_time(query["until"]) if "until" in query else datetime.now(UTC)
    since = parse_time(query["since"]) if "since" in query else until - timedelta(days=7)
    rule = SpikeRule(
        window=timedelta(minutes=query["window_minutes"]),
        baseline=query["baseline_windows"],
        min_count=query["min_count"],
    )
    start = min(since, until - (rule.baseline + 1) * rule.window)
    records = store().records
    cases = records.cases(since=_floor(start), until=_ceil(until))
    outcomes = records.outcomes(since=_floor(start), until=_ceil(until))
    body = insights(store().snapshot(), cases, outcomes, since=since, until=until, rule=rule)
    return jsonify(body)
