"""Run the automatic checks of a diagnosis over the order facts.

An automatic check is free, so every one linked to a candidate cause runs
before any human step (troubleshooting-theory.md). Its result is "fail"
(anomaly found), "pass", or "unknown" when a fact it needs is missing or a
system's status is not known; an unknown check is never guessed, it becomes
a manual step that names the missing facts. An agent's recorded result
(``evidence``) always wins over the automatic one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from graph.snapshot import Snapshot

from .builtins import BUILTIN_FIELDS, BUILTINS
from .conditions import Condition, ConditionContext, compile_condition, evaluate
from .paths import at_path

__all__ = ["CheckOutcome", "run_checks"]


_OBSERVED = frozenset(("pass", "fail"))


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What is known about one check in this diagnosis.

    ``result``: "pass", "fail", "unknown" (automatic, facts missing) or
    "pending" (manual, not done yet). ``source``: "auto", "agent" or "none".
    """

    check_id: str
    result: str
    source: str
    detail: str = ""
    missing: tuple[str, ...] = ()
    said: tuple[tuple[str, str], ...] = ()
    """``detail`` in each language alone, when the check words it so (built-ins)."""

    @property
    def observed(self) -> bool:
        """Is the result evidence the probabilities should use (pass or fail)?"""
        return self.result in _OBSERVED


@lru_cache(maxsize=1024)
def _walks(paths: tuple[str, ...] | frozenset[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each path, sorted, with its name in answers and its parts: fixed per
    condition or built-in, so worked out once."""
    return tuple(
        ("order." + path, tuple(path.replace("[]", "").split("."))) for path in sorted(paths)
    )


def _missing_fields(
    order: Mapping[str, object], paths: tuple[str, ...] | frozenset[str]
) -> tuple[str, ...]:
    missing = []
    for name, parts in _walks(paths):
        value = at_path(order, parts)
        if value is None or value == [] or value == "":
            missing.append(name)
    return tuple(missing)


@dataclass(frozen=True, slots=True)
class _Kind:
    """How a check runs: by hand, by a built-in, or by its ``fails_when`` condition."""

    auto: bool
    builtin: str | None = None
    condition: Condition | None = None


def _kinds(snapshot: Snapshot) -> dict[str, _Kind]:
    """Each check's kind, filled in as checks are first run on this snapshot."""
    kinds: dict[str, _Kind] = snapshot.derived("check_kinds", lambda _: {})
    return kinds


def _kind(snapshot: Snapshot, check_id: str, kinds: dict[str, _Kind]) -> _Kind:
    """The check's kind, looked up once per snapshot (every diagnosis asks again)."""
    kind = kinds.get(check_id)
    if kind is None:
        check = snapshot.node(check_id)
        if check.get("mode") != "auto":
            kind = _Kind(auto=False)
        elif check.get("builtin"):
            kind = _Kind(auto=True, builtin=str(check["builtin"]))
        else:
            kind = _Kind(auto=True, condition=compile_condition(str(check["fails_when"])))
        kinds[check_id] = kind
    return kind


def _auto(
    check_id: str, kind: _Kind, order: Mapping[str, object], context: ConditionContext
) -> CheckOutcome:
    if kind.builtin is not None:
        result = BUILTINS[kind.builtin](order, context.now)
        if result.fails is None:
            missing = _missing_fields(order, BUILTIN_FIELDS[kind.builtin])
            return CheckOutcome(check_id, "unknown", "auto", result.detail, missing, result.said)
        seen = "fail" if result.fails else "pass"
        return CheckOutcome(check_id, seen, "auto", result.detail, said=result.said)
    condition = kind.condition
    assert condition is not None
    verdict = evaluate(condition, context)
    if verdict is None:
        missing = _missing_fields(order, condition.required)
        if not missing and "systems" in condition.variables:
            missing = ("systems",)
        return CheckOutcome(check_id, "unknown", "auto", "", missing or ("order",))
    return CheckOutcome(check_id, "fail" if verdict else "pass", "auto")


def run_checks(
    snapshot: Snapshot,
    check_ids: Iterable[str],
    context: ConditionContext,
    evidence: Mapping[str, str],
) -> dict[str, CheckOutcome]:
    """The outcome of each check in ``check_ids``, in the order given."""
    order = context.order
    kinds = _kinds(snapshot)
    outcomes: dict[str, CheckOutcome] = {}
    for check_id in check_ids:
        if check_id in evidence:
            outcomes[check_id] = CheckOutcome(check_id, evidence[check_id], "agent")
            continue
        kind = _kind(snapshot, check_id, kinds)
        if kind.auto:
            outcomes[check_id] = _auto(check_id, kind, order, context)
        else:
            outcomes[check_id] = CheckOutcome(check_id, "pending", "none")
    return outcomes
