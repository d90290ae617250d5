"""A throwaway MariaDB (Debian's ``mariadb-server``) for tests and ``make bench``.

Its own data directory (``mariadb-install-db``) under a folder the caller
owns, its own loopback port and socket, grant tables on (so a read-only
account is really refused writes), stopped when the block ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql

__all__ = ["FIXTURES", "MARIADBD", "MariaDB", "mariadb_missing", "running_mariadb"]

MARIADBD = "/usr/sbin/mariadbd"
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "shopdb"
"""Both systems' tables, written from their install SQL (shared with the tests)."""


def mariadb_missing() -> str | None:
    """Why no server can be started here, or None when one can."""
    if not os.access(MARIADBD, os.X_OK):
        return f"{MARIADBD} not found: `make shopdb-server` installs mariadb-server (as root)"
    if shutil.which("mariadb-install-db") is None:
        return "mariadb-install-db not found: `make shopdb-server` installs mariadb-server"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class MariaDB:
    """A running server: where it listens and how to reach it as root."""

    port: int
    socket: str
    process: subprocess.Popen[bytes]

    def root(self, database: str | None = None) -> pymysql.connections.Connection[Any]:
        """A root connection over the socket (for loading and checking, never for kgdiag)."""
        return pymysql.connect(
            unix_socket=self.socket,
            user="root",
            database=database,
            charset="utf8mb4",
            autocommit=True,
        )

    def dsn(self, database: str, user: str, password: str) -> str:
        return f"mysql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def run_sql_file(self, path: Path) -> None:
        """Run a file of ``;``-terminated statements (no procedures) as root."""
        with self.root() as conn, conn.cursor() as cursor:
            for statement in path.read_text(encoding="utf-8").split(";\n"):
                lines = [ln for ln in statement.splitlines() if not ln.strip().startswith("--")]
                if "".join(lines).strip():
                    cursor.execute("\n".join(lines))


@contextmanager
def running_mariadb(base: Path) -> Iterator[MariaDB]:
    """Start a server under ``base``, yield it once it answers, stop it after."""
    datadir, sock = base / "data", base / "mysqld.sock"
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *user,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    log = (base / "mariadbd.log").open("wb")
    process = subprocess.Popen(
        [
            MARIADBD,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={base / 'mariadbd.pid'}",
            "--skip-log-bin",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
            "--character-set-server=utf8mb4",
            *user,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = MariaDB(port, str(sock), process)
    try:
        deadline = time.monotonic() + 60
        while True:
            # A raw socket first: PyMySQL leaves a failed attempt's socket to the GC.
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(sock))
                server.root().close()
                break
            except (OSError, pymysql.err.OperationalError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "mariadbd did not start: " + (base / "mariadbd.log").read_text()[-2000:]
                    ) from None
                time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
