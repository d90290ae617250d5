"""The diagnose request: validated against the contract, then made typed.

Shop systems send whatever their database holds, so validation must say
exactly which field is wrong (``order.payment.gateway_status``), not just
"bad request" (``schema.problems``). A shop may also send its own order row
(dujiaoka, acg-faka) instead of order facts; ``adapters`` maps it.

>>> problems = request_problems({"message": "hi", "order": {"order_no": 5}})
>>> [p.path for p in problems]
['order.order_no']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from adapters import RowProblem, order_from_row
from schema import diagnose_request_schema, order_schema
from schema.formats import format_checker
from schema.problems import FieldProblem, body_problems

from .conditions import parse_time

__all__ = ["DiagnoseRequest", "FieldProblem", "order_of", "parse_request", "request_problems"]


@dataclass(frozen=True)
class DiagnoseRequest:
    """A valid request. ``order`` is ``{}`` when none was sent."""

    order: Mapping[str, Any] = field(default_factory=dict)
    symptom: str | None = None
    message: str | None = None
    evidence: Mapping[str, str] = field(default_factory=dict)
    systems: Mapping[str, str] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    lang: str | None = None


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(diagnose_request_schema(), format_checker=format_checker())


@cache
def _order_validator() -> Draft202012Validator:
    return Draft202012Validator(order_schema(), format_checker=format_checker())


def request_problems(body: Any) -> list[FieldProblem]:
    """Every bad field of ``body``, sorted by path; empty when it is valid."""
    return body_problems(_validator(), body)


def order_of(body: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[FieldProblem]]:
    """The order facts of a valid body: sent as ``order`` or mapped from ``order_row``.

    Mapped facts are checked against the contract as well; a row the adapter
    cannot read is reported on its own field (``order_row.created_at``).
    """
    if not body.get("order_source"):
        return body.get("order") or {}, []
    try:
        order = order_from_row(body["order_source"], body["order_row"], body.get("shop_timezone"))
    except RowProblem as err:
        return {}, [FieldProblem(err.field, err.message)]
    problems = body_problems(_order_validator(), order)
    return order, [FieldProblem(f"order_row (as order.{p.path})", p.message) for p in problems]


def parse_request(
    body: Mapping[str, Any], order: Mapping[str, Any] | None = None
) -> DiagnoseRequest:
    """The typed form of a body that :func:`request_problems` found valid."""
    now = parse_time(body["now"]) if body.get("now") else datetime.now(UTC)
    return DiagnoseRequest(
        order=order if order is not None else body.get("order") or {},
        symptom=body.get("symptom"),
        message=body.get("message"),
        evidence=dict(body.get("evidence") or {}),
        systems=dict(body.get("systems") or {}),
        now=now,
        lang=body.get("lang"),
    )
