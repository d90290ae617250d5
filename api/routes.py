"""The JSON API under /v1 (read-only browsing for now) and /healthz."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from diagnostics.engine import diagnose_body
from graph.snapshot import Snapshot, thaw
from graph.store import GraphStore

from .auth import requires
from .errors import ApiError

__all__ = ["health", "v1"]

health = Blueprint("health", __name__)
v1 = Blueprint("v1", __name__, url_prefix="/v1")


def _store() -> GraphStore:
    store: GraphStore = current_app.extensions["kgdiag_store"]
    return store


def _snapshot() -> Snapshot:
    return _store().snapshot()


@health.get("/healthz")
def healthz() -> Response:
    """Ready when the store answers; the revision tells which graph is served."""
    return jsonify({"status": "ok", "graph_revision": _store().revision()})


@v1.get("/symptoms")
@requires("agent")
def list_symptoms() -> Response:
    snap = _snapshot()
    items = []
    for node_id in snap.nodes_of_type("Symptom"):
        data = snap.node(node_id)
        items.append(
            {
                "id": node_id,
                "title": thaw(data["title"]),
                "category": data.get("category"),
                "service_level": thaw(data.get("service_level", {})),
                "causes": sum(1 for _ in snap.out_edges(node_id, "caused_by")),
            }
        )
    return jsonify({"graph_revision": snap.revision, "symptoms": items})


def _edge_list(snap: Snapshot, node_id: str, outgoing: bool) -> list[dict[str, Any]]:
    graph_edges = (
        snap.graph.out_edges(node_id, data=True)
        if outgoing
        else snap.graph.in_edges(node_id, data=True)
    )
    items = []
    for source, target, attrs in graph_edges:
        other = target if outgoing else source
        items.append(
            {
                "type": attrs["type"],
                "id": other,
                "node_type": snap.node_type(other),
                "title": thaw(snap.node(other).get("title")),
                **thaw(attrs["data"]),
            }
        )
    return sorted(items, key=lambda item: (item["type"], item["id"]))


@v1.get("/graph/nodes/<node_id>")
@requires("agent")
def get_node(node_id: str) -> Response:
    snap = _snapshot()
    if not snap.has_node(node_id):
        raise ApiError(404, "not_found", f"no node {node_id!r}")
    return jsonify(
        {
            "graph_revision": snap.revision,
            "type": snap.node_type(node_id),
            "node": thaw(snap.node(node_id)),
            "out": _edge_list(snap, node_id, outgoing=True),
            "in": _edge_list(snap, node_id, outgoing=False),
        }
    )


@v1.post("/diagnose")
@requires("agent")
def post_diagnose() -> Response:
    """The contract's diagnose endpoint (../shared/contract/diagnose.md)."""
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(
            400,
            "invalid_json",
            "the body must be a JSON object (Content-Type: application/json)",
            [{"field": "(body)", "message": "not JSON"}],
        )
    answer = diagnose_body(_snapshot(), body, role=g.kgdiag_token.role)
    return jsonify(answer.as_dict())
