"""The diagnose request: validated against the contract, then made typed.

Shop systems send whatever their database holds, so validation must say
exactly which field is wrong (``order.payment.gateway_status``), not just
"bad request": the agent or the integrator fixes the field and retries.
One detail per bad field, every bad field at once.

>>> problems = request_problems({"message": "hi", "order": {"order_no": 5}})
>>> [p.path for p in problems]
['order.order_no']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from schema import diagnose_request_schema

from .conditions import parse_time

__all__ = ["DiagnoseRequest", "FieldProblem", "parse_request", "request_problems"]


@dataclass(frozen=True)
class FieldProblem:
    """One bad field of a request: its dotted path and what is wrong."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.path, "message": self.message}


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
    return Draft202012Validator(diagnose_request_schema(), format_checker=FormatChecker())


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _path(parts: Any) -> str:
    """``order.delivery.card_keys[1].state``; odd keys quoted: ``evidence["a b"]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _NAME.match(str(part)):
            text += f".{part}" if text else str(part)
        else:
            text += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return text


def _problems_of(error: ValidationError) -> list[FieldProblem]:
    where = _path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = set(schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        return [
            FieldProblem(_path([*error.absolute_path, k]), "unknown field (not in the schema)")
            for k in extra
        ]
    if error.validator == "anyOf" and not where:
        return [FieldProblem("symptom", "give a symptom id or the customer's message")]
    if error.validator == "required" and isinstance(error.instance, Mapping):
        names = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [k for k in names if k not in error.instance]
        return [FieldProblem(_path([*error.absolute_path, k]), "is required") for k in missing]
    if error.validator == "enum":
        values = error.validator_value if isinstance(error.validator_value, list) else []
        allowed_values = ", ".join(map(str, values))
        return [FieldProblem(where, f"{error.instance!r} is not one of: {allowed_values}")]
    if error.validator in {"propertyNames"}:
        return [FieldProblem(where, f"bad key: {error.message}")]
    return [FieldProblem(where or "(body)", error.message)]


def request_problems(body: Any) -> list[FieldProblem]:
    """Every bad field of ``body``, sorted by path; empty when it is valid."""
    if not isinstance(body, Mapping):
        return [FieldProblem("(body)", "the request body must be a JSON object")]
    seen: dict[tuple[str, str], FieldProblem] = {}
    for error in _validator().iter_errors(body):
        for problem in _problems_of(error):
            seen.setdefault((problem.path, problem.message), problem)
    return sorted(seen.values(), key=lambda p: (p.path, p.message))


def parse_request(body: Mapping[str, Any]) -> DiagnoseRequest:
    """The typed form of a body that :func:`request_problems` found valid."""
    now = parse_time(body["now"]) if body.get("now") else datetime.now(UTC)
    return DiagnoseRequest(
        order=body.get("order") or {},
        symptom=body.get("symptom"),
        message=body.get("message"),
        evidence=dict(body.get("evidence") or {}),
        systems=dict(body.get("systems") or {}),
        now=now,
        lang=body.get("lang"),
    )
