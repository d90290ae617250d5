"""The watch loop on a real MariaDB: open orders past their time get exactly one notice each.

Each test gets its own dujiaoka database (tables copied from the session's
fixture shop) with orders made relative to the real clock, so the pass reads
them as the server would. The webhook is a real HTTP receiver on loopback.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from casework import Settings
from casework.watch import (
    LEASE,
    WatchConfig,
    notice_order,
    run_watch,
    watch_config,
    watch_pass,
)
from casework.webhook import SIGNATURE_HEADER, Webhook, deliver_due
from graph.sqlite import SqliteStore
from graph.store import open_store
from shop import DatabaseSource, ShopDatabase, parse_dsn
from tests.shop_server import READ_ONLY_USER, MariaDB, ro_dsn

ZONE = ZoneInfo("Asia/Shanghai")
SETTINGS = Settings(zone=ZONE)
_numbers = itertools.count(1)

# (order_sn, type 1 auto / 2 manual, status, minutes ago, info): windows are the
# seed's watch_minutes: card keys 10, top-ups 15, other manual orders 60.
ORDERS = [
    ("W-KEY-LATE", 1, 2, 25, ""),  # paid key, 25 min: past 10
    ("W-KEY-LATE2", 1, 3, 12, ""),  # processing key, 12 min: past 10
    ("W-KEY-FRESH", 1, 2, 4, ""),  # 4 min: inside
    ("W-TOPUP-LATE", 2, 2, 40, "充值账号:123456789"),  # top-up, 40 min: past 15
    ("W-TOPUP-FRESH", 2, 3, 8, "充值账号:987654321"),  # 8 min: inside 15
    ("W-MANUAL-LATE", 2, 2, 90, ""),  # manual, 90 min: past 60
    ("W-MANUAL-FRESH", 2, 2, 30, ""),  # 30 min: inside 60
    ("W-DONE", 1, 4, 50, "KEY-1"),  # completed: not open
    ("W-UNPAID", 1, 1, 50, ""),  # unpaid: not watched
    ("W-OLD", 1, 2, 60 * 30, ""),  # past the 24 h read window: never read
]
CROSSING = {"W-KEY-LATE", "W-KEY-LATE2", "W-TOPUP-LATE", "W-MANUAL-LATE"}


def make_shop(server: MariaDB, orders: list[tuple[str, int, int, float, str]]) -> str:
    """A fresh dujiaoka database holding ``orders``; kgdiag's read-only account may read it."""
    name = f"watch{next(_numbers)}_{id(orders) % 10_000}"
    now = datetime.now(ZONE).replace(tzinfo=None)
    with server.root() as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        for table in ("orders", "pays", "goods"):
            cursor.execute(f"CREATE TABLE `{name}`.`{table}` LIKE dujiaoka.`{table}`")
        cursor.execute(f"INSERT INTO `{name}`.pays SELECT * FROM dujiaoka.pays")
        cursor.execute(
            f"CREATE INDEX kgdiag_status_created_at ON `{name}`.orders (status, created_at)"
        )
        for number, kind, status, minutes, info in orders:
            cursor.execute(
                f"INSERT INTO `{name}`.orders (order_sn, goods_id, title, type, actual_price,"
                " email, info, pay_id, buy_ip, status, created_at, updated_at)"
                " VALUES (%s, 1, %s, %s, 30.00, 'buyer@example.com', %s, 15, '1.2.3.4',"
                " %s, %s, %s)",
                (
                    number,
                    "王者荣耀 点券 600" if kind == 2 else "Steam 钱包充值卡 100 HKD",
                    kind,
                    info,
                    status,
                    now - timedelta(minutes=minutes),
                    now - timedelta(minutes=minutes),
                ),
            )
        cursor.execute(f"GRANT SELECT ON `{name}`.* TO '{READ_ONLY_USER}'@'%'")
    return name


def shop_source(server: MariaDB, database: str) -> DatabaseSource:
    return DatabaseSource(ShopDatabase(parse_dsn(ro_dsn(server, database)), "dujiaoka"), ZONE)


