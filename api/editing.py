"""Editing (senior): change-sets against a revision, history, diffs, revert.

Every edit names the revision it was made against in ``If-Match`` (the
``ETag`` of any graph read). A stale revision gets 412 and nothing is
written; a change that breaks the schema or would make ``kgdiag lint`` fail
gets 422 with the findings (``graph.gate``). Each accepted edit is a new
revision in the audit log: who (the token's name), when, why, and every
node and edge before and after.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from graph.errors import ChangeSetInvalid, NotFound
from graph.gate import guarded_apply, guarded_revert
from graph.model import Change, diff, parse_changeset
from graph.store import RevisionInfo

from . import responses
from .common import author, store, tagged, v1
from .spec import Param, endpoint, revision_header

__all__: list[str] = []

_REVISION = {"type": "integer", "minimum": 0, "maximum": 2**53}


def _info(info: RevisionInfo) -> dict[str, Any]:
    return {
        "revision": info.revision,
        "author": info.author,
        "at": info.at,
        "message": info.message,
        "change_count": info.change_count,
        "reverted_to": info.reverted_to,
    }


def _change(change: Change) -> dict[str, Any]:
    key = change.key if isinstance(change.key, str) else list(change.key)
    return {
        "action": change.action,
        "kind": change.kind,
        "key": key,
        "before": change.before,
        "after": change.after,
    }


def _written(info: RevisionInfo) -> Response:
    response = tagged(jsonify(_info(info)), info.revision)
    response.status_code = 201
    return response


@endpoint(
    v1,
    "POST",
    "/v1/changesets",
    summary="Apply a change-set (validated, lint-gated, audited)",
    role="senior",
    ok=201,
    body="ChangeSet",
    if_match=True,
    errors=(422,),
    tag="edit",
    response=responses.ChangeSetWritten,
)
def post_changeset(body: dict[str, Any]) -> Response:
    """Create, update and delete nodes and edges in one atomic revision."""
    expected = revision_header()
    changes, problems = parse_changeset(body["operations"])
    if problems:
        raise ChangeSetInvalid(problems)
    info = guarded_apply(
        store(),
        changes,
        expected_revision=expected,
        author=author(),
        message=str(body.get("message") or ""),
    )
    return _written(info)


@endpoint(
    v1,
    "GET",
    "/v1/history",
    summary="The audit log, newest first",
    role="senior",
    tag="edit",
    query=(
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
        Param("before", _REVISION, "only revisions before this one"),
    ),
    response=responses.HistoryBody,
)
def get_history(query: dict[str, Any]) -> Response:
    """Who changed the graph, when and why."""
    revisions = store().history(limit=query["limit"], before=query.get("before"))
    current = store().revision()
    return tagged(
        jsonify({"graph_revision": current, "revisions": [_info(r) for r in revisions]}), current
    )


@endpoint(
    v1,
    "GET",
    "/v1/revisions/{revision}",
    summary="One revision with every change before and after",
    role="senior",
    tag="edit",
    response=responses.RevisionBody,
)
def get_revision(revision: str) -> Response:
    """The audited changes of one revision."""
    number = int(revision) if revision.isdigit() and len(revision) < 19 else -1
    found = store().history(limit=1, before=number + 1) if number > 0 else []
    if not found or found[0].revision != number:
        raise NotFound(f"no revision {revision!r}")
    changes = store().changes(number)
    return jsonify({**_info(found[0]), "changes": [_change(c) for c in changes]})


@endpoint(
    v1,
    "GET",
    "/v1/diff",
    summary="The difference between two revisions",
    role="senior",
    tag="edit",
    errors=(404,),
    query=(
        Param("from", _REVISION, "the older revision", True),
        Param("to", _REVISION, "the newer revision (default: current)"),
    ),
    response=responses.DiffBody,
)
def get_diff(query: dict[str, Any]) -> Response:
    """Every node and edge that differs, with its record in both revisions."""
    source = store()
    old_rev = int(query["from"])
    new_rev = int(query.get("to", source.revision()))
    old, new = source.content_at(old_rev), source.content_at(new_rev)
    entries = []
    for op in diff(old, new).operations:
        if op.kind == "node":
            before_node = old.nodes.get(str(op.key))
            after_node = new.nodes.get(str(op.key))
            before = before_node.as_record() if before_node else None
            after = after_node.as_record() if after_node else None
        else:
            key = op.key if isinstance(op.key, tuple) else ("", "")
            before_edge, after_edge = old.edges.get(key), new.edges.get(key)
            before = before_edge.as_record() if before_edge else None
            after = after_edge.as_record() if after_edge else None
        entries.append(
            _change(Change(op.action, op.kind, op.key, before, after)) | {"op": op.label()}
        )
    return jsonify({"from": old_rev, "to": new_rev, "changes": entries})


@endpoint(
    v1,
    "POST",
    "/v1/revert",
    summary="Revert to an earlier revision, as a new revision",
    role="senior",
    ok=201,
    body="Revert",
    if_match=True,
    errors=(404, 422),
    tag="edit",
    response=responses.ChangeSetWritten,
)
def post_revert(body: dict[str, Any]) -> Response:
    """The graph as it was at ``to_revision``; history keeps everything in between."""
    info = guarded_revert(
        store(),
        int(body["to_revision"]),
        expected_revision=revision_header(),
        author=author(),
        message=str(body.get("message") or ""),
    )
    return _written(info)
