"""Page sessions done right (issue 20, item 5).

Before: the cookie held the raw API token (signed, not encrypted, so it
worked on the API), had no SameSite, outlived logout for 31 days, and
``/login?next=/%09/evil.example`` left the site (a CRLF in ``next`` was a 500).
"""

from __future__ import annotations

import base64
import time
import zlib

import pytest
from flask.testing import FlaskClient

from api import create_app
from graph.sqlite import SqliteStore


def _app_client(store: SqliteStore, **config: object) -> FlaskClient:
    app = create_app({"KGDIAG_DB": str(store.path), "WTF_CSRF_ENABLED": False, **config})
    return app.test_client()


def _login(client: FlaskClient, token: str, next_: str | None = None, **kw: object) -> object:
    url = "/login" if next_ is None else f"/login?next={next_}"
    return client.post(url, data={"token": token}, **kw)


def _cookie_payload(client: FlaskClient) -> bytes:
    """The session cookie's payload as a thief would read it (signed, not secret)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    value = cookie.value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return zlib.decompress(raw) if compressed else raw


def test_the_cookie_never_holds_the_api_token(store: SqliteStore) -> None:
    client = _app_client(store)
    token = store.create_token("senior", "qian")
    assert _login(client, token).status_code == 302  # type: ignore[attr-defined]
    payload = _cookie_payload(client)
    assert token.encode() not in payload and token[4:20].encode() not in payload
    assert client.get("/").status_code == 200  # logged in all the same
    # What the cookie holds is no API credential.
    with client.session_transaction() as session:
        for value in session.values():
            assert store.verify_token(str(value)) is None


def test_cookie_flags_httponly_lax_and_secure_over_tls(store: SqliteStore) -> None:
    token = store.create_token("agent", "sun")
    plain = _app_client(store)
    cookie = _login(plain, token).headers["Set-Cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires=" not in cookie  # a browser-session cookie: the server keeps the clock
    tls = _app_client(store)
    cookie = _login(tls, token, base_url="https://kgdiag.example").headers["Set-Cookie"]  # type: ignore[attr-defined]
    assert "Secure" in cookie and "SameSite=Lax" in cookie


def test_logout_ends_the_session_for_every_copy_of_the_cookie(store: SqliteStore) -> None:
    token = store.create_token("agent", "zhou")
    mine = _app_client(store)
    _login(mine, token)
    copied = _app_client(store)
    cookie = mine.get_cookie("session")
    assert cookie is not None
    copied.set_cookie("session", cookie.value)
    assert copied.get("/").status_code == 200  # the copy works while the session lives
    assert mine.post("/logout").status_code == 302
    after = copied.get("/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_an_idle_session_ends(store: SqliteStore) -> None:
    token = store.create_token("agent", "wu")
    client = _app_client(store, KGDIAG_SESSION_IDLE_MINUTES=0.002)  # 0.12 s
    _login(client, token)
    assert client.get("/").status_code == 200
    time.sleep(0.3)
    idle = client.get("/")
    assert idle.status_code == 302 and "/login" in idle.headers["Location"]


@pytest.mark.parametrize(
    "next_",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "//evil",
        "/%5Cevil.example",
        "/%5C%5Cevil.example",
        "https://evil.example/",
        "/x%0d%0aSet-Cookie:%20a=b",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
    ],
)
def test_login_next_never_leaves_the_site(store: SqliteStore, next_: str) -> None:
    client = _app_client(store)
    token = store.create_token("agent", f"next-{abs(hash(next_))}")
    answer = _login(client, token, next_)
    assert answer.status_code == 302  # type: ignore[attr-defined]
    assert answer.headers["Location"] == "/"  # type: ignore[attr-defined]


def test_login_next_keeps_a_same_site_path(store: SqliteStore) -> None:
    client = _app_client(store)
    token = store.create_token("agent", "zheng")
    answer = _login(client, token, "/train%3Flang%3Den")
    assert answer.headers["Location"] == "/train?lang=en"  # type: ignore[attr-defined]
