"""Shop adapters: a shop's own order row → the contract's order facts.

Card shops run a handful of open-source systems; their after-sales scripts
can send the order row exactly as the database holds it, and kgdiag maps
it (status codes as in ``../shared/reference/card-shops.md``). An adapter
states only what the row says: a fact the row cannot tell stays absent, so
the checks that need it become manual steps instead of guesses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import acg_faka, dujiaoka
from .common import RowProblem

__all__ = ["ADAPTERS", "DEFAULT_TIMEZONE", "RowProblem", "order_from_row"]

DEFAULT_TIMEZONE = "Asia/Shanghai"
"""Both systems store local times without a zone; most shops run on Beijing time."""

ADAPTERS: Mapping[str, Callable[[Mapping[str, Any], ZoneInfo], dict[str, Any]]] = {
    "dujiaoka": dujiaoka.order_facts,
    "acg_faka": acg_faka.order_facts,
}


def order_from_row(
    source: str, row: Mapping[str, Any], timezone: str | None = None
) -> dict[str, Any]:
    """The order facts of ``row`` from shop system ``source``.

    Raises :class:`RowProblem` naming the field when the zone is unknown or a
    value cannot be read (a date that is not a date).
    """
    try:
        zone = ZoneInfo(timezone or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise RowProblem("shop_timezone", f"unknown time zone {timezone!r}") from err
    return ADAPTERS[source](row, zone)
