"""Built-in automatic checks: the ones CEL cannot express well.

Comparing a pasted key with the delivered keys needs Unicode normalisation
and look-alike folding, which is code, not a condition; it is also the
cheapest and most decisive check there is (reference: card-shops.md). So
are region codes (GB and UK are one country, EU holds its member states,
GLOBAL redeems anywhere) and a lookup contact compared the way the shop's
MySQL compares it. A check node names a built-in by its key in
:data:`BUILTINS`; the linter refuses any other name.

What a customer quotes is not always what they typed into the redemption
page: chat apps add a line break, and a key copied from the delivery page
keeps its label ("卡密：XXXX"). Redemption pages trim the outer spaces, so
neither is a paste-format error, and neither makes the key a stranger to
the order. A 卡号+密码 key ("卡号:… 密码:…", or "…----…") is redeemed
with its two halves in two fields, so a paste of the password half alone
is this order's key too.

>>> normalise_key(" ７ＫＱ９Ｍ－２ＰＬ４Ｒ ")
'7KQ9M2PL4R'
>>> paste_differences("７ＫＱ９Ｍ－２ＰＬ４Ｒ", "7KQ9M-2PL4R")
['full_width']
>>> strip_label("卡密：7KQ9M-2PL4R\\n")
'7KQ9M-2PL4R'
>>> card_parts("卡号:1234567890 密码:ABCDEF123456")
[(True, '1234567890'), (False, 'ABCDEF123456')]
>>> [same_region(a, b) for a, b in [("uk", "GB"), ("EU", "de"), ("GLOBAL", "JP"), ("US", "HK")]]
[True, True, True, False]
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
    "card_parts",
    "normalise_key",
    "paste_differences",
    "same_region",
    "strip_label",
]

_SEPARATORS = re.compile(r"[\s\-_‐-―−ー]+")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_LABEL = re.compile(
    r"(?i)(卡密码?|卡号|密码|兑换码|激活码|充值码|序列号|账号|帐号|礼品卡"
    r"|(?<![a-z0-9])(?:cd-?keys?|cdk|keys?|codes?|pins?|passwords?|pwd"
    r"|card\s*(?:no\.?|number|pin|code|key)?|serial\s*(?:no\.?|number)?|sn|account"
    r"|(?:redeem(?:ption)?|gift|activation)\s*code))"
    r"\s*[:：=＝]\s*"
)
"""A label a key is delivered with: 卡密：, CDK:, Key:, 卡号:, 密码: and so on."""
_NUMBER_LABEL = re.compile(
    r"(?i)^(?:卡号|序列号|账号|帐号|card\s*(?:no\.?|number)|serial\s*(?:no\.?|number)?|sn|account)$"
)
"""The labels of the card-number half of a 卡号+密码 key (the rest label the password)."""
_PART_BREAK = re.compile(r"\s+|-{2,}|[|,;/\\]+|[—–]+")
"""Between the halves of a 卡号+密码 key (``----`` is the shops' usual one); a
single dash is inside a key (XXXXX-XXXXX-XXXXX), never between halves."""
_MIN_PART = 6
"""A half shorter than this is a group of one key, not a card number or password."""


@dataclass(frozen=True)
class BuiltinResult:
    """``fails`` is True, False or None (facts missing); ``detail`` explains it
    for both readers ("中文 / English"), ``said`` in each language alone, so an
    English agent's finding is not half Chinese."""

    fails: bool | None
    detail: str = ""
    said: tuple[tuple[str, str], ...] = ()


def _said(fails: bool, zh: str, en: str) -> BuiltinResult:
    """A result explained in both languages: ``detail`` joins them, ``said`` keeps each."""
    return BuiltinResult(fails, f"{zh} / {en}", (("zh", zh), ("en", en)))


BuiltinCheck = Callable[[Mapping[str, Any], datetime], BuiltinResult]


def normalise_key(text: str) -> str:
    """Fold a key to compare it: full width to ASCII, no separators, upper case."""
    folded = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub("", folded).upper()


def _loose(text: str) -> str:
    return normalise_key(text).translate(_LOOKALIKES)


def strip_label(text: str) -> str:
    """``text`` without its labels (卡密：, Key:) and outer spaces and line breaks."""
    return _LABEL.sub(" ", text).strip()


def card_parts(code: str) -> list[tuple[bool, str]]:
    """The halves of a 卡号+密码 key as (is the card number, text); [] for a one-part key."""
    folded = unicodedata.normalize("NFKC", code)
    pieces = _LABEL.split(folded)
    if len(pieces) > 1:
        labelled = [(False, pieces[0].strip())] + [
            (bool(_NUMBER_LABEL.match(label.strip())), value.strip())
            for label, value in zip(pieces[1::2], pieces[2::2], strict=True)
        ]
        parts = [(number, text) for number, text in labelled if len(normalise_key(text)) >= 1]
        return parts if len(parts) >= 2 else []
    halves = [p for p in _PART_BREAK.split(folded.strip()) if len(normalise_key(p)) >= _MIN_PART]
    return [(True, halves[0]), (False, halves[1])] if len(halves) == 2 else []


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
    "full_width": ("全角字符", "full-width characters"),
    "whitespace": ("卡密中间的空格或换行", "spaces or line breaks inside the key"),
    "dashes": ("缺少或多余的短横线", "missing or extra dashes"),
    "case": ("大小写", "letter case"),
    "lookalikes": ("O/0、I/l/1 混淆", "O-0 and I-l-1 look-alikes"),
}


