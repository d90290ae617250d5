"""Median and p99 of repeated timings, and a yardstick for the machine."""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Callable, Sequence
from typing import Any


def stats(samples: Sequence[float]) -> dict[str, float]:
    """Median and p99 in milliseconds (nearest rank), and the sample count."""
    if not samples:
        return {"median_ms": 0.0, "p99_ms": 0.0, "n": 0}
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"median_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000, "n": len(ordered)}


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Seconds per call of ``fn``, ``repeat`` times."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def yardstick_us() -> float:
    """Microseconds for ``sum(range(1000))``, best of 5: a fixed piece of pure
    Python. Machines here are shared and differ several times in speed, so
    figures from two reports compare only against their own yardstick."""
    runs = timeit.repeat("sum(range(1000))", repeat=5, number=2000)
    return min(runs) / 2000 * 1e6
