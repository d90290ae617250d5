"""Order lookups on a shop database of 1,000,000 orders, and diagnose by number over HTTP.

A throwaway MariaDB (``bench/mariadb.py``) gets dujiaoka's tables
(``tests/fixtures/shopdb/dujiaoka.sql``) and a million orders made in the
server by its Sequence engine: 200,000 customers with five orders each,
spread over the 30 days before the reference time. Timed:

- a lookup by order number and a lookup by contact (the customer's orders of
  the last 24 h), as :class:`shop.ShopDatabase` runs them through PyMySQL,
  first with the installer's indexes, then with the one ``kgdiag shop
  check`` recommends (``orders (email, created_at)``); and the whole
  :meth:`shop.DatabaseSource.lookup` (both reads and the mapping);
- ``POST /v1/diagnose`` over HTTP on ``kgdiag serve``: by order number next
  to the same order's facts inline, one client, requests one after another;
- one watch pass over the open orders (``bench/watch.py``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shop import DatabaseSource, ShopDatabase, parse_dsn

from .mariadb import FIXTURES, MariaDB, mariadb_missing, running_mariadb
from .stats import stats, timed
from .watch import watch_figures

__all__ = ["shopdb_figures"]

ORDERS = 1_000_000
CUSTOMERS = 200_000
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=ZONE)
USER, PASSWORD = "kgdiag_bench", "bench-ro-Secret"


def _fill(server: MariaDB, orders: int) -> float:
    """Load dujiaoka's tables and ``orders`` rows; seconds it took."""
    started = time.perf_counter()
    server.run_sql_file(FIXTURES / "dujiaoka.sql")
    with server.root("dujiaoka") as conn, conn.cursor() as cursor:
        cursor.execute("DELETE FROM orders")
        cursor.execute(
            "INSERT INTO orders (order_sn, goods_id, title, type, goods_price, buy_amount,"
            " total_price, actual_price, email, info, pay_id, buy_ip, trade_no, status,"
            " created_at, updated_at)"
            " SELECT CONCAT('B', LPAD(seq, 9, '0')), 1, 'Steam 钱包充值卡 100 HKD x 1', 1, 92, 1,"
            " 92, 92, CONCAT('c', seq %% %s, '@example.com'), CONCAT('KEY-', seq), 1,"
            " '10.0.0.1', CONCAT('T', seq), 4,"
            " TIMESTAMP'2026-11-30 14:00:00' - INTERVAL (seq * 2593 %% 2592000) SECOND,"
            " TIMESTAMP'2026-11-30 14:00:00' - INTERVAL (seq * 2593 %% 2592000) SECOND"
            f" FROM seq_1_to_{orders}",
            (CUSTOMERS,),
        )
        cursor.execute(f"CREATE USER '{USER}'@'%%' IDENTIFIED BY %s", (PASSWORD,))
        cursor.execute(f"GRANT SELECT ON dujiaoka.* TO '{USER}'@'%'")
        cursor.execute("ANALYZE TABLE orders")
    return time.perf_counter() - started


def _lookups(database: ShopDatabase, rounds: int) -> dict[str, Any]:
    rng = random.Random(7)
    numbers = [f"B{rng.randint(1, ORDERS):09d}" for _ in range(rounds)]
    contacts = [f"c{rng.randint(0, CUSTOMERS - 1)}@example.com" for _ in range(rounds)]
    since = NOW - timedelta(hours=24)
    by_number = iter(numbers)
    by_contact = iter(contacts)
    return {
        "by_order_number": stats(timed(lambda: database.order_by_number(next(by_number)), rounds)),
        "by_contact_24h": stats(
            timed(lambda: database.orders_by_contact(next(by_contact), since, 51), rounds)
        ),
    }


def _post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        answer: dict[str, Any] = json.loads(reply.read())
        return answer


def _http(dsn: str, rounds: int) -> dict[str, Any]:
    """Diagnose by order number next to the same facts inline, on one kgdiag serve."""
    from .http import _free_port, _kgdiag, _ready

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        _kgdiag("init", "--db", db)
        token = _kgdiag("token", "create", "--db", db, "--role", "agent", "--name", "b").split()[-1]
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "KGDIAG_SHOP_DB": dsn,
            "KGDIAG_SHOP_SYSTEM": "dujiaoka",
            # One token asks as fast as it can: lift the per-token ceilings.
            "KGDIAG_RATE_DIAGNOSE": "1000000 per minute",
            "KGDIAG_RATE_WRITES": "1000000 per minute",
        }
        serve = [sys.executable, "-m", "kgdiag", "serve", "--db", db, "--port", str(port)]
        proc = subprocess.Popen(
            [*serve, "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _ready(base, proc)
            url = f"{base}/v1/diagnose"
            by_number = {"order_no": "B000000042", "message": "卡密无效", "now": NOW.isoformat()}
            first = _post(url, token, by_number)
            assert first["order_lookup"]["status"] == "found", first["order_lookup"]
            # The facts exactly as the lookup found them: the same diagnosis, no lookup.
            source = DatabaseSource(ShopDatabase(parse_dsn(dsn), "dujiaoka"), ZONE)
            inline: dict[str, Any] = {
                "message": "卡密无效",
                "now": NOW.isoformat(),
                "order": dict(source.lookup("B000000042", None, NOW).order),
            }
            for body in (by_number, inline):  # warm
                _post(url, token, body)
            return {
                "server": "gunicorn, 1 worker x 2 threads; one client, sequential",
                "diagnose_by_order_no": stats(timed(lambda: _post(url, token, by_number), rounds)),
                "diagnose_inline_facts": stats(timed(lambda: _post(url, token, inline), rounds)),
            }
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def shopdb_figures(rounds: int, orders: int = ORDERS) -> dict[str, Any]:
    """Lookup and diagnose figures on a shop database of ``orders`` orders."""
    missing = mariadb_missing()
    if missing:
        return {"skipped": missing}
    with tempfile.TemporaryDirectory() as tmp, running_mariadb(Path(tmp)) as server:
        load_s = _fill(server, orders)
        dsn = server.dsn("dujiaoka", USER, PASSWORD)
        database = ShopDatabase(parse_dsn(dsn), "dujiaoka")
        result: dict[str, Any] = {"orders": orders, "load_seconds": load_s}
        result["installer_indexes"] = _lookups(database, rounds)
        with server.root("dujiaoka") as conn, conn.cursor() as cursor:
            cursor.execute("CREATE INDEX kgdiag_email_created_at ON orders (email, created_at)")
        result["recommended_indexes"] = _lookups(database, rounds)
        source = DatabaseSource(database, ZONE)
        rng = random.Random(11)
        result["whole_lookup"] = stats(
            timed(lambda: source.lookup(f"B{rng.randint(1, orders):09d}", None, NOW), rounds)
        )
        result["http"] = _http(dsn, max(20, rounds // 5))
        result["watch"] = watch_figures(server, database, ZONE, NOW, max(5, rounds // 20))
        database.close()
        return result
