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

import difflib
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
from .examples import example, examples
from .fields import editable_fields, form_to_data
from .i18n import page_lang, t

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


def _link_types(snapshot: Snapshot, node_id: str) -> list[dict[str, Any]]:
    """The edge types that may start at this node, with the ids they may point to."""
    node_type = snapshot.node_type(node_id)
    kinds = []
    for name, spec in graph_schema()["edge_types"].items():
        if spec["source"] == node_type:
            targets = sorted(snapshot.nodes_of_type(spec["target"]))
            kinds.append({"type": name, "target_type": spec["target"], "targets": targets})
    return kinds


def _node_findings(snapshot: Snapshot, node_id: str) -> list[Finding]:
    return [f for f in snapshot_findings(snapshot) if f.where == node_id]


def _field_problems(findings: Sequence[Finding], node_id: str) -> dict[str, list[str]]:
    """Findings by the form field they name (``phrases.zh[0]`` belongs to ``phrases``)."""
    by_field: dict[str, list[str]] = {}
    for finding in findings:
        if finding.where != node_id:
            continue
        key = finding.what.split("[")[0]
        by_field.setdefault(key, []).append(finding.why)
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
    if request.method == "POST":
        revision = _revision()
        data = form_to_data(current, request.form)
        try:
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
            findings = err.findings
        except StaleRevision:
            stale = True
    return render_template(
        "edit_node.html",
        node_id=node_id,
        node_type=snapshot.node_type(node_id),
        revision=revision,
        fields=editable_fields(data),
        other_fields={k: v for k, v in data.items() if k not in _editable_roots(data)},
        findings=findings,
        problems=_field_problems(findings, node_id),
        existing=_node_findings(snapshot, node_id),
        edges=_edges(snapshot, node_id),
        link_types=_link_types(snapshot, node_id),
        examples=examples(),
        chosen=chosen,
        preview=preview,
        preview_problem=preview_problem,
        stale=stale,
        message=request.form.get("message", ""),
    )


def _editable_roots(data: Mapping[str, Any]) -> set[str]:
    return {"id"} | {f.path[0] for f in editable_fields(data)}


@pages.post("/edit/<node_id>/edges")
@page_role("senior")
def edit_edges(who: TokenInfo, node_id: str) -> ResponseReturnValue:
    """Link, update or unlink one edge of the node (one audited revision)."""
    source = store()
    snapshot = source.snapshot()
    _node(snapshot, node_id)
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
    try:
        if action in ("link", "update"):
            try:
                data = yaml.safe_load(form.get("data") or "{}") or {}
            except yaml.YAMLError as err:
                raise ChangeSetInvalid(
                    [Finding(node_id, "data", f"not valid YAML: {err}")]
                ) from err
            except ValueError as err:  # an integer past Python's 4,300 digits
                raise ChangeSetInvalid([Finding(node_id, "data", str(err)[:120])]) from err
            except RecursionError:
                raise ChangeSetInvalid([Finding(node_id, "data", too_deep().message)]) from None
            if not isinstance(data, dict):
                raise ChangeSetInvalid([Finding(node_id, "data", "must be key: value lines")])
            op["data"] = data
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
        flash(t("refused") + ": " + "; ".join(str(f) for f in err.findings), "error")
    except StaleRevision as err:
        flash(str(err), "error")
    return redirect(url_for("pages.edit_node", node_id=node_id))


@pages.get("/history")
@page_role("senior")
def history(who: TokenInfo) -> ResponseReturnValue:
    """The audit log, newest first."""
    source = store()
    return render_template(
        "history.html", revisions=source.history(limit=100), current=source.revision()
    )


def _key(key: str | tuple[str, str]) -> str:
    return key if isinstance(key, str) else " → ".join(key)


def _diff_lines(before: Any, after: Any) -> list[str]:
    old = _yaml(before).splitlines() if before is not None else []
    new = _yaml(after).splitlines() if after is not None else []
    return list(difflib.unified_diff(old, new, "before", "after", lineterm="", n=2))[2:]


@pages.get("/history/<int:revision>")
@page_role("senior")
def revision_page(who: TokenInfo, revision: int) -> ResponseReturnValue:
    """One revision's changes as diffs, with a button to go back to it."""
    source = store()
    if revision > MAX_INTEGER - 1:  # past SQLite's integers: no such revision
        raise NotFound(t("no_revision").format(revision=revision))
    found = source.history(limit=1, before=revision + 1)
    if not found or found[0].revision != revision:
        raise NotFound(t("no_revision").format(revision=revision))
    changes = [
        {
            "label": f"{c.action} {c.kind} {_key(c.key)}",
            "lines": _diff_lines(c.before, c.after),
        }
        for c in source.changes(revision)
    ]
    return render_template(
        "revision.html", info=found[0], changes=changes, current=source.revision()
    )


@pages.post("/revert")
@page_role("senior")
def revert(who: TokenInfo) -> ResponseReturnValue:
    """Make the graph what it was at ``to_revision``, as a new audited revision."""
    raw = request.form.get("to_revision", "")
    target = int(raw) if raw.isdigit() and len(raw) < 16 else -1
    try:
        info = guarded_revert(
            store(),
            target,
            expected_revision=_revision(),
            author=token_author(who),
            message=request.form.get("message", "").strip()[:500]
            or t("reverted_to").format(revision=target),
        )
        flash(t("saved").format(revision=info.revision), "ok")
    except (ChangeSetInvalid, StaleRevision, NotFound) as err:
        flash(f"{t('refused')}: {err}", "error")
    return redirect(url_for("pages.history"))