@pytest.fixture()
def shop(shop_mariadb: MariaDB) -> DatabaseSource:
    return shop_source(shop_mariadb, make_shop(shop_mariadb, ORDERS))


def notices_by_order(store: SqliteStore) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for notice in store.records.notice_page(limit=1000):
        found.setdefault(notice.order_no, []).append(notice)
    return found


def test_orders_past_their_window_get_exactly_one_notice_each(
    store: SqliteStore, shop: DatabaseSource
) -> None:
    report = watch_pass(store, shop, SETTINGS, WatchConfig())
    found = notices_by_order(store)
    assert set(found) == CROSSING
    assert all(len(n) == 1 for n in found.values())
    assert report.noticed == len(CROSSING) and report.crossed == len(CROSSING)
    assert report.read == 7  # the open and in-window rows: not completed, unpaid or old
    symptoms = {n: found[n][0].symptom for n in found}
    assert symptoms["W-KEY-LATE"] == "card_key_not_received"
    assert symptoms["W-TOPUP-LATE"] == "recharge_not_arrived"
    assert symptoms["W-MANUAL-LATE"] == "manual_delivery_slow"
    key = found["W-KEY-LATE"][0]
    assert key.lang == "zh" and key.channel == "yipay" and key.sent_at is None
    assert key.next_attempt_at is None  # no webhook set: nothing waits to be sent
    assert "W-KEY-LATE" in key.text and "不需要重新下单" in key.text
    assert "全额退款" in key.text and "【待补充" not in key.text
    # Every notice's diagnosis is on file as a case by the watcher, with its cause.
    case = store.records.case_by_ref(str(key.case_ref))
    assert case is not None and case.author == "watch" and case.top_cause == key.cause
    # A second pass finds the same orders noticed: nothing new, nothing twice.
    again = watch_pass(store, shop, SETTINGS, WatchConfig())
    assert again.noticed == 0 and again.already == len(CROSSING)
    assert sum(len(n) for n in notices_by_order(store).values()) == len(CROSSING)


def test_an_outage_on_the_cause_offers_wait_backup_or_refund(store: SqliteStore) -> None:
    """With the order's supplier recorded degraded (an ETA ahead), its notice offers the
    choice of article 004: wait until a time, a backup channel, or a refund."""
    now = datetime.now(UTC)
    paid = (now - timedelta(minutes=40)).astimezone(ZONE).isoformat(timespec="seconds")
    facts: dict[str, Any] = {
        "order_no": "W-OUT",
        "status": "processing",
        "created_at": paid,
        "product": {"kind": "direct_topup", "delivery": "auto", "supplier": "sup_kx"},
        "delivery": {"topup": {"account": "223456789"}},
        "payment": {"gateway": "yipay", "callback": {"received": True}},
    }
    assert notice_order(store, facts, "recharge_not_arrived", now, SETTINGS) == "new"
    plain = store.records.notice_page(limit=1)[0]
    eta = (now + timedelta(hours=1)).isoformat(timespec="seconds")
    store.records.set_system_status(
        system="sup_kx", status="degraded", note="slow", eta=eta, author="test"
    )
    second = {**facts, "order_no": "W-OUT2"}
    assert notice_order(store, second, "recharge_not_arrived", now, SETTINGS) == "new"
    notice = store.records.notice_page(limit=1)[0]
    assert notice.order_no == "W-OUT2" and notice.cause == "supplier_interface_outage"
    assert "备用通道" in notice.text and "全额退款" in notice.text
    local = (now + timedelta(hours=1)).astimezone(ZONE)
    assert f"{local.hour:02d}:{local.minute:02d}" in notice.text  # the recovery time, shop's zone
    assert "备用通道" not in plain.text and notice.supplier == "sup_kx"
    assert "sup_kx" not in notice.text  # never a supplier's name to the customer


class Receiver:
    """A webhook receiver on loopback that fails its first ``failures`` posts."""

    def __init__(self, failures: int) -> None:
        self.failures, self.bodies, self.calls = failures, [], 0
        self.signatures: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                if receiver.calls <= receiver.failures:
                    self.send_response(503)
                else:
                    receiver.bodies.append(body)
                    receiver.signatures.append(self.headers[SIGNATURE_HEADER])
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/notices"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


