"""The login and error pages speak the page's language (issue 22: "English error
texts on the Chinese page"): werkzeug's stock texts, Flask-WTF's CSRF refusals and
role names are said in zh or en; the JSON API keeps its own words."""

from __future__ import annotations

import html

from flask.testing import FlaskClient

from api import create_app
from graph.sqlite import SqliteStore


def _client(store: SqliteStore, role: str = "", csrf: bool = False) -> FlaskClient:
    client = create_app({"KGDIAG_DB": str(store.path), "WTF_CSRF_ENABLED": csrf}).test_client()
    if role:
        info = store.verify_token(store.create_token(role, f"errors-{role}"))
        assert info is not None
        with client.session_transaction() as session:
            session["sid"] = store.create_session(info.id)
    return client


def _text(client: FlaskClient, url: str, method: str = "GET") -> tuple[int, str]:
    response = client.open(url, method=method, headers={"Accept": "text/html"})
    return response.status_code, html.unescape(response.get_data(as_text=True))


def test_an_unknown_address_is_a_404_page_in_the_pages_language(store: SqliteStore) -> None:
    client = _client(store, "agent")
    status, page = _text(client, "/no-such-page")
    assert status == 404
    assert "这个地址没有页面" in page and "找不到" in page
    assert "requested URL was not found" not in page
    status, page = _text(client, "/no-such-page?lang=en")
    assert status == 404 and "There is no page at this address" in page


def test_a_refused_role_is_named_in_the_pages_language(store: SqliteStore) -> None:
    client = _client(store, "agent")
    status, page = _text(client, "/edit")
    assert status == 403 and "需要 资深客服 权限" in page and "没有权限" in page
    status, page = _text(client, "/edit?lang=en")
    assert status == 403 and "needs the senior role" in page and "Not allowed" in page


def test_a_csrf_refusal_says_what_to_do_and_keeps_the_detail(store: SqliteStore) -> None:
    client = _client(store, "senior", csrf=True)
    status, page = _text(client, "/", method="POST")
    assert status == 400
    assert "表单已过期或不完整" in page
    assert 'id="error-detail"' in page and "CSRF" in page


def test_the_api_keeps_its_own_words(store: SqliteStore) -> None:
    client = _client(store)
    response = client.get("/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert "not found" in response.get_json()["error"]["message"].lower()


def test_the_login_page_says_why_after_a_session_ends(store: SqliteStore) -> None:
    client = _client(store)
    first = client.get("/history")
    assert first.status_code == 302 and "/login?next=" in first.headers["Location"]
    status, page = _text(client, first.headers["Location"])
    assert status == 200 and 'id="login-notice"' in page and "会话已过期" in page
    status, page = _text(client, "/login")
    assert status == 200 and 'id="login-notice"' not in page
