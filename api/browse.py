"""Browsing (agent): symptoms, a node and its neighbours, search, a symptom's paths."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from diagnostics.browse import paths, search
from diagnostics.engine import UnknownSymptom
from diagnostics.matching import near_ids
from graph.snapshot import Snapshot, thaw

from . import responses
from .common import health, settings, store, tagged, v1
from .errors import ApiError
from .spec import Param, endpoint

__all__: list[str] = []

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 100}


@endpoint(
    health,
    "GET",
    "/healthz",
    summary="Ready check (no token)",
    role=None,
    tag="meta",
    response=responses.Health,
)
def healthz() -> Response:
    """Ready when the store answers; the revision tells which graph is served."""
    return jsonify({"status": "ok", "graph_revision": store().revision()})


@endpoint(
    v1,
    "GET",
    "/v1/symptoms",
    summary="List the symptoms",
    role="agent",
    tag="browse",
    response=responses.SymptomList,
)
def list_symptoms() -> Response:
    """Every symptom with its category, service level and number of causes."""
    snap = store().snapshot()
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
    return tagged(jsonify({"graph_revision": snap.revision, "symptoms": items}), snap.revision)


def _edge_list(snap: Snapshot, node_id: str, outgoing: bool) -> list[dict[str, Any]]:
    items = []
    for edge_type, other, data in snap.edges_at(node_id, outgoing=outgoing):
        items.append(
            {
                "type": edge_type,
                "id": other,
                "node_type": snap.node_type(other),
                "title": thaw(snap.node(other).get("title")),
                **thaw(data),
            }
        )
    return sorted(items, key=lambda item: (item["type"], item["id"]))


@endpoint(
    v1,
    "GET",
    "/v1/graph/nodes/{node_id}",
    summary="A node and its neighbours",
    role="agent",
    tag="browse",
    response=responses.NodeBody,
)
def get_node(node_id: str) -> Response:
    """The node's fields, its outgoing and incoming edges with the other end's title."""
    snap = store().snapshot()
    if not snap.has_node(node_id):
        near = near_ids(node_id, [node for node, _ in snap.nodes()])
        raise ApiError(
            404, "not_found", f"no node {node_id!r}", [{"field": "node_id", "near": near}]
        )
    body = {
        "graph_revision": snap.revision,
        "type": snap.node_type(node_id),
        "node": thaw(snap.node(node_id)),
        "out": _edge_list(snap, node_id, outgoing=True),
        "in": _edge_list(snap, node_id, outgoing=False),
    }
    return tagged(jsonify(body), snap.revision)


@endpoint(
    v1,
    "GET",
    "/v1/search",
    summary="Search titles and phrases (zh and en)",
    role="agent",
    tag="browse",
    response=responses.SearchBody,
    query=(
        Param("q", {"type": "string", "minLength": 1, "maxLength": 200}, "the words", True),
        Param(
            "type",
            {"enum": ["Symptom", "Cause", "Check", "Resolution", "System", "Corpus"]},
            "only nodes of this type",
        ),
        Param("lang", {"enum": ["zh", "en"]}, "only texts in this language"),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
    ),
)
def get_search(query: dict[str, Any]) -> Response:
    """Nodes matching the words, best first; typos are forgiven (fuzzy matching)."""
    snap = store().snapshot()
    hits = search(
        snap, query["q"], node_type=query.get("type"), lang=query.get("lang"), limit=query["limit"]
    )
    return tagged(jsonify({"graph_revision": snap.revision, "results": hits}), snap.revision)


@endpoint(
    v1,
    "GET",
    "/v1/paths",
    summary="A symptom's tree: causes, checks, resolutions",
    role="agent",
    tag="browse",
    errors=(404,),
    query=(Param("symptom", _ID, "a Symptom id", True),),
    response=responses.PathsBody,
)
def get_paths(query: dict[str, Any]) -> Response:
    """What new staff train on: priors (authored and learned), check costs and how-tos,
    resolution steps and the customer wording."""
    snap = store().snapshot()
    symptom = query["symptom"]
    if not snap.has_node(symptom) or snap.node_type(symptom) != "Symptom":
        raise UnknownSymptom(symptom, near_ids(symptom, list(snap.nodes_of_type("Symptom"))))
    counts = store().records.outcome_counts().by_symptom.get(symptom)
    tree = paths(snap, symptom, counts, settings().prior_weight)
    return tagged(jsonify(tree), snap.revision)
