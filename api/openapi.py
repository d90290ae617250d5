"""The OpenAPI 3.1 document, generated from the endpoint declarations.

Paths, roles, query parameters and status codes come from ``spec.ENDPOINTS``;
request bodies are the very JSON Schemas the API validates with
(``schema.api_body_schemas``), their ``$defs`` moved into
``components/schemas``. Served without a token at ``/v1/openapi.json``.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from http import HTTPStatus
from importlib.metadata import version
from typing import Any

from flask import Response, jsonify

from schema import api_body_schemas

from .common import v1
from .spec import ENDPOINTS, Endpoint, endpoint

__all__ = ["openapi_document"]

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array"},
            },
        }
    },
}


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
    schemas: dict[str, Any] = {"Error": _ERROR}
    for name, body in api_body_schemas().items():
        body = copy.deepcopy(body)
        for def_name, definition in body.get("$defs", {}).items():
            schemas[f"{name}_{def_name}"] = _relocate(definition, name)
        schemas[name] = _relocate(body, name)
    responses = {
        f"E{code}": {
            "description": HTTPStatus(code).phrase,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in sorted({c for e in ENDPOINTS for c in e.statuses if c >= 400})
    }
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
                "content": {"application/json": {"schema": {"type": "object"}}},
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


@endpoint(v1, "GET", "/v1/openapi.json", summary="This document", role=None, tag="meta")
def get_openapi() -> Response:
    """The OpenAPI 3.1 description of the API (no token needed)."""
    return jsonify(openapi_document())
