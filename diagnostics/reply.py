"""The customer's reply, rendered from the graph's templates in the sandbox.

The seed articles' rule for a reply: empathise, confirm, act, and promise a
time with a backstop ("如超时未到账，我们直接全额退款"). The resolution's
template carries all four; this module picks the template, fills it with the
order's facts (``variables``), and adjusts the opening to the customer's
mood: an angry customer hears the apology first and the fix right after.
When the resolution still waits for a required check, or no symptom could be
named, the reply says what we are doing and by when, and promises nothing a
check could overturn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.snapshot import Snapshot

from .language import language_data
from .mood import Mood
from .resolution import Choice
from .templates import missing_marks, render
from .variables import order_variables

__all__ = [
    "VERIFY_MINUTES",
    "Reply",
    "clarifying_reply",
    "compose_reply",
    "render_text",
    "reply_variables",
]

VERIFY_MINUTES = 30
"""How long we ask for while a required check (redemption record, gateway) is done."""
CLARIFY_MINUTES = 10
"""How soon we promise to answer once a vague customer tells us more."""

_GREETING = re.compile(
    r"^(您好[，,！!]\s*|你好[，,！!]\s*|Hello[,!]?\s*(- )?|Hi[,!]?\s*)", re.IGNORECASE
)


@dataclass(frozen=True)
class Reply:
    """What to send the customer. ``kind``: resolution, verifying or clarify."""

    lang: str
    text: str
    kind: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "text": self.text,
            "kind": self.kind,
            "needs_edit": missing_marks(self.text),
        }


def render_text(template: str, variables: Mapping[str, Any], lang: str) -> str:
    """Render one template of the graph in ``lang`` (gaps labelled for the agent)."""
    return render(template, variables, lang)


def reply_variables(
    snapshot: Snapshot, choice: Choice | None, order: Mapping[str, Any], now: datetime, lang: str
) -> dict[str, Any]:
    """The order's variables plus the resolution's promise and compensation."""
    eta = VERIFY_MINUTES
    values: dict[str, Any] = {}
    if choice is not None and not choice.pending_checks:
        node = snapshot.node(choice.resolution)
        eta = int(node.get("promise_minutes") or VERIFY_MINUTES)
        compensation = node.get("compensation") or {}
        if compensation.get("text"):
            values["compensation"] = str(compensation["text"].get(lang, ""))
    return {**order_variables(order, now, lang, eta), **values}


def _with_mood(text: str, mood: Mood, lang: str) -> str:
    opener = str(language_data()["openers"].get(mood.level, {}).get(lang) or "")
    if not opener:
        return text
    return f"{opener}{'' if lang == 'zh' else ' '}{_GREETING.sub('', text, count=1)}"


def compose_reply(
    snapshot: Snapshot,
    choice: Choice | None,
    order: Mapping[str, Any],
    now: datetime,
    lang: str,
    mood: Mood,
) -> Reply:
    """The reply for the chosen resolution, or a verifying reply while it waits."""
    variables = reply_variables(snapshot, choice, order, now, lang)
    template: str | None = None
    kind = "verifying"
    if choice is not None and not choice.pending_checks:
        template = (snapshot.node(choice.resolution).get("reply") or {}).get(lang)
        kind = "resolution"
    if not template:
        template = str(language_data()["verifying"][lang])
        kind = "verifying"
    text = render(str(template), variables, lang)
    return Reply(lang, _with_mood(text, mood, lang), kind)


def clarifying_reply(
    snapshot: Snapshot, alternatives: Sequence[str], lang: str, mood: Mood
) -> Reply:
    """Ask the customer what is wrong, with the likeliest symptoms' questions."""
    questions = []
    for symptom in alternatives[:2]:
        clarify = snapshot.node(symptom).get("clarify") or {}
        if clarify.get(lang):
            questions.append(str(clarify[lang]))
    detail = " ".join(questions) or ("请问遇到了什么问题？" if lang == "zh" else "What went wrong?")
    text = render(
        str(language_data()["clarify"][lang]),
        {"detail": detail, "eta_minutes": CLARIFY_MINUTES},
        lang,
    )
    return Reply(lang, _with_mood(text, mood, lang), "clarify")
