"""The senior editor: node texts, phrases, CEL and templates; links; history; revert.

Every save goes through the same gate as ``POST /v1/changesets``
(``graph.gate.guarded_apply``): validated, refused when it would add lint
findings (shown beside the fields they name), written in one audited
revision, and only against the revision the form was loaded at, so two
seniors can never overwrite each other unseen. "Preview" replays the draft
in memory (``graph.gate.draft``) and diagnoses an example order on it; nothing
is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from appstate import settings, store, token_author
from casework import knowledge_of
from diagnostics.browse import search
from diagnostics.engine import RequestInvalid, diagnose_body
from graph.errors import ChangeSetInvalid, NotFound, StaleRevision
from graph.gate import draft, guarded_apply, guarded_revert, snapshot_findings
from graph.model import ChangeSet, parse_changeset
from graph.snapshot import Snapshot, build_snapshot, thaw
from graph.store import TokenInfo
from schema import graph_schema
from schema.problems import MAX_INTEGER, too_deep
from schema.validate import Finding

from .blueprint import page_role, pages
from .diffs import content_changes, page_of, views
from .examples import example, examples
from .fields import (
    bad_numbers,
    editable_fields,
    field_label,
    form_to_data,
    with_values,
)
from .i18n import page_lang, t
from .links import EdgeDraft, add_forms, draft_of, edge_data_from_form, edge_rows
from .page_context import form_context
from .reasons import say as _say

__all__: list[str] = []

NODE_TYPES = ("Symptom", "Cause", "Check", "Resolution", "System", "Corpus")


def _node(snapshot: Snapshot, node_id: str) -> dict[str, Any]:
    if not snapshot.has_node(node_id):
        raise NotFound(t("no_node").format(id=node_id))
    data: dict[str, Any] = thaw(snapshot.node(node_id))
    return data


def _edges(snapshot: Snapshot, node_id: str) -> list[dict[str, Any]]:
    """Every edge touching the node, with its data as YAML for editing."""
    found = []
    for edge_type in graph_schema()["edge_types"]:
        ends = [(node_id, other, data) for other, data in snapshot.out_edges(node_id, edge_type)]
        ends += [(other, node_id, data) for other, data in snapshot.in_edges(node_id, edge_type)]
        for source, target, data in ends:
            other = target if source == node_id else source
            found.append(
                {
                    "type": edge_type,
                    "source": source,
                    "target": target,
                    "outgoing": source == node_id,
                    "other": other,
                    "other_title": snapshot.title(other, page_lang()),
                    "yaml": _yaml(thaw(data)) if data else "",
                }
            )
    return found


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100).strip()


def _node_findings(snapshot: Snapshot, node_id: str) -> list[Finding]:
    return [f for f in snapshot_findings(snapshot) if f.where == node_id]


def _field_problems(findings: Sequence[Finding], node_id: str) -> dict[str, list[str]]:
    """Findings by the form field they name (``phrases.zh[0]`` belongs to ``phrases``),
    in the page's language where it can be mapped."""
    by_field: dict[str, list[str]] = {}
    for finding in findings:
        if finding.where != node_id:
            continue
        key = finding.what.split("[")[0]
        by_field.setdefault(key, []).append(_say(finding.why))
    return by_field


def _update(snapshot: Snapshot, node_id: str, data: Mapping[str, Any]) -> ChangeSet:
    raw = [{"op": "update_node", "type": snapshot.node_type(node_id), "node": dict(data)}]
    changes, problems = parse_changeset(raw)
    if problems:
        raise ChangeSetInvalid(problems)
    return changes


def _revision() -> int:
    raw = request.form.get("revision", "")
    return int(raw) if raw.isdigit() and len(raw) < 16 else -1


def _preview(
    changes: ChangeSet, expected: int, example_id: str
) -> tuple[dict[str, Any] | None, list[Finding], str]:
    """Diagnose the example on the draft graph; nothing is written."""
    source = store()
    content, added = draft(source, changes, expected)
    case = example(example_id)
    if case is None:
        return None, added, t("pick_example")
    draft_snapshot = build_snapshot(expected, content)
    try:
        answer = diagnose_body(
            draft_snapshot, case["request"], "senior", knowledge_of(source, settings())
        )
    except RequestInvalid as err:
        return None, added, "; ".join(f"{p.path}: {p.message}" for p in err.problems)
    return answer.as_dict(), added, ""


