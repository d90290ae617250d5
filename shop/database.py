"""Read a shop's orders from its own MySQL/MariaDB database, read-only and bounded.

Only SELECTs, in read-only transactions (``SET SESSION TRANSACTION READ
ONLY`` when a connection opens, so even an account that may write cannot
through kgdiag, and a lookup stays one round trip), over PyMySQL connections
kept in a small pool. Connect and read timeouts bound every call, and a
:class:`~shop.breaker.CircuitBreaker` stops asking a database that keeps
failing. Errors are reported by kind and the server's error number, never
with the address's password.

The statements per system (``dujiaoka`` ``orders`` joined with ``pays``;
acg-faka ``order`` joined with ``pay`` and ``commodity``) return the columns
the adapters map, so one mapping per system serves pasted rows and read rows.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pymysql
import pymysql.cursors

from .dsn import ShopDSN

__all__ = ["SYSTEMS", "ShopDatabase", "ShopUnavailable", "Statements"]

log = logging.getLogger(__name__)


class ShopUnavailable(Exception):
    """The database could not answer; the message is safe to log and show."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


ILLEGAL_MIX = 1267
"""An utf8mb4 value (an emoji) compared with an utf8mb3 column: it cannot be there."""


@dataclass(frozen=True)
class Statements:
    """One system's lookups; ``{p}`` is the table prefix (acg-faka's installer asks one)."""

    by_number: str
    by_contact: str
    number_column: str
    contact_column: str
    created_column: str
    order_table: str
    indexes: tuple[tuple[str, tuple[str, ...], str], ...]
    """(table, leading columns, why) of the indexes the lookups need."""


DUJIAOKA = Statements(
    by_number=(
        "SELECT o.*, p.pay_handleroute, p.pay_name FROM {p}orders o"
        " LEFT JOIN {p}pays p ON p.id = o.pay_id"
        " WHERE o.order_sn = %s AND o.deleted_at IS NULL LIMIT 1"
    ),
    by_contact=(
        "SELECT o.*, p.pay_handleroute, p.pay_name FROM {p}orders o"
        " LEFT JOIN {p}pays p ON p.id = o.pay_id"
        " WHERE o.email = %s AND o.created_at >= %s AND o.deleted_at IS NULL"
        " ORDER BY o.created_at DESC LIMIT %s"
    ),
    number_column="order_sn",
    contact_column="email",
    created_column="created_at",
    order_table="orders",
    indexes=(
        ("orders", ("order_sn",), "lookup by order number"),
        ("orders", ("email", "created_at"), "the customer's recent orders by contact"),
    ),
)

ACG_FAKA = Statements(
    by_number=(
        "SELECT o.*, p.handle AS pay_handle, p.name AS pay_name, c.name AS commodity_name,"
        " c.delivery_way AS commodity_delivery_way, c.shared_id AS commodity_shared_id"
        " FROM {p}order o LEFT JOIN {p}pay p ON p.id = o.pay_id"
        " LEFT JOIN {p}commodity c ON c.id = o.commodity_id"
        " WHERE o.trade_no = %s LIMIT 1"
    ),
    by_contact=(
        "SELECT o.*, p.handle AS pay_handle, p.name AS pay_name, c.name AS commodity_name,"
        " c.delivery_way AS commodity_delivery_way, c.shared_id AS commodity_shared_id"
        " FROM {p}order o LEFT JOIN {p}pay p ON p.id = o.pay_id"
        " LEFT JOIN {p}commodity c ON c.id = o.commodity_id"
        " WHERE o.contact = %s AND o.create_time >= %s"
        " ORDER BY o.create_time DESC LIMIT %s"
    ),
    number_column="trade_no",
    contact_column="contact",
    created_column="create_time",
    order_table="order",
    indexes=(
        ("order", ("trade_no",), "lookup by order number"),
        ("order", ("contact", "create_time"), "the customer's recent orders by contact"),
    ),
)

SYSTEMS: Mapping[str, Statements] = {"dujiaoka": DUJIAOKA, "acg_faka": ACG_FAKA}
DEFAULT_PREFIX: Mapping[str, str] = {"dujiaoka": "", "acg_faka": "acg_"}


