"""The shop's own database, on a real MariaDB: lookups, awkward rows, failures, read-only."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pymysql
import pytest

from shop import CircuitBreaker, DatabaseSource, ShopDatabase, parse_dsn
from tests.shop_server import READ_ONLY_PASSWORD, MariaDB, ro_dsn

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=ZONE)


def source(server: MariaDB, system: str, database: str, **kwargs: object) -> DatabaseSource:
    dsn = parse_dsn(ro_dsn(server, database))
    return DatabaseSource(ShopDatabase(dsn, system, timeout=2.0), ZONE, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def dujiaoka(shop_mariadb: MariaDB) -> DatabaseSource:
    return source(shop_mariadb, "dujiaoka", "dujiaoka")


@pytest.fixture(scope="module")
def acg(shop_mariadb: MariaDB) -> DatabaseSource:
    return source(shop_mariadb, "acg_faka", "acg")


def test_a_dujiaoka_order_by_its_number_with_keys_gateway_trade_and_recent_orders(
    dujiaoka: DatabaseSource,
) -> None:
    found = dujiaoka.lookup("DJ20261130A1", None, NOW)
    assert (found.status, found.source, found.matched_by) == ("found", "dujiaoka", "order_no")
    order = found.order
    assert order["status"] == "completed"
    assert order["created_at"] == "2026-11-30T10:00:00+08:00"
    assert order["delivery"]["card_keys"] == [{"code": "STEAM-AAAA-BBBB-CCCC"}]
    assert order["payment"]["gateway"] == "alipay"
    assert order["payment"]["gateway_trade_no"] == "2026113022001400001"
    # The same e-mail's other order of the last 24 h, not the one of two days before.
    assert [o["order_no"] for o in order["customer"]["recent_orders"]] == ["DJ20261130A2"]
    assert order["customer"]["recent_orders"][0]["status"] == "pending_payment"


def test_sold_out_and_manual_dujiaoka_orders(dujiaoka: DatabaseSource) -> None:
    sold_out = dujiaoka.lookup("DJ20261130B1", None, NOW).order
    assert sold_out["status"] == "abnormal" and sold_out["delivery"]["stock_shortage"] is True
    assert sold_out["payment"]["gateway"] == "yipay"
    manual = dujiaoka.lookup("DJ20261130C1", None, NOW).order
    assert manual["product"]["kind"] == "manual"
    assert manual["delivery"]["topup"] == {"account": "123456789"}
    assert manual["payment"]["gateway"] == "epusdt"
    assert "🎮" in manual["product"]["name"]


def test_awkward_dujiaoka_row_gives_what_it_can(dujiaoka: DatabaseSource) -> None:
    odd = dujiaoka.lookup("DJ-ODD-1", None, NOW)
    assert odd.status == "found"
    assert "status" not in odd.order and "created_at" not in odd.order
    assert odd.order["extra"]["status_code"] == 7


def test_acg_faka_orders_with_emoji_contacts_and_odd_codes(acg: DatabaseSource) -> None:
    found = acg.lookup("2611301000123456789", None, NOW)
    order = found.order
    assert found.status == "found" and order["status"] == "completed"
    assert order["paid_at"] == "2026-11-30T10:00:30+08:00"
    assert order["customer"]["contact"] == "buyer😀@qq.com"
    assert order["payment"]["gateway"] == "yipay"
    assert order["delivery"]["card_keys"] == [{"code": "NFLX-1111-2222"}]
    assert [o["order_no"] for o in order["customer"]["recent_orders"]] == ["2611301100123456789"]
    odd = acg.lookup("2611301300000000000", None, NOW).order
    assert "status" not in odd and "paid_at" not in odd
    assert "device_platform" not in (odd.get("customer") or {})
    assert odd["extra"]["status_code"] == 5


def test_acg_faka_product_comes_from_its_commodity(acg: DatabaseSource) -> None:
    """The name, delivery and upstream are the commodity's, not the order's ``race``."""
    own = acg.lookup("2611301000123456789", None, NOW).order["product"]
    assert own == {
        "sku": "1",
        "name": "Netflix 月卡",
        "kind": "card_key",
        "delivery": "auto",
        "source": "own_stock",
    }
    manual = acg.lookup("2611301100123456789", None, NOW).order["product"]
    assert (manual["kind"], manual["delivery"]) == ("manual", "manual")
    upstream = acg.lookup("2611301200123456789", None, NOW).order["product"]
    assert (upstream["name"], upstream["source"]) == ("对接 Apple 礼品卡", "upstream")


def test_by_contact_when_the_number_is_wrong(acg: DatabaseSource, dujiaoka: DatabaseSource) -> None:
    found = acg.lookup("NOPE", "buyer😀@qq.com", NOW)
    assert (found.status, found.matched_by) == ("found", "contact")
    assert found.order["order_no"] == "2611301100123456789"  # the newest
    assert found.candidates == ("2611301100123456789", "2611301000123456789")
    # dujiaoka keeps e-mails in utf8mb3: an emoji contact cannot match, and says so plainly.
    assert dujiaoka.lookup(None, "x😀@qq.com", NOW).status == "not_found"
    assert dujiaoka.lookup("NOPE", None, NOW).status == "not_found"
    assert dujiaoka.lookup("DJ😀", None, NOW).status == "not_found"


def test_the_read_only_account_cannot_write(shop_mariadb: MariaDB) -> None:
    conn = pymysql.connect(
        host="127.0.0.1",
        port=shop_mariadb.port,
        user="kgdiag_ro",
        password=READ_ONLY_PASSWORD,
        database="dujiaoka",
    )
    with conn, conn.cursor() as cursor, pytest.raises(pymysql.err.OperationalError) as err:
        cursor.execute("UPDATE orders SET status = 4 WHERE id = 2")
    assert err.value.args[0] == 1142  # UPDATE command denied


def test_lookups_run_in_read_only_transactions(shop_mariadb: MariaDB) -> None:
    rw = ShopDatabase(
        parse_dsn(f"mysql://shop_rw:rw-Secret-42@127.0.0.1:{shop_mariadb.port}/dujiaoka"),
        "dujiaoka",
    )
    with pytest.raises(ValueError, match="SELECT"):
        rw.read("UPDATE orders SET status = 4", ())
    assert rw.order_by_number("DJ20261130A2") is not None
    # Even past read(): the session itself refuses writes (1792, read-only transaction).
    conn = rw._connect()
    with conn, conn.cursor() as cursor, pytest.raises(pymysql.err.MySQLError) as err:
        cursor.execute("UPDATE orders SET status = 4 WHERE id = 2")
    assert err.value.args[0] == 1792


def unavailable_within(src: DatabaseSource, seconds: float) -> str:
    started = time.monotonic()
    found = src.lookup("DJ20261130A1", None, NOW)
    assert time.monotonic() - started < seconds
    assert found.status == "unavailable" and found.order == {}
    return found.reason


def test_wrong_password_is_unavailable_and_the_password_never_shows(
    shop_mariadb: MariaDB, caplog: pytest.LogCaptureFixture
) -> None:
    dsn = parse_dsn(f"mysql://kgdiag_ro:Wrong-Pass-99@127.0.0.1:{shop_mariadb.port}/dujiaoka")
    src = DatabaseSource(ShopDatabase(dsn, "dujiaoka"), ZONE)
    reason = unavailable_within(src, 2.5)
    assert "access denied" in reason
    assert "Wrong-Pass-99" not in caplog.text + reason


def test_missing_table_is_unavailable(shop_mariadb: MariaDB) -> None:
    # acg-faka's lookup against dujiaoka's database: no acg_order table there.
    src = DatabaseSource(
        ShopDatabase(parse_dsn(ro_dsn(shop_mariadb, "dujiaoka")), "acg_faka"), ZONE
    )
    assert "missing" in unavailable_within(src, 2.5)


def test_unreachable_server_is_unavailable(shop_mariadb: MariaDB) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens once closed
    src = DatabaseSource(
        ShopDatabase(parse_dsn(f"mysql://kgdiag_ro:x@127.0.0.1:{port}/dujiaoka"), "dujiaoka"),
        ZONE,
    )
    assert "no answer" in unavailable_within(src, 2.5)


@pytest.fixture()
def hung_server() -> Iterator[int]:
    """Accepts connections and never says a word (a server stuck in a long lock)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_hung_server_is_unavailable_within_the_timeout_then_the_breaker_opens(
    hung_server: int,
) -> None:
    dsn = parse_dsn(f"mysql://kgdiag_ro:x@127.0.0.1:{hung_server}/dujiaoka")
    breaker = CircuitBreaker("test", failures=2, cooldown=60)
    src = DatabaseSource(ShopDatabase(dsn, "dujiaoka", timeout=0.5), ZONE, breaker)
    unavailable_within(src, 1.5)
    unavailable_within(src, 1.5)
    assert breaker.is_open
    # Open: refused at once, without waiting on the server.
    assert unavailable_within(src, 0.1) == "circuit_open"


