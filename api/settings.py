"""Every setting the server reads, declared as data with its help text.

The app factory applies them (default, then the environment, then a test
config); the README lists them, and a test checks that it lists every one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["SETTINGS", "Setting"]


@dataclass(frozen=True)
class Setting:
    """One environment variable of the server."""

    name: str
    kind: Callable[[str], Any]
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("KGDIAG_DB", str, "var/kgdiag.db", "the SQLite store (it must exist: kgdiag init)"),
    Setting("KGDIAG_MAX_BODY_BYTES", int, 1024 * 1024, "request bodies larger than this get 413"),
    Setting(
        "KGDIAG_STATUS_MAX_AGE_MINUTES",
        float,
        120,
        "a recorded system status older than this counts as unknown (unless its ETA is ahead)",
    ),
    Setting(
        "KGDIAG_PRIOR_WEIGHT",
        float,
        20,
        "how many confirmed cases the authored priors weigh (Dirichlet pseudo-counts)",
    ),
    Setting(
        "KGDIAG_TIMEZONE",
        str,
        "Asia/Shanghai",
        "the shop's IANA time zone: times in answers, replies and pages are in it, with the offset",
    ),
    Setting(
        "KGDIAG_RETENTION_DAYS",
        float,
        365,
        "cases, outcomes, candidate words and old statuses older than this are purged"
        " (hourly; 0 keeps them for ever)",
    ),
    Setting(
        "KGDIAG_LOG_LEVEL",
        str,
        "INFO",
        "the least level logged to stderr (DEBUG, INFO, WARNING, ERROR); INFO logs every request",
    ),
    Setting(
        "KGDIAG_SHOP_DB",
        str,
        "",
        "the shop's database, mysql://user@host:port/database (a read-only account): "
        "diagnose reads orders by their number",
    ),
    Setting(
        "KGDIAG_SHOP_DB_PASSWORD_FILE",
        str,
        "",
        "a file holding the shop database's password (instead of the address)",
    ),
    Setting("KGDIAG_SHOP_SYSTEM", str, "dujiaoka", "the shop's system: dujiaoka or acg_faka"),
    Setting(
        "KGDIAG_SHOP_TABLE_PREFIX",
        str,
        "",
        "the tables' prefix (default: none for dujiaoka, acg_ for acg-faka)",
    ),
    Setting(
        "KGDIAG_SHOP_TIMEOUT_SECONDS",
        float,
        2.0,
        "connect and read timeout of the shop database and the order hook",
    ),
    Setting(
        "KGDIAG_ORDER_HOOK",
        str,
        "",
        "instead of a database: a URL holding {order_no} that answers the order's facts as JSON",
    ),
    Setting(
        "KGDIAG_ORDER_HOOK_SECRET_FILE",
        str,
        "",
        "a file holding the bearer secret sent to the order hook",
    ),
    Setting(
        "KGDIAG_WATCH_MINUTES",
        str,
        "2",
        "with KGDIAG_SHOP_DB: how often the watch loop reads the shop's open orders (minutes)",
    ),
    Setting(
        "KGDIAG_WATCH_HOURS",
        str,
        "24",
        "the watch loop reads orders made in the last this many hours",
    ),
    Setting(
        "KGDIAG_WATCH_LIMIT",
        str,
        "2000",
        "open orders one watch pass reads at most (the rest wait for the next pass)",
    ),
    Setting(
        "KGDIAG_NOTICE_WEBHOOK",
        str,
        "",
        "an http(s) URL that receives each new notice as JSON (signed, retried with back-off)",
    ),
    Setting(
        "KGDIAG_NOTICE_WEBHOOK_SECRET_FILE",
        str,
        "",
        "a file holding the secret the notices are signed with (HMAC-SHA256, X-Kgdiag-Signature)",
    ),
    Setting(
        "KGDIAG_SESSION_IDLE_MINUTES",
        float,
        120,
        "a page session unused this long ends (log in again)",
    ),
    Setting(
        "KGDIAG_COOKIE_SECURE",
        lambda raw: raw.strip().lower() in ("1", "true", "yes"),
        False,
        "mark the session cookie Secure always (it is whenever a request came over TLS)",
    ),
    Setting(
        "KGDIAG_RATE_LOGIN_FAILURES",
        str,
        "10 per minute",
        "wrong logins one address may make; past it every login from there waits (429)",
    ),
    Setting(
        "KGDIAG_RATE_WRITES",
        str,
        "120 per minute",
        "writes (POST, PUT, PATCH, DELETE but diagnose) per token, page session or address",
    ),
    Setting(
        "KGDIAG_RATE_DIAGNOSE",
        str,
        "600 per minute",
        "diagnoses per token, page session or address",
    ),
    Setting(
        "KGDIAG_RATE_STORAGE",
        str,
        "memory://",
        "where rate-limit counts live (a limits storage URI; memory:// counts per worker)",
    ),
    Setting(
        "KGDIAG_OUTAGE_WINDOW_MINUTES",
        float,
        30,
        "outage proposals: the window in which orders of one supplier or channel failing"
        " the same way are counted",
    ),
    Setting(
        "KGDIAG_OUTAGE_MIN_ORDERS",
        int,
        3,
        "outage proposals: how many orders must fail the same way in the window (and 3x"
        " their usual rate) before an admin is asked",
    ),
    Setting(
        "KGDIAG_OUTAGE_DOWN_SHARE",
        float,
        0.9,
        "outage proposals: the share of the window's diagnosed orders of that supplier or"
        " channel failing that proposes down rather than degraded",
    ),
    Setting(
        "KGDIAG_OUTAGE_CHECK_SECONDS",
        float,
        30,
        "outage proposals: after a filed case, look again at most this often (per worker)",
    ),
    Setting("KGDIAG_WORKERS", int, 2, "gunicorn worker processes (kgdiag serve --workers)"),
    Setting(
        "KGDIAG_CONNECTIONS",
        int,
        1000,
        "open connections one worker holds at most (kgdiag serve --connections)",
    ),
)
