"""A throwaway MariaDB for the shop-database tests (Debian's ``mariadb-server``).

One server per test session: its own data directory under a temporary
folder (``mariadb-install-db``), its own loopback port and socket, grant
tables on (the read-only account must really be refused writes), stopped at
the end. ``make shopdb-server`` installs the binaries where it can; without
them the tests that need a server are skipped, saying why.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.mariadb import FIXTURES, MariaDB, mariadb_missing, running_mariadb

__all__ = [
    "READ_ONLY_PASSWORD",
    "READ_ONLY_USER",
    "MariaDB",
    "load_shops",
    "ro_dsn",
    "shop_mariadb",
]

READ_ONLY_USER, READ_ONLY_PASSWORD = "kgdiag_ro", "ro-Secret-42"


def ro_dsn(server: MariaDB, database: str) -> str:
    """kgdiag's read-only address of ``database`` on ``server``."""
    return server.dsn(database, READ_ONLY_USER, READ_ONLY_PASSWORD)


def load_shops(server: MariaDB) -> None:
    """Both shops' tables and rows, and kgdiag's read-only account on them."""
    for name in ("dujiaoka.sql", "acg_faka.sql"):
        server.run_sql_file(FIXTURES / name)
    with server.root() as conn, conn.cursor() as cursor:
        cursor.execute(
            f"CREATE USER IF NOT EXISTS '{READ_ONLY_USER}'@'%%' IDENTIFIED BY %s",
            (READ_ONLY_PASSWORD,),
        )
        for database in ("dujiaoka", "acg"):
            cursor.execute(f"GRANT SELECT ON `{database}`.* TO '{READ_ONLY_USER}'@'%'")
        # An account that may write, for `kgdiag shop check` to refuse.
        cursor.execute("CREATE USER IF NOT EXISTS 'shop_rw'@'%' IDENTIFIED BY 'rw-Secret-42'")
        cursor.execute("GRANT ALL ON `dujiaoka`.* TO 'shop_rw'@'%'")


@pytest.fixture(scope="session")
def shop_mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    """One MariaDB for the session with both shops loaded; skipped when none can run."""
    missing = mariadb_missing()
    if missing:
        pytest.skip(missing)
    with running_mariadb(tmp_path_factory.mktemp("mariadb")) as server:
        load_shops(server)
        yield server
