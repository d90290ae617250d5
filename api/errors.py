"""The one JSON error shape, for every error the API returns.

Browsers on the pages get the same error as a page instead (the app puts a
renderer in ``app.extensions["kgdiag_error_page"]``).

``{"error": {"code": ..., "message": ..., "details": [...]}}`` -- shops' scripts
parse one shape, so every error path goes through :func:`error_response`,
including Flask's own 404/405 and crashes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, current_app, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from diagnostics.engine import RequestInvalid, UnknownSymptom
from graph.errors import ChangeSetInvalid, NotFound, StaleRevision, StoreUnavailable
from schema.problems import MAX_ECHO, FieldProblem

__all__ = [
    "MAX_DETAILS",
    "ApiError",
    "error_response",
    "invalid_request",
    "register_error_handlers",
]

MAX_DETAILS = 20
"""How many problems an error lists; the rest are counted in one last detail.
A body with 10,000 bad keys made a 300 KB error that listed every one; the
sender fixes the first twenty and learns of the rest on the next try."""


class ApiError(Exception):
    """An error the API answers with, in the one shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[Any] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, list(details)
        self.headers = dict(headers or {})


def invalid_request(problems: Sequence[FieldProblem]) -> ApiError:
    """400 with one detail per bad field (the first :data:`MAX_DETAILS`, then a
    count of the rest), the first ten named in the message."""
    count = len(problems)
    message = f"{count} bad field{'s' if count != 1 else ''}: " + ", ".join(
        p.path for p in problems[:10]
    )
    details = [p.as_dict() for p in problems[:MAX_DETAILS]]
    if count > MAX_DETAILS:
        details.append({"field": "(more)", "message": f"{count - MAX_DETAILS} more not listed"})
    return ApiError(400, "invalid_request", message, details)


def _findings(findings: Sequence[Any]) -> list[Any]:
    """A refused change's findings as details, capped like bad fields (a
    finding names a field, and a field may be a 10 KB key)."""
    details = [
        {key: _short(str(text)) for key, text in f.as_dict().items()}
        for f in findings[:MAX_DETAILS]
    ]
    if len(findings) > MAX_DETAILS:
        more = f"{len(findings) - MAX_DETAILS} more findings not listed"
        details.append({"where": "(more)", "what": "(more)", "why": more})
    return details


def _short(text: str, limit: int = 4 * MAX_ECHO) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[Any] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    page = current_app.extensions.get("kgdiag_error_page")
    if page is not None and _wants_page():
        response = make_response(page(status, message), status)
    else:
        # The last guard on size: callers cap their lists (one more entry counts the rest).
        listed = list(details)[: MAX_DETAILS + 1]
        body = {"error": {"code": code, "message": message, "details": listed}}
        response = jsonify(body)
        response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _wants_page() -> bool:
    """A browser on the pages gets an error page; the API and scripts get JSON."""
    if request.blueprint is not None:
        return request.blueprint == "pages"
    if request.path.startswith(("/v1/", "/healthz")):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def register_error_handlers(app: Flask) -> None:
    """Route every error, expected or not, to the one shape."""

    @app.errorhandler(ApiError)
    def _api(err: ApiError) -> Response:
        return error_response(err.status, err.code, err.message, err.details, err.headers)

    @app.errorhandler(UnknownSymptom)
    def _unknown_symptom(err: UnknownSymptom) -> Response:
        details = [{"field": "symptom", "near": err.near}]
        return error_response(404, "unknown_symptom", str(err), details)

    @app.errorhandler(NotFound)
    def _not_found(err: NotFound) -> Response:
        return error_response(404, "not_found", str(err))

    @app.errorhandler(RequestInvalid)
    def _bad_request(err: RequestInvalid) -> Response:
        return _api(invalid_request(err.problems))

    @app.errorhandler(StaleRevision)
    def _stale(err: StaleRevision) -> Response:
        # Edits name their revision in If-Match, so a stale one fails that precondition.
        return error_response(
            412, "stale_revision", str(err), [{"expected": err.expected, "current": err.current}]
        )

    @app.errorhandler(ChangeSetInvalid)
    def _invalid(err: ChangeSetInvalid) -> Response:
        return error_response(
            422, "invalid_change", "the change was refused", _findings(err.findings)
        )

    @app.errorhandler(StoreUnavailable)
    def _store(err: StoreUnavailable) -> Response:
        return error_response(503, "store_unavailable", str(err))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response:
        code = (err.name or "error").lower().replace(" ", "_")
        # Keep the exception's own headers (Allow on 405) but not its HTML content type.
        kept = {k: v for k, v in err.get_headers() if k.lower() != "content-type"}
        return error_response(err.code or 500, code, err.description or err.name, (), kept)

    @app.errorhandler(Exception)
    def _crash(err: Exception) -> Response:
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; the graph is unchanged")