def _describe(err: BaseException) -> str:
    """What went wrong, by kind and server error number: no address, no password."""
    code = err.args[0] if err.args and isinstance(err.args[0], int) else None
    name = type(err).__name__
    if isinstance(err, pymysql.err.OperationalError) and code in (1044, 1045):
        return f"{name} {code}: access denied (user or password)"
    if isinstance(err, pymysql.err.ProgrammingError) and code == 1146:
        return f"{name} {code}: a table the lookup reads is missing"
    if isinstance(err, pymysql.err.OperationalError) and code in (2003, 2013, 2006):
        return f"{name} {code}: no answer from the server (down, unreachable or too slow)"
    return f"{name} {code}" if code is not None else name


class ShopDatabase:
    """A shop's database; thread-safe (gunicorn threads share one)."""

    def __init__(
        self,
        dsn: ShopDSN,
        system: str,
        *,
        prefix: str | None = None,
        timeout: float = 2.0,
        pool_size: int = 4,
    ) -> None:
        if system not in SYSTEMS:
            raise ValueError(f"KGDIAG_SHOP_SYSTEM: {system!r} is not one of {sorted(SYSTEMS)}")
        self.dsn, self.system, self.timeout = dsn, system, timeout
        self.prefix = DEFAULT_PREFIX[system] if prefix is None else prefix
        self.statements = SYSTEMS[system]
        self._idle: queue.LifoQueue[pymysql.connections.Connection[Any]] = queue.LifoQueue(
            pool_size
        )
        self._lock = threading.Lock()

    @property
    def source(self) -> str:
        return f"{self.system} {self.dsn.safe}"

    def _connect(self) -> pymysql.connections.Connection[Any]:
        dsn = self.dsn
        return pymysql.connect(
            host=dsn.host,
            port=dsn.port,
            user=dsn.user,
            password=dsn.password,
            database=dsn.database,
            unix_socket=dsn.unix_socket,
            charset="utf8mb4",
            connect_timeout=self.timeout,
            read_timeout=self.timeout,
            write_timeout=self.timeout,
            autocommit=True,
            cursorclass=pymysql.cursors.DictCursor,
            # Every statement of this session runs in a read-only transaction (the
            # server refuses writes with 1792 whatever the account may do); set once
            # per connection, so a lookup is one round trip, not three.
            init_command="SET SESSION TRANSACTION READ ONLY",
        )

    @contextmanager
    def _connection(self) -> Iterator[pymysql.connections.Connection[Any]]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        except BaseException:
            conn.close()  # in an unknown state: never back into the pool
            raise
        try:
            self._idle.put_nowait(conn)
        except queue.Full:
            conn.close()

    def read(self, statement: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        """Rows of one SELECT (a read-only transaction); ShopUnavailable when it fails.

        A pooled connection the server has closed meanwhile is retried once
        on a fresh one."""
        if not statement.lstrip().upper().startswith(("SELECT", "SHOW")):
            raise ValueError("the shop database is read with SELECT and SHOW only")
        sql = statement.replace("{p}", self.prefix)
        for attempt in (1, 2):
            fresh = self._idle.empty()
            try:
                with self._connection() as conn, conn.cursor() as cursor:
                    cursor.execute(sql, tuple(args))
                    return list(cursor.fetchall())
            except pymysql.err.MySQLError as err:
                stale = isinstance(err, pymysql.err.OperationalError) and not fresh
                if attempt == 1 and stale:
                    log.info("shop database: a pooled connection had gone (%s)", _describe(err))
                    continue
                code = err.args[0] if err.args and isinstance(err.args[0], int) else None
                raise ShopUnavailable(_describe(err), code) from None
            except OSError as err:  # socket errors PyMySQL does not wrap
                raise ShopUnavailable(type(err).__name__) from None
        raise ShopUnavailable("no connection")  # pragma: no cover - the loop returns or raises

    def order_by_number(self, order_no: str) -> dict[str, Any] | None:
        try:
            rows = self.read(self.statements.by_number, (order_no,))
        except ShopUnavailable as err:
            if err.code == ILLEGAL_MIX and any(ord(c) > 0xFFFF for c in order_no):
                return None  # an emoji in an utf8mb3 column's lookup: no such order
            raise
        return rows[0] if rows else None

    def orders_by_contact(
        self, contact: str, since: datetime, limit: int = 50
    ) -> list[dict[str, Any]]:
        """The contact's orders made at or after ``since`` (shop-local, no zone), newest first."""
        moment = since.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
        try:
            return self.read(self.statements.by_contact, (contact, moment, limit))
        except ShopUnavailable as err:
            # dujiaoka keeps e-mails in utf8mb3: a contact with an emoji matches no order.
            if err.code == ILLEGAL_MIX and any(ord(c) > 0xFFFF for c in contact):
                return []
            raise

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
