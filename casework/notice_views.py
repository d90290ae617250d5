"""Notices as the API and the page show them: newest first, times in the shop's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from graph.records import Notice
from graph.store import GraphStore

__all__ = ["notice_list", "notice_view"]


def _local(text: str | None, zone: ZoneInfo) -> str | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(zone).isoformat()


def notice_view(notice: Notice, zone: ZoneInfo) -> dict[str, Any]:
    """One notice for an agent (no supplier: agents read the cause, not who failed)."""
    return {
        "id": notice.id,
        "at": _local(notice.at, zone),
        "order_no": notice.order_no,
        "symptom": notice.symptom,
        "cause": notice.cause,
        "channel": notice.channel,
        "lang": notice.lang,
        "text": notice.text,
        "case_id": notice.case_ref,
        "sent": notice.sent_at is not None,
        "sent_at": _local(notice.sent_at, zone),
        "attempts": notice.attempts,
        "next_attempt_at": _local(notice.next_attempt_at, zone),
        "last_error": notice.last_error,
    }


def notice_list(
    store: GraphStore, *, limit: int, before: int | None, zone: ZoneInfo
) -> dict[str, Any]:
    """A page of notices, newest first, and the ``before`` of the next page (None: no more)."""
    found = store.records.notice_page(limit=limit + 1, before=before)
    page = found[:limit]
    more = len(found) > limit
    return {
        "notices": [notice_view(n, zone) for n in page],
        "next_before": page[-1].id if more and page else None,
    }