@pages.get("/edit")
@page_role("senior")
def edit_index(who: TokenInfo) -> ResponseReturnValue:
    """Find a node to edit: search, or browse by type."""
    snapshot = store().snapshot()
    query = request.args.get("q", "").strip()[:200]
    lang = page_lang()
    hits = search(snapshot, query, limit=30) if query else []
    by_type = {
        node_type: sorted(
            ((n, snapshot.title(n, lang)) for n in snapshot.nodes_of_type(node_type)),
            key=lambda pair: pair[0],
        )
        for node_type in NODE_TYPES
    }
    return render_template("edit_index.html", query=query, hits=hits, by_type=by_type)


@pages.route("/edit/<node_id>", methods=["GET", "POST"])
@page_role("senior")
def edit_node(who: TokenInfo, node_id: str) -> ResponseReturnValue:
    """Edit one node's words; save (gated, audited) or preview the reply on the draft."""
    source = store()
    snapshot = source.snapshot()
    current = _node(snapshot, node_id)
    data, preview, preview_problem, stale = current, None, "", False
    findings: list[Finding] = []
    revision = snapshot.revision
    chosen = request.form.get("example", "")
    status = 200
    if request.method == "POST":
        revision = _revision()
        data = form_to_data(current, request.form)
        typed = bad_numbers(editable_fields(current), data)
        try:
            if typed:  # named at its field; the schema's English would name a type
                raise ChangeSetInvalid(
                    [
                        Finding(node_id, name, t("not_a_number").format(value=value[:40]))
                        for name, value in typed.items()
                    ]
                )
            changes = _update(snapshot, node_id, data)
            if request.form.get("action") == "preview":
                preview, findings, preview_problem = _preview(changes, revision, chosen)
            else:
                info = guarded_apply(
                    source,
                    changes,
                    expected_revision=revision,
                    author=token_author(who),
                    message=request.form.get("message", "").strip()[:500],
                )
                flash(t("saved").format(revision=info.revision), "ok")
                return redirect(url_for("pages.edit_node", node_id=node_id))
        except ChangeSetInvalid as err:
            findings, status = err.findings, 400
        except StaleRevision:
            stale, status = True, 409
    return _node_page(
        snapshot,
        node_id,
        data,
        current,
        revision=revision,
        findings=findings,
        status=status,
        chosen=chosen,
        preview=preview,
        preview_problem=preview_problem,
        stale=stale,
    )


def _node_page(
    snapshot: Snapshot,
    node_id: str,
    data: Mapping[str, Any],
    current: Mapping[str, Any],
    *,
    revision: int,
    findings: Sequence[Finding] = (),
    status: int = 200,
    edge_draft: EdgeDraft | None = None,
    edge_problems: Sequence[str] = (),
    **extra: Any,
) -> ResponseReturnValue:
    """The node's edit page showing ``data`` (the draft), so nothing typed is lost."""
    form = request.form if request.method == "POST" else {}
    body = render_template(
        "edit_node.html",
        node_id=node_id,
        node_type=snapshot.node_type(node_id),
        revision=revision,
        fields=with_values(editable_fields(current), data),
        other_fields={k: v for k, v in current.items() if k not in _editable_roots(current)},
        findings=findings,
        problems=_field_problems(findings, node_id),
        existing=_node_findings(snapshot, node_id),
        edges=edge_rows(snapshot, node_id, edge_draft),
        add_links=add_forms(snapshot, node_id, edge_draft),
        edge_draft=edge_draft,
        examples=examples(),
        message=form.get("message", "") if not edge_draft else "",
        say=_say,
        edge_problems=edge_problems,
        **form_context(),
        **{"chosen": "", "preview": None, "preview_problem": "", "stale": False, **extra},
    )
    return body, status


def _editable_roots(data: Mapping[str, Any]) -> set[str]:
    return {"id"} | {f.path[0] for f in editable_fields(data)}


