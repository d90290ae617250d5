"""The customer's reply, rendered from the graph's templates in the sandbox.

The seed articles' rule for a reply: empathise, confirm, act, and promise a
time with a backstop ("如超时未到账，我们直接全额退款"). The resolution's
template carries all four; this module decides whether it may be sent, fills
it with the order's facts (``variables``), and adjusts the opening to the
customer's mood: an angry customer hears one apology first and the fix
right after, never two.

**A reply states as fact only what a check observed.** The resolution's
reply goes out (kind ``resolution``) only when

- the caller may carry it out (role) and every check it requires is done, and
- it rests on nothing (``rests_on: nothing``: a how-to that states no
  finding), or the leading cause is *shown*: one of its ``shown_by`` checks
  failed, observed (an automatic check with its facts present, or the
  agent's recorded evidence), and the cause leads with at least
  :data:`SHOWN_MIN`.

Otherwise the reply is ``verifying``: what we are checking, by when (a clock
time in the shop's zone) and what happens if we miss it (the symptom's
backstop). It tells the cause's explanation only when the cause is shown, and
when only the role stands in the way it says a senior takes over, by when.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.snapshot import Snapshot
from schema import graph_schema
from schema.validate import count_words

from .evaluation import CheckOutcome
from .language import language_data
from .mood import Mood
from .resolution import Choice
from .templates import missing_marks, render, render_checked
from .variables import OrderVariables, eta_variables, format_time, order_variables

__all__ = [
    "SHOWN_MIN",
    "VERIFY_MINUTES",
    "Reply",
    "apologises",
    "clarifying_reply",
    "compose_reply",
    "is_final",
    "render_text",
    "reply_variables",
    "shown_checks",
]

VERIFY_MINUTES = 30
"""How long we ask for while a required check (redemption record, gateway) is done."""
CLARIFY_MINUTES = 10
"""How soon we promise to answer once a vague customer tells us more."""

_GREETING = re.compile(
    r"^(您好[，,！!]\s*(在的！)?|你好[，,！!]\s*|Hello[,!]?\s*(we are here!\s*|- )?|Hi[,!]?\s*)",
    re.IGNORECASE,
)
SHOWN_MIN = 0.5
"""A shown cause is stated to the customer only while it leads with at least this."""


@dataclass(frozen=True)
class Reply:
    """What to send the customer.

    ``kind``: resolution, verifying or clarify. ``confidence``: how sure the
    engine is of what the reply rests on (the leading cause's probability, or
    the symptom's for a clarifying question). ``shown_by``: the observed
    checks that show the leading cause (empty: the reply states no cause).
    """

    lang: str
    text: str
    kind: str
    confidence: float = 0.0
    shown_by: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "text": self.text,
            "kind": self.kind,
            "confidence": self.confidence,
            "shown_by": list(self.shown_by),
            "needs_edit": missing_marks(self.text),
        }


def shown_checks(
    snapshot: Snapshot, cause: str, outcomes: Mapping[str, CheckOutcome]
) -> tuple[str, ...]:
    """The cause's ``shown_by`` checks that failed, observed: what shows it as fact."""
    shown = []
    for check in snapshot.node(cause).get("shown_by") or ():
        outcome = outcomes.get(str(check))
        if outcome is not None and outcome.observed and outcome.result == "fail":
            shown.append(str(check))
    return tuple(shown)


def is_final(snapshot: Snapshot, choice: Choice | None, shown: bool) -> bool:
    """May the resolution's own reply be sent? Role and checks done, and its facts shown."""
    if choice is None or not choice.ready:
        return False
    node = snapshot.node(choice.resolution)
    return node.get("rests_on", "cause") == "nothing" or shown


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
    final: bool = True,
) -> OrderVariables:
    """The order's variables plus the promise, compensation and backstop.

    ``known``: the order's variables in ``lang`` when the caller has them already.
    ``final``: the resolution's own reply is sent, so its authored promise
    (``promise_minutes``) and compensation apply; a verifying reply promises
    an answer in :data:`VERIFY_MINUTES` and no compensation.

    ``recovery`` is the recorded ETA of the system behind the cause: the
    reply names it (``maintenance_until``) and never promises a follow-up
    before it, since a promise the platform cannot keep angers twice. With no
    recorded ETA, ``maintenance_until`` is absent and no recovery time is named.
    """
    eta = VERIFY_MINUTES
    values: dict[str, Any] = {}
    if final and choice is not None:
        node = snapshot.node(choice.resolution)
        eta = int(node.get("promise_minutes") or VERIFY_MINUTES)
        compensation = node.get("compensation") or {}
        if compensation.get("text"):
            values["compensation"] = str(compensation["text"].get(lang, ""))
    if recovery is not None and recovery > now:
        values["maintenance_until"] = format_time(recovery, now, lang, labelled=True)
        if final:  # a holding reply answers on its own time, not the system's
            eta = max(eta, math.ceil((recovery - now).total_seconds() / 60))
    base = order_variables(order, now, lang) if known is None else known
    return base.extended({**eta_variables(now, lang, eta), **values})


