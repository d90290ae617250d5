"""The shop's time zone: every time a customer or an agent reads is in it.

A customer in Beijing promised "09:17 前" at 17:05 local time was told a UTC
clock. The zone comes from ``KGDIAG_TIMEZONE`` (default Asia/Shanghai), or
from the order's own ``shop.timezone`` when it names a real zone; times go
out in JSON with their offset (``2026-11-21T17:35:00+08:00``) and in replies
as local clock text, with the offset named for customers writing in English
(they are often abroad) and for zh when the zone is not UTC+8.

>>> shop_zone("Asia/Tokyo").key
'Asia/Tokyo'
>>> zone_label(datetime(2026, 11, 21, 9, tzinfo=shop_zone("Asia/Shanghai")), "zh")
''
>>> zone_label(datetime(2026, 11, 21, 9, tzinfo=shop_zone("Asia/Shanghai")), "en")
' (UTC+8)'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_ZONE", "SHOP_ZONE", "order_zone", "shop_zone", "zone_label"]

_log = logging.getLogger(__name__)

DEFAULT_ZONE = "Asia/Shanghai"


@cache
def shop_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError naming it when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as err:  # "US" is a folder of zones
        raise ValueError(f"KGDIAG_TIMEZONE: no time zone {name!r} (use an IANA name)") from err


SHOP_ZONE = shop_zone(DEFAULT_ZONE)


def order_zone(order: Mapping[str, Any], default: ZoneInfo) -> ZoneInfo:
    """The order's own ``shop.timezone`` when it names a real zone, else ``default``."""
    shop = order.get("shop")
    name = shop.get("timezone") if isinstance(shop, Mapping) else None
    if isinstance(name, str) and name:
        try:
            return shop_zone(name)
        except ValueError:
            _log.warning("the order's shop.timezone is no known zone: using the shop's own")
            return default
    return default


def zone_label(moment: datetime, lang: str) -> str:
    """The offset as a reader is told it: " (UTC+8)"; nothing for zh readers at UTC+8."""
    offset = moment.utcoffset() or timedelta(0)
    if lang == "zh" and offset == timedelta(hours=8):
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    text = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"（{text}）" if lang == "zh" else f" ({text})"
