"""Security headers on every response, pages and API alike (issue 20, item 7).

The pages load only their own scripts and styles (``web/static``, vendored
cytoscape and dagre); data for the scripts travels in ``type=application/json``
blocks, which a CSP does not treat as scripts. The one inline style is the
rule cytoscape injects into ``<head>`` (a constant), allowed by its hash.
Answers carry order facts and replies, so nothing but the static assets may
be cached.
"""

from __future__ import annotations

from flask import Flask, Response, request

__all__ = ["CONTENT_SECURITY_POLICY", "add_security_headers"]

_CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"
"""sha256 of ``.__________cytoscape_container { position: relative; }``, the
``<style>`` cytoscape.min.js adds to the page (a test recomputes it from the file)."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {_CYTOSCAPE_STYLE}",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

_ALWAYS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def add_security_headers(app: Flask) -> None:
    """Every response gets the headers; all but static assets get ``no-store``."""

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in _ALWAYS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "pages.static":
            response.headers["Cache-Control"] = "no-store"
        return response
