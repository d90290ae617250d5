"""Security headers on every page and API answer (issue 20, item 7).

Before: no CSP, no frame options, no nosniff, no referrer policy, and pages
with order facts could be kept by any cache.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask.testing import FlaskClient

from api.headers import CONTENT_SECURITY_POLICY
from tests.conftest import REPO

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _has_headers(headers: object, *, cached: bool = False) -> None:
    csp = headers.get("Content-Security-Policy", "")  # type: ignore[attr-defined]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, name  # type: ignore[attr-defined]
    if not cached:
        assert headers.get("Cache-Control") == "no-store"  # type: ignore[attr-defined]


def test_every_kind_of_answer_carries_the_headers(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {tokens['agent']}"}
    answers = [
        client.get("/healthz"),
        client.get("/v1/openapi.json"),
        client.get("/v1/symptoms", headers=auth),
        client.get("/v1/symptoms"),  # 401
        client.get("/v1/nowhere", headers=auth),  # 404
        client.post("/v1/diagnose", headers=auth, json={"message": "卡密无效"}),
        client.post("/v1/diagnose", headers=auth, json={"order": 3}),  # 400
        client.get("/login"),
        client.get("/"),  # redirect to the login page
        client.get("/nowhere", headers={"Accept": "text/html"}),
    ]
    for answer in answers:
        _has_headers(answer.headers)
    with client.get("/assets/train.js") as asset:
        assert asset.status_code == 200
        _has_headers(asset.headers, cached=True)
        assert asset.headers.get("Cache-Control") != "no-store"


def test_logged_in_pages_with_order_facts_are_not_stored(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    client.get("/login")
    page = client.get("/login")
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.data)
    assert csrf is not None
    client.post("/login", data={"token": tokens["agent"], "csrf_token": csrf.group(1).decode()})
    for path in ("/", "/train", "/practice"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        _has_headers(answer.headers)


def test_the_one_inline_style_allowed_is_the_one_cytoscape_injects() -> None:
    """The hash in the CSP is recomputed from the vendored file, so an upgrade
    of cytoscape that changes its injected rule fails here, not in a browser."""
    vendored = (REPO / "web/static/vendor/cytoscape.min.js").read_text(encoding="utf-8")
    found = re.search(r'textContent="\."\+s\+"( \{[^"]*\})"', vendored)
    assert found is not None
    rule = ".__________cytoscape_container" + found.group(1)
    digest = base64.b64encode(hashlib.sha256(rule.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in CONTENT_SECURITY_POLICY


def test_no_page_template_holds_inline_script_or_style() -> None:
    for template in (REPO / "web/templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert " style=" not in text, template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
