"""What a reply promises, and when an angry customer brings a senior in.

Every reply the engine drafts names a time: the resolution's authored
``promise_minutes`` (stretched to a recorded recovery ETA), the verifying
reply's :data:`~diagnostics.reply.VERIFY_MINUTES`, a clarifying question's
:data:`~diagnostics.reply.CLARIFY_MINUTES`. The answer says so as data, so
that ``casework`` can hold the team to it (the promise ledger) without ever
reading the reply's text back:

- ``kind``: resolution, verifying or clarify (the reply's kind);
- ``what``: what was promised, in the agent's language;
- ``due_at``: by when, RFC 3339 in the shop's zone (the same minutes the
  reply's ``eta_time`` printed);
- ``backstop``: what the reply said happens if we miss it, in the reply's
  language (the resolution's authored ``backstop``, else the symptom's), and
  ``backstop_resolution``: the resolution that backstop means (a refund)
  when there is one.

A clarifying question promises an answer *after the customer writes back*,
so its clock has not started: the answer carries it, the ledger does not.

**Escalation.** An angry customer on a P1 or P2 case brings a supervisor in
(the seed articles' 冲突化解): the answer names who, why, the words to calm
(the symptom's ``calming``, else the language file's, logged) and the
goodwill a supervisor may grant (the symptom's ``goodwill``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.snapshot import Snapshot

from .language import language_data
from .mood import Mood, Priority
from .reply import CLARIFY_MINUTES, VERIFY_MINUTES
from .resolution import Choice
from .templates import render

__all__ = ["ESCALATING_LEVELS", "Promise", "escalation", "reply_promise"]

_log = logging.getLogger(__name__)

ESCALATING_LEVELS = ("P1", "P2")
"""An angry customer on a case of these levels brings a supervisor in."""

_CLARIFY_WHAT = {
    "zh": "客户补充说明后的答复",
    "en": "an answer once the customer tells us more",
}
_VERIFY_WHAT = {"zh": "明确答复：核实{checking}", "en": "a clear answer after checking {checking}"}


@dataclass(frozen=True)
class Promise:
    """One reply's promise; ``minutes`` after the diagnosis's ``now``."""

    kind: str
    what: str
    due_at: datetime
    minutes: int
    backstop: str | None
    backstop_resolution: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "what": self.what,
            "due_at": self.due_at.isoformat(),
            "minutes": self.minutes,
            "backstop": self.backstop,
            "backstop_resolution": self.backstop_resolution,
        }


def _due(now: datetime, minutes: int) -> datetime:
    """``minutes`` after ``now`` in real time, shown in ``now``'s zone (the shop's)."""
    return (now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(now.tzinfo)


def _text(texts: Any, lang: str) -> str | None:
    if isinstance(texts, Mapping) and texts.get(lang):
        return str(texts[lang])
    return None


def _symptom_backstop(
    snapshot: Snapshot, symptom: str | None, lang: str, generic: bool
) -> tuple[str, str | None]:
    """The backstop a verifying reply named (``compose_reply``'s choice of texts)."""
    node = snapshot.node(symptom) if symptom and not generic else {}
    own = _text(node.get("backstop"), lang)
    if own is None:
        return str(language_data()["verifying"]["backstop"][lang]), None
    named = node.get("backstop_resolution")
    return own, str(named) if named else None


def reply_promise(
    snapshot: Snapshot,
    reply_kind: str,
    choice: Choice | None,
    symptom: str | None,
    variables: Mapping[str, Any],
    now: datetime,
    reply_lang: str,
    agent_lang: str,
) -> Promise | None:
    """The promise of the reply the engine drafted (``reply_kind``), from its data.

    ``variables`` are the reply's (``reply_variables``): their ``eta_minutes``
    is the time the reply printed. Resolution replies carry their
    resolution's ``backstop`` when authored, else the symptom's.
    """
    if reply_kind == "clarify":
        what = _CLARIFY_WHAT[agent_lang if agent_lang in _CLARIFY_WHAT else "en"]
        return Promise("clarify", what, _due(now, CLARIFY_MINUTES), CLARIFY_MINUTES, None, None)
    minutes = int(variables.get("eta_minutes") or VERIFY_MINUTES)
    no_order = variables.get("order_no") is None
    if reply_kind == "resolution" and choice is not None:
        node = snapshot.node(choice.resolution)
        what = snapshot.title(choice.resolution, agent_lang)
        authored = node.get("backstop")
        template = (
            _text(authored.get("text"), reply_lang) if isinstance(authored, Mapping) else None
        )
        if template is not None and isinstance(authored, Mapping):
            backstop = render(template, variables, reply_lang)
            named: str | None = str(authored.get("resolution") or "") or None
        else:
            backstop, named = _symptom_backstop(snapshot, symptom, reply_lang, False)
        return Promise("resolution", what, _due(now, minutes), minutes, backstop, named)
    checking_node = snapshot.node(symptom) if symptom else {}
    checking = _text(checking_node.get("checking"), agent_lang) or str(
        language_data()["verifying"]["checking"][agent_lang]
    )
    what = _VERIFY_WHAT[agent_lang].format(checking=checking)
    backstop, named = _symptom_backstop(snapshot, symptom, reply_lang, no_order)
    return Promise("verifying", what, _due(now, minutes), minutes, backstop, named)


def _reason(mood: Mood, level: str, lang: str) -> str:
    signals = ", ".join(mood.signals[:3])
    if lang == "zh":
        return f"客户情绪激动（{signals}），优先级 {level}：请主管介入"
    return f"the customer is angry ({signals}) on a {level} case: bring a supervisor in"


def escalation(
    snapshot: Snapshot,
    symptom: str | None,
    mood: Mood,
    level: Priority,
    variables: Mapping[str, Any],
    reply_lang: str,
    agent_lang: str,
) -> dict[str, Any] | None:
    """Who to bring in, why, the words to calm and the goodwill; None unless angry on P1/P2.

    The calming words render with the reply's variables (its ``eta_time``),
    so the supervisor names the same time the reply promised.
    """
    if mood.level != "angry" or level.level not in ESCALATING_LEVELS:
        return None
    node = snapshot.node(symptom) if symptom else {}
    template = _text(node.get("calming"), reply_lang)
    if template is None:
        _log.warning(
            "no calming words for symptom %s in %s: the language file's are used",
            symptom,
            reply_lang,
        )
        template = str(language_data()["calming"][reply_lang])
    goodwill = node.get("goodwill")
    offered = None
    if isinstance(goodwill, Mapping) and goodwill.get("kind") not in (None, "none"):
        offered = {
            "kind": str(goodwill["kind"]),
            "value": goodwill.get("value"),
            "text": render(
                str(_text(goodwill.get("text"), reply_lang) or ""), variables, reply_lang
            ),
        }
    return {
        "escalate_to": "supervisor",
        "reason": _reason(mood, level.level, agent_lang),
        "calming": {"lang": reply_lang, "text": render(template, variables, reply_lang)},
        "goodwill": offered,
    }
