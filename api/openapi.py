"""The OpenAPI 3.1 document, generated from the endpoint declarations.

Paths, roles, query parameters and status codes come from ``spec.ENDPOINTS``;
request bodies are the very JSON Schemas the API validates with
(``schema.api_body_schemas``), their ``$defs`` moved into
``components/schemas``; success bodies are the JSON Schemas of the pydantic
models each endpoint declares (``api.responses``), which a testing app holds
every answer to; every error is the one shape (``ErrorBody``). Served
without a token at ``/v1/openapi.json``.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from http import HTTPStatus
from importlib.metadata import version
from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from schema import api_body_schemas

from .common import v1
from .responses import ErrorBody, OpenApiDocument
from .spec import ENDPOINTS, Endpoint, endpoint

__all__ = ["openapi_document"]

_REF = "#/components/schemas/{model}"

_WHEN = {
    400: "A bad body, query or header: one detail per bad field, naming its path.",
    401: "No token, or one the server does not know.",
    403: "The token's role may not do this.",
    404: "No such thing (a node, case, revision, system or symptom); details may "
    "list the ids nearest the one asked for.",
    409: "The request conflicts with what is recorded.",
    412: "If-Match names a revision that is no longer current; nothing was written.",
    413: "The body is larger than the server accepts.",
    422: "Well-formed, but refused: the findings say why (schema, lint, graph).",
    428: "If-Match is required: send the revision the change was made against.",
    429: "Too many requests from this token or address; wait Retry-After seconds.",
    500: "An unexpected error; nothing was changed.",
}
"""What each error status means here; every one has the one error shape."""


def _response_models() -> list[type[BaseModel]]:
    return [ErrorBody, *{e.response: None for e in ENDPOINTS if e.response is not None}]


def _model_schemas() -> dict[str, Any]:
    """The response models' JSON Schemas, every nested model its own component."""
    models = _response_models()
    _, found = models_json_schema([(m, "serialization") for m in models], ref_template=_REF)
    schemas: dict[str, Any] = found.get("$defs", {})
    return schemas


def _relocate(schema: Any, prefix: str) -> Any:
    """Point ``#/$defs/X`` refs at ``#/components/schemas/{prefix}_X``."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key in ("$defs", "$schema"):
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = f"#/components/schemas/{prefix}_{value.removeprefix('#/$defs/')}"
            else:
                out[key] = _relocate(value, prefix)
        return out
    if isinstance(schema, list):
        return [_relocate(item, prefix) for item in schema]
    return schema


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = _model_schemas()
    for name, body in api_body_schemas().items():
        body = copy.deepcopy(body)
        requests = {f"{name}_{d}": _relocate(v, name) for d, v in body.get("$defs", {}).items()}
        requests[name] = _relocate(body, name)
        clash = set(requests) & set(schemas)
        if clash:  # a response model named like a request body would hide one of them
            raise RuntimeError(f"schema names used twice: {sorted(clash)}")
        schemas.update(requests)
    responses = {f"E{code}": _error_response(code) for code in _error_codes()}
    return {
        "schemas": schemas,
        "responses": responses,
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "a token from `kgdiag token create`",
            }
        },
    }


def _error_codes() -> list[int]:
    """Every status an endpoint declares, and every one ``_WHEN`` explains (409
    among them: ready for the endpoint that declares it with ``errors=``)."""
    return sorted({c for e in ENDPOINTS for c in e.statuses if c >= 400} | set(_WHEN))


def _error_response(code: int) -> dict[str, Any]:
    phrase = HTTPStatus(code).phrase
    response: dict[str, Any] = {
        "description": f"{phrase}. {_WHEN.get(code, '')}".strip(),
        "content": {
            "application/json": {"schema": {"$ref": _REF.format(model=ErrorBody.__name__)}}
        },
    }
    if code == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return response


def _success_schema(item: Endpoint) -> dict[str, Any]:
    if item.response is None:  # test_openapi holds that no endpoint is left so
        return {"type": "object"}
    return {"$ref": _REF.format(model=item.response.__name__)}


def _operation(item: Endpoint) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", item.path)
    ]
    parameters += [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.description,
            "schema": dict(p.schema),
        }
        for p in item.query
    ]
    if item.if_match:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": True,
                "description": "the graph revision the change was made against (an ETag)",
                "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]+"?$'},
            }
        )
    responses: dict[str, Any] = {}
    for code in item.statuses:
        if code == item.ok:
            responses[str(code)] = {
                "description": HTTPStatus(code).phrase,
                "content": {"application/json": {"schema": _success_schema(item)}},
            }
        else:
            responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    roles = ", ".join((item.role, *item.also)) if item.role else "none (public)"
    slug = re.sub(r"[^a-z0-9]+", "_", item.path.lower()).strip("_")
    operation_id = f"{item.method.lower()}_{slug}"
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": item.summary,
        "description": f"{item.description}\n\nRole: {roles}.".strip(),
        "tags": [item.tag] if item.tag else [],
        "parameters": parameters,
        "responses": responses,
        "security": [{"bearer": []}] if item.role else [],
    }
    if item.body:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{item.body}"}}
            },
        }
    return operation


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document (built once per process; endpoints never change at runtime)."""
    paths: dict[str, dict[str, Any]] = {}
    for item in ENDPOINTS:
        paths.setdefault(item.path, {})[item.method.lower()] = _operation(item)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kgdiag",
            "version": version("kgdiag"),  # the installed distribution's
            "description": "Knowledge-graph diagnosis for card-shop after-sales teams. "
            "Every error has the shape {error: {code, message, details}}.",
        },
        "paths": paths,
        "components": _components(),
    }


@endpoint(
    v1,
    "GET",
    "/v1/openapi.json",
    summary="This document",
    role=None,
    tag="meta",
    response=OpenApiDocument,
)
def get_openapi() -> Response:
    """The OpenAPI 3.1 description of the API (no token needed)."""
    return jsonify(openapi_document())
