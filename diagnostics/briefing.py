"""The agent's briefing: what it is, what to do in what order, and what the reply rests on.

Written for the agent in the agent's language, beside the customer's reply:
the leading cause, the checks still to do (required ones flagged), the
resolution's steps with what blocks them, and why the reply is final or a
holding one, so an agent knows what they send.
"""

from __future__ import annotations

from typing import Any

from graph.snapshot import Snapshot

__all__ = ["agent_note", "symptom_because"]


def _reply_line(
    snapshot: Snapshot, reply: dict[str, Any], resolution: dict[str, Any] | None, lang: str
) -> str:
    """Why the reply is final or a holding one, so the agent knows what it rests on."""
    zh = lang == "zh"
    if reply["kind"] == "resolution":
        basis = "、".join(snapshot.title(c, lang) for c in reply["shown_by"])
        if not basis:
            return (
                "回复：可直接发送（不陈述任何检查结论）"
                if zh
                else "Reply: ready to send (states no finding)"
            )
        return (
            f"回复：可直接发送，依据：{basis}" if zh else f"Reply: ready to send, shown by: {basis}"
        )
    if resolution is not None and resolution["pending_checks"]:
        why = "先完成必做检查" if zh else "a required check is still open"
    elif resolution is not None and not resolution["allowed"]:
        why = (
            "处理方案需要更高权限，回复只说明已转交"
            if zh
            else "the fix needs a senior; the reply says so"
        )
    else:
        why = "原因还没有被检查证实" if zh else "no check has shown the cause yet"
    return f"回复：核实中（{why}）" if zh else f"Reply: holding ({why})"


def agent_note(
    snapshot: Snapshot,
    causes: list[dict[str, Any]],
    checks: list[dict[str, Any]],
    resolution: dict[str, Any] | None,
    lang: str,
    reply: dict[str, Any] | None = None,
) -> dict[str, str]:
    """A short briefing for the agent: what it is, what to do, in what order."""
    zh = lang == "zh"
    lines = []
    if causes:
        top = causes[0]
        lead = "最可能的原因" if zh else "Most likely cause"
        lines.append(f"{lead}: {top['title']} ({top['probability']:.0%})")
    todo = [c for c in checks if "step" in c]
    if todo:
        lines.append("待办检查:" if zh else "Checks to do:")
        for check in todo:
            minutes = check.get("cost_minutes", 0)
            flag = (
                (" [处理前必做]" if zh else " [required first]")
                if check["required_by_resolution"]
                else ""
            )
            lines.append(f"  {check['step']}. {check['title']} (~{minutes:g} min){flag}")
    if resolution:
        lines.append(("处理方案: " if zh else "Resolution: ") + str(resolution["title"]))
        lines += [f"  - {b}" for b in resolution["blocked_by"]]
        if resolution["irreversible"]:
            lines.append(
                "  ! 不可撤销操作，执行前再次核对"
                if zh
                else "  ! Irreversible: double-check before acting"
            )
        lines += [f"  {i}. {step}" for i, step in enumerate(resolution["steps"], 1)]
    if reply is not None:
        lines.append(_reply_line(snapshot, reply, resolution, lang))
    return {"lang": lang, "text": "\n".join(lines)}


def symptom_because(
    snapshot: Snapshot,
    leader: str | None,
    confidence: float,
    cues: tuple[str, ...],
    fits: tuple[tuple[str, bool], ...],
    lang: str,
) -> list[str]:
    """What moved the symptom: the words that pushed most, and the order's fit."""
    zh = lang == "zh"
    lines = []
    if leader is not None and cues:
        said = ("".join(f"“{c}”" for c in cues)) if zh else ", ".join(f'"{c}"' for c in cues)
        name = snapshot.title(leader, lang)
        lines.append(
            f"客户的话 {said} 最像「{name}」（{confidence:.0%}）"
            if zh
            else f"The words {said} point most to {name} ({confidence:.0%})"
        )
    for symptom, fit in fits:
        name = snapshot.title(symptom, lang)
        if zh:
            lines.append(
                f"订单情况{'符合' if fit else '不符合'}「{name}」，{'提高' if fit else '降低'}了它"
            )
        else:
            verb = "fits" if fit else "does not fit"
            lines.append(f"The order {verb} {name}: {'raised' if fit else 'lowered'}")
    return lines
