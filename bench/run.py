"""`make bench`: in-process diagnose latency by graph size and snapshot rebuild time.

Writes build/bench/report.json and report.md with the machine and versions.
Each figure is the median and p99 over repeated runs. Machines here are
shared and noisy, so figures are for comparing runs on one machine, and
nothing here is asserted by `make test`.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from diagnostics.engine import diagnose_body
from diagnostics.knowledge import Knowledge
from graph.snapshot import build_snapshot
from seed import default_seed_dir, load_seed_dir
from web.examples import examples

from .synthetic import replicate

OUT = Path("build/bench")
SIZES = (1_000, 10_000, 100_000)


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"median_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000, "n": len(ordered)}


def _time(fn: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def diagnose_latency(rounds: int) -> dict[str, Any]:
    """Every example case diagnosed ``rounds`` times on the seed and on bigger graphs."""
    seed, _ = load_seed_dir(default_seed_dir())
    # The symptom is named, as a shop system that knows it does: the synthetic
    # copies repeat the seed's phrases, so matching a message against 600
    # identical symptoms would measure the copies, not the engine.
    requests = [{**case["request"], "symptom": case["expect"]["symptom"]} for case in examples()]
    results: dict[str, Any] = {}
    for label, content in [("seed", seed)] + [(f"{n:,}", replicate(seed, n)) for n in SIZES]:
        snapshot = build_snapshot(1, content)
        knowledge = Knowledge()
        for request in requests:  # warm the per-snapshot caches
            diagnose_body(snapshot, request, "agent", knowledge)
        samples: list[float] = []
        for _ in range(rounds):
            for request in requests:
                start = time.perf_counter()
                diagnose_body(snapshot, request, "agent", knowledge)
                samples.append(time.perf_counter() - start)
        rebuilds = 3 if len(content.nodes) > 5000 else 10
        rebuild = _time(functools.partial(build_snapshot, 2, content), rebuilds)
        results[label] = {
            "nodes": len(content.nodes),
            "edges": len(content.edges),
            "diagnose": _stats(samples),
            "snapshot_rebuild": _stats(rebuild),
        }
        print(f"{label:>8}: {results[label]}", file=sys.stderr)
    return results


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in ("networkx", "jsonschema", "jsonschema-rs", "common-expression-language", "Flask"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "versions": versions,
    }


def main() -> int:
    rounds = int(os.environ.get("KGDIAG_BENCH_ROUNDS", "20"))
    report = {"machine": machine(), "in_process": diagnose_latency(rounds)}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    lines = [
        "# kgdiag benchmarks",
        "",
        f"Python {report['machine']['python']} on {report['machine']['platform']}, "
        f"{report['machine']['cpus']} CPUs, load {report['machine']['load_average']}",
        "",
        "## In-process diagnose (the 12 example cases, symptom named), and snapshot rebuild",
        "",
        "| graph | nodes | diagnose median ms | p99 ms | rebuild median ms |",
        "|---|---|---|---|---|",
    ]
    for label, row in report["in_process"].items():
        lines.append(
            f"| {label} | {row['nodes']} | {row['diagnose']['median_ms']:.2f} | "
            f"{row['diagnose']['p99_ms']:.2f} | {row['snapshot_rebuild']['median_ms']:.0f} |"
        )
    (OUT / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print((OUT / "report.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
