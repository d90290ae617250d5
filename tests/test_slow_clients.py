"""Slow and idle clients cannot stall ``kgdiag serve`` (issue 20, item 1).

Before: eight connections that sent half a request header held every
gunicorn thread, and /healthz stopped answering. The test opens more than
an attacker needed then, on the real server, and keeps probing.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

from graph.sqlite import SqliteStore
from tests.server import running_server

IDLE, HALF = 200, 20


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x00" * 8)
    return sock


@contextmanager
def _hostile_clients(port: int) -> Iterator[list[socket.socket]]:
    """200 connections that never send a byte, 20 that stop mid-header."""
    with ExitStack() as stack:
        half: list[socket.socket] = []
        for _ in range(IDLE):
            stack.enter_context(_connect(port))
        for _ in range(HALF):
            sock = stack.enter_context(_connect(port))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            half.append(sock)
        yield half


def _healthz_seconds(base: str) -> float:
    """How long /healthz took to answer 200 (at most 2 s: a timeout fails the test)."""
    started = time.monotonic()
    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:
        assert reply.status == 200
        reply.read()
    return time.monotonic() - started


def test_healthz_answers_within_2s_while_idle_and_half_header_clients_hold_connections(
    store: SqliteStore,
) -> None:
    with running_server(store.path, "--workers", "2") as base:
        port = int(base.rsplit(":", 1)[1])
        with _hostile_clients(port) as half:
            waits = []
            for round_ in range(12):  # about 12 s: past the header timeout, so new ones too
                # The slow ones keep trickling a byte now and then, as slowloris does.
                for sock in half:
                    with suppress(OSError):  # the server gave up on it: that is the point
                        sock.sendall(b"x")
                waits.append(_healthz_seconds(base))
                if round_ == 5:  # and a fresh wave while the first is still open
                    with _hostile_clients(port):
                        waits.append(_healthz_seconds(base))
                time.sleep(1)
            assert len(waits) == 13 and max(waits) < 2


def test_a_half_header_connection_is_closed_by_the_server(store: SqliteStore) -> None:
    """The header timeout is real: the server hangs up on a client that stops mid-header."""
    with running_server(store.path, "--workers", "1") as base:
        port = int(base.rsplit(":", 1)[1])
        sock = _connect(port)
        sock.settimeout(30)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        try:
            data = sock.recv(4096)  # b"" (closed) or a 408 answer, then closed
        except ConnectionResetError:
            data = b""
        finally:
            sock.close()
        assert time.monotonic() - started < 25
        assert data == b"" or data.startswith(b"HTTP/1.1 408")
