"""Rate limits on login, every write and diagnose (issue 20, item 7).

Before: 300 wrong logins a second were all answered, and no write or
diagnose had any ceiling. Tests lower the limits through the app's config.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from api import create_app
from graph.sqlite import SqliteStore

from .conftest import bearer


def _client(store: SqliteStore, **limits: str) -> FlaskClient:
    config = {"KGDIAG_DB": str(store.path), "WTF_CSRF_ENABLED": False, **limits}
    return create_app(config).test_client()


def _is_429(answer: object, *, page: bool = False) -> None:
    """429 with Retry-After; the API's one error shape, or on the pages an error page."""
    assert answer.status_code == 429  # type: ignore[attr-defined]
    assert int(answer.headers["Retry-After"]) >= 1  # type: ignore[attr-defined]
    if page:
        assert answer.content_type.startswith("text/html")  # type: ignore[attr-defined]
        assert "429" in answer.get_data(as_text=True)  # type: ignore[attr-defined]
        return
    error = answer.get_json()["error"]  # type: ignore[attr-defined]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == "too_many_requests"


def test_wrong_logins_lock_the_address_out(store: SqliteStore) -> None:
    client = _client(store, KGDIAG_RATE_LOGIN_FAILURES="3 per minute")
    good = store.create_token("agent", "li")
    assert client.post("/login", data={"token": good}).status_code == 302  # right ones don't count
    for _ in range(3):
        assert client.post("/login", data={"token": "kgd_wrong"}).status_code == 401
    _is_429(client.post("/login", data={"token": good}), page=True)
    assert client.get("/login").status_code == 200  # the form still shows


def test_writes_are_limited_per_token(store: SqliteStore, tokens: dict[str, str]) -> None:
    client = _client(store, KGDIAG_RATE_WRITES="2 per minute")
    status = {"status": "down", "note": "maintenance"}
    url = "/v1/systems/steam/status"
    for _ in range(2):
        assert client.put(url, headers=bearer(tokens["admin"]), json=status).status_code != 429
    _is_429(client.put(url, headers=bearer(tokens["admin"]), json=status))
    # Another token has its own count; reads are not writes.
    assert client.put(url, headers=bearer(tokens["monitor"]), json=status).status_code != 429
    assert client.get("/v1/systems", headers=bearer(tokens["admin"])).status_code == 200


def test_page_forms_count_as_writes(store: SqliteStore, tokens: dict[str, str]) -> None:
    client = _client(store, KGDIAG_RATE_WRITES="1 per minute")
    assert client.post("/login", data={"token": tokens["senior"]}).status_code == 302
    assert client.post("/revert", data={"revision": "1"}).status_code != 429
    _is_429(client.post("/revert", data={"revision": "1"}), page=True)


@pytest.mark.parametrize("path", ["/v1/diagnose"])
def test_diagnose_has_a_per_token_ceiling(
    store: SqliteStore, tokens: dict[str, str], path: str
) -> None:
    client = _client(store, KGDIAG_RATE_DIAGNOSE="2 per minute", KGDIAG_RATE_WRITES="1 per minute")
    body = {"message": "卡密无效"}
    for _ in range(2):  # two diagnoses, though writes allow one: their own ceiling
        assert client.post(path, headers=bearer(tokens["agent"]), json=body).status_code == 200
    _is_429(client.post(path, headers=bearer(tokens["agent"]), json=body))
    assert client.post(path, headers=bearer(tokens["senior"]), json=body).status_code == 200


def test_the_openapi_document_names_429_on_every_write(client: FlaskClient) -> None:
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    writes = [
        (path, method, op)
        for path, ops in paths.items()
        for method, op in ops.items()
        if method in ("post", "put", "patch", "delete")
    ]
    assert len(writes) >= 6
    for path, method, op in writes:
        assert "429" in op["responses"], (method, path)


def test_template_previews_never_use_up_a_seniors_writes(
    store: SqliteStore, tokens: dict[str, str]
) -> None:
    """The editor previews a template as the senior types: those posts write
    nothing, so they count under the diagnose ceiling, and the save still goes."""
    client = _client(store, KGDIAG_RATE_WRITES="2 per minute", KGDIAG_RATE_DIAGNOSE="5 per minute")
    assert client.post("/login", data={"token": tokens["senior"]}).status_code == 302
    for _ in range(5):
        preview = client.post("/edit/template-preview", data={"zh": "订单 {{ order_no }}"})
        assert preview.status_code == 200
    assert client.post("/edit/template-preview", data={"zh": "x"}).status_code == 429
    assert client.post("/revert", data={"revision": "1"}).status_code != 429
