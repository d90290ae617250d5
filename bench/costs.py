"""Expected agent minutes of the check order: engine vs brute-force optimum vs static.

Over each case set (the contract's worked examples and the project's own
sets in ``tests/cases``), ``diagnostics.evaluate`` orders the manual steps
left after the automatic checks three ways and prices each order in
expected minutes under the same posterior (troubleshooting-theory.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diagnostics.evaluate import evaluate_cases, load_cases
from graph.snapshot import Snapshot
from web.examples import examples

CASES = Path(__file__).resolve().parent.parent / "tests" / "cases"


def case_sets() -> dict[str, list[Any]]:
    """Name → cases: the worked examples, then every file of tests/cases."""
    sets: dict[str, list[Any]] = {"examples": list(examples())}
    for path in sorted(CASES.glob("*.yaml")):
        sets[path.stem] = list(load_cases([path]))
    return sets


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def cost_figures(snapshot: Snapshot) -> dict[str, Any]:
    """Per case set: summed expected minutes of each order and per-case ratios."""
    out: dict[str, Any] = {}
    for name, cases in case_sets().items():
        report = evaluate_cases(snapshot, cases)
        ratios = report.cost_ratios()
        per_case = [
            r.engine_cost / r.best_cost
            for r in report.results
            if r.steps >= 2 and r.best_cost is not None and r.best_cost > 0
        ]
        brute = [r for r in report.results if r.steps >= 2 and r.best_cost]
        out[name] = {
            "cases": len(report.results),
            "cases_ordered": int(ratios["cases_ordered"]),
            "cases_brute_forced": len(brute),
            # minutes summed over the brute-forced cases, so the three compare
            "engine_minutes": sum(r.engine_cost for r in brute),
            "static_minutes": sum(r.static_cost for r in brute),
            "best_minutes": sum(r.best_cost or 0.0 for r in brute),
            "engine_vs_best": ratios["engine_vs_best"],
            "static_vs_best": ratios["static_vs_best"],
            "engine_vs_static_all_ordered": ratios["engine_vs_static"],
            "engine_vs_best_per_case_median": _percentile(per_case, 0.5),
            "engine_vs_best_per_case_p99": _percentile(per_case, 0.99),
        }
    return out
