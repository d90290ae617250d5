"""Recorded evidence that contradicts what an automatic check observed.

An agent's recorded result always wins over the same check's automatic one
(``evaluation``): they looked after the order facts were read, and those may
be stale. But a contradiction is never accepted silently. Two kinds:

- **same check**: the agent records a result on an automatic check whose own
  condition, over the order facts, observes the opposite. The record is used
  for the ranking; the reply states neither as fact.
- **same cause**: the agent records a result on a check while an automatic
  check that shows the same cause as fact (both in the cause's ``shown_by``)
  observed the opposite. Both are evidence for the ranking; the reply states
  neither as fact.

Either way the answer carries a warning in the agent's language, beside the
step, and the reply waits until the agent checks again or clears the record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graph.snapshot import Snapshot

from .evaluation import CheckOutcome

__all__ = ["Contradiction", "contradictions", "disputed_checks"]

Contradiction = dict[str, Any]
"""``{check, against, observed, recorded, wins, text}``; ``against`` is the
automatic check (the check itself for a same-check contradiction), ``wins``
is ``"recorded"`` (the agent's record decides) or ``"both"`` (both count)."""

_WORDS = {
    "zh": {"fail": "异常", "pass": "正常"},
    "en": {"fail": "anomaly found", "pass": "normal"},
}


def _same_check(title: str, recorded: str, observed: str, lang: str) -> str:
    if lang == "zh":
        return (
            f"「{title}」：您记为「{recorded}」，但自动检查根据订单数据得到「{observed}」。"
            "排序以您的记录为准（订单数据可能已过时）；核实前回复不把它当作事实。"
            "请再核对一次，或清除记录。"
        )
    return (
        f'{title}: you recorded "{recorded}", but the automatic check read "{observed}" '
        "from the order facts. The ranking uses your record (the order facts may be "
        "stale); the reply does not state it as fact until you check again or clear "
        "your record."
    )


def _same_cause(title: str, recorded: str, other: str, observed: str, cause: str, lang: str) -> str:
    if lang == "zh":
        return (
            f"「{title}」：您记为「{recorded}」，与自动检查「{other}」的结果「{observed}」相反"
            f"（两者检验同一原因「{cause}」）。两者都计入排序；核实前回复不把「{cause}」"
            "当作事实。请再核对一次，或清除记录。"
        )
    return (
        f'{title}: you recorded "{recorded}", the opposite of what the automatic check '
        f'"{other}" observed ("{observed}"); both test the cause "{cause}". Both count '
        f'in the ranking; the reply does not state "{cause}" as fact until you check '
        "again or clear your record."
    )


def contradictions(
    snapshot: Snapshot,
    outcomes: Mapping[str, CheckOutcome],
    evidence: Mapping[str, str],
    automatic: Mapping[str, CheckOutcome],
    finding: Callable[[str, CheckOutcome], str],
    lang: str,
) -> list[Contradiction]:
    """Every contradiction between ``evidence`` and an automatic observation.

    ``automatic`` holds what each automatic check in ``evidence`` observed on
    its own (run without the evidence); ``finding`` words a check's result.
    """
    lang = "en" if lang == "en" else "zh"
    words = _WORDS[lang]

    def said(check: str, outcome: CheckOutcome) -> str:
        return finding(check, outcome) or words[outcome.result]

    found: list[Contradiction] = []
    for check, recorded in sorted(evidence.items()):
        mine = outcomes.get(check) or CheckOutcome(check, recorded, "agent")
        title = snapshot.title(check, lang)
        own = automatic.get(check)
        if own is not None and own.observed and own.result != recorded:
            found.append(
                {
                    "check": check,
                    "against": check,
                    "observed": own.result,
                    "recorded": recorded,
                    "wins": "recorded",
                    "text": _same_check(title, said(check, mine), said(check, own), lang),
                }
            )
        causes = sorted(
            c for kind, c, _ in snapshot.edges_at(check, outgoing=False) if kind == "tested_by"
        )
        for cause in causes:
            shown_by = [str(c) for c in snapshot.node(cause).get("shown_by") or ()]
            if check not in shown_by:
                continue
            for other in shown_by:
                seen = outcomes.get(other)
                if other == check or seen is None or seen.source != "auto" or not seen.observed:
                    continue
                if seen.result == recorded:
                    continue
                found.append(
                    {
                        "check": check,
                        "against": other,
                        "observed": seen.result,
                        "recorded": recorded,
                        "wins": "both",
                        "text": _same_cause(
                            title,
                            said(check, mine),
                            snapshot.title(other, lang),
                            said(other, seen),
                            snapshot.title(cause, lang),
                            lang,
                        ),
                    }
                )
    return found


def disputed_checks(found: list[Contradiction]) -> frozenset[str]:
    """The checks a contradiction involves: no reply states them as fact."""
    return frozenset(c["check"] for c in found) | frozenset(c["against"] for c in found)
