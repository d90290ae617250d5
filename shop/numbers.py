"""Order numbers inside a customer's message.

Customers paste their whole message, order number included ("订单号
DJ20261130B1，付了钱没收到卡密"). The console looks the order up from those
words when no number was typed, so an agent pastes once instead of copying
the number out by hand. The shape is the shops' own: dujiaoka's ``order_sn``
(letters and digits, 10-32 characters, e.g. ``DJ20261130B1`` or a random
``8AE80574F3CA98BE``) and acg-faka's ``trade_no`` (a long run of digits).
A candidate is only a guess: the lookup decides, and only a number the shop
knows is used.
"""

from __future__ import annotations

import re

__all__ = ["order_numbers_in"]

_TOKEN = re.compile(r"(?<![A-Za-z0-9@._-])[A-Za-z0-9]{8,40}(?![A-Za-z0-9@-]|\.[A-Za-z])")
"""A run of ASCII letters and digits standing alone (Chinese text around it is
fine): not part of an email address, a domain or a dashed card key."""
_PHONE = re.compile(r"^1[3-9]\d{9}$")
"""A mainland mobile number: the customer's contact, never an order number."""
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _shaped(token: str) -> bool:
    """Does ``token`` look like an order number: enough digits, and no word?"""
    digits = sum(ch.isdigit() for ch in token)
    if _PHONE.match(token) or token.isalpha():
        return False
    if token.isdigit():
        return len(token) >= 12  # acg-faka's trade_no; a QQ number is 5-11 digits
    # Mixed: a date-like run (DJ20261130B1) or a random upper-case id (8AE8...).
    return digits >= 6 or (len(token) >= 12 and token.upper() == token and digits >= 2)


def order_numbers_in(text: str, limit: int = 3) -> list[str]:
    """The order-number-like tokens of ``text``, in the order written, at most
    ``limit`` (each costs a lookup), without repeats.

    >>> order_numbers_in("订单号DJ20261130B1，邮箱 a1234567@qq.com，手机13800138000")
    ['DJ20261130B1']
    >>> order_numbers_in("my order 2611301000123456789 and key ABCDE-FGHIJ-KLMNO")
    ['2611301000123456789']
    """
    found: list[str] = []
    for match in _TOKEN.finditer(_EMAIL.sub(" ", text[:5000])):
        token = match.group(0)
        if _shaped(token) and token not in found:
            found.append(token)
            if len(found) == limit:
                break
    return found