SECRET = b"a-webhook-secret-of-32-characters"


def test_the_webhook_gets_every_notice_once_across_failures(
    store: SqliteStore, shop: DatabaseSource
) -> None:
    with Receiver(failures=2) as receiver:
        config = WatchConfig(webhook=Webhook(receiver.url, SECRET, 2.0))
        now = datetime.now(UTC)
        first = watch_pass(store, shop, SETTINGS, config, now=now)
        assert first.noticed == len(CROSSING) and first.failed == 2 and first.sent == 2
        # Not yet due: the failed two wait for their back-off.
        assert deliver_due(store, config.webhook, now + timedelta(seconds=5)) == (0, 0)  # type: ignore[arg-type]
        assert deliver_due(store, config.webhook, now + timedelta(seconds=31)) == (2, 0)  # type: ignore[arg-type]
        assert deliver_due(store, config.webhook, now + timedelta(hours=2)) == (0, 0)  # type: ignore[arg-type]
        # Two hours on, the fresh orders have crossed too: theirs go out at once.
        later = watch_pass(store, shop, SETTINGS, config, now=now + timedelta(hours=2))
        assert later.noticed == 3 and later.sent == 3
    bodies = [json.loads(b) for b in receiver.bodies]
    numbers = [b["order_no"] for b in bodies]
    assert len(numbers) == len(set(numbers)) == 7 and set(numbers) >= CROSSING
    for raw, signature in zip(receiver.bodies, receiver.signatures, strict=True):
        assert signature == "sha256=" + hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
    notices = store.records.notice_page(limit=10)
    assert all(n.sent_at for n in notices)
    assert sorted(n.attempts for n in notices) == [1, 1, 1, 1, 1, 2, 2]


