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

import math
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
from .variables import OrderVariables, eta_variables, format_time, order_variables

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
    r"^(您好[，,！!]\s*(在的！)?|你好[，,！!]\s*|Hello[,!]?\s*(we are here!\s*|- )?|Hi[,!]?\s*)",
    re.IGNORECASE,
)
CONFIDENT = 0.9
"""From this probability on, a verifying reply already explains the cause."""


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
    snapshot: Snapshot,
    choice: Choice | None,
    order: Mapping[str, Any],
    now: datetime,
    lang: str,
    recovery: datetime | None = None,
    known: OrderVariables | None = None,
) -> OrderVariables:
    """The order's variables plus the resolution's promise and compensation.

    ``known``: the order's variables in ``lang`` when the caller has them already.

    ``recovery`` is the recorded ETA of the system behind the cause: the
    reply names it (``maintenance_until``) and never promises a follow-up
    before it, since a promise the platform cannot keep angers twice.
    """
    eta = VERIFY_MINUTES
    values: dict[str, Any] = {}
    if choice is not None and not choice.pending_checks:
        node = snapshot.node(choice.resolution)
        eta = int(node.get("promise_minutes") or VERIFY_MINUTES)
        compensation = node.get("compensation") or {}
        if compensation.get("text"):
            values["compensation"] = str(compensation["text"].get(lang, ""))
    if recovery is not None and recovery > now:
        values["maintenance_until"] = format_time(recovery, now, lang)
        eta = max(eta, math.ceil((recovery - now).total_seconds() / 60))
    base = order_variables(order, now, lang) if known is None else known
    return base.extended({**eta_variables(now, lang, eta), **values})


def _with_mood(text: str, mood: Mood, lang: str) -> str:
    opener = str(language_data()["openers"].get(mood.level, {}).get(lang) or "")
    if not opener:
        return text
    return f"{opener}{'' if lang == 'zh' else ' '}{_GREETING.sub('', text, count=1)}"


def compose_reply(
    snapshot: Snapshot,
    choice: Choice | None,
    cause: tuple[str, float] | None,
    variables: Mapping[str, Any],
    lang: str,
    mood: Mood,
) -> Reply:
    """The reply for the chosen resolution, or a verifying reply while it waits.

    ``cause`` is the leading cause and its probability: when the engine is
    sure of it, the verifying reply tells the customer what happened (the
    cause's explanation, written for customers) before saying what we check.
    ``variables`` come from :func:`reply_variables` in ``lang``.
    """
    template = None
    if choice is not None and not choice.pending_checks:
        template = (snapshot.node(choice.resolution).get("reply") or {}).get(lang)
    if template:
        text = render(str(template), variables, lang)
        return Reply(lang, _with_mood(text, mood, lang), "resolution")
    verifying = language_data()["verifying"]
    parts = [render(str(verifying["greeting"][lang]), variables, lang)]
    if cause is not None and cause[1] >= CONFIDENT:
        explanation = (snapshot.node(cause[0]).get("explanation") or {}).get(lang)
        if explanation:
            parts.append(render(str(explanation), variables, lang))
    parts.append(render(str(verifying["body"][lang]), variables, lang))
    text = ("" if lang == "zh" else " ").join(parts)
    return Reply(lang, _with_mood(text, mood, lang), "verifying")


def clarifying_reply(
    snapshot: Snapshot, alternatives: Sequence[tuple[str, float]], lang: str, mood: Mood
) -> Reply:
    """Ask the customer what is wrong, with the likeliest symptoms' questions."""
    questions = []
    tied = len(alternatives) >= 2 and alternatives[0][1] - alternatives[1][1] < 1e-6
    # A second question only for a real contender, not for a tie among the rest.
    close = [a for a in alternatives[1:2] if a[1] >= 0.75 * alternatives[0][1]]
    for symptom, _ in [] if tied else [*alternatives[:1], *close]:
        clarify = snapshot.node(symptom).get("clarify") or {}
        if clarify.get(lang):
            questions.append(str(clarify[lang]))
    detail = " ".join(questions) or str(language_data()["clarify_generic"][lang])
    text = render(
        str(language_data()["clarify"][lang]),
        {"detail": detail, "eta_minutes": CLARIFY_MINUTES},
        lang,
    )
    return Reply(lang, _with_mood(text, mood, lang), "clarify")