def _keys(order: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    delivery = order.get("delivery")
    if not isinstance(delivery, Mapping):
        return None
    keys = delivery.get("card_keys")
    return [k for k in keys if isinstance(k, Mapping)] if isinstance(keys, list) else None


def _text(order: Mapping[str, Any], section: str, name: str) -> str | None:
    part = order.get(section)
    value = part.get(name) if isinstance(part, Mapping) else None
    return value if isinstance(value, str) and value.strip() else None


def _pasted(order: Mapping[str, Any]) -> str | None:
    """The customer's paste, or None when it is missing or only a label."""
    pasted = _text(order, "customer", "pasted_code")
    return pasted if pasted is not None and strip_label(pasted) else None


def _passwords(keys: list[Mapping[str, Any]]) -> list[str]:
    """What a key of the order is redeemed with: each code, and the password
    half of a 卡号+密码 code."""
    codes = [str(k.get("code", "")) for k in keys]
    halves = [text for code in codes for number, text in card_parts(code) if not number]
    return [c for c in codes + halves if c]


def _numbers(keys: list[Mapping[str, Any]]) -> list[str]:
    """What is not the key: each serial, and the card-number half of a 卡号+密码 code."""
    serials = [str(k["serial"]) for k in keys if k.get("serial")]
    halves = [t for k in keys for number, t in card_parts(str(k.get("code", ""))) if number]
    return serials + halves


def _quote_artefacts(pasted: str, bare: str) -> BuiltinResult:
    """Why a paste that equals a key once ``bare`` still differed: its outer
    spaces and line breaks, its label, or nothing."""
    if pasted == bare:
        return _said(False, "粘贴内容与发出的卡密完全一致", "the paste matches exactly")
    if pasted.strip() == bare:
        return _said(
            False,
            "只差首尾空格或换行，兑换页会自动去掉",
            "only leading or trailing spaces or line breaks, which redemption pages trim",
        )
    return _said(False, "只多了“卡密：”之类的标签", "it only keeps a label such as 'Key:' in front")


def pasted_key_format_noise(order: Mapping[str, Any], now: datetime) -> BuiltinResult:
    """Fails when the pasted text equals a delivered key only after normalising.

    Outer spaces and line breaks and a label are not format noise: chat apps
    add the first, copying from the delivery page keeps the second, and
    redemption pages trim the outer spaces. Noise inside the key is."""
    pasted, keys = _pasted(order), _keys(order)
    if pasted is None or not keys:
        return BuiltinResult(None)
    bare = strip_label(pasted)
    targets = _passwords(keys)
    if bare in targets:
        return _quote_artefacts(pasted, bare)
    for target in targets:
        if _loose(bare) == _loose(target):
            kinds = paste_differences(bare, target) or ["whitespace"]
            zh = "、".join(_DIFFERENCE_WORDS[k][0] for k in kinds)
            return _said(True, zh, ", ".join(_DIFFERENCE_WORDS[k][1] for k in kinds))
    return _said(False, "规范化后也不一致", "no match even after normalising")


def pasted_serial_not_key(order: Mapping[str, Any], now: datetime) -> BuiltinResult:
    """Fails when the pasted text is a delivered key's serial or card number, not the key."""
    pasted, keys = _pasted(order), _keys(order)
    if pasted is None or not keys:
        return BuiltinResult(None)
    bare = _loose(strip_label(pasted))
    if any(bare == _loose(code) for code in _passwords(keys)):
        return _said(False, "客户粘贴的是卡密", "the paste is the key itself")
    numbers = _numbers(keys)
    if not numbers:
        return BuiltinResult(None)
    if any(bare == _loose(number) for number in numbers):
        return _said(True, "客户输入的是卡号/序列号", "the customer typed the serial")
    return _said(False, "粘贴内容不是序列号", "the paste is not a serial")


def pasted_key_unknown(order: Mapping[str, Any], now: datetime) -> BuiltinResult:
    """Fails when the pasted text matches no delivered key, password half or
    serial at all, even without its label."""
    pasted, keys = _pasted(order), _keys(order)
    if pasted is None or not keys:
        return BuiltinResult(None)
    bare = _loose(strip_label(pasted))
    whole = [_loose(strip_label(str(k.get("code", "")))) for k in keys]
    known = whole + [_loose(v) for v in _passwords(keys) + _numbers(keys)]
    if bare and bare in known:
        return _said(False, "粘贴内容属于本订单", "the paste is this order's key")
    return _said(True, "粘贴内容与本订单的卡密都不符", "the paste is not this order's key")


# --- regions -------------------------------------------------------------------

_GLOBAL = "GLOBAL"
_EU = "EU"
_EU_MEMBERS = frozenset((
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
))  # fmt: skip
"""The 27 member states (GB left in 2020): an EU key redeems on their accounts."""
_REGION_NAMES = {
    "UK": "GB", "GBR": "GB", "USA": "US", "CHN": "CN", "HKG": "HK", "JPN": "JP",
    "KOR": "KR", "TWN": "TW", "EL": "GR",
    "WW": _GLOBAL, "WORLD": _GLOBAL, "WORLDWIDE": _GLOBAL, "INTL": _GLOBAL,
    "INTERNATIONAL": _GLOBAL, "ALL": _GLOBAL, "ANY": _GLOBAL, "全球": _GLOBAL, "国际": _GLOBAL,
    "EUROPE": _EU, "欧洲": _EU, "欧区": _EU,
    "美区": "US", "美国": "US", "港区": "HK", "香港": "HK", "国区": "CN", "中国": "CN",
    "日区": "JP", "日本": "JP", "英区": "GB", "英国": "GB", "台区": "TW", "韩区": "KR",
}  # fmt: skip
"""Other spellings of a region: ISO 3166 has GB where shops write UK."""


def region_code(text: str) -> str:
    """A region as one code: upper case, GB for UK, GLOBAL for worldwide."""
    code = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    return _REGION_NAMES.get(code, code)


def same_region(key_region: str, account_region: str) -> bool:
    """Does a key for ``key_region`` redeem on an account in ``account_region``?"""
    key, account = region_code(key_region), region_code(account_region)
    if key == account or _GLOBAL in (key, account):
        return True
    return (key == _EU and account in _EU_MEMBERS) or (account == _EU and key in _EU_MEMBERS)


def key_region_differs(order: Mapping[str, Any], now: datetime) -> BuiltinResult:
    """Fails when a delivered key's region (its own, else the product's) is not
    the customer's account region."""
    account = _text(order, "customer", "account_region")
    product = _text(order, "product", "region")
    keys = _keys(order) or []
    own = [k["region"] if isinstance(k.get("region"), str) else "" for k in keys]
    regions = [r for r in ([r.strip() or product for r in own] or [product]) if r]
    if account is None or not regions:
        return BuiltinResult(None)
    differing = sorted({region_code(r) for r in regions if not same_region(r, account)})
    zh, en = ("卡密", "key") if any(r.strip() for r in own) else ("商品", "product")
    if differing:
        mine = region_code(account)
        return _said(
            True,
            f"{zh} {'、'.join(differing)} ≠ 账号 {mine}",
            f"{en} {', '.join(differing)} ≠ account {mine}",
        )
    every = sorted({region_code(r) for r in regions})
    return _said(False, f"{zh} {'、'.join(every)}", f"{en} {', '.join(every)}")


# --- lookup ----------------------------------------------------------------------


def _as_mysql_compares(text: str) -> str:
    """A contact as the shop's lookup compares it: trimmed (the shop trims the
    form's input) and case-insensitive (MySQL's default ``_ci`` collations)."""
    return text.strip().casefold()


def lookup_contact_mismatch(order: Mapping[str, Any], now: datetime) -> BuiltinResult:
    """Fails when the lookup contact is not the order's, compared as the shop compares."""
    typed = _text(order, "customer", "lookup_contact")
    given = _text(order, "customer", "contact")
    if typed is None or given is None:
        return BuiltinResult(None)
    if _as_mysql_compares(typed) == _as_mysql_compares(given):
        return _said(False, "忽略大小写与首尾空格后一致", "equal, ignoring case and outer spaces")
    if _SEPARATORS.sub("", typed).casefold() == _SEPARATORS.sub("", given).casefold():
        return _said(True, "中间多了或少了空格", "a space inside differs")
    return _said(True, "联系方式不同", "a different contact")


BUILTINS: Mapping[str, BuiltinCheck] = {
    "pasted_key_format_noise": pasted_key_format_noise,
    "pasted_serial_not_key": pasted_serial_not_key,
    "pasted_key_unknown": pasted_key_unknown,
    "key_region_differs": key_region_differs,
    "lookup_contact_mismatch": lookup_contact_mismatch,
}

BUILTIN_FIELDS: Mapping[str, tuple[str, ...]] = {
    "pasted_key_format_noise": ("customer.pasted_code", "delivery.card_keys"),
    "pasted_serial_not_key": (
        "customer.pasted_code",
        "delivery.card_keys",
        "delivery.card_keys[].serial",
    ),
    "pasted_key_unknown": ("customer.pasted_code", "delivery.card_keys"),
    "key_region_differs": ("customer.account_region", "product.region"),
    "lookup_contact_mismatch": ("customer.lookup_contact", "customer.contact"),
}
"""The order facts each built-in reads: named when a built-in comes out unknown."""
