"""Create a node: a form per node type, read from the schema, with its first links.

A node alone is never reachable (no symptom leads to it), so lint would
refuse every new node by itself; the form therefore takes the new node's
links in the same change-set (a check with the cause it tells apart, a cause
with its symptom, checks and resolutions). It goes through the same gate as
``POST /v1/changesets``: validated, refused when it adds lint findings (shown
at the fields and link groups they name), written in one audited revision
against the revision the form was loaded at. A refused form comes back as
typed, with one more link row when asked for one, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from appstate import store, token_author
from graph.errors import ChangeSetInvalid, StaleRevision
from graph.gate import guarded_apply
from graph.model import parse_changeset
from graph.snapshot import Snapshot
from graph.store import TokenInfo
from schema import graph_schema
from schema.validate import Finding

from .blueprint import page_role, pages
from .i18n import t
from .links import edge_label, node_choices
from .page_context import form_context
from .reasons import say
from .schema_form import SchemaField, edge_fields, form_values, node_fields, read_form

__all__: list[str] = []

MAX_ROWS = 12
"""Link rows of one type a form holds at most (a new node starts with few links)."""


@dataclass
class LinkGroup:
    """The new node's links of one type: outgoing (it is the source) or incoming."""

    edge_type: str
    outgoing: bool
    other_type: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.edge_type}-{'out' if self.outgoing else 'in'}"


def _groups(node_type: str) -> list[LinkGroup]:
    groups = []
    for name, spec in graph_schema()["edge_types"].items():
        if spec["source"] == node_type:
            groups.append(LinkGroup(name, True, spec["target"]))
        if spec["target"] == node_type:
            groups.append(LinkGroup(name, False, spec["source"]))
    return groups


def _row_count(group: LinkGroup) -> int:
    raw = request.form.get(f"rows.{group.key}", "1")
    count = int(raw) if raw.isdigit() and len(raw) < 3 else 1
    if request.form.get("more") == group.key:
        count += 1
    return max(1, min(count, MAX_ROWS))


def _fill_groups(groups: Sequence[LinkGroup], posted: bool) -> None:
    """Each group's rows: prefix, fields and what they show (the draft when posted)."""
    index = 0
    for group in groups:
        fields = edge_fields(group.edge_type)
        for _ in range(_row_count(group) if posted else 1):
            index += 1
            prefix = f"l{index}"
            values = form_values(fields, request.form, f"{prefix}.e") if posted else {}
            other = request.form.get(f"{prefix}.other", "") if posted else ""
            group.rows.append(
                {
                    "prefix": prefix,
                    "fields": fields,
                    "values": values,
                    "other": other,
                    "problems": {},
                }
            )


def _edge_ops(
    groups: Sequence[LinkGroup], node_id: str
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """The add_edge operations of the rows with another end picked, and the rows'
    own problems (a number out of range)."""
    ops, found = [], []
    for group in groups:
        for row in group.rows:
            if not row["other"]:
                continue
            source, target = (node_id, row["other"]) if group.outgoing else (row["other"], node_id)
            data, problems = read_form(row["fields"], request.form, f"{row['prefix']}.e")
            row["problems"] = problems
            row["where"] = f"{source} -> {target}"
            found += [Finding(row["where"], k, why) for k, whys in problems.items() for why in whys]
            ops.append(
                {"op": "add_edge", "type": group.edge_type, "source": source, "target": target}
                | {"data": data}
            )
    return ops, found


def _id_problems(snapshot: Snapshot, node_id: str, id_field: SchemaField) -> list[str]:
    if not node_id:
        return [t("why_required")]
    if id_field.pattern and not re.fullmatch(id_field.pattern.strip("^$"), node_id):
        return [t("bad_id").format(value=node_id[:64])]
    if snapshot.has_node(node_id):
        return [t("id_taken").format(value=node_id[:64])]
    return []


def _place(
    findings: Sequence[Finding],
    node_id: str,
    fields: Sequence[SchemaField],
    groups: Sequence[LinkGroup],
) -> tuple[dict[str, list[str]], list[str]]:
    """Each finding at the field, link row or link group it names; the rest general."""
    names = {f.name for f in fields}
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    rows = {row.get("where"): row for g in groups for row in g.rows if row.get("where")}
    by_type = {g.edge_type: g for g in groups}
    for finding in findings:
        name = finding.what.split("[")[0]
        why = say(finding.why)
        if finding.where == node_id and name in names:
            by_field.setdefault(name, []).append(why)
        elif finding.where == node_id and name in by_type:
            by_type[name].problems.append(why)
        elif finding.where in rows:
            rows[finding.where]["problems"].setdefault(name, []).append(why)
        else:
            general.append(f"{finding.where} · {finding.what}: {why}")
    return by_field, general


def _page(node_type: str, **values: Any) -> ResponseReturnValue:
    status = values.pop("status", 200)
    body = render_template("new_node.html", node_type=node_type, **values, **form_context())
    return body, status


@pages.route("/edit/new/<node_type>", methods=["GET", "POST"])
@page_role("senior")
def new_node(who: TokenInfo, node_type: str) -> ResponseReturnValue:
    """The form for a new node of ``node_type`` and its first links; create it (gated)."""
    if node_type not in graph_schema()["node_types"]:
        abort(404)
    snapshot = store().snapshot()
    fields = node_fields(node_type)
    groups = _groups(node_type)
    posted = request.method == "POST"
    _fill_groups(groups, posted)
    choices = {g.other_type: node_choices(snapshot, g.other_type) for g in groups}
    page: dict[str, Any] = {
        "fields": fields,
        "groups": groups,
        "choices": choices,
        "values": form_values(fields, request.form, "f") if posted else {},
        "problems": {},
        "general": [],
        "revision": request.form.get("revision", "") if posted else snapshot.revision,
        "message": request.form.get("message", ""),
        "edge_label": edge_label,
    }
    if not posted or request.form.get("action") != "create":
        return _page(node_type, **page)
    return _create(who, node_type, snapshot, page)


def _create(
    who: TokenInfo, node_type: str, snapshot: Snapshot, page: dict[str, Any]
) -> ResponseReturnValue:
    fields: list[SchemaField] = page["fields"]
    groups: list[LinkGroup] = page["groups"]
    data, problems = read_form(fields, request.form, "f")
    node_id = str(data.get("id", ""))
    id_field = next(f for f in fields if f.name == "id")
    if found := _id_problems(snapshot, node_id, id_field):
        problems["id"] = found
    ops, row_findings = _edge_ops(groups, node_id)
    if problems or row_findings:
        page["problems"] = problems
        return _page(node_type, **page, status=400)
    raw = [{"op": "add_node", "type": node_type, "node": data}, *ops]
    try:
        changes, malformed = parse_changeset(raw)
        if malformed:
            raise ChangeSetInvalid(malformed)
        revision = str(page["revision"])
        info = guarded_apply(
            store(),
            changes,
            expected_revision=int(revision) if revision.isdigit() and len(revision) < 16 else -1,
            author=token_author(who),
            message=request.form.get("message", "").strip()[:500],
        )
    except ChangeSetInvalid as err:
        page["problems"], page["general"] = _place(err.findings, node_id, fields, groups)
        return _page(node_type, **page, status=400)
    except StaleRevision as err:
        page["general"] = [str(err)]
        return _page(node_type, **page, status=409)
    flash(t("created").format(id=node_id, revision=info.revision), "ok")
    return redirect(url_for("pages.edit_node", node_id=node_id))
