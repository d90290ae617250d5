"""Single-fault Bayes over one symptom's candidate causes.

One cause at a time is the working assumption of every published
troubleshooter (troubleshooting-theory.md) and of a card shop's agents: a
key is either pasted wrongly or region-locked, not both. Priors come from
the Symptom→Cause edges (normalised); each observed check multiplies a
cause's weight by the chance of that outcome under the cause: the
Cause→Check edge's ``p_fail`` when the cause is linked to the check, the
check's ``p_fail_otherwise`` when it is not. Likelihoods are clamped away
from 0 and 1 so that one mistaken observation can be outweighed by others
instead of zeroing the true cause forever. Confirmed outcomes move the
priors (``knowledge.learned_prior``); the authored ones are kept beside them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from graph.snapshot import Snapshot

from .knowledge import DEFAULT_PRIOR_WEIGHT, learned_prior

__all__ = ["CauseModel", "cause_model", "posterior", "with_check"]

DEFAULT_P_FAIL_OTHERWISE = 0.05
"""Used when a check states no ``p_fail_otherwise``: a rare false alarm."""

_FLOOR = 1e-3
_PRIOR = ("", "prior")
"""The key of the log priors among a model's cached logs (no check has an empty id)."""


def _clamp(p: float) -> float:
    return min(max(p, _FLOOR), 1.0 - _FLOOR)


@dataclass(frozen=True)
class CauseModel:
    """The numbers of one symptom: priors, and per check the fail chances.

    ``p_fail[check][i]`` is the chance that ``check`` fails when
    ``causes[i]`` is the true cause; ``tests[check]`` are the indexes of the
    causes the check is linked to (the ones it can confirm).
    """

    symptom: str
    causes: tuple[str, ...]
    prior: tuple[float, ...]
    p_fail: Mapping[str, tuple[float, ...]]
    tests: Mapping[str, frozenset[int]]
    authored_prior: tuple[float, ...] = ()
    """The graph's own priors (normalised) before any confirmed outcome."""
    confirmed: tuple[int, ...] = ()
    """Confirmed outcomes per cause that moved ``prior`` away from ``authored_prior``."""
    _logs: dict[tuple[str, str], tuple[float, ...]] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )
    """Log-likelihoods by (check, result) and survivals by (check, kind). The
    graph's model lives as long as its snapshot, so every diagnosis of the
    symptom shares them (a race only computes twice); a ``replace``d model
    starts afresh."""

    def likelihood(self, check: str, result: str) -> tuple[float, ...]:
        """P(result of ``check`` | cause) for each cause."""
        fails = self.p_fail[check]
        return fails if result == "fail" else tuple(1.0 - p for p in fails)

    def log_prior(self) -> tuple[float, ...]:
        """log P(cause) for each cause (minus infinity for a zero prior), computed once."""
        logs = self._logs.get(_PRIOR)
        if logs is None:
            logs = self._logs[_PRIOR] = tuple(
                math.log(p) if p > 0 else -math.inf for p in self.prior
            )
        return logs

    def survival(self, check: str, escalation: bool = False) -> tuple[float, ...]:
        """Per cause, the chance that a step doing ``check`` does not find it:
        ``1 - p_fail`` for a cause the check tests, 1 for any other, and 0
        after an escalation, which ends the sequence (``ordering``)."""
        key = (check, "escalation" if escalation else "survival")
        found = self._logs.get(key)
        if found is None:
            tests = self.tests.get(check, frozenset())
            fails = self.p_fail[check] if tests else ()
            found = self._logs[key] = tuple(
                0.0 if escalation else 1.0 - fails[c] if c in tests else 1.0
                for c in range(len(self.causes))
            )
        return found

    def log_likelihood(self, check: str, result: str) -> tuple[float, ...]:
        """log P(result of ``check`` | cause) for each cause, computed once per model."""
        cache = self._logs
        key = (check, result)
        logs = cache.get(key)
        if logs is None:
            logs = cache[key] = tuple(math.log(p) for p in self.likelihood(check, result))
        return logs


