"""A node's links as forms: one row per link, one "add a link" form per link type.

The rows and forms are built from the edge types' schemas (``schema_form``):
a prior or a chance is a number with its range checked at the field, a
meaning is two bilingual texts, a rank a whole number, a condition CEL. The
other end of a new link is picked from a list of the nodes of the right type,
by their titles in the page's language. A refused row keeps what was typed
(``EdgeDraft``), so no draft is lost; the YAML ``data`` path stays for
scripts that post it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.errors import ChangeSetInvalid
from graph.snapshot import Snapshot, thaw
from schema import graph_schema
from schema.validate import Finding

from .i18n import LABELS, page_lang, t
from .schema_form import edge_fields, form_values, read_form, stored_values

__all__ = [
    "EdgeDraft",
    "add_forms",
    "draft_of",
    "edge_data_from_form",
    "edge_label",
    "edge_rows",
    "node_choices",
]

PREFIX = "e"
"""Input names of a link's fields start with ``e.`` (``e.prior``, ``e.meaning.pass.zh``)."""


@dataclass
class EdgeDraft:
    """What a refused link form held: its key (``source>target``, or the link type
    for a new link), the typed values and the problems by field."""

    key: str
    values: dict[str, Any]
    problems: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    message: str = ""


def node_choices(snapshot: Snapshot, node_type: str) -> list[tuple[str, str]]:
    """(id, title in the page's language) of every node of the type, by title."""
    lang = page_lang()
    pairs = [(n, snapshot.title(n, lang)) for n in snapshot.nodes_of_type(node_type)]
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def edge_label(edge_type: str) -> str:
    """The link type in the page's language ("由…导致"), or its name."""
    return t(f"edge_{edge_type}") if f"edge_{edge_type}" in LABELS else edge_type


def edge_rows(
    snapshot: Snapshot, node_id: str, draft: EdgeDraft | None = None
) -> list[dict[str, Any]]:
    """Every link touching the node, with its fields and what they show."""
    rows = []
    lang = page_lang()
    for edge_type in graph_schema()["edge_types"]:
        fields = edge_fields(edge_type)
        ends = [(node_id, other, d) for other, d in snapshot.out_edges(node_id, edge_type)]
        ends += [(other, node_id, d) for other, d in snapshot.in_edges(node_id, edge_type)]
        for source, target, data in ends:
            key = f"{source}>{target}"
            drafted = draft is not None and draft.key == key
            other = target if source == node_id else source
            rows.append(
                {
                    "type": edge_type,
                    "label": edge_label(edge_type),
                    "source": source,
                    "target": target,
                    "key": key,
                    "outgoing": source == node_id,
                    "other": other,
                    "other_title": snapshot.title(other, lang),
                    "fields": fields,
                    "values": draft.values
                    if drafted and draft
                    else stored_values(fields, thaw(data) if data else {}, PREFIX),
                    "problems": draft.problems if drafted and draft else {},
                    "general": draft.general if drafted and draft else [],
                    "message": draft.message if drafted and draft else "",
                }
            )
    return rows


def add_forms(
    snapshot: Snapshot, node_id: str, draft: EdgeDraft | None = None
) -> list[dict[str, Any]]:
    """One "add a link" form per link type that may start at this node."""
    node_type = snapshot.node_type(node_id)
    forms = []
    for edge_type, spec in graph_schema()["edge_types"].items():
        if spec["source"] != node_type:
            continue
        drafted = draft is not None and draft.key == edge_type
        forms.append(
            {
                "type": edge_type,
                "label": edge_label(edge_type),
                "target_type": spec["target"],
                "targets": node_choices(snapshot, spec["target"]),
                "fields": edge_fields(edge_type),
                "values": draft.values if drafted and draft else {},
                "problems": draft.problems if drafted and draft else {},
                "general": draft.general if drafted and draft else [],
                "message": draft.message if drafted and draft else "",
                "open": drafted,
            }
        )
    return forms


def edge_data_from_form(edge_type: str, form: Any, where: str) -> dict[str, Any]:
    """A link's data from its form fields, or ChangeSetInvalid naming the fields."""
    if edge_type not in graph_schema()["edge_types"]:
        raise ChangeSetInvalid([Finding(where, "type", t("pick_link_type"))])
    data, problems = read_form(edge_fields(edge_type), form, PREFIX)
    if problems:
        raise ChangeSetInvalid(
            [Finding(where, name, why) for name, whys in problems.items() for why in whys]
        )
    return data


def draft_of(
    key: str, edge_type: str, form: Any, findings: Sequence[Finding], say: Any
) -> EdgeDraft:
    """The refused form as typed, with each finding at the field it names."""
    fields = edge_fields(edge_type) if edge_type in graph_schema()["edge_types"] else []
    names = {f.name for f in fields} | {"target"}
    draft = EdgeDraft(key, form_values(fields, form, PREFIX), message=form.get("message", ""))
    draft.values["target"] = form.get("target", "")
    for finding in findings:
        name = finding.what.split("[")[0]
        if name in names:
            draft.problems.setdefault(name, []).append(say(finding.why))
        else:
            draft.general.append(f"{finding.where} · {finding.what}: {say(finding.why)}")
    return draft
