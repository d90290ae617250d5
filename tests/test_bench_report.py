"""The bench's own parsing and report: figures land where they belong.

The figures themselves are machine-bound and never asserted (``make bench``);
what is tested is that a wrk run is read right and a missed target is said.
"""

from __future__ import annotations

from bench.http import parse_wrk
from bench.report import markdown
from bench.stats import stats

# A real wrk 4.1.0 run against a server answering 404 (Debian's wrk).
WRK = """Running 1s test @ http://127.0.0.1:18777/nonexistent
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.80ms    2.53ms  28.44ms   95.64%
    Req/Sec     1.27k   106.83     1.48k    80.00%
  Latency Distribution
     50%  850.00us
     75%    1.88ms
     90%    3.32ms
     99%    1.02s
  1267 requests in 1.00s, 643.40KB read
  Non-2xx or 3xx responses: 1267
Requests/sec:   1265.59
Transfer/sec:    642.68KB
"""


MACHINE = {
    "python": "3.11",
    "platform": "x",
    "cpus": 2,
    "load_average": (0, 0, 0),
    "yardstick_us": 99.0,
    "versions": {},
}


def test_a_wrk_run_is_read_with_its_units_and_its_errors() -> None:
    row = parse_wrk(WRK)
    assert row["requests_per_s"] == 1265.59
    assert row["p50_ms"] == 0.85 and row["p99_ms"] == 1020.0
    assert row["non_2xx"] == 1267 and row["socket_errors"] == 0


def test_stats_are_median_and_nearest_rank_p99() -> None:
    figures = stats([i / 1000 for i in range(1, 101)])  # 1..100 ms
    assert figures["median_ms"] == 50.5 and figures["p99_ms"] == 100.0 and figures["n"] == 100


def test_the_report_says_which_targets_were_missed() -> None:
    row = {"median_ms": 1.6, "p99_ms": 2.0, "n": 10}
    build = {"median_ms": 10.0, "p99_ms": 12.0, "n": 3}
    report = {
        "machine": MACHINE,
        "in_process": {
            "seed": {"nodes": 168, "edges": 1, "diagnose": row, "snapshot_build": build},
            "100,000": {
                "nodes": 100128,
                "edges": 1,
                "symptoms": 8344,
                "diagnose": {**row, "median_ms": 1.7},
                "diagnose_by_message": {**row, "median_ms": 31.0, "p99_ms": 40.5},
                "snapshot_build": build,
            },
        },
        "http": {
            "server": "gunicorn",
            "wrk": "w",
            "healthz": {"requests_per_s": 1000, "p50_ms": 1, "p99_ms": 2, "non_2xx": 0},
            "diagnose": {"requests_per_s": 200, "p50_ms": 5, "p99_ms": 9, "non_2xx": 0},
            "diagnose_over_healthz": 0.2,
        },
    }
    text = markdown(report)
    assert "1.60 ms, **missed**" in text  # seed: over 1 ms
    assert "1.70 ms, met" in text  # 100k: under 2 ms
    # the message-matched figures sit beside the named-symptom ones, size by size
    assert "| 100,000 | 100128 | 8344 | 1.70 | 2.00 | 31.00 | 40.50 | 10 | 12 |" in text
    assert "| seed | 168 | - | 1.60 | 2.00 | - | - | 10 | 12 |" in text
    assert "20%, **missed**" in text


def test_the_http_section_turns_cpu_per_request_into_the_targets_budget() -> None:
    def row(rps: float, cpu: float) -> dict[str, float]:
        return {
            "requests_per_s": rps,
            "p50_ms": 1,
            "p99_ms": 2,
            "non_2xx": 0,
            "server_cpu_ms": cpu,
            "wrk_cpu_ms": 0.05,
            "idle_share": 0.1,
        }

    report = {
        "machine": MACHINE,
        "in_process": {
            "seed": {
                "nodes": 168,
                "edges": 1,
                "diagnose": {"median_ms": 0.9, "p99_ms": 1.0, "n": 10},
                "diagnose_by_message": {"median_ms": 1.25, "p99_ms": 1.5, "n": 10},
                "snapshot_build": {"median_ms": 10.0, "p99_ms": 12.0, "n": 3},
            }
        },
        "http": {
            "server": "gunicorn",
            "wrk": "w",
            "healthz": row(1800, 1.1),
            "diagnose": row(400, 5.0),
            "diagnose_over_healthz": 400 / 1800,
        },
    }
    text = markdown(report)
    assert "| healthz | 1800 | 1.0 | 2.0 | 0 | 1.10 | 0.050 | 10% |" in text
    assert "/healthz 1.10 ms, diagnose 5.00 ms; their ratio 22%" in text
    # 50% allows twice healthz's CPU: 2.20 ms, of which 1.10 beyond what every request pays
    assert "a diagnose 2.20 ms of server CPU" in text
    assert "1.10 ms for parsing" in text and "it takes 3.90 ms" in text
    assert "The engine alone takes 1.25 ms in process" in text


def test_the_shop_lookups_say_whether_p99_met_5_ms() -> None:
    fast = {"median_ms": 0.4, "p99_ms": 1.2, "n": 200}
    slow = {"median_ms": 3.0, "p99_ms": 9.5, "n": 200}
    shop = {
        "orders": 1_000_000,
        "load_seconds": 30.0,
        "installer_indexes": {"by_order_number": fast, "by_contact_24h": slow},
        "recommended_indexes": {"by_order_number": fast, "by_contact_24h": slow},
        "whole_lookup": fast,
        "http": {
            "server": "gunicorn",
            "diagnose_by_order_no": {"median_ms": 6.0, "p99_ms": 9.0, "n": 20},
            "diagnose_inline_facts": {"median_ms": 4.0, "p99_ms": 7.0, "n": 20},
        },
    }
    text = markdown({"machine": MACHINE, "shopdb": shop})
    assert "1,000,000 rows" in text
    assert "| by order number | + orders (email, created_at) | 0.40 | 1.20 | met |" in text
    assert "| by contact, 24 h | + orders (email, created_at) | 3.00 | 9.50 | **missed** |" in text
    assert "| order_no | 6.00 | 9.00 |" in text
    skipped = markdown({"machine": MACHINE, "shopdb": {"skipped": "no mariadbd"}})
    assert "Skipped: no mariadbd" in skipped
