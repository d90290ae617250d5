"""The shop's open orders that may be past their normal time, read bounded for the watch loop.

"Open" means paid and not delivered: dujiaoka ``orders.status`` 2 待处理,
3 处理中 or 6 异常 (paid, nothing sent); acg-faka ``order.status`` 1 (paid) with
``delivery_status`` 0 (not shipped). Every read is bounded twice: only orders
made since a window (``KGDIAG_WATCH_HOURS``, the shop's local time) and at
most ``limit`` rows a page, read page by page on the primary key, so a pass
over a shop of millions of orders touches only its few open ones.

Neither installer creates an index for this read, so each system names the one
it wants (:data:`WATCH_INDEXES`); ``kgdiag shop check`` prints its ``CREATE
INDEX``. Without it the read scans the table, which the bench measures.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from .database import ShopDatabase

__all__ = ["OPEN_ORDERS", "WATCH_INDEXES", "create_index_statements", "open_order_rows"]

OPEN_ORDERS: Mapping[str, str] = {
    "dujiaoka": (
        "SELECT o.*, p.pay_handleroute, p.pay_name FROM {p}orders o"
        " LEFT JOIN {p}pays p ON p.id = o.pay_id"
        " WHERE o.status IN (2, 3, 6) AND o.created_at >= %s AND o.id > %s"
        " AND o.deleted_at IS NULL ORDER BY o.id LIMIT %s"
    ),
    "acg_faka": (
        "SELECT o.*, p.handle AS pay_handle, p.name AS pay_name, c.name AS commodity_name,"
        " c.delivery_way AS commodity_delivery_way, c.shared_id AS commodity_shared_id"
        " FROM {p}order o LEFT JOIN {p}pay p ON p.id = o.pay_id"
        " LEFT JOIN {p}commodity c ON c.id = o.commodity_id"
        " WHERE o.status = 1 AND o.delivery_status = 0 AND o.create_time >= %s AND o.id > %s"
        " ORDER BY o.id LIMIT %s"
    ),
}
"""Paid, undelivered orders made since ``%s``, after the id ``%s``, ``%s`` at most."""

WATCH_INDEXES: Mapping[str, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    "dujiaoka": (("orders", ("status", "created_at"), "the watch loop's open orders"),),
    "acg_faka": (
        ("order", ("status", "delivery_status", "create_time"), "the watch loop's open orders"),
    ),
}
"""(table, columns, why): the index each system's open-order read wants."""


def create_index_statements(system: str, prefix: str) -> list[str]:
    """The ``CREATE INDEX`` lines an operator runs (kgdiag itself never writes to the shop)."""
    return [
        f"CREATE INDEX `kgdiag_{'_'.join(columns)}` ON `{prefix}{table}` ({', '.join(columns)});"
        for table, columns, _ in WATCH_INDEXES[system]
    ]


def open_order_rows(
    database: ShopDatabase, since: datetime, *, page: int = 200, limit: int = 2000
) -> Iterator[dict[str, Any]]:
    """Paid, undelivered rows made at or after ``since`` (shop-local), oldest id first.

    Read ``page`` rows at a time after the last id seen, ``limit`` rows at most
    in all (the rest wait for the next pass; a warning is the caller's to log).
    ShopUnavailable propagates: a pass that cannot read the shop does nothing.
    """
    moment = since.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
    statement = OPEN_ORDERS[database.system]
    after, seen = 0, 0
    while seen < limit:
        rows = database.read(statement, (moment, after, min(page, limit - seen)))
        yield from rows
        seen += len(rows)
        if len(rows) < page:
            return
        after = int(rows[-1]["id"])