def apologises(text: str) -> int:
    """How many apologies ``text`` makes (the language file's apology words)."""
    return count_words(text, graph_schema()["reply_rules"]["apologies"])


_SENTENCE = re.compile(r"^\s*.*?(?:[。！？]|[.!?](?:\s+|$))", re.DOTALL)


def _with_mood(text: str, mood: Mood, lang: str) -> str:
    """The mood's opener with ``text``; an angry customer hears one apology, first.

    Without an apology of its own the reply gets the opener's ("first"). With
    one in its first sentence, that sentence leads and the opener's apology-free
    variant ("again") follows it; with one further on, "again" leads.
    """
    openers = language_data()["openers"].get(mood.level, {})
    if not isinstance(openers, dict) or not openers:
        return text
    body = _GREETING.sub("", text, count=1)
    body = body[:1].upper() + body[1:]  # "Hello, sorry ..." -> "Sorry ..."
    space = "" if lang == "zh" else " "
    if not apologises(body):
        return f"{(openers.get('first') or {}).get(lang, '')}{space}{body}"
    again = str((openers.get("again") or {}).get(lang) or "")
    first = _SENTENCE.match(body)
    if first and apologises(first.group(0)):
        head = first.group(0).rstrip()
        return f"{head}{space}{again}{space}{body[first.end() :]}"
    return f"{again}{space}{body}"


def _symptom_text(snapshot: Snapshot, symptom: str | None, field: str, lang: str) -> str:
    texts = snapshot.node(symptom).get(field) if symptom else None
    if isinstance(texts, Mapping) and texts.get(lang):
        return str(texts[lang])
    return str(language_data()["verifying"][field][lang])


def compose_reply(
    snapshot: Snapshot,
    choice: Choice | None,
    cause: tuple[str, float] | None,
    shown: Sequence[str],
    variables: Mapping[str, Any],
    lang: str,
    mood: Mood,
    symptom: str | None = None,
) -> Reply:
    """The reply for the chosen resolution, or a verifying reply (module docstring).

    ``cause`` is the leading cause and its probability; ``shown`` the checks
    that show it (:func:`shown_checks`). ``variables`` come from
    :func:`reply_variables` in ``lang`` (with ``final`` as :func:`is_final` says).
    """
    confidence = cause[1] if cause else 0.0
    established = bool(shown) and confidence >= SHOWN_MIN
    evidence = tuple(shown) if established else ()
    if is_final(snapshot, choice, established) and choice is not None:
        template = (snapshot.node(choice.resolution).get("reply") or {}).get(lang)
        # A reply template over budget (or failing) renders as None: the customer
        # gets the verifying reply below instead, and the log says why.
        text = render_checked(str(template), variables, lang) if template else None
        if text is not None:
            return Reply(lang, _with_mood(text, mood, lang), "resolution", confidence, evidence)
    verifying = language_data()["verifying"]
    extra = {
        "checking": _symptom_text(snapshot, symptom, "checking", lang),
        "backstop": _symptom_text(snapshot, symptom, "backstop", lang),
    }
    values = {**dict(variables.items()), **extra}
    parts = [render(str(verifying["greeting"][lang]), values, lang)]
    if established and cause is not None:
        explanation = (snapshot.node(cause[0]).get("explanation") or {}).get(lang)
        shown_text = render_checked(str(explanation), values, lang) if explanation else None
        if shown_text is not None:
            parts.append(shown_text)
    handover = established and choice is not None and not choice.role_ok
    no_order = variables.get("order_no") is None
    body = verifying["handover" if handover else "no_order" if no_order else "body"][lang]
    parts.append(render(str(body), values, lang))
    text = ("" if lang == "zh" else " ").join(parts)
    return Reply(lang, _with_mood(text, mood, lang), "verifying", confidence, evidence)


def clarifying_reply(
    snapshot: Snapshot,
    alternatives: Sequence[tuple[str, float]],
    lang: str,
    mood: Mood,
    order_no: str | None = None,
    guided: bool = True,
) -> Reply:
    """Ask the customer what is wrong, with the likeliest symptoms' questions.

    ``guided``: the words or the order point somewhere; otherwise the generic
    question, rather than one about a symptom nothing points to. A second
    question only for a real contender (at least half the leader's weight).
    """
    questions = []
    tied = len(alternatives) >= 2 and alternatives[0][1] - alternatives[1][1] < 1e-6
    close = [a for a in alternatives[1:2] if a[1] >= 0.5 * alternatives[0][1]]
    for symptom, _ in [] if tied or not guided else [*alternatives[:1], *close]:
        clarify = snapshot.node(symptom).get("clarify") or {}
        if clarify.get(lang):
            questions.append(str(clarify[lang]))
    detail = " ".join(questions) or str(language_data()["clarify_generic"][lang])
    text = render(
        str(language_data()["clarify"][lang]),
        {"detail": detail, "eta_minutes": CLARIFY_MINUTES, "order_no": order_no},
        lang,
    )
    confidence = alternatives[0][1] if alternatives else 0.0
    return Reply(lang, _with_mood(text, mood, lang), "clarify", confidence)
