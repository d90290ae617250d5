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

from collections.abc import Iterable, Mapping
from typing import Any

from graph.snapshot import Snapshot

from .cel_systems import SystemKeys, statuses_for, system_keys

__all__ = ["canonical_system", "names_for", "system_names", "system_statuses"]


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


def _keys(snapshot: Snapshot) -> tuple[SystemKeys, bool]:
    """Every status lookup the graph's conditions make (``cel_systems``), and
    whether some condition names systems another way, which leaves the whole
    order to search; read from every condition once per snapshot."""

    def build(snap: Snapshot) -> tuple[SystemKeys, bool]:
        found: set[tuple[str, ...]] = set()
        other = False
        sources = [data for _, data in snap.nodes()]
        sources += [data for _, _, _, data in snap.edges()]
        for data in sources:
            for field in ("fails_when", "fits_order", "when"):
                source = data.get(field)
                if isinstance(source, str) and "systems" in source:
                    keys = system_keys(source)
                    other = other or keys is None
                    found |= keys or frozenset()
        return frozenset(found), other

    return snapshot.derived("system_keys", build)


def names_for(snapshot: Snapshot, order: Mapping[str, Any]) -> set[str]:
    """Every system name a condition can look up for ``order``: the literal
    names, and the order's values at the fields conditions look systems up by
    (``systems[order.product.supplier]``); the order's every string too when
    some condition names a system another way.

    Only strings some System answers to are kept: any other is absent from
    every status map, so a condition asking for it comes out unknown either way.
    """
    names = system_names(snapshot)
    keys, other = _keys(snapshot)
    found = set(statuses_for(keys, order, names))
    if not other:
        return found
    stack: list[Any] = [order]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item in names:
                found.add(item)
        elif isinstance(item, dict):  # orders are parsed JSON: dicts, lists, scalars
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif not isinstance(item, int | float) and isinstance(item, Mapping):
            stack.extend(item.values())
    return found


def system_statuses(
    snapshot: Snapshot,
    overrides: Mapping[str, str] | None = None,
    recorded: Mapping[str, str] | None = None,
    wanted: Iterable[str] | None = None,
) -> dict[str, str]:
    """Status by system name: request overrides > recorded > default.

    ``wanted`` limits the answer to those names (``names_for``), so a graph with
    thousands of systems costs a diagnosis only the few its order can name;
    without it, every name of every system.
    """
    names = system_names(snapshot)
    sources = (recorded or {}), (overrides or {})
    if wanted is None:
        ids: Iterable[str] = snapshot.nodes_of_type("System")
        asked: Iterable[str] = names
    else:
        asked = set(wanted) | {n for source in sources for n in source}
        ids = {names[n] for n in asked if n in names}
    by_id: dict[str, str] = {}
    for system_id in ids:
        by_id[system_id] = str(snapshot.node(system_id).get("default_status", "unknown"))
    for source in sources:
        for name, status in source.items():
            by_id[names.get(name, name)] = status
    statuses = {name: by_id[names[name]] for name in asked if name in names}
    for name, status in by_id.items():
        statuses.setdefault(name, status)
    # "unknown" is no status at all: leave it out so conditions come out unknown.
    return {name: status for name, status in statuses.items() if status != "unknown"}