@pages.post("/edit/<node_id>/edges")
@page_role("senior")
def edit_edges(who: TokenInfo, node_id: str) -> ResponseReturnValue:
    """Link, update or unlink one edge of the node (one audited revision).

    An unlink first shows a confirmation page (``confirm`` absent); a refused
    link or update re-renders the node page with what was typed, so a YAML
    slip never loses the draft.
    """
    source = store()
    snapshot = source.snapshot()
    current = _node(snapshot, node_id)
    form = request.form
    action = form.get("action", "")
    op: dict[str, Any] = {
        "op": {"link": "add_edge", "update": "update_edge", "unlink": "delete_edge"}.get(
            action, action
        ),
        "type": form.get("type", ""),
        "source": form.get("source") or node_id,
        "target": form.get("target", "").strip(),
    }
    if action == "unlink" and form.get("confirm") != "yes":
        return render_template(
            "unlink.html", node_id=node_id, op=op, revision=form.get("revision", "")
        )
    where = f"{op['source']} -> {op['target']}"
    try:
        if action == "link" and not op["target"]:
            raise ChangeSetInvalid([Finding(where, "target", t("pick_target"))])
        if action in ("link", "update"):
            op["data"] = (
                edge_data_from_form(op["type"], form, where)
                if form.get("form") == "1"
                else _edge_data(node_id, form.get("data") or "")
            )
        changes, problems = parse_changeset([op])
        if problems:
            raise ChangeSetInvalid(problems)
        info = guarded_apply(
            source,
            changes,
            expected_revision=_revision(),
            author=token_author(who),
            message=form.get("message", "").strip()[:500],
        )
        flash(t("saved").format(revision=info.revision), "ok")
    except ChangeSetInvalid as err:
        why = [str(f) for f in err.findings]
        if action in ("link", "update"):
            key = op["type"] if action == "link" else f"{op['source']}>{op['target']}"
            if form.get("form") != "1":  # the advanced YAML form: keep its text
                yaml_keys = ("data", "type", "target", "source", "action", "message")
                typed = {k: form.get(k, "") for k in yaml_keys}
                key, drafted = "yaml", EdgeDraft("yaml", typed, general=why)
            else:
                drafted = draft_of(key, op["type"], form, err.findings, _say)
            return _node_page(
                snapshot,
                node_id,
                current,
                current,
                revision=_revision(),
                status=400,
                edge_draft=drafted,
                edge_problems=why,
            )
        flash(t("refused") + ": " + "; ".join(why), "error")
    except StaleRevision as err:
        flash(str(err), "error")
    return redirect(url_for("pages.edit_node", node_id=node_id))


@pages.post("/edit/<node_id>/delete")
@page_role("senior")
def delete_node(who: TokenInfo, node_id: str) -> ResponseReturnValue:
    """Delete the node and its links, after a confirmation page that lists them.

    The links go in the same revision (a node cannot outlive its edges), and
    the lint gate refuses a delete that would leave, say, a cause without a
    resolution; the refusal names why.
    """
    source = store()
    snapshot = source.snapshot()
    _node(snapshot, node_id)
    edges = _edges(snapshot, node_id)
    if request.form.get("confirm") != "yes":
        return render_template(
            "delete_node.html",
            node_id=node_id,
            node_type=snapshot.node_type(node_id),
            title=snapshot.title(node_id, page_lang()),
            edges=edges,
            revision=snapshot.revision,
        )
    raw = [{"op": "delete_edge", "source": e["source"], "target": e["target"]} for e in edges]
    changes, _ = parse_changeset([*raw, {"op": "delete_node", "id": node_id}])
    try:
        info = guarded_apply(
            source,
            changes,
            expected_revision=_revision(),
            author=token_author(who),
            message=request.form.get("message", "").strip()[:500],
        )
    except ChangeSetInvalid as err:
        flash(t("refused") + ": " + "; ".join(str(f) for f in err.findings), "error")
        return redirect(url_for("pages.edit_node", node_id=node_id))
    except StaleRevision as err:
        flash(str(err), "error")
        return redirect(url_for("pages.edit_node", node_id=node_id))
    flash(t("saved").format(revision=info.revision), "ok")
    return redirect(url_for("pages.edit_index"))


