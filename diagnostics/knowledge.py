"""What the team has recorded beside the graph, as one diagnosis reads it.

Two kinds of knowledge come from daily work rather than from editing:

- **Confirmed outcomes teach the priors.** The authored ``caused_by`` priors
  of a symptom act as ``prior_weight`` pseudo-counts of a Dirichlet; every
  confirmed outcome adds one real count, and the prior a diagnosis uses is
  the posterior mean ``(weight * authored + confirmed) / (weight + total)``.
  With the default weight of 20, twenty confirmed cases count as much as the
  author's judgement, so a handful of odd cases cannot overturn it but a
  steady pattern does.
- **Recorded system status**, fresh enough to trust, stands in for the
  graph's default status; an ETA tells the reply when the system recovers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from graph.snapshot import Snapshot

from .systems import system_names
from .timezone import SHOP_ZONE

__all__ = ["DEFAULT_PRIOR_WEIGHT", "Knowledge", "learned_prior", "recovery_time"]

DEFAULT_PRIOR_WEIGHT = 20.0


@dataclass(frozen=True)
class Knowledge:
    """Recorded facts one diagnosis uses; empty means "the graph alone"."""

    systems: Mapping[str, str] = field(default_factory=dict)
    """Fresh recorded status by system id (stale ones are left out: unknown)."""
    etas: Mapping[str, datetime] = field(default_factory=dict)
    """Expected recovery time by system id, for systems not up."""
    confirmed: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Confirmed outcome counts: symptom → cause → count."""
    prior_weight: float = DEFAULT_PRIOR_WEIGHT
    zone: ZoneInfo = SHOP_ZONE
    """The shop's time zone: every time an answer shows is in it (``KGDIAG_TIMEZONE``)."""
    overdue_orders: frozenset[str] = frozenset()
    """Order numbers with a promise past its time and not kept: a new diagnosis
    of one is raised a priority level (``casework`` reads the ledger)."""


def learned_prior(
    authored: Sequence[float], confirmed: Sequence[int], weight: float
) -> tuple[float, ...]:
    """The Dirichlet posterior mean of the causes' shares.

    >>> learned_prior([0.75, 0.25], [0, 0], 20)
    (0.75, 0.25)
    >>> [round(p, 3) for p in learned_prior([0.75, 0.25], [0, 20], 20)]
    [0.375, 0.625]
    """
    total = weight + sum(confirmed)
    if total <= 0:
        return tuple(authored)
    return tuple((weight * a + n) / total for a, n in zip(authored, confirmed, strict=True))


def _order_system_names(order: Mapping[str, Any]) -> list[str]:
    product = order.get("product") or {}
    payment = order.get("payment") or {}
    names = [product.get("supplier"), product.get("platform"), payment.get("gateway")]
    return [str(n) for n in names if n]


def recovery_time(
    snapshot: Snapshot, cause: str, order: Mapping[str, Any], knowledge: Knowledge
) -> datetime | None:
    """When the system behind ``cause`` for this order is expected back, if recorded.

    Only a system the order itself names (its supplier, platform or payment
    gateway) counts: a reply must never quote another platform's maintenance.
    """
    if not knowledge.etas:
        return None
    names = system_names(snapshot)
    named = {names.get(n, n) for n in _order_system_names(order)}
    times = [
        knowledge.etas[system]
        for system, _ in snapshot.out_edges(cause, "depends_on")
        if system in named and system in knowledge.etas
    ]
    return max(times) if times else None
