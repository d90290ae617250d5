"""Logging: one line per request with its id, never customer text or a token;
a warning for every fallback the engine takes."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api.logs import _KeyValueFormatter
from diagnostics.conditions import ConditionContext, compile_condition, evaluate
from diagnostics.templates import render
from graph.sqlite import SqliteStore
from tests.server import REPO, call, free_port


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "api.requests"]


def test_one_line_per_request_with_its_id(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = client.get("/healthz")
    (record,) = _request_records(caplog)
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["method"] == "GET" and fields["path"] == "/healthz"
    assert fields["status"] == response.status_code and fields["duration_ms"] >= 0
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    assert record.request_id == response.headers["X-Request-Id"]  # type: ignore[attr-defined]


def test_a_sane_caller_id_is_kept_and_an_odd_one_replaced(client: FlaskClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.22:9"})
    assert kept.headers["X-Request-Id"] == "lb-7f3a.22:9"
    odd = client.get("/healthz", headers={"X-Request-Id": "x" * 65})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["X-Request-Id"])
    spaced = client.get("/healthz", headers={"X-Request-Id": "a b"})
    assert spaced.headers["X-Request-Id"] != "a b"


def test_errors_are_logged_with_their_status_and_id(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = client.get("/v1/symptoms")  # no token: 401
    (record,) = _request_records(caplog)
    assert record.fields["status"] == 401 == response.status_code  # type: ignore[attr-defined]
    assert "X-Request-Id" in response.headers


def test_no_token_query_or_body_reaches_the_log(
    client: FlaskClient, tokens: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = tokens["agent"]
    words = "我的卡密不能用 secret-customer-words"
    client.get(
        "/v1/search", query_string={"q": words}, headers={"Authorization": f"Bearer {token}"}
    )
    client.post(
        "/v1/diagnose",
        json={"message": words},
        headers={"Authorization": f"Bearer {token}"},
    )
    formatter = _KeyValueFormatter()
    text = "\n".join(formatter.format(r) for r in caplog.records)
    assert len(_request_records(caplog)) == 2
    assert token not in text
    assert "secret-customer-words" not in text and "卡密" not in text


def test_a_path_cannot_forge_a_log_line() -> None:
    record = logging.LogRecord("api.requests", logging.INFO, __file__, 1, "", (), None)
    record.fields = {"path": "/x\nINFO forged line", "status": 404}
    line = _KeyValueFormatter().format(record)
    assert "\n" not in line
    assert 'path="/x\\nINFO forged line" status=404' in line


def test_a_condition_broken_by_the_data_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    cond = compile_condition('order.product.name + 1 > 0 || order.status == "x"')
    context = ConditionContext.build({"product": {"name": "卡"}, "status": "paid"})
    with caplog.at_level(logging.DEBUG, logger="diagnostics.conditions"):
        assert evaluate(cond, context) is None
    (record,) = [r for r in caplog.records if r.name == "diagnostics.conditions"]
    assert record.levelno == logging.WARNING
    assert "TypeError" in record.getMessage() and "卡" not in record.getMessage()


def test_a_missing_fact_is_unknown_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    cond = compile_condition("order.payment.amount > 10.0")
    with caplog.at_level(logging.DEBUG, logger="diagnostics.conditions"):
        assert evaluate(cond, ConditionContext.build({})) is None
    levels = {r.levelno for r in caplog.records if r.name == "diagnostics.conditions"}
    assert levels == {logging.DEBUG}


def test_a_template_that_fails_to_render_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="diagnostics.templates"):
        rendered = render("{{ order_no | int / 0 }}", {"order_no": "5"}, "en")
    assert "5" not in rendered
    (record,) = [r for r in caplog.records if r.name == "diagnostics.templates"]
    assert record.levelno == logging.WARNING
    assert "div is not allowed" in record.getMessage()  # budgets: no arithmetic at render


def test_the_served_process_logs_one_line_per_request_without_the_query(
    store: SqliteStore, tokens: dict[str, str], tmp_path: Path
) -> None:
    """``kgdiag serve``: our request line on stderr, gunicorn's (with the query) off."""
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kgdiag", "serve", "--db", str(store.path), "--port", str(port)],
            cwd=REPO,
            stdout=sink,
            stderr=sink,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, _, _ = call("GET", f"{base}/healthz")
                    break
                except OSError:
                    assert proc.poll() is None and time.monotonic() < deadline
                    time.sleep(0.2)
            status, _, headers = call(
                "GET",
                f"{base}/v1/search?q=secret-customer-words",
                tokens["agent"],
                headers={"X-Request-Id": "probe-42"},
            )
            assert status == 200 and headers["X-Request-Id"] == "probe-42"
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = log.read_text()
    (line,) = [x for x in text.splitlines() if "request_id=probe-42" in x]
    assert "api.requests" in line and "path=/v1/search status=200" in line
    assert "secret-customer-words" not in text and tokens["agent"] not in text