def test_two_watchers_at_once_never_notify_twice(
    tmp_path: Path, store: SqliteStore, shop_mariadb: MariaDB
) -> None:
    database = make_shop(shop_mariadb, ORDERS)
    with Receiver(failures=0) as receiver:
        config = WatchConfig(webhook=Webhook(receiver.url, SECRET, 2.0))
        errors: list[BaseException] = []

        def one() -> None:
            own = open_store(store.path)  # a process's own connection, as a worker has
            try:
                for _ in range(3):
                    watch_pass(own, shop_source(shop_mariadb, database), SETTINGS, config)
            except BaseException as err:  # surfaced below
                errors.append(err)
            finally:
                own.close()

        threads = [threading.Thread(target=one) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert not errors
    found = notices_by_order(store)
    assert set(found) == CROSSING and all(len(n) == 1 for n in found.values())
    assert sorted(json.loads(b)["order_no"] for b in receiver.bodies) == sorted(CROSSING)


def test_the_lease_lets_one_watcher_run_and_expires(store: SqliteStore) -> None:
    records, t0 = store.records, datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def at(minutes: float) -> str:
        return (t0 + timedelta(minutes=minutes)).isoformat(timespec="seconds")

    assert records.take_lease(LEASE, holder="a", now=at(0), until=at(3))
    assert not records.take_lease(LEASE, holder="b", now=at(1), until=at(4))
    assert records.take_lease(LEASE, holder="a", now=at(2), until=at(5))  # renewed
    assert not records.take_lease(LEASE, holder="b", now=at(4), until=at(7))
    assert records.take_lease(LEASE, holder="b", now=at(6), until=at(9))  # a died: taken over
    assert not records.take_lease(LEASE, holder="a", now=at(7), until=at(10))
    records.release_lease(LEASE, holder="b")
    assert records.take_lease(LEASE, holder="a", now=at(8), until=at(11))


def test_a_watcher_that_fails_mid_pass_resumes_without_loss_or_repeats(
    store: SqliteStore, shop: DatabaseSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store.records.record_notice
    calls = itertools.count(1)

    def dies_on_the_third(**fields: Any) -> Any:
        if next(calls) == 3:
            raise RuntimeError("killed mid-pass")
        return real(**fields)

    monkeypatch.setattr(store.records, "record_notice", dies_on_the_third)
    with pytest.raises(RuntimeError):
        watch_pass(store, shop, SETTINGS, WatchConfig())
    assert len(notices_by_order(store)) == 2
    monkeypatch.setattr(store.records, "record_notice", real)
    report = watch_pass(store, shop, SETTINGS, WatchConfig())
    assert report.noticed == 2 and report.already == 2
    found = notices_by_order(store)
    assert set(found) == CROSSING and all(len(n) == 1 for n in found.values())


KILLED = """
import os, signal, sys
from casework import Settings
from casework.watch import WatchConfig, watch_pass
from graph.store import open_store
from shop import DatabaseSource, ShopDatabase, parse_dsn
from zoneinfo import ZoneInfo
store = open_store(sys.argv[1])
real = store.records.record_notice
count = [0]
def record(**fields):
    found = real(**fields)
    count[0] += 1
    if count[0] == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # killed after its second notice, mid-pass
    return found
store.records.record_notice = record
zone = ZoneInfo("Asia/Shanghai")
source = DatabaseSource(ShopDatabase(parse_dsn(sys.argv[2]), "dujiaoka"), zone)
watch_pass(store, source, Settings(zone=zone), WatchConfig())
"""


def test_a_watcher_killed_with_sigkill_resumes_without_loss_or_repeats(
    store: SqliteStore, shop_mariadb: MariaDB
) -> None:
    database = make_shop(shop_mariadb, ORDERS)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, str(store.path), ro_dsn(shop_mariadb, database)],
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert len(notices_by_order(store)) == 2
    report = run_watch(
        store, shop_source(shop_mariadb, database), SETTINGS, WatchConfig(), once=True
    )
    assert report.noticed == 2
    found = notices_by_order(store)
    assert set(found) == CROSSING and all(len(n) == 1 for n in found.values())


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"KGDIAG_WATCH_MINUTES": "soon"}, "KGDIAG_WATCH_MINUTES: 'soon' is not a number"),
        ({"KGDIAG_WATCH_MINUTES": "0"}, "KGDIAG_WATCH_MINUTES: 0 is outside"),
        ({"KGDIAG_WATCH_HOURS": "-3"}, "KGDIAG_WATCH_HOURS"),
        ({"KGDIAG_NOTICE_WEBHOOK": "ftp://x/y"}, "KGDIAG_NOTICE_WEBHOOK: an http(s) URL"),
        (
            {"KGDIAG_NOTICE_WEBHOOK": "https://shop.example/n"},
            "KGDIAG_NOTICE_WEBHOOK_SECRET_FILE: required",
        ),
        (
            {
                "KGDIAG_NOTICE_WEBHOOK": "https://shop.example/n",
                "KGDIAG_NOTICE_WEBHOOK_SECRET_FILE": "/nonexistent/secret",
            },
            "KGDIAG_NOTICE_WEBHOOK_SECRET_FILE: cannot read it",
        ),
    ],
)
def test_bad_settings_are_named(settings: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named.replace("(", r"\(").replace(")", r"\)")):
        watch_config(settings)


