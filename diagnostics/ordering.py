"""In which order an agent should do the remaining manual checks.

The cost model (troubleshooting-theory.md, after Heckerman, Breese and
Rommelse): the true cause is drawn from the current posterior; the agent
does the steps in order and stops when a step *finds* the cause, that is,
when a check linked to the true cause fails (it does so with the edge's
``p_fail``), or when the step is an escalation, which hands the case over
and ends the sequence. The expected cost of repair (ECR) of an order is the
expected sum of the minutes spent:

    ECR = sum_c P(c) * sum_k cost_k * prod_{j<k} s_j(c)

with ``s_j(c) = 1 - p_fail_j(c)`` when step j is linked to c, 1 when it is
not, and 0 after an escalation. When every check tests one cause perfectly
this is Kadane and Simon's model, and ordering by P/C is optimal.

The engine orders greedily by *detection per minute*: the chance that the
step finds the cause, given that nothing before it did, divided by its
cost. For a perfect single-cause check that is exactly P/C; for a check
linked to several causes it is the probability mass it can confirm. After
each choice the weights are conditioned on the step not having found the
cause, which is what makes the order adapt to overlapping checks. The
brute-force optimum and the graph's static order exist to measure how far
from optimal this lands (README, issue 3).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from .bayes import CauseModel

__all__ = ["Step", "brute_force_order", "expected_cost", "greedy_order", "static_order"]

_FREE = 1e-6
"""Stands in for a zero cost, so that a free step always comes first."""


@dataclass(frozen=True)
class Step:
    """A step of the checklist: a check, its cost in agent minutes, terminal or not."""

    check: str
    cost: float
    escalation: bool = False


def expected_cost(model: CauseModel, weights: Sequence[float], steps: Sequence[Step]) -> float:
    """The ECR of doing ``steps`` in this order, causes weighted by ``weights``."""
    total = sum(weights)
    if total <= 0:
        return 0.0
    cost = 0.0
    for cause, weight in enumerate(weights):
        if weight <= 0:
            continue
        reach = 1.0
        spent = 0.0
        for step in steps:
            spent += step.cost * reach
            reach *= model.survival(step.check, step.escalation)[cause]
            if reach <= 0:
                break
        cost += weight / total * spent
    return cost


def greedy_order(model: CauseModel, weights: Sequence[float], steps: Sequence[Step]) -> list[Step]:
    """``steps`` by detection per minute, conditioned step by step.

    Steps that can find nothing (linked to no cause with weight left) go
    last in their given order. An escalation hands the case on and observes
    nothing, so it is never weighed against a check: the checks come first
    and one escalation, the likeliest to be needed, ends the plan.
    """
    checks = _ordered_checks(model, weights, [s for s in steps if not s.escalation])
    return checks + _hand_off(model, weights, checks, [s for s in steps if s.escalation])


def _hand_off(
    model: CauseModel, weights: Sequence[float], done: Sequence[Step], escalations: list[Step]
) -> list[Step]:
    """The escalation that ends the plan: the one linked to the most weight the checks leave."""
    if not escalations:
        return []
    current = list(weights)
    for step in done:
        current = [w * s for w, s in zip(current, model.survival(step.check), strict=True)]
    total = sum(current)
    scored = [
        (sum(current[c] for c in model.tests.get(s.check, ())) / max(total, _FREE), -i, s)
        for i, s in enumerate(escalations)
    ]
    return [max(scored, key=lambda item: (item[0], item[1]))[2]]


def _ordered_checks(
    model: CauseModel, weights: Sequence[float], steps: Sequence[Step]
) -> list[Step]:
    # Each step's survival per cause is fixed by the graph: worked out once per model.
    survival = {id(step): model.survival(step.check, step.escalation) for step in steps}
    current = list(weights)
    left = list(steps)
    order: list[Step] = []
    while left:
        total = sum(current)
        scored = [
            (_found(current, survival[id(step)], total) / max(step.cost, _FREE), -i, step)
            for i, step in enumerate(left)
        ]
        score, _, best = max(scored, key=lambda item: (item[0], item[1]))
        if score <= 0:
            order.extend(left)
            break
        order.append(best)
        left.remove(best)
        current = [w * s for w, s in zip(current, survival[id(best)], strict=True)]
    return order


def _found(weights: Sequence[float], survival: Sequence[float], total: float) -> float:
    """The share of the weight a step with these survivals finds."""
    if total <= 0:
        return 0.0
    return sum(w * (1.0 - s) for w, s in zip(weights, survival, strict=True)) / total


def static_order(model: CauseModel, steps: Sequence[Step]) -> list[Step]:
    """What a wiki page gives: most common cause (by prior) first, its checks
    by how decisive they are, escalations last; blind to cost and evidence."""

    def key(step: Step) -> tuple[int, int, float, str]:
        linked = sorted(model.tests.get(step.check, frozenset()))
        first = linked[0] if linked else len(model.causes)
        decisive = model.p_fail[step.check][first] if linked else 0.0
        return (int(step.escalation), first, -decisive, step.check)

    return sorted(steps, key=key)


def brute_force_order(
    model: CauseModel, weights: Sequence[float], steps: Sequence[Step], limit: int = 8
) -> tuple[list[Step], float]:
    """The order of least ECR over all permutations of the checks (``len(steps) <= limit``),
    each ended by the escalation :func:`greedy_order` hands off to (escalations come last)."""
    if len(steps) > limit:
        raise ValueError(f"{len(steps)} steps is too many for brute force (limit {limit})")
    checks = [s for s in steps if not s.escalation]
    escalations = [s for s in steps if s.escalation]
    best: tuple[float, list[Step]] = (float("inf"), list(steps))
    for order in itertools.permutations(checks):
        perm = [*order, *_hand_off(model, weights, order, escalations)]
        cost = expected_cost(model, weights, perm)
        if cost < best[0] - 1e-12:
            best = (cost, list(perm))
    return best[1], best[0]
