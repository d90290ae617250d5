"""What both adapters need: reading MySQL-ish values and local times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["RowProblem", "gateway_of", "integer", "key_lines", "local_time", "number", "text"]

GATEWAYS = {"epay": "yipay", "wepay": "wechat", "#system": "balance", "mzfb": "mapay"}
"""Payment handlers as the shops name them → the contract's gateway names."""


class RowProblem(ValueError):
    """A row value the adapter cannot read; ``field`` is its path in the request."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def integer(row: Mapping[str, Any], column: str) -> int | None:
    """An integer column (MySQL drivers often send "4" for 4)."""
    value = row.get(column)
    return None if value is None or value == "" else int(value)


def number(row: Mapping[str, Any], column: str) -> float | None:
    value = row.get(column)
    return None if value is None or value == "" else float(value)


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
        raise RowProblem(f"order_row.{column}", f"not a date and time: {value!r}") from err
    return parsed.replace(tzinfo=zone).isoformat()


def key_lines(value: str) -> list[str]:
    """Delivered keys: one per non-empty line, as both systems store them."""
    return [line.strip() for line in value.replace("\r\n", "\n").split("\n") if line.strip()]
