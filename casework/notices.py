"""A proactive notice for an order past its normal time (预判式沟通, seed article 004).

The customer hears before they ask: what we are doing, by when (a clock
time in the shop's zone) and what happens if we miss it, from the watched
symptom's ``notice`` template in the graph (editable like every text). The
notice states as fact only what the order itself shows (paid, not yet
delivered, longer than usual); the rest is "we are checking". When the system
behind the likely cause has a recorded status of degraded or down, the
template's ``outage`` branch offers the choice the article describes: wait
(with the time), a backup channel, or a refund.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from diagnostics.knowledge import Knowledge
from diagnostics.reply import reply_variables
from diagnostics.templates import missing_marks, render_checked
from graph.snapshot import Snapshot

__all__ = ["CHINESE_REGIONS", "NoticeText", "compose_notice", "notice_lang", "outage_of"]

_log = logging.getLogger(__name__)

CHINESE_REGIONS = frozenset({"CN", "HK", "MO", "TW", "SG"})
"""Account regions whose customers read the shop's Chinese."""
OUTAGE = frozenset({"degraded", "down"})


@dataclass(frozen=True)
class NoticeText:
    lang: str
    text: str
    outage: bool


def notice_lang(order: Mapping[str, Any]) -> str:
    """The customer's likely language: zh, unless the order says otherwise.

    An order says so only through the customer's account region (a game or
    platform account outside the Chinese-reading regions); a shop's order
    rows hold no language of their own.
    """
    region = (order.get("customer") or {}).get("account_region")
    if isinstance(region, str) and region.strip() and region.upper() not in CHINESE_REGIONS:
        return "en"
    return "zh"


def outage_of(
    snapshot: Snapshot, cause: str | None, knowledge: Knowledge
) -> tuple[bool, datetime | None]:
    """Is a system behind ``cause`` recorded degraded or down, and its recovery ETA if any."""
    if not cause or not snapshot.has_node(cause):
        return False, None
    outage, recovery = False, None
    for system, _ in snapshot.out_edges(cause, "depends_on"):
        if knowledge.systems.get(system) in OUTAGE:
            outage = True
            eta = knowledge.etas.get(system)
            if eta is not None and (recovery is None or eta > recovery):
                recovery = eta
    return outage, recovery


def compose_notice(
    snapshot: Snapshot,
    symptom: str,
    order: Mapping[str, Any],
    now: datetime,
    lang: str,
    *,
    outage: bool,
    recovery: datetime | None,
) -> NoticeText | None:
    """The notice for ``order`` in ``lang`` from ``symptom``'s template; None (logged)
    when the symptom has none, it fails to render, or it would leave a gap."""
    node = snapshot.node(symptom) if snapshot.has_node(symptom) else {}
    template = (node.get("notice") or {}).get(lang)
    if not template:
        _log.warning("symptom %s has no %s notice template: no notice sent", symptom, lang)
        return None
    base = reply_variables(snapshot, None, order, now, lang, recovery=recovery, final=False)
    extra: dict[str, Any] = {"outage": outage}
    for field in ("checking", "backstop"):
        texts = node.get(field) or {}
        if texts.get(lang):
            extra[field] = str(texts[lang])
    text = render_checked(str(template), base.extended(extra), lang)
    if text is None:
        return None  # render_checked logged why
    if missing_marks(text):
        # A gap (a fact the template prints but the order lacks) is never sent unread.
        _log.warning("notice for %s left a gap (a fact the order lacks): not sent", symptom)
        return None
    return NoticeText(lang, text, outage)
