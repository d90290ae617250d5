"""`make bench`: how fast kgdiag is, written to build/bench/report.{json,md}.

Figures (each with median and p99 over repeated runs, where it is timed):

- in-process diagnose latency on the seed and on synthetic graphs of 1k, 10k
  and 100k nodes with the seed's shape, and snapshot rebuild by size;
- HTTP: wrk against gunicorn on 127.0.0.1, /v1/diagnose next to /healthz;
- writes: change-set throughput and the snapshot rebuild after an edit;
- the pgmpy peer: posterior agreement and time;
- expected agent minutes of the check order over the case sets;
- the shop database: lookups by order number and by contact on 1,000,000
  dujiaoka orders in a throwaway MariaDB, and diagnose by order number over
  HTTP next to the same facts inline (``bench/shopdb.py``).

Machines here are shared and noisy, so nothing is asserted; the report
carries the machine, the versions and a yardstick to read figures against.
``KGDIAG_BENCH_ROUNDS`` scales every repetition (default 20); ``KGDIAG_BENCH_ONLY``
(comma-separated: in_process, http, writes, peer, costs, shopdb) picks parts.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from diagnostics.engine import diagnose_body
from diagnostics.knowledge import Knowledge
from diagnostics.symptom_model import SymptomModel
from graph.snapshot import Snapshot, build_snapshot
from seed import default_seed_dir, load_seed_dir
from web.examples import examples

from .costs import case_sets, cost_figures
from .http import http_figures
from .peer import peer_figures
from .report import markdown
from .shopdb import shopdb_figures
from .stats import stats, timed, yardstick_us
from .synthetic import replicate
from .writes import write_figures

OUT = Path("build/bench")
SIZES = (1_000, 10_000, 100_000)
MODEL_MAX_SYMPTOMS = 200
"""The symptom model is trained per snapshot, one classifier row per symptom:
shop graphs have tens of symptoms; the 10k and 100k copies (840 and 8,344)
would take minutes and gigabytes, a cost no shop has, so by-message figures
stop at this many symptoms and the report says so."""
STORE_SIZES = (1_000, 10_000)
"""Write figures go through a real SQLite store; loading 100k nodes into one
takes minutes here, so the store-level figures stop at 10k."""


def _diagnose_times(
    snapshot: Snapshot, requests: list[Any], rounds: int, warm: list[Any] | None = None
) -> list[float]:
    """Seconds per diagnosis, every request ``rounds`` times, after one warm-up
    pass over ``warm`` (by default the requests themselves)."""
    knowledge = Knowledge()
    for request in requests if warm is None else warm:  # warm the per-snapshot caches
        diagnose_body(snapshot, request, "agent", knowledge)
    samples: list[float] = []
    for _ in range(rounds):
        for request in requests:
            call = functools.partial(diagnose_body, snapshot, request, "agent", knowledge)
            samples += timed(call, 1)
    return samples


def by_message_times(snapshot: Snapshot, rounds: int) -> list[float]:
    """Seconds per diagnosis with the symptom matched from the message, as an
    agent pastes it: ``rounds`` + 1 passes over the examples, every message new.

    The symptom model scores a message against every class, so this cost grows
    with their number (on the synthetic graphs the copies score alike and the
    answer is a clarifying question; the cost is the figure). The warm-up runs
    the plain examples (it trains the model), and every timed message is new.
    """
    by_message = [
        {**case["request"], "message": f"{case['request']['message']} #{n}"}
        for n in range(rounds + 1)
        for case in examples()
    ]
    plain = [case["request"] for case in examples()]
    return _diagnose_times(snapshot, by_message, 1, warm=plain)


def diagnose_latency(rounds: int) -> dict[str, Any]:
    """Every example case diagnosed ``rounds`` times on the seed and on bigger graphs."""
    seed, _ = load_seed_dir(default_seed_dir())
    # The symptom is named, as a shop system that knows it does: the cost that
    # must follow the symptom's neighbourhood, not the graph.
    requests = [{**case["request"], "symptom": case["expect"]["symptom"]} for case in examples()]
    results: dict[str, Any] = {}
    for label, content in [("seed", seed)] + [(f"{n:,}", replicate(seed, n)) for n in SIZES]:
        snapshot = build_snapshot(1, content)
        samples = _diagnose_times(snapshot, requests, rounds)
        rebuilds = 3 if len(content.nodes) > 5000 else 10
        symptoms = sum(1 for node in content.nodes.values() if node.type == "Symptom")
        row: dict[str, Any] = {
            "nodes": len(content.nodes),
            "edges": len(content.edges),
            "symptoms": symptoms,
            "diagnose": stats(samples),
            "snapshot_build": stats(timed(functools.partial(build_snapshot, 2, content), rebuilds)),
        }
        if symptoms <= MODEL_MAX_SYMPTOMS:
            row["model_training"] = stats(
                timed(functools.partial(SymptomModel, snapshot), 3 if symptoms > 30 else 5)
            )
            row["diagnose_by_message"] = stats(by_message_times(snapshot, rounds))
        results[label] = row
        print(f"in-process {label:>8}: {row['diagnose']}", file=sys.stderr)
    return results


def writes(rounds: int) -> dict[str, Any]:
    seed, _ = load_seed_dir(default_seed_dir())
    out = {"seed": write_figures(seed, writes=rounds * 5, gated_writes=rounds)}
    for n in STORE_SIZES:
        small = n <= 1_000
        out[f"{n:,}"] = write_figures(
            replicate(seed, n), writes=rounds * 2 if small else 5, gated_writes=5 if small else 2
        )
        print(f"writes {n:>8}: {out[f'{n:,}']['apply']}", file=sys.stderr)
    return out


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in (
        "networkx",
        "jsonschema",
        "jsonschema-rs",
        "common-expression-language",
        "Flask",
        "gunicorn",
        "pgmpy",
    ):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "yardstick_us": yardstick_us(),
        "versions": versions,
    }


def main() -> int:
    rounds = int(os.environ.get("KGDIAG_BENCH_ROUNDS", "20"))
    only = set(filter(None, os.environ.get("KGDIAG_BENCH_ONLY", "").split(",")))

    def wanted(part: str) -> bool:
        return not only or part in only

    seed, _ = load_seed_dir(default_seed_dir())
    snapshot = build_snapshot(1, seed)
    report: dict[str, Any] = {"machine": machine(), "rounds": rounds}
    if wanted("in_process"):
        report["in_process"] = diagnose_latency(rounds)
    if wanted("http"):
        report["http"] = http_figures(
            rounds=max(3, rounds // 5), seconds=10, workers=2, connections=16
        )
    if wanted("writes"):
        report["writes"] = writes(rounds)
    if wanted("peer"):
        every = [case for cases in case_sets().values() for case in cases]
        report["peer"] = peer_figures(snapshot, every, repeat=max(1, rounds // 4))
    if wanted("costs"):
        report["costs"] = cost_figures(snapshot)
    if wanted("shopdb"):
        report["shopdb"] = shopdb_figures(rounds=max(200, rounds * 25))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (OUT / "report.md").write_text(markdown(report), encoding="utf-8")
    print((OUT / "report.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
