"""The shop sources without a database: DSN, breaker, the hook, the lookup's fallbacks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters import order_from_row
from shop import CircuitBreaker, HookSource, NoSource, OrderLookup, annotate, parse_dsn, resolve
from shop import order_source as make_source
from shop.lookup import clean_facts

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=ZONE)


def test_dsn_reads_password_from_a_file_and_never_shows_it(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("fr0m-file\n")
    dsn = parse_dsn("mysql://ro:inline@db:3307/shop", str(secret))
    assert (dsn.host, dsn.port, dsn.user, dsn.database) == ("db", 3307, "ro", "shop")
    assert dsn.password == "fr0m-file"
    assert "fr0m-file" not in repr(dsn) and "inline" not in dsn.safe


@pytest.mark.parametrize(
    "bad", ["postgres://u@h/db", "mysql://h/db", "mysql://u:p@h:99999/db", "mysql://u:p@h"]
)
def test_bad_dsns_name_the_setting_not_the_secret(bad: str) -> None:
    with pytest.raises(ValueError, match="KGDIAG_SHOP_DB") as err:
        parse_dsn(bad)
    assert ":p@" not in str(err.value)


def test_breaker_opens_after_n_failures_and_half_opens_after_the_cooldown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    breaker = CircuitBreaker("db", failures=3, cooldown=30, clock=lambda: now[0])
    for _ in range(2):
        breaker.failure("timeout")
    assert breaker.allow()
    breaker.failure("timeout")
    assert not breaker.allow() and "not asked again for 30s" in caplog.text
    now[0] = 31
    assert breaker.allow()  # one try
    breaker.failure("timeout")  # fails again: open at once
    assert not breaker.allow()
    now[0] = 62
    assert breaker.allow()
    breaker.success()
    assert breaker.allow() and not breaker.is_open


def test_unknown_status_codes_are_left_unsaid_not_a_crash() -> None:
    dj = order_from_row(
        "dujiaoka", {"order_sn": "A", "status": 9, "created_at": "0000-00-00 00:00:00"}
    )
    assert "status" not in dj and dj["extra"]["status_code"] == 9 and "created_at" not in dj
    acg = order_from_row("acg_faka", {"trade_no": "B", "status": 3, "create_device": 7})
    assert "status" not in acg and "customer" not in acg


def test_clean_facts_drops_only_the_field_a_row_made_invalid(
    caplog: pytest.LogCaptureFixture,
) -> None:
    facts = {"order_no": "A", "status": "completed", "amount": {"total": -1}, "quantity": 0}
    assert clean_facts(facts, "test") == {"order_no": "A", "status": "completed"}
    assert "dropped order.amount" in caplog.text


def test_no_source_is_unavailable_and_the_note_says_why_in_the_agents_language(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="shop.lookup")
    body, lookup = resolve({"order_no": "X1", "message": "没到货"}, NoSource(), NOW)
    assert "order 'X1': unavailable in none (not_configured)" in caplog.text
    assert lookup is not None and lookup.status == "unavailable"
    assert body["order"] == {"order_no": "X1"}
    answer = annotate({"note": {"lang": "zh", "text": "最可能的原因: ..."}}, lookup)
    assert answer["order_lookup"] == {
        "status": "unavailable",
        "source": "none",
        "reason": "not_configured",
    }
    assert answer["note"]["text"].startswith("订单信息：暂时无法读取店铺订单（未配置店铺数据库）")
    english = annotate({"note": {"lang": "en", "text": ""}}, lookup)
    assert "no shop database is configured" in english["note"]["text"]


def test_bodies_with_facts_or_bad_numbers_are_not_looked_up() -> None:
    class Boom:
        name = "boom"

        def lookup(self, *args: Any) -> OrderLookup:
            raise AssertionError("must not be called")

    for body in ({"order": {"order_no": "A"}, "order_no": "B"}, {"order_no": 5}, {"message": "x"}):
        assert resolve(body, Boom(), NOW) == (body, None)


def test_a_source_that_raises_still_gives_unavailable() -> None:
    class Broken:
        name = "broken"

        def lookup(self, *args: Any) -> OrderLookup:
            raise RuntimeError("bug")

    body, lookup = resolve({"order_no": "A", "message": "x"}, Broken(), NOW)
    assert lookup == OrderLookup("unavailable", "broken", reason="RuntimeError")
    assert body["order"] == {"order_no": "A"}


class Hook(BaseHTTPRequestHandler):
    """A shop's hook: A1 found, SLOW hangs, BAD answers garbage, others 404."""

    seen: list[tuple[str, str | None]] = []  # noqa: RUF012

    def do_GET(self) -> None:
        Hook.seen.append((self.path, self.headers.get("Authorization")))
        number = self.path.rsplit("/", 1)[-1]
        if number == "SLOW":
            time.sleep(1.5)
        if number == "A1":
            body = json.dumps({"order_no": "A1", "status": "completed", "quantity": 0}).encode()
            self.send_response(200)
        elif number == "BAD":
            body = b"<html>oops</html>"
            self.send_response(200)
        else:
            body = b"{}"
            self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the timed-out client hung up on SLOW: expected


@pytest.fixture()
def hook_url() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), Hook)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/kgdiag/orders/{{order_no}}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_hook_finds_an_order_with_the_bearer_secret(hook_url: str) -> None:
    hook = HookSource(hook_url, "hook-Secret", timeout=1.0)
    found = hook.lookup("A1", None, NOW)
    assert found.status == "found"
    assert found.order == {"order_no": "A1", "status": "completed"}  # quantity 0 dropped
    assert Hook.seen[-1] == ("/kgdiag/orders/A1", "Bearer hook-Secret")
    assert hook.lookup("A/../B", None, NOW).status == "not_found"
    assert Hook.seen[-1][0] == "/kgdiag/orders/A%2F..%2FB"


def test_the_hook_times_out_and_the_breaker_opens(
    hook_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    hook = HookSource(hook_url, "hook-Secret", timeout=0.3, breaker=CircuitBreaker("h", failures=2))
    started = time.monotonic()
    assert hook.lookup("SLOW", None, NOW).status == "unavailable"
    assert time.monotonic() - started < 1.0
    assert hook.lookup("BAD", None, NOW).status == "unavailable"
    assert hook.lookup("A1", None, NOW).reason == "circuit_open"
    assert "hook-Secret" not in caplog.text


def test_settings_pick_the_database_then_the_hook(tmp_path: Path) -> None:
    assert isinstance(make_source({}, ZONE), NoSource)
    secret = tmp_path / "s"
    secret.write_text("from-file")
    hook = make_source(
        {
            "KGDIAG_ORDER_HOOK": "https://shop.example/o/{order_no}",
            "KGDIAG_ORDER_HOOK_SECRET_FILE": str(secret),
        },
        ZONE,
    )
    assert isinstance(hook, HookSource) and hook.name == "hook"
    db = make_source(
        {"KGDIAG_SHOP_DB": "mysql://ro:pw@127.0.0.1/acg", "KGDIAG_SHOP_SYSTEM": "acg-faka"}, ZONE
    )
    assert db.name == "acg_faka"
    with pytest.raises(ValueError, match="KGDIAG_SHOP_SYSTEM"):
        make_source({"KGDIAG_SHOP_DB": "mysql://ro:pw@h/db", "KGDIAG_SHOP_SYSTEM": "zfaka"}, ZONE)
    with pytest.raises(ValueError, match="KGDIAG_ORDER_HOOK"):
        make_source({"KGDIAG_ORDER_HOOK": "https://shop.example/orders"}, ZONE)
