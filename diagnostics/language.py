"""The customer's language: which one, normalised text, and the word lists.

Everything the engine reads in a message besides the graph's symptom
phrases lives in ``language.yaml`` (anger and anxiety words,
display names, reply openers), so a senior can tune wording without code.

>>> message_language("My Apple gift card says it cannot be redeemed")
'en'
>>> message_language("卡密复制进去一直提示无效，怎么回事")
'zh'
>>> display_region("HK", "zh")
'中国香港'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "CJK",
    "display_platform",
    "display_region",
    "language_data",
    "message_language",
    "normalise_text",
    "word_list",
]

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")


@lru_cache(maxsize=1024)
def normalise_text(text: str) -> str:
    """NFKC (full width to half), lower case, runs of spaces collapsed.

    Cached: a diagnosis normalises the customer's message three times (mood,
    language, symptom), and the graph's phrases on every index build."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


@cache
def language_data() -> Mapping[str, Any]:
    """``language.yaml``, parsed once per process."""
    text = resources.files(__package__).joinpath("language.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def word_list(group: str) -> tuple[str, ...]:
    """The normalised words of ``group`` (anger, anxiety), longest first."""
    langs: Mapping[str, list[Any]] = language_data()[group]
    words = {normalise_text(str(w)) for ws in langs.values() for w in ws}
    return tuple(sorted((w for w in words if w), key=lambda w: (-len(w), w)))


def message_language(message: str) -> str:
    """ "zh" when Chinese characters outnumber English words, else "en"."""
    text = normalise_text(message)
    cjk = len(CJK.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    if cjk == 0 and latin == 0:
        return "zh"
    return "zh" if cjk >= latin else "en"


def _display(group: str, code: str, lang: str) -> str:
    names: Mapping[str, Mapping[str, str]] = language_data()[group]
    entry = names.get(code) or names.get(code.upper()) or names.get(code.lower())
    return str(entry[lang]) if entry else code


def display_region(code: str, lang: str) -> str:
    """A region code as a reader of ``lang`` knows it (HK → 中国香港)."""
    return _display("regions", code, lang)


def display_platform(code: str, lang: str) -> str:
    """A platform code as a reader of ``lang`` knows it (psn → PlayStation)."""
    return _display("platforms", code, lang)
