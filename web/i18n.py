"""Page labels in Chinese (the default) and English; the customer's text is never here."""

from __future__ import annotations

from importlib import resources

import yaml
from flask import request, session

__all__ = ["LABELS", "page_lang", "t"]

LABELS: dict[str, dict[str, str]] = yaml.safe_load(
    resources.files(__package__).joinpath("labels.yaml").read_text(encoding="utf-8")
)
"""Every page label in both languages (``labels.yaml``; a test checks each has both)."""


def page_lang() -> str:
    """``?lang=`` switches and is remembered in the session; Chinese by default."""
    wanted = request.args.get("lang")
    if wanted in ("zh", "en"):
        session["lang"] = wanted
    lang = session.get("lang", "zh")
    return lang if lang in ("zh", "en") else "zh"


def t(key: str) -> str:
    """The label ``key`` in the page's language."""
    return LABELS[key][page_lang()]
