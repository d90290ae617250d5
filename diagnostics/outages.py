"""Outages seen from orders: many orders of one supplier or channel failing one way.

The seed articles' team knew a supplier was down before its dashboard said
so: the orders told them. When several recently diagnosed orders of one
supplier (or one payment channel) lead with the same cause, and that cause
is a state of that supplier's (or channel's) System in the graph (a
``depends_on`` edge), the system is probably degraded or down, and an admin
should be asked to say so (``casework.outages`` files the proposal).

The rule is the insights' spike rule (``insights.spikes``) over diagnosed
orders, each order counted once (its latest diagnosis):

- a spike: at least ``min_orders`` orders of the group led with the cause in
  the last ``window``, and at least ``ratio`` times the group's mean per
  window over the ``baseline`` windows before (a cause that is always this
  common for that supplier is its normal, not an outage);
- the cause must implicate the group's own system: a ``depends_on`` edge
  from the cause to the System the supplier or channel names (by id or
  alias), allowing the status (an edge's ``statuses``, when given, limit it);
- the status: ``down`` when the failing orders are at least ``down_share``
  of every diagnosed order of that group in the window (almost all of them
  fail), else ``degraded`` (some fail, others go through).

Pure: observations in, signals out; no store, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from graph.snapshot import Snapshot

from .conditions import parse_time
from .insights import SpikeRule, spikes
from .systems import canonical_system, system_names

__all__ = ["GROUPS", "Observation", "OutageRule", "OutageSignal", "outage_signals"]

GROUPS = ("supplier", "channel")
"""What orders are grouped by: the goods' supplier, the payment channel."""
_PROPOSED = ("degraded", "down")


@dataclass(frozen=True)
class Observation:
    """One diagnosed order: when, which, whose supplier and channel, what it led with."""

    at: str
    order_no: str
    supplier: str | None
    channel: str | None
    symptom: str | None
    cause: str | None


@dataclass(frozen=True)
class OutageRule:
    """When failing orders make an outage: the spike rule's settings plus the share
    that tells down from degraded (``KGDIAG_OUTAGE_*`` in the app's settings)."""

    window: timedelta = timedelta(minutes=30)
    min_orders: int = 3
    down_share: float = 0.9
    ratio: float = SpikeRule.ratio
    baseline: int = SpikeRule.baseline

    def __post_init__(self) -> None:
        if self.window <= timedelta(0) or self.min_orders < 1 or self.baseline < 1:
            raise ValueError("an outage rule needs a positive window, min_orders and baseline")
        if not 0 < self.down_share <= 1:
            raise ValueError("down_share is a share of orders: more than 0, at most 1")

    @property
    def spike_rule(self) -> SpikeRule:
        return SpikeRule(self.window, self.baseline, self.min_orders, self.ratio)

    @property
    def reach(self) -> timedelta:
        """How far back observations must reach: the window and its baseline."""
        return (self.baseline + 1) * self.window