def test_watch_on_the_command_line_without_a_shop_says_why(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kgdiag.cli import main

    monkeypatch.delenv("KGDIAG_SHOP_DB", raising=False)
    assert main(["watch", "--db", str(store.path), "--once"]) == 2
    assert "KGDIAG_SHOP_DB is not set" in capsys.readouterr().err
    monkeypatch.setenv("KGDIAG_SHOP_DB", "mysql://u@127.0.0.1:1/x")
    monkeypatch.setenv("KGDIAG_WATCH_MINUTES", "often")
    assert main(["watch", "--db", str(store.path), "--once"]) == 2
    assert "KGDIAG_WATCH_MINUTES" in capsys.readouterr().err


def test_watch_once_on_the_command_line(
    store: SqliteStore, shop_mariadb: MariaDB, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from kgdiag.cli import main

    database = make_shop(shop_mariadb, ORDERS)
    monkeypatch.setenv("KGDIAG_SHOP_DB", ro_dsn(shop_mariadb, database))
    monkeypatch.setenv("KGDIAG_SHOP_SYSTEM", "dujiaoka")
    assert main(["watch", "--db", str(store.path), "--once"]) == 0
    assert "4 new notices" in capsys.readouterr().out
    assert set(notices_by_order(store)) == CROSSING


def test_two_servers_with_two_workers_each_notify_once(
    tmp_path: Path, store: SqliteStore, shop_mariadb: MariaDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop inside `kgdiag serve`: four workers on two servers, one runner (the lease)."""
    import time

    from tests.server import running_server

    secret = tmp_path / "hook.secret"
    secret.write_text(SECRET.decode())
    database = make_shop(shop_mariadb, ORDERS)
    with Receiver(failures=1) as receiver:
        for name, value in {
            "KGDIAG_SHOP_DB": ro_dsn(shop_mariadb, database),
            "KGDIAG_SHOP_SYSTEM": "dujiaoka",
            "KGDIAG_WATCH_MINUTES": "0.05",
            "KGDIAG_NOTICE_WEBHOOK": receiver.url,
            "KGDIAG_NOTICE_WEBHOOK_SECRET_FILE": str(secret),
        }.items():
            monkeypatch.setenv(name, value)
        with (
            running_server(store.path, "--workers", "2"),
            running_server(store.path, "--workers", "2"),
        ):
            deadline = time.monotonic() + 90
            while len(receiver.bodies) < len(CROSSING) and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(4)  # more rounds: nothing may come twice
    numbers = [json.loads(b)["order_no"] for b in receiver.bodies]
    assert sorted(numbers) == sorted(CROSSING)
    found = notices_by_order(store)
    assert set(found) == CROSSING and all(len(n) == 1 for n in found.values())


def test_acg_faka_open_orders_are_the_paid_unshipped_ones(shop_mariadb: MariaDB) -> None:
    from shop.open_orders import open_order_rows

    database = ShopDatabase(parse_dsn(ro_dsn(shop_mariadb, "acg")), "acg_faka")
    rows = list(open_order_rows(database, datetime(2000, 1, 1), page=2))  # pages of two
    with shop_mariadb.root("acg") as conn, conn.cursor() as cursor:
        cursor.execute("SELECT trade_no FROM acg_order WHERE status = 1 AND delivery_status = 0")
        expected = sorted(str(r[0]) for r in cursor.fetchall())
    assert expected, "the fixture holds paid, unshipped acg-faka orders"
    assert sorted(str(r["trade_no"]) for r in rows) == expected
    assert all("commodity_delivery_way" in r for r in rows)  # joined like a lookup's row


def test_an_english_reader_gets_the_english_notice_with_the_zone_named(
    store: SqliteStore,
) -> None:
    now = datetime.now(UTC)
    facts: dict[str, Any] = {
        "order_no": "W-EN",
        "status": "pending",
        "created_at": (now - timedelta(minutes=30)).astimezone(ZONE).isoformat(),
        "product": {"kind": "card_key", "delivery": "auto", "name": "Steam Wallet 20 USD"},
        "customer": {"account_region": "US"},
        "payment": {"gateway": "paypal"},
    }
    assert notice_order(store, facts, "card_key_not_received", now, SETTINGS) == "new"
    notice = store.records.notice_page(limit=1)[0]
    assert notice.lang == "en" and notice.text.startswith("Hello, your order W-EN")
    assert "(UTC+8)" in notice.text and "refund you in full" in notice.text
    assert notice.text.lower().count("sorry") <= 1
    assert notice_order(store, facts, "card_key_not_received", now, SETTINGS) == "duplicate"
    # A symptom without a notice template: no notice, and no case filed for nothing.
    cases = len(store.records.cases(since="2000-01-01", until="9999-01-01"))
    other = {**facts, "order_no": "W-EN2"}
    assert notice_order(store, other, "card_key_invalid", now, SETTINGS) == "unsent"
    assert len(store.records.cases(since="2000-01-01", until="9999-01-01")) == cases
