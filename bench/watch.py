"""One watch pass over the bench's shop of 1,000,000 orders: its cost per new notice.

Part of ``shopdb`` (``bench/shopdb.py``): after the lookups, two orders in 250
are made paid and undelivered (``status`` 2 and 3; 8,000 over the 30 days),
so about 270 of them fall in the 24 h the pass reads and nearly all are past
their window.
Timed, with PyMySQL from this process:

- the open-orders read alone (``shop.open_orders``), with the installer's
  indexes only (a scan of the table) and with the recommended
  ``orders (status, created_at)``;
- one whole :func:`casework.watch.watch_pass` on a fresh seeded store, with
  the recommended index: read, diagnose each crossing order, file its case
  and notice. Its wall time divided by the notices it created is the cost
  per new notice; a second pass (nothing new) is the steady cost of a round.
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from casework import Settings
from casework.watch import WatchConfig, watch_pass
from graph.store import open_store
from shop import DatabaseSource, ShopDatabase
from shop.open_orders import create_index_statements, open_order_rows

from .mariadb import MariaDB
from .stats import stats, timed

__all__ = ["watch_figures"]

EVERY = 250


def _open_some(server: MariaDB) -> int:
    """Make two orders in ``EVERY`` paid and undelivered; how many are open."""
    with server.root("dujiaoka") as conn, conn.cursor() as cursor:
        cursor.execute(f"UPDATE orders SET status = 2 WHERE id % {EVERY} = 0")
        cursor.execute(f"UPDATE orders SET status = 3 WHERE id % {EVERY} = {EVERY // 2}")
        cursor.execute("ANALYZE TABLE orders")
        cursor.execute("SELECT COUNT(*) FROM orders WHERE status IN (2, 3)")
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def _read(database: ShopDatabase, since: datetime) -> int:
    return sum(1 for _ in open_order_rows(database, since))


def watch_figures(
    server: MariaDB, database: ShopDatabase, zone: Any, now: datetime, rounds: int
) -> dict[str, Any]:
    """The read with and without the index, and one pass's cost per new notice."""
    from .http import _kgdiag

    result: dict[str, Any] = {"open_orders": _open_some(server), "hours": 24}
    since = now.astimezone(zone) - timedelta(hours=24)
    result["in_window"] = _read(database, since)
    result["read_installer_indexes"] = stats(timed(lambda: _read(database, since), rounds))
    index = create_index_statements("dujiaoka", "")
    with server.root("dujiaoka") as conn, conn.cursor() as cursor:
        for statement in index:
            cursor.execute(statement)
    result["index"] = index
    result["read_recommended_index"] = stats(timed(lambda: _read(database, since), rounds))
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "watch.db")
        _kgdiag("init", "--db", db)
        store = open_store(db)
        source = DatabaseSource(database, zone)
        settings, config = Settings(zone=zone), WatchConfig()
        store.snapshot()  # the first snapshot (and its symptom model) is not the pass's cost
        started = time.perf_counter()
        first = watch_pass(store, source, settings, config, now=now)
        result["pass_seconds"] = time.perf_counter() - started
        result["read"], result["notices"] = first.read, first.noticed
        started = time.perf_counter()
        second = watch_pass(store, source, settings, config, now=now)
        result["steady_pass_seconds"] = time.perf_counter() - started
        result["steady_new"] = second.noticed
        store.close()
    result["ms_per_notice"] = result["pass_seconds"] * 1000 / max(1, result["notices"])
    return result
