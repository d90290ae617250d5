"""What both adapters need: reading MySQL-ish values and local times."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from schema.formats import FIRST_YEAR, LAST_YEAR, in_years
from schema.problems import MAX_INTEGER, echo

__all__ = ["RowProblem", "gateway_of", "integer", "key_lines", "local_time", "number", "text"]
GATEWAYS = {"epay": "yipay", "wepay": "wechat", "#system": "balance", "mzfb": "mapay"}
"""Payment handlers as the shops name them → the contract's gateway names."""


class RowProblem(ValueError):
    """A row value the adapter cannot read; ``field`` is its path in the request."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


MAX_AMOUNT = 1e15
"""More money than any card-shop order holds; past it a float loses the cents."""


def integer(row: Mapping[str, Any], column: str) -> int | None:
    """An integer column (MySQL drivers often send "4" for 4), within 64 bits.

    A 5,000-digit "4…" is refused by name: Python will not even read it.
    """
    value = row.get(column)
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value.strip().lstrip("+-")) > 19:
        raise RowProblem(f"order_row.{column}", f"{echo(value)} is beyond 64-bit integers")
    try:
        found = int(value)
    except (TypeError, ValueError, OverflowError) as err:
        raise RowProblem(f"order_row.{column}", f"{echo(value)} is not an integer") from err
    if not -MAX_INTEGER - 1 <= found <= MAX_INTEGER:
        raise RowProblem(f"order_row.{column}", f"{echo(value)} is beyond 64-bit integers")
    return found


def number(row: Mapping[str, Any], column: str) -> float | None:
    """A money column, finite and below :data:`MAX_AMOUNT`."""
    value = row.get(column)
    if value is None or value == "":
        return None
    try:
        found = float(value)
    except (TypeError, ValueError, OverflowError) as err:
        raise RowProblem(f"order_row.{column}", f"{echo(value)} is not a number") from err
    if not math.isfinite(found) or abs(found) > MAX_AMOUNT:
        raise RowProblem(f"order_row.{column}", f"{echo(value)} is not an amount of money")
    return found


def text(row: Mapping[str, Any], column: str) -> str:
    """A text column, "" when NULL; bytes (a binary column) decoded, never shown as b'..'."""
    value = row.get(column)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def gateway_of(handler: str) -> str | None:
    """The gateway of a shop's payment handler: dujiaoka's route (``/pay/yipay``)
    or acg-faka's handle (``Epay``); None when the row names none."""
    name = handler.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    return GATEWAYS.get(name, name) or None


def local_time(row: Mapping[str, Any], column: str, zone: ZoneInfo) -> str | None:
    """A ``YYYY-MM-DD HH:MM:SS`` local time as RFC 3339 with the shop's offset."""
    value = text(row, column).strip()
    if not value or value.startswith("0000-00-00"):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1)[:19])
    except ValueError as err:
        raise RowProblem(f"order_row.{column}", f"not a date and time: {echo(value)}") from err
    if not in_years(parsed):  # 9999-12-31 plus the expiry minutes overflowed
        why = f"{echo(value)} is not in the years {FIRST_YEAR}-{LAST_YEAR}"
        raise RowProblem(f"order_row.{column}", why)
    return parsed.replace(tzinfo=zone).isoformat()


def key_lines(value: str) -> list[str]:
    """Delivered keys: one per non-empty line, as both systems store them."""
    return [line.strip() for line in value.replace("\r\n", "\n").split("\n") if line.strip()]
