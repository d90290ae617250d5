"""Readable diffs for the history pages: per node or link, each changed field with
its value before and after.

A senior reviewing a revision (or deciding whether to revert to one) asks
"what did this change say before, and what does it say now?", not "which
YAML lines moved". So a record is flattened into dotted field paths
(``title.zh``, ``service_level.resolve_minutes``) and only the paths whose
values differ are shown, lists as one item per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.model import Change, GraphContent, diff

__all__ = [
    "PAGE_SIZE",
    "ChangeView",
    "FieldDiff",
    "content_changes",
    "field_diffs",
    "page_of",
    "view_of",
    "views",
]

PAGE_SIZE = 50
"""Changes per history page: revision 1 (the seed import) has hundreds."""


@dataclass(frozen=True)
class FieldDiff:
    """One field of one record: its value before and after ("" when absent)."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeView:
    """One node or link a revision touched, with its changed fields."""

    action: str  # "add" | "update" | "delete"
    kind: str  # "node" | "edge"
    key: str
    record_type: str
    fields: tuple[FieldDiff, ...]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping) and value:
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        out[prefix] = "\n".join(value)
    else:
        out[prefix] = _text(value)


def _fields(record: Mapping[str, Any] | None) -> dict[str, str]:
    """A node or edge record as dotted paths; its ``data`` fields at the top."""
    if record is None:
        return {}
    out: dict[str, str] = {}
    _flatten(record.get("data") or {}, "", out)
    if "type" in record:
        out["type"] = str(record["type"])
    return out


def field_diffs(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[FieldDiff, ...]:
    """The fields whose values differ between two records, in the record's order.

    >>> old = {"type": "Cause", "data": {"id": "x", "title": {"zh": "旧", "en": "old"}}}
    >>> new = {"type": "Cause", "data": {"id": "x", "title": {"zh": "新", "en": "old"}}}
    >>> [(d.field, d.before, d.after) for d in field_diffs(old, new)]
    [('title.zh', '旧', '新')]
    """
    old, new = _fields(before), _fields(after)
    order = list(old) + [k for k in new if k not in old]
    return tuple(
        FieldDiff(name, old.get(name, ""), new.get(name, ""))
        for name in order
        if old.get(name) != new.get(name)
    )


def _key(key: str | tuple[str, str]) -> str:
    return key if isinstance(key, str) else f"{key[0]} → {key[1]}"


def _record_type(*records: Mapping[str, Any] | None) -> str:
    return next((str(r["type"]) for r in records if r and "type" in r), "")


def view_of(change: Change) -> ChangeView:
    """An audited change as a readable view."""
    return ChangeView(
        change.action,
        change.kind,
        _key(change.key),
        _record_type(change.after, change.before),
        field_diffs(change.before, change.after),
    )


def content_changes(current: GraphContent, target: GraphContent) -> list[ChangeView]:
    """What turning ``current`` into ``target`` would change (the revert preview)."""
    views = []
    for op in diff(current, target).operations:
        if op.kind == "node":
            old_node = current.nodes.get(str(op.key))
            before = old_node.as_record() if old_node else None
            after = op.node.as_record() if op.node else None
        else:
            old_edge = current.edges.get(op.key) if isinstance(op.key, tuple) else None
            before = old_edge.as_record() if old_edge else None
            after = op.edge.as_record() if op.edge else None
        views.append(
            ChangeView(
                op.action,
                op.kind,
                _key(op.key),
                _record_type(after, before),
                field_diffs(before, after),
            )
        )
    return views


def page_of(items: Sequence[Any], page: int) -> tuple[list[Any], int, int]:
    """(the items on ``page``, that page clamped to 1..last, the last page)."""
    last = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), last)
    start = (page - 1) * PAGE_SIZE
    return list(items[start : start + PAGE_SIZE]), page, last


def views(changes: Iterable[Change]) -> list[ChangeView]:
    """Every audited change of a revision as a view."""
    return [view_of(change) for change in changes]
