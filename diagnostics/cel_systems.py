"""Which system statuses a condition can look up, read from its text.

Conditions name systems two ways: by a literal (``systems["mail_queue"]``)
or by an order field (``systems[order.product.supplier]``). Knowing which,
a diagnosis hands CEL only the statuses its conditions can ask for: the
CEL library converts every key and value of a map it is given, at a few
microseconds each, and the whole status map answers under every alias of
every system the order names. A condition that uses ``systems`` any other
way (``"x" in systems``, a computed key) gets the whole map.

>>> sorted(system_keys('systems[order.product.supplier] == "down"'))
[('order', 'product', 'supplier')]
>>> sorted(system_keys('systems["mail_queue"] in ["down"]'))
[('=', 'mail_queue')]
>>> system_keys('"steam" in systems') is None
True
>>> statuses_for(frozenset({("order", "product", "supplier")}), {"product": {"supplier": "sup-kx"}},
...              {"sup-kx": "down", "sup_kx": "down", "mail_queue": "up"})
{'sup-kx': 'down'}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .paths import at_path

__all__ = ["SystemKeys", "statuses_for", "system_keys"]

_USE = re.compile(r"\bsystems\b")
_KEYED = re.compile(
    r"""\bsystems\s*\[\s*(?:["']([^"']+)["']|order((?:\.[A-Za-z_][A-Za-z0-9_]*)+))\s*\]"""
)
_LITERAL = "="
"""First element of a literal key: ``("=", "mail_queue")``. A field key starts with "order"."""

SystemKeys = frozenset[tuple[str, ...]]
"""The lookups a condition makes: ``("=", name)`` or ``("order", *path)``."""


@lru_cache(maxsize=4096)
def system_keys(source: str) -> SystemKeys | None:
    """The status lookups ``source`` makes, or None when it uses ``systems``
    in a way other than a literal or an order field as the key."""
    if "systems" not in source:
        return frozenset()
    keyed = _KEYED.findall(source)
    if len(keyed) != len(_USE.findall(source)):
        return None
    return frozenset(
        (_LITERAL, literal) if literal else ("order", *path[1:].split("."))
        for literal, path in keyed
    )


def statuses_for(
    keys: SystemKeys, order: Mapping[str, Any], statuses: Mapping[str, str]
) -> dict[str, str]:
    """The part of ``statuses`` that lookups ``keys`` can reach for ``order``:
    any lookup gives the same answer from it as from the whole map."""
    found: dict[str, str] = {}
    for key in keys:
        name = key[1] if key[0] == _LITERAL else at_path(order, key[1:])
        if isinstance(name, str) and name in statuses:
            found[name] = statuses[name]
    return found
