"""HTTP throughput and latency: wrk against ``kgdiag serve`` (gunicorn) on 127.0.0.1.

``/healthz`` is the framework's ceiling (routing, a JSON body, no store);
``POST /v1/diagnose`` is the real work, rotating over the 12 worked
examples with each message made new (the matcher memoises scores by text,
and 12 messages repeated would measure the memo), on the same server in the
same run. Every diagnose also files its case row (an fsync'd SQLite write),
as it does for a shop. Runs alternate between the two so that a noisy
neighbour hurts both alike.

Requests per second alone cannot say why the ratio is what it is, so each
run also counts CPU seconds (psutil): the server's (gunicorn's master and
workers), wrk's own, and how much of the machine stayed idle. With the CPUs
saturated, the throughput ratio is the inverse ratio of server CPU per
request, and twice /healthz's CPU per request is the whole budget a
diagnose would have for the 50% target: the framework's share included.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from web.examples import examples

_LUA = """
local bodies = {%s}
local i = 0
request = function()
  i = i + 1
  -- a message the server has not seen (it memoises match scores by text)
  local body = bodies[(i %% #bodies) + 1]
  body = string.gsub(body, '"message": "', '"message": "#' .. i .. ' ', 1)
  return wrk.format("POST", "/v1/diagnose", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %s"}, body)
end
"""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
_LIMITS = ("KGDIAG_RATE_DIAGNOSE", "KGDIAG_RATE_WRITES")
"""Rate limits lifted for the bench: it measures the server, not the limiter's refusals."""


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """Requests per second, latency p50 and p99 (ms), and non-2xx answers of one run."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "requests_per_s": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": float(bad.group(1)) if bad else 0.0,
        "socket_errors": 1.0 if errors else 0.0,
    }


def _kgdiag(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kgdiag", *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    raise RuntimeError("kgdiag serve did not start")


def _server_cpu(server: Any) -> float:
    """CPU seconds (user + system) of the server (a ``psutil.Process``) and all
    its processes so far."""
    import psutil  # the bench extra, like pgmpy: make test never needs it

    total = 0.0
    for proc in (server, *server.children(recursive=True)):
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:  # a worker recycled mid-run: its seconds are lost
            continue
        total += times.user + times.system
    return total


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (wrk, once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _idle(before: Any, after: Any) -> float:
    """Share of the machine's CPU time left idle between two ``psutil.cpu_times()``."""
    spent = sum(after) - sum(before)
    idle = (after.idle + getattr(after, "iowait", 0.0)) - (
        before.idle + getattr(before, "iowait", 0.0)
    )
    return idle / spent if spent > 0 else 0.0


def _clocks(server: Any) -> tuple[float, float, Any]:
    """(server CPU s, finished children's CPU s, the machine's ``psutil.cpu_times()``)."""
    import psutil

    return _server_cpu(server), _children_cpu(), psutil.cpu_times()


def _measured(command: list[str], server: Any, seconds: int) -> dict[str, float]:
    """One wrk run: its figures, plus CPU milliseconds per request and the idle share."""
    server_before, wrk_before, machine_before = _clocks(server)
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    server_after, wrk_after, machine_after = _clocks(server)
    row = parse_wrk(out.stdout)
    requests = max(row["requests_per_s"] * seconds, 1.0)
    row["server_cpu_ms"] = (server_after - server_before) / requests * 1000
    row["wrk_cpu_ms"] = (wrk_after - wrk_before) / requests * 1000
    row["idle_share"] = _idle(machine_before, machine_after)
    return row


def http_figures(rounds: int, seconds: int, workers: int, connections: int) -> dict[str, Any]:
    """wrk figures for /healthz and /v1/diagnose; medians over ``rounds`` runs of each."""
    import psutil

    wrk = shutil.which("wrk")
    if wrk is None:
        return {
            "skipped": "wrk is not installed (Debian package wrk; make bench installs it as root)"
        }
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        _kgdiag("init", "--db", db)
        token = _kgdiag(
            "token", "create", "--db", db, "--role", "agent", "--name", "bench"
        ).split()[-1]
        bodies = ", ".join(json.dumps(json.dumps(case["request"])) for case in examples())
        script = Path(tmp) / "diagnose.lua"
        script.write_text(_LUA % (bodies, token), encoding="utf-8")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [sys.executable, "-m", "kgdiag", "serve", "--db", db, "--port", str(port)]
        serve += ["--workers", str(workers)]
        unlimited = {name: "1000000 per minute" for name in _LIMITS}  # one token, flat out
        proc = subprocess.Popen(
            serve,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **unlimited},
        )
        server = psutil.Process(proc.pid)
        runs: dict[str, list[dict[str, float]]] = {"healthz": [], "diagnose": []}
        try:
            _ready(base, proc)
            common = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
            subprocess.run(
                [*common[:3], "-d2s", f"{base}/healthz"], capture_output=True, check=True
            )
            subprocess.run(
                [*common[:3], "-d2s", "-s", str(script), base], capture_output=True, check=True
            )  # warm both: snapshots, indexes, imports in every worker
            for _ in range(rounds):
                for name, extra in (
                    ("healthz", [f"{base}/healthz"]),
                    ("diagnose", ["-s", str(script), base]),
                ):
                    runs[name].append(_measured([*common, *extra], server, seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    def summary(name: str) -> dict[str, float]:
        rows = runs[name]
        return {
            key: statistics.median(row[key] for row in rows)
            if key != "non_2xx"
            else sum(r[key] for r in rows)
            for key in rows[0]
        }

    health, diagnose = summary("healthz"), summary("diagnose")
    return {
        "server": f"gunicorn, {workers} gevent workers",
        "wrk": f"2 threads, {connections} connections, {seconds} s x {rounds} runs each",
        "healthz": health,
        "diagnose": diagnose,
        "diagnose_over_healthz": diagnose["requests_per_s"] / health["requests_per_s"],
        "runs": runs,
    }
