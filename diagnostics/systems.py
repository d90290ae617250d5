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

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from graph.snapshot import Snapshot

from .paths import at_path

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


_USE = re.compile(r"\bsystems\b")
_KEYED = re.compile(
    r"""\bsystems\s*\[\s*(?:["']([^"']+)["']|order((?:\.[A-Za-z_][A-Za-z0-9_]*)+))\s*\]"""
)
_LITERAL = "="

_SystemKeys = frozenset[tuple[str, ...]]
"""Status lookups: ``("=", name)`` for a literal key, ``("order", *path)`` for a field key."""


@lru_cache(maxsize=4096)
def _system_keys(source: str) -> _SystemKeys | None:
    """The status lookups condition ``source`` makes (``systems["mail_queue"]``,
    ``systems[order.product.supplier]``), or None when it uses ``systems``
    another way (``"x" in systems``, a computed key).

    >>> sorted(_system_keys('systems[order.product.supplier] == "down"'))
    [('order', 'product', 'supplier')]
    >>> _system_keys('"steam" in systems') is None
    True
    """
    if "systems" not in source:
        return frozenset()
    keyed = _KEYED.findall(source)
    if len(keyed) != len(_USE.findall(source)):
        return None
    return frozenset(
        (_LITERAL, literal) if literal else ("order", *path[1:].split("."))
        for literal, path in keyed
    )


def _named(keys: _SystemKeys, order: Mapping[str, Any], names: Mapping[str, str]) -> set[str]:
    """The names in ``names`` that lookups ``keys`` reach for ``order``."""
    found = set()
    for key in keys:
        name = key[1] if key[0] == _LITERAL else at_path(order, key[1:])
        if isinstance(name, str) and name in names:
            found.add(name)
    return found


def _keys(snapshot: Snapshot) -> tuple[_SystemKeys, bool]:
    """Every status lookup the graph's conditions make, and
    whether some condition names systems another way, which leaves the whole
    order to search; read from every condition once per snapshot."""

    def build(snap: Snapshot) -> tuple[_SystemKeys, bool]:
        found: set[tuple[str, ...]] = set()
        other = False
        sources = [data for _, data in snap.nodes()]
        sources += [data for _, _, _, data in snap.edges()]
        for data in sources:
            for field in ("fails_when", "fits_order", "when"):
                source = data.get(field)
                if isinstance(source, str) and "systems" in source:
                    keys = _system_keys(source)
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
    found = _named(keys, order, names)
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