def _edge_data(node_id: str, text: str) -> dict[str, Any]:
    """The edge's data from its YAML text, or ChangeSetInvalid naming ``data``."""
    try:
        data = yaml.safe_load(text or "{}") or {}
    except yaml.YAMLError as err:
        raise ChangeSetInvalid([Finding(node_id, "data", f"not valid YAML: {err}")]) from err
    except ValueError as err:  # an integer past Python's 4,300 digits
        raise ChangeSetInvalid([Finding(node_id, "data", str(err)[:120])]) from err
    except RecursionError:
        raise ChangeSetInvalid([Finding(node_id, "data", too_deep().message)]) from None
    if not isinstance(data, dict):
        raise ChangeSetInvalid([Finding(node_id, "data", "must be key: value lines")])
    return data


@pages.get("/history")
@page_role("senior")
def history(who: TokenInfo) -> ResponseReturnValue:
    """The audit log, newest first."""
    source = store()
    return render_template(
        "history.html", revisions=source.history(limit=100), current=source.revision()
    )


def _revision_info(source: Any, revision: int) -> Any:
    """The revision's RevisionInfo, or NotFound naming it."""
    if revision > MAX_INTEGER - 1:  # past SQLite's integers: no such revision
        raise NotFound(t("no_revision").format(revision=revision))
    found = source.history(limit=1, before=revision + 1)
    if not found or found[0].revision != revision:
        raise NotFound(t("no_revision").format(revision=revision))
    return found[0]


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 9 else 1


@pages.get("/history/<int:revision>")
@page_role("senior")
def revision_page(who: TokenInfo, revision: int) -> ResponseReturnValue:
    """One revision's changes, field by field, paginated, with a link to revert to it."""
    source = store()
    info = _revision_info(source, revision)
    shown, page, last = page_of(views(source.changes(revision)), _page_number())
    return render_template(
        "revision.html",
        info=info,
        changes=shown,
        page=page,
        last=last,
        current=source.revision(),
        field_label=field_label,
    )


def _revert_page(
    to_revision: int, reason: str = "", problem: str = "", status: int = 200
) -> ResponseReturnValue:
    """What reverting to ``to_revision`` would change, with the reason and confirm form."""
    source = store()
    info = _revision_info(source, to_revision)
    snapshot = source.snapshot()
    changes = content_changes(snapshot.content(), source.content_at(to_revision))
    shown, page, last = page_of(changes, _page_number())
    body = render_template(
        "revert.html",
        info=info,
        changes=shown,
        total=len(changes),
        page=page,
        last=last,
        current=snapshot.revision,
        reason=reason,
        problem=problem,
        field_label=field_label,
    )
    return body, status


@pages.get("/history/<int:revision>/revert")
@page_role("senior")
def revert_preview(who: TokenInfo, revision: int) -> ResponseReturnValue:
    """Step 1 of a revert: show what would change; nothing is written."""
    return _revert_page(revision)


@pages.post("/revert")
@page_role("senior")
def revert(who: TokenInfo) -> ResponseReturnValue:
    """Step 2: make the graph what it was at ``to_revision``, as a new audited revision.

    Only with a reason (the audit log says why the graph went back) and only
    against the revision the preview was computed at (``revision``), so the
    senior confirms exactly the changes they saw.
    """
    raw = request.form.get("to_revision", "")
    target = int(raw) if raw.isdigit() and len(raw) < 16 else -1
    reason = request.form.get("message", "").strip()[:500]
    if not reason:
        if target < 0:
            raise NotFound(t("no_revision").format(revision=raw[:20]))
        return _revert_page(target, problem=t("reason_required"), status=400)
    try:
        info = guarded_revert(
            store(),
            target,
            expected_revision=_revision(),
            author=token_author(who),
            message=reason,
        )
        flash(t("saved").format(revision=info.revision), "ok")
    except (ChangeSetInvalid, StaleRevision, NotFound) as err:
        flash(f"{t('refused')}: {err}", "error")
    return redirect(url_for("pages.history"))
