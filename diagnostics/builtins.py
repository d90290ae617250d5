"""Built-in automatic checks: the ones CEL cannot express well.

Comparing a pasted key with the delivered keys needs Unicode normalisation
and look-alike folding, which is code, not a condition; it is also the
cheapest and most decisive check there is (reference: card-shops.md). A
check node names a built-in by its key in :data:`BUILTINS`; the linter
refuses any other name.

>>> normalise_key(" ７ＫＱ９Ｍ－２ＰＬ４Ｒ ")
'7KQ9M2PL4R'
>>> paste_differences("７ＫＱ９Ｍ－２ＰＬ４Ｒ", "7KQ9M-2PL4R")
['full_width']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "BUILTINS",
    "BUILTIN_FIELDS",
    "BuiltinResult",
    "normalise_key",
    "paste_differences",
]

_SEPARATORS = re.compile(r"[\s\-_‐-―−ー]+")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class BuiltinResult:
    """``fails`` is True, False or None (facts missing); ``detail`` explains it."""

    fails: bool | None
    detail: str = ""


BuiltinCheck = Callable[[Mapping[str, Any], datetime], BuiltinResult]


def normalise_key(text: str) -> str:
    """Fold a key to compare it: full width to ASCII, no separators, upper case."""
    folded = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub("", folded).upper()


def _loose(text: str) -> str:
    return normalise_key(text).translate(_LOOKALIKES)


def paste_differences(pasted: str, key: str) -> list[str]:
    """The kinds of paste noise that separate ``pasted`` from ``key``."""
    found: list[str] = []
    folded = unicodedata.normalize("NFKC", pasted)
    if folded != pasted:
        found.append("full_width")
    if re.search(r"\s", folded) and not re.search(r"\s", key):
        found.append("whitespace")
    if folded.count("-") != key.count("-"):
        found.append("dashes")
    bare_pasted, bare_key = _SEPARATORS.sub("", folded), _SEPARATORS.sub("", key)
    if bare_pasted != bare_key and bare_pasted.upper() == bare_key.upper():
        found.append("case")
    if normalise_key(pasted) != normalise_key(key) and _loose(pasted) == _loose(key):
        found.append("lookalikes")
    return found


_DIFFERENCE_WORDS = {
    "full_width": "全角字符 / full-width characters",
    "whitespace": "空格或换行 / spaces or line breaks",
    "dashes": "缺少或多余的短横线 / missing or extra dashes",
    "case": "大小写 / letter case",
    "lookalikes": "O/0、I/l/1 混淆 / O-0 and I-l-1 look-alikes",
}


def _keys(order: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    delivery = order.get("delivery")
    if not isinstance(delivery, Mapping):
        return None
    keys = delivery.get("card_keys")
    return [k for k in keys if isinstance(k, Mapping)] if isinstance(keys, list) else None


def _pasted(order: Mapping[str, Any]) -> str | None:
    customer = order.get("customer")
    if not isinstance(customer, Mapping):
        return None
    pasted = customer.get("pasted_code")
    return pasted if isinstance(pasted, str) and pasted.strip() else None


def pasted_key_format_noise(order: Mapping[str, Any], now: datetime) -> BuiltinResult:
    """Fails when the pasted text equals a delivered key only after normalising."""
    pasted, keys = _pasted(order), _keys(order)
    if pasted is None or not keys:
        return BuiltinResult(None)
    codes = [str(k.get("code", "")) for k in keys]
    if pasted in codes:
        return BuiltinResult(False, "粘贴内容与发出的卡密完全一致 / the paste matches exactly")
    for code in codes:
        if _loose(pasted) == _loose(code):
            kinds = paste_differences(pasted, code) or ["whitespace"]
            words = "、".join(_DIFFERENCE_WORDS[k] for k in kinds)
            return BuiltinResult(True, words)
    return BuiltinResult(False, "规范化后也不一致 / no match even after normalising")


def pasted_serial_not_key(order: Mapping[str, Any], now: datetime) -> BuiltinResult:
    """Fails when the pasted text is a delivered key's serial number, not the key."""
    pasted, keys = _pasted(order), _keys(order)
    if pasted is None or not keys:
        return BuiltinResult(None)
    serials = [str(k["serial"]) for k in keys if k.get("serial")]
    if any(_loose(pasted) == _loose(code) for code in (str(k.get("code", "")) for k in keys)):
        return BuiltinResult(False, "客户粘贴的是卡密 / the paste is the key itself")
    if not serials:
        return BuiltinResult(None)
    if any(_loose(pasted) == _loose(serial) for serial in serials):
        return BuiltinResult(True, "客户输入的是卡号/序列号 / the customer typed the serial")
    return BuiltinResult(False, "粘贴内容不是序列号 / the paste is not a serial")


def pasted_key_unknown(order: Mapping[str, Any], now: datetime) -> BuiltinResult:
    """Fails when the pasted text matches no delivered key or serial at all."""
    pasted, keys = _pasted(order), _keys(order)
    if pasted is None or not keys:
        return BuiltinResult(None)
    known = [str(k.get("code", "")) for k in keys] + [str(k.get("serial", "")) for k in keys]
    if any(value and _loose(pasted) == _loose(value) for value in known):
        return BuiltinResult(False)
    return BuiltinResult(True, "粘贴内容与本订单的卡密都不符 / the paste is not this order's key")


BUILTINS: Mapping[str, BuiltinCheck] = {
    "pasted_key_format_noise": pasted_key_format_noise,
    "pasted_serial_not_key": pasted_serial_not_key,
    "pasted_key_unknown": pasted_key_unknown,
}

BUILTIN_FIELDS: Mapping[str, tuple[str, ...]] = {
    "pasted_key_format_noise": ("customer.pasted_code", "delivery.card_keys"),
    "pasted_serial_not_key": (
        "customer.pasted_code",
        "delivery.card_keys",
        "delivery.card_keys[].serial",
    ),
    "pasted_key_unknown": ("customer.pasted_code", "delivery.card_keys"),
}
"""The order facts each built-in reads: named when a built-in comes out unknown."""