def _build(snapshot: Snapshot, symptom: str) -> CauseModel:
    edges = sorted(snapshot.out_edges(symptom, "caused_by"), key=lambda e: (-e[1]["prior"], e[0]))
    causes = tuple(cause for cause, _ in edges)
    raw = [max(float(data["prior"]), 0.0) for _, data in edges]
    total = sum(raw)
    prior = tuple(p / total for p in raw) if total > 0 else tuple(1.0 / len(raw) for _ in raw)
    linked: dict[str, dict[int, float]] = {}
    for index, cause in enumerate(causes):
        for check, data in snapshot.out_edges(cause, "tested_by"):
            linked.setdefault(check, {})[index] = float(data["p_fail"])
    p_fail: dict[str, tuple[float, ...]] = {}
    for check, by_cause in linked.items():
        otherwise = float(snapshot.node(check).get("p_fail_otherwise", DEFAULT_P_FAIL_OTHERWISE))
        p_fail[check] = tuple(_clamp(by_cause.get(i, otherwise)) for i in range(len(causes)))
    tests = {check: frozenset(by_cause) for check, by_cause in linked.items()}
    return CauseModel(symptom, causes, prior, p_fail, tests, prior, tuple(0 for _ in causes))


def cause_model(
    snapshot: Snapshot,
    symptom: str,
    confirmed: Mapping[str, int] | None = None,
    prior_weight: float = DEFAULT_PRIOR_WEIGHT,
) -> CauseModel:
    """The model of ``symptom`` in ``snapshot``, with priors learned from ``confirmed``.

    The graph part is built once per snapshot; the learned priors are cheap
    and follow the counts, which change between snapshots.
    """
    model = snapshot.derived(f"cause_model:{symptom}", lambda snap: _build(snap, symptom))
    counts = tuple(int((confirmed or {}).get(cause, 0)) for cause in model.causes)
    if not any(counts):
        return model
    # The latest learned model of each symptom is kept, so that its cached logs
    # serve every diagnosis until the next confirmed outcome changes the counts.
    learned: dict[str, tuple[tuple[tuple[int, ...], float], CauseModel]] = snapshot.derived(
        "learned_models", lambda _: {}
    )
    key = (counts, prior_weight)
    kept = learned.get(symptom)
    if kept is not None and kept[0] == key:
        return kept[1]
    prior = learned_prior(model.authored_prior, counts, prior_weight)
    result = replace(model, prior=prior, confirmed=counts)
    learned[symptom] = (key, result)
    return result


def with_check(model: CauseModel, snapshot: Snapshot, check: str) -> CauseModel:
    """``model`` plus a check no candidate cause links to (agent evidence)."""
    if check in model.p_fail:
        return model
    otherwise = float(snapshot.node(check).get("p_fail_otherwise", DEFAULT_P_FAIL_OTHERWISE))
    p_fail = {**model.p_fail, check: tuple(_clamp(otherwise) for _ in model.causes)}
    return replace(model, p_fail=p_fail, tests={**model.tests, check: frozenset()})


def posterior(model: CauseModel, outcomes: Mapping[str, str]) -> tuple[float, ...]:
    """P(cause | outcomes) for each cause; outcomes map check → pass/fail.

    Computed in log space, so dozens of observations cannot underflow; the
    result always sums to 1 (uniform if the model has no usable weights).
    """
    if not model.causes:
        return ()
    logs: Sequence[float] = model.log_prior()
    p_fail = model.p_fail
    for check, result in outcomes.items():
        if check in p_fail and (result == "pass" or result == "fail"):
            logs = list(map(operator.add, logs, model.log_likelihood(check, result)))
    top = max(logs)
    if top == -math.inf:
        return tuple(1.0 / len(logs) for _ in logs)
    weights = [math.exp(v - top) for v in logs]
    total = sum(weights)
    return tuple(w / total for w in weights)
