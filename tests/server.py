"""A real gunicorn server on 127.0.0.1 for tests that need real concurrency."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
UNLIMITED = {
    "KGDIAG_RATE_DIAGNOSE": "1000000 per minute",
    "KGDIAG_RATE_WRITES": "1000000 per minute",
}
"""Load tests send one token's requests as fast as they can: the rate limits
(tested on their own, ``test_rate_limits``) must not decide them."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """``kgdiag serve`` on a free port, ready; (process, base URL).

    The server gets a session of its own, so ``os.killpg`` reaches the
    gunicorn master and every worker at once (as a crash or an OOM kill does).
    """
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kgdiag", "serve", "--db", str(db), "--port", str(port), *extra],
        cwd=REPO,
        env={**UNLIMITED, **os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:
                assert reply.status == 200
                return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("server exited or did not become ready") from None
            time.sleep(0.2)


@contextmanager
def running_server(db: Path, *extra: str) -> Iterator[str]:
    """``kgdiag serve`` on a free port until the block ends; yields the base URL."""
    proc, base = start_server(db, *extra)
    try:
        yield base
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0, "graceful shutdown failed"


def call(
    method: str,
    url: str,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """(status, parsed JSON body, headers) of one request; errors are answers too."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"null"), dict(reply.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null"), dict(err.headers)
