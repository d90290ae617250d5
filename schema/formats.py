"""The ``date-time`` format every request schema means: RFC 3339, years 2000-2100.

JSON Schema's own ``date-time`` takes any year from 1 to 9999, but the engine
adds minutes and days to the times it is given (an order's expiry, a
promise, a week's window): ``9999-12-31T23:59:59Z`` plus a promise overflowed
into a 500, and year 1 minus the shop's offset did too. No order, status or
window of a card shop lies outside 2000-2100, so a time there is a typo or an
attack, and is refused as a bad field. The same check runs in both validators
(``jsonschema`` for the messages, ``jsonschema-rs`` for the fast "valid?").

>>> is_date_time("2026-12-01T09:30:00+08:00"), is_date_time("9999-12-31T23:59:59Z")
(True, False)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jsonschema import FormatChecker
from rfc3339_validator import validate_rfc3339  # type: ignore[import-untyped]

__all__ = ["FIRST_YEAR", "LAST_YEAR", "RS_FORMATS", "TIME_PROBLEM", "format_checker", "in_years"]

FIRST_YEAR, LAST_YEAR = 2000, 2100

TIME_PROBLEM = f"is not an RFC 3339 date-time in the years {FIRST_YEAR}-{LAST_YEAR}"
"""What a bad time is told: the message names the range, so the fix is plain."""


def in_years(moment: datetime) -> bool:
    """Is ``moment`` (as written, before any zone conversion) in the accepted years?"""
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def is_date_time(value: Any) -> bool:
    """RFC 3339 that Python can read (``datetime.fromisoformat``), in 2000-2100.

    Not a string is another keyword's business (``type``), as in JSON Schema.
    """
    if not isinstance(value, str):
        return True
    if not validate_rfc3339(value):
        return False
    try:  # the engine reads it with fromisoformat: what it cannot read is refused here
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return in_years(parsed)


def format_checker() -> FormatChecker:
    """jsonschema's format checker with ``date-time`` bounded to the accepted years."""
    checker = FormatChecker()
    checker.checks("date-time")(is_date_time)
    return checker


RS_FORMATS = {"date-time": is_date_time}
"""The same format for ``jsonschema_rs.validator_for(..., formats=RS_FORMATS)``."""
