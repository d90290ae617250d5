"""One decorator per endpoint: route, role, body and query validation, and its docs.

Every endpoint is declared once with :func:`endpoint`. The declaration
registers the Flask route, wraps it with the role check, validates the JSON
body against its named schema (``schema.api_body_schemas``) and the query
against its parameters, and records what the OpenAPI document says about
it, including every status code it can answer. Docs and behaviour cannot
drift apart because they are the same object.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

from flask import Blueprint, Response, current_app, request
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from schema import api_body_schemas
from schema.formats import format_checker
from schema.problems import FieldProblem, body_problems, describe, echo, too_deep

from .auth import requires
from .errors import ApiError, invalid_request

__all__ = [
    "ENDPOINTS",
    "Endpoint",
    "Param",
    "ResponseMismatch",
    "check_response",
    "endpoint",
    "revision_header",
]


@dataclass(frozen=True)
class Param:
    """A query parameter: its JSON Schema decides how it is read and checked."""

    name: str
    schema: Mapping[str, Any]
    description: str = ""
    required: bool = False
    validator: Draft202012Validator = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Built once at import, not on every request.
        checker = Draft202012Validator(dict(self.schema), format_checker=format_checker())
        object.__setattr__(self, "validator", checker)


@dataclass(frozen=True)
class Endpoint:
    """Everything the OpenAPI document says about one operation."""

    method: str
    path: str
    summary: str
    role: str | None
    ok: int
    body: str | None = None
    query: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    if_match: bool = False
    also: tuple[str, ...] = ()
    tag: str = ""
    description: str = ""
    response: type[BaseModel] | None = None
    statuses: tuple[int, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        codes = {self.ok, 500, *self.errors}
        if self.role:
            codes |= {401, 403}
        if self.body:
            codes |= {400, 413}
        if self.query:
            codes.add(400)
        if self.if_match:
            codes |= {412, 428}
        if "{" in self.path:
            codes.add(404)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.add(429)  # rate-limited (``api.limits``), with Retry-After
        object.__setattr__(self, "statuses", tuple(sorted(codes)))


ENDPOINTS: list[Endpoint] = []


@cache
def _body_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(api_body_schemas()[name], format_checker=format_checker())


def _read_body(name: str) -> Any:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested past the parser's own limit: name it, never a 500
        raise invalid_request([too_deep()]) from None
    if body is None:
        raise ApiError(
            400,
            "invalid_json",
            "the body must be a JSON object (Content-Type: application/json)",
            [{"field": "(body)", "message": "not JSON"}],
        )
    if name != "DiagnoseRequest":  # diagnose validates its own body (CLI and API alike)
        problems = body_problems(_body_validator(name), body)
        if problems:
            raise invalid_request(problems)
    return body


def _read_query(params: tuple[Param, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    declared = {p.name for p in params}
    problems = [  # a typo (?symtom=) must not be silently ignored
        FieldProblem(name, "unknown query parameter")
        for name in request.args
        if name not in declared
    ]
    for param in params:
        raw = request.args.get(param.name)
        if raw is None:
            if param.required:
                problems.append(FieldProblem(param.name, "is required"))
            elif "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        value: Any = raw
        if param.schema.get("type") == "integer":
            try:
                value = int(raw)
            except ValueError:
                problems.append(FieldProblem(param.name, f"{echo(raw)} is not an integer"))
                continue
        problems += [
            FieldProblem(param.name, describe(e)) for e in param.validator.iter_errors(value)
        ]
        values[param.name] = value
    if problems:
        raise invalid_request(problems)
    return values


_REVISION = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


def revision_header() -> int:
    """The revision an edit was made against, from ``If-Match`` (428 without it)."""
    raw = request.headers.get("If-Match")
    if raw is None:
        raise ApiError(
            428,
            "precondition_required",
            "send If-Match with the graph revision the change was made against",
            [{"field": "If-Match", "message": "is required"}],
        )
    match = _REVISION.match(raw)
    if match is None:
        raise ApiError(
            400,
            "invalid_request",
            'If-Match must be a graph revision such as "7"',
            [{"field": "If-Match", "message": f"{echo(raw)} is not a revision"}],
        )
    return int(match.group(1))


class ResponseMismatch(AssertionError):
    """A success answer that does not fit its declared model: a bug in the code
    or in the model, found by a test, never by a client reading the document."""


def check_response(model: type[BaseModel], answer: Any) -> None:
    """Validate a view's success answer against its model (strictly: no
    coercion, no unknown fields), raising :class:`ResponseMismatch`."""
    if not isinstance(answer, Response) or not answer.is_json or answer.status_code >= 300:
        return
    try:
        model.model_validate(answer.get_json(), strict=True)
    except ValidationError as err:
        raise ResponseMismatch(f"{request.method} {request.path}: {err}") from err


def endpoint(
    blueprint: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    role: str | None,
    ok: int = 200,
    body: str | None = None,
    query: tuple[Param, ...] = (),
    errors: tuple[int, ...] = (),
    if_match: bool = False,
    also: tuple[str, ...] = (),
    tag: str = "",
    response: type[BaseModel] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and register one endpoint; the view gets ``body=`` and ``query=``.

    ``response`` is the model of the success body (``api.responses``): the
    OpenAPI document shows its schema, and a testing app checks every success
    answer against it.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        prefix = blueprint.url_prefix or ""
        rule = re.sub(r"{(\w+)}", r"<\1>", path.removeprefix(prefix)) or "/"

        @wraps(view)
        def handler(*args: Any, **kwargs: Any) -> Any:
            if query:
                kwargs["query"] = _read_query(query)
            if body:
                kwargs["body"] = _read_body(body)
            answer = view(*args, **kwargs)
            if response is not None and current_app.testing:
                check_response(response, answer)
            return answer

        wrapped = requires(role, also=also)(handler) if role else handler
        blueprint.add_url_rule(rule, view.__name__, wrapped, methods=[method])
        ENDPOINTS.append(
            Endpoint(
                method,
                path,
                summary,
                role,
                ok,
                body,
                query,
                errors,
                if_match,
                also,
                tag,
                (view.__doc__ or "").strip(),
                response,
            )
        )
        return view

    return decorate
