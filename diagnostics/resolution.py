"""Which resolution to offer for the leading cause, and whether it may go ahead.

A resolution is chosen by rank among the cause's ``resolved_by`` edges whose
``when`` condition holds (an exchange only while the key is unused). It is
then gated twice, because refunds and reissues move money or goods and
cannot be taken back (card-shops.md, the false-claim and double-delivery
traps): the caller's role must reach the resolution's ``min_role``, and
every check in ``requires_checks`` must have been done, with the result it
names when it names one (a reissue needs the redemption record to show no
redemption; the other result rules it out). Until then the
engine offers the resolution as blocked, and the customer hears that we are
verifying, never a promise the check could overturn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graph.snapshot import Snapshot
from graph.store import ROLES

from .conditions import Condition, ConditionContext, compile_condition, evaluate
from .evaluation import CheckOutcome

__all__ = ["Choice", "choose_resolution", "required_checks"]


@dataclass(frozen=True)
class Choice:
    """The resolution picked and what stands between it and doing it."""

    resolution: str
    rank: int
    skipped: tuple[str, ...]
    role_ok: bool
    pending_checks: tuple[str, ...]

    @property
    def ready(self) -> bool:
        """True when the caller may carry it out right now."""
        return self.role_ok and not self.pending_checks


def choose_resolution(
    snapshot: Snapshot,
    cause: str,
    context: ConditionContext,
    outcomes: Mapping[str, CheckOutcome],
    evidence: Mapping[str, str],
    role: str,
) -> Choice | None:
    """The first resolution of ``cause`` by rank whose ``when`` holds, gated."""
    skipped: list[str] = []
    for resolution, rank, when in _ranked(snapshot, cause):
        if when is not None and evaluate(when, context) is not True:
            skipped.append(resolution)
            continue
        node = snapshot.node(resolution)
        needed = ROLES.index(node.get("min_role", "agent"))
        role_ok = ROLES.index(role) >= needed if role in ROLES else False
        pending: list[str] = []
        ruled_out = False
        for check, wanted in required_checks(node):
            found = evidence.get(check)
            if found is None and check in outcomes and outcomes[check].observed:
                found = outcomes[check].result
            if found is None:
                pending.append(check)
            elif wanted is not None and found != wanted:
                ruled_out = True  # the guard check came out against it
        if ruled_out:
            skipped.append(resolution)
            continue
        return Choice(resolution, rank, tuple(skipped), role_ok, tuple(pending))
    return None


def required_checks(node: Mapping[str, object]) -> list[tuple[str, str | None]]:
    """``requires_checks`` as (check, result it needs or None for any result)."""
    found: list[tuple[str, str | None]] = []
    entries = node.get("requires_checks") or ()
    for entry in entries if isinstance(entries, list | tuple) else ():
        if isinstance(entry, Mapping):
            found.append((str(entry["check"]), str(entry["result"])))
        else:
            found.append((str(entry), None))
    return found


_Ranked = tuple[tuple[str, int, Condition | None], ...]


def _ranked(snapshot: Snapshot, cause: str) -> _Ranked:
    """The cause's resolutions by rank, each with its compiled ``when``: kept per snapshot."""
    ranked: dict[str, _Ranked] = snapshot.derived("ranked_resolutions", lambda _: {})
    found = ranked.get(cause)
    if found is None:
        edges = sorted(snapshot.out_edges(cause, "resolved_by"), key=lambda e: (e[1]["rank"], e[0]))
        found = ranked[cause] = tuple(
            (
                resolution,
                int(data["rank"]),
                compile_condition(str(data["when"])) if data.get("when") else None,
            )
            for resolution, data in edges
        )
    return found