def test_a_lookup_in_now_utc_reads_shop_local_times(dujiaoka: DatabaseSource) -> None:
    # 06:00 UTC is 14:00 in Shanghai: the 24-hour window is the shop's.
    found = dujiaoka.lookup("DJ20261130A1", None, datetime(2026, 11, 30, 6, 0, tzinfo=UTC))
    assert [o["order_no"] for o in found.order["customer"]["recent_orders"]] == ["DJ20261130A2"]


def shop_env(monkeypatch: pytest.MonkeyPatch, dsn: str, system: str) -> None:
    monkeypatch.setenv("KGDIAG_SHOP_DB", dsn)
    monkeypatch.setenv("KGDIAG_SHOP_SYSTEM", system)
    monkeypatch.delenv("KGDIAG_ORDER_HOOK", raising=False)


def test_shop_check_reports_grants_indexes_and_latency(
    shop_mariadb: MariaDB, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kgdiag.cli import main

    shop_env(monkeypatch, ro_dsn(shop_mariadb, "acg"), "acg_faka")
    assert main(["shop", "check", "--rounds", "5"]) == 1  # the recent-orders index is missing
    out = capsys.readouterr().out
    assert "account: read-only (SELECT only)" in out
    assert "index acg_order (trade_no): ok" in out
    assert "index acg_order (contact, create_time): MISSING" in out
    assert "CREATE INDEX `kgdiag_contact_create_time` ON `acg_order` (contact, create_time);" in out
    assert "lookup by order number: p50" in out
    assert READ_ONLY_PASSWORD not in out

    shop_env(
        monkeypatch,
        f"mysql://shop_rw:rw-Secret-42@127.0.0.1:{shop_mariadb.port}/dujiaoka",
        "dujiaoka",
    )
    assert main(["shop", "check", "--rounds", "2"]) == 1
    out = capsys.readouterr().out
    assert "account: CAN WRITE (ALL PRIVILEGES)" in out and "rw-Secret-42" not in out

    with shop_mariadb.root("dujiaoka") as conn, conn.cursor() as cursor:
        cursor.execute("CREATE INDEX kgdiag_email_created_at ON orders (email, created_at)")
    shop_env(monkeypatch, ro_dsn(shop_mariadb, "dujiaoka"), "dujiaoka")
    assert main(["shop", "check", "--rounds", "2"]) == 0
    assert "MISSING" not in capsys.readouterr().out

    shop_env(monkeypatch, "mysql://kgdiag_ro:x@127.0.0.1:1/dujiaoka", "dujiaoka")
    assert main(["shop", "check"]) == 2
    assert "UNAVAILABLE: OperationalError 2003" in capsys.readouterr().out


def test_diagnose_on_the_command_line_by_order_number(
    shop_mariadb: MariaDB,
    seeded_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kgdiag.cli import main

    shop_env(monkeypatch, ro_dsn(shop_mariadb, "dujiaoka"), "dujiaoka")
    code = main(
        [
            "diagnose",
            "--db",
            str(seeded_db),
            "--order-no",
            "DJ20261130B1",
            "--message",
            "付了钱没收到卡密",
        ]
    )
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["order_lookup"]["status"] == "found"
    assert answer["causes"][0]["id"] == "stock_shortage"
