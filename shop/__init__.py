"""The shop's own orders: read by number from its database or its hook.

Beside ``adapters`` (which maps one shop row to the contract's facts), this
package reads those rows: ``database`` (dujiaoka, acg-faka on MySQL/MariaDB,
read-only, pooled, bounded), ``hook`` (any other system's HTTP endpoint),
``breaker`` (stop asking a dead source), ``lookup`` (the body's
``order_no`` → facts, and ``order_lookup`` in the answer), ``check``
(``kgdiag shop check``). Imports point down: adapters and schema only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from .breaker import CircuitBreaker
from .database import ShopDatabase, ShopUnavailable
from .dsn import ShopDSN, parse_dsn
from .hook import HookSource
from .lookup import DatabaseSource, NoSource, OrderLookup, OrderSource, annotate, resolve

__all__ = [
    "CircuitBreaker",
    "DatabaseSource",
    "HookSource",
    "NoSource",
    "OrderLookup",
    "OrderSource",
    "ShopDSN",
    "ShopDatabase",
    "ShopUnavailable",
    "annotate",
    "order_source",
    "parse_dsn",
    "resolve",
    "source_from_environment",
]

log = logging.getLogger(__name__)


def order_source(config: Mapping[str, object], zone: ZoneInfo) -> OrderSource:
    """The source the settings name: the shop database, else the hook, else none.

    ValueError (naming the setting, never its secret) when a setting is wrong,
    so a server refuses to start rather than diagnose blind.
    """
    timeout = float(str(config.get("KGDIAG_SHOP_TIMEOUT_SECONDS") or 2))
    dsn = str(config.get("KGDIAG_SHOP_DB") or "")
    if dsn:
        password_file = str(config.get("KGDIAG_SHOP_DB_PASSWORD_FILE") or "") or None
        system = str(config.get("KGDIAG_SHOP_SYSTEM") or "dujiaoka").replace("-", "_")
        prefix = config.get("KGDIAG_SHOP_TABLE_PREFIX")
        database = ShopDatabase(
            parse_dsn(dsn, password_file),
            system,
            prefix=None if prefix in (None, "") else str(prefix),
            timeout=timeout,
        )
        return DatabaseSource(database, zone)
    hook = str(config.get("KGDIAG_ORDER_HOOK") or "")
    if hook:
        secret_file = str(config.get("KGDIAG_ORDER_HOOK_SECRET_FILE") or "")
        secret = ""
        if secret_file:
            try:
                secret = Path(secret_file).read_text(encoding="utf-8").strip()
            except OSError as err:
                raise ValueError(
                    f"KGDIAG_ORDER_HOOK_SECRET_FILE: cannot read it ({err.strerror})"
                ) from None
        return HookSource(hook, secret, timeout=timeout)
    return NoSource()


def source_from_environment(zone: ZoneInfo) -> OrderSource:
    """:func:`order_source` over the process environment (the command line)."""
    return order_source(os.environ, zone)
