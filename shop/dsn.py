"""The shop database's address: ``mysql://user[:password]@host[:port]/database``.

The password may instead come from a file (``KGDIAG_SHOP_DB_PASSWORD_FILE``),
so it stays out of the environment. :attr:`ShopDSN.safe` is the only form
that is ever logged or shown: it has no password.

>>> dsn = parse_dsn("mysql://ro:s3cret@db.local:3307/dujiaoka")
>>> dsn.safe, dsn.password
('mysql://ro@db.local:3307/dujiaoka', 's3cret')
>>> "s3cret" in repr(dsn)
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["ShopDSN", "parse_dsn"]


@dataclass(frozen=True)
class ShopDSN:
    host: str
    port: int
    user: str
    database: str
    password: str = field(default="", repr=False)
    unix_socket: str | None = None

    @property
    def safe(self) -> str:
        where = f"unix:{self.unix_socket}" if self.unix_socket else f"{self.host}:{self.port}"
        return f"mysql://{self.user}@{where}/{self.database}"


def parse_dsn(dsn: str, password_file: str | None = None) -> ShopDSN:
    """Read a DSN; ValueError says what is wrong without repeating the DSN (it may
    hold a password). ``?unix_socket=/path`` connects over a socket."""
    try:
        parts = urlsplit(dsn.strip())
        port = parts.port or 3306
    except ValueError:
        raise ValueError("KGDIAG_SHOP_DB: not a mysql://user@host:port/database address") from None
    if parts.scheme not in ("mysql", "mariadb", "mysql+pymysql"):
        raise ValueError("KGDIAG_SHOP_DB: the address must start with mysql://")
    database = unquote(parts.path.lstrip("/"))
    if not parts.username or not database:
        raise ValueError("KGDIAG_SHOP_DB: give the user and the database (mysql://user@host/db)")
    password = unquote(parts.password or "")
    if password_file:
        try:
            password = Path(password_file).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ValueError(
                f"KGDIAG_SHOP_DB_PASSWORD_FILE: cannot read it ({err.strerror})"
            ) from None
    socket = parse_qs(parts.query).get("unix_socket", [None])[0]
    return ShopDSN(
        host=parts.hostname or "127.0.0.1",
        port=port,
        user=unquote(parts.username),
        database=database,
        password=password,
        unix_socket=socket,
    )