@dataclass(frozen=True)
class OutageSignal:
    """A system that many orders say is failing, with the evidence."""

    system: str
    status: str
    cause: str
    group: str
    name: str
    orders: tuple[str, ...]
    order_times: tuple[str, ...]
    seen: int
    since: str
    until: str
    baseline_per_window: float

    @property
    def failing(self) -> int:
        return len(self.orders)

    @property
    def share(self) -> float:
        return round(self.failing / self.seen, 3) if self.seen else 0.0

    def evidence(self) -> dict[str, Any]:
        """What a proposal shows an admin (JSON)."""
        minutes = int((parse_time(self.until) - parse_time(self.since)).total_seconds() // 60)
        return {
            "cause": self.cause,
            "group": self.group,
            "name": self.name,
            "orders": list(self.orders),
            "failing": self.failing,
            "seen": self.seen,
            "share": self.share,
            "window_minutes": minutes,
            "since": self.since,
            "until": self.until,
            "baseline_per_window": self.baseline_per_window,
        }


def _by_system(snapshot: Snapshot, item: Observation) -> Observation:
    """The observation with its supplier and channel by System id where the graph knows them
    (filed cases name them so already: then it is the observation itself)."""
    names = system_names(snapshot)
    supplier = names.get(item.supplier, item.supplier) if item.supplier else item.supplier
    channel = names.get(item.channel, item.channel) if item.channel else item.channel
    if supplier == item.supplier and channel == item.channel:
        return item
    return replace(item, supplier=supplier, channel=channel)


def _implicated(snapshot: Snapshot) -> Mapping[str, frozenset[str]]:
    """Each cause's systems (its ``depends_on`` targets), derived once per snapshot."""

    def build(snap: Snapshot) -> Mapping[str, frozenset[str]]:
        return {
            cause: frozenset(t for t, _ in snap.out_edges(cause, "depends_on"))
            for cause in snap.nodes_of_type("Cause")
        }

    return snapshot.derived("outage_implicated", build)


def _latest_per_order(
    snapshot: Snapshot, observations: Iterable[Observation], until: datetime
) -> list[Observation]:
    """Each order once, as last diagnosed before ``until`` (a re-diagnosis is no new order),
    its supplier and channel named by their System ids."""
    latest: dict[str, tuple[datetime, Observation]] = {}
    for item in observations:
        if not item.order_no:
            continue
        item = _by_system(snapshot, item)
        at = parse_time(item.at)
        if at < until and (item.order_no not in latest or latest[item.order_no][0] <= at):
            latest[item.order_no] = (at, item)
    return sorted((o for _, o in latest.values()), key=lambda o: (parse_time(o.at), o.order_no))


def _allowed(snapshot: Snapshot, cause: str, system: str, status: str) -> str | None:
    """The status to propose for ``system`` when ``cause`` implicates it, else None."""
    if not snapshot.has_node(cause):
        return None
    for target, data in snapshot.out_edges(cause, "depends_on"):
        if target != system:
            continue
        statuses = [s for s in data.get("statuses") or _PROPOSED if s in _PROPOSED]
        if status in statuses:
            return status
        return statuses[-1] if statuses else None  # the one this edge allows
    return None


def _signal(
    snapshot: Snapshot,
    spike: dict[str, Any],
    recent: Sequence[Observation],
    group: str,
    rule: OutageRule,
    since: datetime,
    until: datetime,
) -> OutageSignal | None:
    name, cause = str(spike[group]), str(spike["cause"])
    system = canonical_system(snapshot, name)
    if system is None:
        return None
    of_group = [o for o in recent if getattr(o, group) == name]
    failing = [o for o in of_group if o.cause == cause]
    status = "down" if len(failing) >= rule.down_share * len(of_group) else "degraded"
    allowed = _allowed(snapshot, cause, system, status)
    if allowed is None:
        return None
    return OutageSignal(
        system=system,
        status=allowed,
        cause=cause,
        group=group,
        name=name,
        orders=tuple(o.order_no for o in failing),
        order_times=tuple(o.at for o in failing),
        seen=len(of_group),
        since=since.isoformat(timespec="seconds"),
        until=until.isoformat(timespec="seconds"),
        baseline_per_window=float(spike["baseline_per_window"]),
    )


def outage_signals(
    snapshot: Snapshot,
    observations: Iterable[Observation],
    *,
    until: datetime,
    rule: OutageRule,
) -> list[OutageSignal]:
    """The systems the observations say are failing at ``until``, one signal each
    (the most severe, then the most orders), most orders first.

    ``observations`` must reach back ``rule.reach`` before ``until``.
    """
    orders = _latest_per_order(snapshot, observations, until)
    since = until - rule.window
    recent = [o for o in orders if since <= parse_time(o.at)]
    implicated = _implicated(snapshot)
    best: dict[str, OutageSignal] = {}
    for group in GROUPS:

        def key(o: Observation, group: str = group) -> tuple[str | None, str | None]:
            return getattr(o, group), o.cause

        # Only orders whose cause is a state of their own group's system can spike
        # into a signal: the rest are left out before the rule counts (most of them).
        suspects = [
            o for o in orders if o.cause and getattr(o, group) in implicated.get(o.cause, ())
        ]
        labels = (group, "cause", "outage")
        for spike in spikes(suspects, key, labels, snapshot, until, rule.spike_rule):
            found = _signal(snapshot, spike, recent, group, rule, since, until)
            if found is None:
                continue
            rank = (_PROPOSED.index(found.status), found.failing)
            held = best.get(found.system)
            if held is None or rank > (_PROPOSED.index(held.status), held.failing):
                best[found.system] = found
    return sorted(best.values(), key=lambda s: (-s.failing, s.system))
