"""Reading one field of the order facts by its path.

Every diagnosis reads dozens of fields (conditions' required facts,
template variables, missing facts), so the walk is written once and kept
cheap: orders are parsed JSON, so a plain dict is tested first, and a
missing step ends the walk before the slower ``Mapping`` test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["at_path"]


def at_path(order: Any, parts: Iterable[str]) -> Any:
    """The value at ``parts`` (``("payment", "paid_at")``) of ``order``, or None."""
    value = order
    for part in parts:
        if isinstance(value, dict) or (value is not None and isinstance(value, Mapping)):
            value = value.get(part)
        else:
            return None
    return value
