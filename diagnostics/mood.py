"""How the customer feels, and how urgent the case is.

The seed articles' service teams triage by three things: is money taken with
nothing delivered, how upset is the customer, how long have they waited. The
symptom's service level is the baseline; an angry customer (insults, 投诉,
骗子, 避雷, a run of exclamation marks, shouting in capitals), a large
amount, or a wait past the normal time raise the level; the answer-by and
solve-by times shrink with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from .conditions import parse_time
from .language import normalise_text, word_list

__all__ = ["Mood", "Priority", "priority", "raised", "read_mood"]

_EXCLAIM_RUN = re.compile(r"[!！]{3,}")
_QUESTION_RUN = re.compile(r"[?？]{2,}|[!！]{2}")
_LATIN_LETTERS = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Mood:
    """``level`` is calm, anxious or angry; ``signals`` are what showed it."""

    level: str
    signals: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "signals": list(self.signals)}


@cache
def _ascii_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z]){re.escape(word)}(?![a-z])")


@cache
def _any_word(group: str) -> re.Pattern[str]:
    """Matches where any word of ``group`` occurs (as a substring): most
    messages hold none, and one search says so for the whole list."""
    return re.compile("|".join(re.escape(word) for word in word_list(group)))


def _words_found(group: str, text: str) -> list[str]:
    if not _any_word(group).search(text):
        return []
    found = []
    for word in word_list(group):
        if word.isascii():
            if word in text and _ascii_pattern(word).search(text):
                found.append(word)
        elif word in text:
            found.append(word)
    return found


def _shouting(message: str) -> bool:
    letters = _LATIN_LETTERS.findall(message)
    return len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) >= 0.7


def read_mood(message: str | None) -> Mood:
    """The customer's mood from their words; calm when there are none."""
    if not message:
        return Mood("calm", ())
    text = normalise_text(message)
    anger = _words_found("anger", text)
    if _EXCLAIM_RUN.search(message):
        anger.append("!!!")
    if _shouting(message):
        anger.append("CAPITALS")
    if anger:
        return Mood("angry", tuple(anger))
    anxiety = _words_found("anxiety", text)
    if _QUESTION_RUN.search(message):
        anxiety.append("??")
    if anxiety:
        return Mood("anxious", tuple(anxiety))
    return Mood("calm", ())


@dataclass(frozen=True)
class Priority:
    """P1 (drop everything) to P4, with the deadlines that follow from it."""

    level: str
    score: int
    answer_by: datetime
    solve_by: datetime
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "label": dict(_LABELS[self.level]),
            "score": self.score,
            "answer_by": self.answer_by.isoformat(),
            "solve_by": self.solve_by.isoformat(),
            "reasons": list(self.reasons),
        }


_LABELS = {
    "P1": {"zh": "紧急", "en": "urgent"},
    "P2": {"zh": "高", "en": "high"},
    "P3": {"zh": "普通", "en": "normal"},
    "P4": {"zh": "低", "en": "low"},
}
_SHRINK = {"P1": 0.5, "P2": 0.75, "P3": 1.0, "P4": 1.0}
DEFAULT_SERVICE_LEVEL = {"first_response_minutes": 15, "resolve_minutes": 120}
"""For a message too vague to name a symptom."""
LARGE_AMOUNT = 500.0
MEDIUM_AMOUNT = 100.0


def _waited_minutes(order: Mapping[str, Any], now: datetime) -> float | None:
    for path in (("delivery", "topup", "submitted_at"), ("paid_at",), ("payment", "paid_at")):
        value: Any = order
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, str):
            try:
                return (now - parse_time(value)).total_seconds() / 60.0
            except ValueError:
                return None
    return None


def _later(now: datetime, minutes: float) -> datetime:
    """``minutes`` after ``now`` in real time (added in UTC: a daylight-saving
    change in the shop's zone is counted), shown in ``now``'s zone."""
    return (now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(now.tzinfo)


def priority(
    service_level: Mapping[str, Any] | None,
    mood: Mood,
    order: Mapping[str, Any],
    now: datetime,
) -> Priority:
    """Score the case and turn the score into a level and deadlines."""
    level = service_level or DEFAULT_SERVICE_LEVEL
    first = int(level["first_response_minutes"])
    resolve = int(level["resolve_minutes"])
    points: list[tuple[int, str]] = []
    if first <= 5:
        points.append((2, f"symptom answered within {first} min"))
    elif first <= 10:
        points.append((1, f"symptom answered within {first} min"))
    if mood.level == "angry":
        points.append((2, "customer is angry"))
    elif mood.level == "anxious":
        points.append((1, "customer is anxious"))
    amount = (
        order.get("amount", {}).get("total") if isinstance(order.get("amount"), Mapping) else None
    )
    if isinstance(amount, int | float) and amount >= LARGE_AMOUNT:
        points.append((2, f"large amount ({amount:g})"))
    elif isinstance(amount, int | float) and amount >= MEDIUM_AMOUNT:
        points.append((1, f"amount {amount:g}"))
    waited = _waited_minutes(order, now)
    normal = (
        (order.get("product") or {}).get("normal_minutes")
        if isinstance(order.get("product"), Mapping)
        else None
    )
    limit = float(normal) if isinstance(normal, int | float) and normal > 0 else float(first)
    if waited is not None and waited > max(limit * 3, resolve):
        points.append((2, f"waited {waited:.0f} min"))
    elif waited is not None and waited > limit:
        points.append((1, f"waited {waited:.0f} min (normal {limit:g})"))
    score = sum(p for p, _ in points)
    reasons = [reason for _, reason in points]
    name = "P1" if score >= 5 else "P2" if score >= 3 else "P3" if score >= 1 else "P4"
    shrink = _SHRINK[name]
    return Priority(
        level=name,
        score=score,
        answer_by=_later(now, max(1.0, first * shrink)),
        solve_by=_later(now, max(5.0, resolve * shrink)),
        reasons=tuple(reasons),
    )


_ABOVE = {"P1": "P1", "P2": "P1", "P3": "P2", "P4": "P3"}


def raised(level: Priority, reason: str, now: datetime) -> Priority:
    """``level`` one step up (P1 stays P1) for ``reason``, its deadlines shrunk to match.

    A case whose earlier promise is overdue is raised: the customer has
    already waited past a time we named.
    """
    up = _ABOVE[level.level]
    factor = _SHRINK[up] / _SHRINK[level.level]
    answer = (level.answer_by - now) * factor
    solve = (level.solve_by - now) * factor
    return Priority(
        level=up,
        score=level.score,
        answer_by=_later(now, max(1.0, answer.total_seconds() / 60)),
        solve_by=_later(now, max(5.0, solve.total_seconds() / 60)),
        reasons=(*level.reasons, reason),
    )
