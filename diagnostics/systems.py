"""The status of every system a condition may ask about, for one diagnosis.

Orders name systems the way the shop does (``sup-kx``, ``wechat``), the graph
names them by id (``sup_kx``, ``wechat_pay``) and lists the shop's spellings
as aliases. Conditions read ``systems[order.product.supplier]``, so the map
answers under every name. Precedence: the request's own ``systems`` (the
caller knows best, right now), then the server's recorded status, then the
graph's default. A name nobody knows stays absent, so a condition that asks
for it is "unknown" rather than guessed "up".
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.snapshot import Snapshot

__all__ = ["canonical_system", "system_names", "system_statuses"]


def system_names(snapshot: Snapshot) -> Mapping[str, str]:
    """Every name (id and alias) of every System node, mapped to its id."""

    def build(snap: Snapshot) -> Mapping[str, str]:
        names: dict[str, str] = {}
        for system_id in snap.nodes_of_type("System"):
            names[system_id] = system_id
            for alias in snap.node(system_id).get("aliases", ()):
                names.setdefault(str(alias), system_id)
        return names

    return snapshot.derived("system_names", build)


def canonical_system(snapshot: Snapshot, name: str) -> str | None:
    """The System id that ``name`` (an id or alias) refers to, if any."""
    return system_names(snapshot).get(name)


def system_statuses(
    snapshot: Snapshot,
    overrides: Mapping[str, str] | None = None,
    recorded: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Status by every system name: request overrides > recorded > default."""
    names = system_names(snapshot)
    by_id: dict[str, str] = {}
    for system_id in snapshot.nodes_of_type("System"):
        by_id[system_id] = str(snapshot.node(system_id).get("default_status", "unknown"))
    for source in (recorded or {}), (overrides or {}):
        for name, status in source.items():
            by_id[names.get(name, name)] = status
    statuses = {name: by_id[system_id] for name, system_id in names.items()}
    for name, status in by_id.items():
        statuses.setdefault(name, status)
    # "unknown" is no status at all: leave it out so conditions come out unknown.
    return {name: status for name, status in statuses.items() if status != "unknown"}
