"""Measure the engine on worked cases: symptom and cause top-1, check order cost.

Used by the tests (floors) and by ``kgdiag evaluate`` (the README's
numbers). The check-order comparison follows troubleshooting-theory.md: for
each case, the manual steps left after the automatic checks are ordered
three ways - the engine's (detection per minute), the graph's static order
(most common cause first, blind to cost), and the brute-force optimum over
every permutation when there are few enough steps - and each order's
expected cost in agent minutes (ECR, see ``ordering``) is computed under
the same posterior.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.snapshot import Snapshot

from .engine import diagnose_body
from .ordering import brute_force_order, expected_cost, greedy_order, static_order

__all__ = ["CaseResult", "Report", "evaluate_cases", "load_cases"]

BRUTE_FORCE_LIMIT = 7
"""At most 7! = 5040 orders per case: exact, and a second or so in all."""


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome."""

    case_id: str
    expected_symptom: str | None
    symptom: str | None
    expected_cause: str | None
    cause: str | None
    steps: int
    engine_cost: float
    static_cost: float
    best_cost: float | None

    @property
    def symptom_ok(self) -> bool:
        return self.symptom == self.expected_symptom

    @property
    def outcome(self) -> str:
        """right, asked (no symptom named where one was expected) or wrong (a
        named symptom that is not the expected one: the agent is misled)."""
        if self.symptom_ok:
            return "right"
        return "asked" if self.symptom is None else "wrong"

    @property
    def cause_ok(self) -> bool:
        return self.expected_cause is None or self.cause == self.expected_cause


@dataclass
class Report:
    """Totals over a set of cases."""

    results: list[CaseResult] = field(default_factory=list)

    def outcomes(self) -> dict[str, int]:
        """How many cases came out right, asked and wrong."""
        found = {"right": 0, "asked": 0, "wrong": 0}
        for result in self.results:
            found[result.outcome] += 1
        return found

    def count(self, what: str) -> tuple[int, int]:
        """(hits, cases) for "symptom" or "cause" (cases with an expected cause)."""
        if what == "symptom":
            return sum(r.symptom_ok for r in self.results), len(self.results)
        scored = [r for r in self.results if r.expected_cause is not None]
        return sum(r.cause_ok for r in scored), len(scored)

    def cost_ratios(self) -> dict[str, float]:
        """Summed ECR ratios over the cases with at least two steps to order."""
        ordered = [r for r in self.results if r.steps >= 2]
        brute = [r for r in ordered if r.best_cost is not None and r.best_cost > 0]
        engine = sum(r.engine_cost for r in ordered)
        static = sum(r.static_cost for r in ordered)
        return {
            "cases_ordered": float(len(ordered)),
            "cases_brute_forced": float(len(brute)),
            "engine_minutes": engine,
            "static_minutes": static,
            "engine_vs_static": engine / static if static else 1.0,
            "engine_vs_best": (
                sum(r.engine_cost for r in brute) / sum(r.best_cost or 0 for r in brute)
                if brute
                else 1.0
            ),
            "static_vs_best": (
                sum(r.static_cost for r in brute) / sum(r.best_cost or 0 for r in brute)
                if brute
                else 1.0
            ),
        }


def load_cases(paths: Iterable[Path]) -> list[Mapping[str, Any]]:
    """Every case in the YAML files (or directories of them) given."""
    cases: list[Mapping[str, Any]] = []
    for path in paths:
        files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for file in files:
            cases += yaml.safe_load(file.read_text(encoding="utf-8")) or []
    return cases


def evaluate_cases(snapshot: Snapshot, cases: Iterable[Mapping[str, Any]]) -> Report:
    """Diagnose every case and compare its answer and its check orders."""
    report = Report()
    for case in cases:
        expect = case.get("expect", {})
        answer = diagnose_body(snapshot, case["request"])
        body = answer.as_dict()
        causes = body.get("causes") or []
        engine_cost = static_cost = 0.0
        best: float | None = None
        steps = list(answer.steps)
        if answer.model is not None and steps:
            model, weights = answer.model, answer.probabilities
            engine_cost = expected_cost(model, weights, greedy_order(model, weights, steps))
            static_cost = expected_cost(model, weights, static_order(model, steps))
            if len(steps) <= BRUTE_FORCE_LIMIT:
                best = brute_force_order(model, weights, steps, BRUTE_FORCE_LIMIT)[1]
        report.results.append(
            CaseResult(
                case_id=str(case.get("id")),
                expected_symptom=expect.get("symptom"),
                symptom=body["symptom"]["id"],
                expected_cause=expect.get("cause"),
                cause=causes[0]["id"] if causes else None,
                steps=len(steps),
                engine_cost=engine_cost,
                static_cost=static_cost,
                best_cost=best,
            )
        )
    return report
