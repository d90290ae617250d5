"""System status: read by agents, set by an admin or a monitoring webhook."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify

from casework import status_view, system_statuses
from diagnostics.matching import near_ids
from diagnostics.systems import canonical_system
from graph.snapshot import Snapshot, thaw

from . import responses
from .common import author, settings, store, v1
from .errors import ApiError
from .spec import Param, endpoint

__all__: list[str] = []


def _system_id(snap: Snapshot, name: str) -> str:
    found = canonical_system(snap, name)
    if found is None:
        near = near_ids(name, list(snap.nodes_of_type("System")))
        raise ApiError(
            404, "not_found", f"no system {name!r}", [{"field": "system_id", "near": near}]
        )
    return found


@endpoint(
    v1,
    "GET",
    "/v1/systems",
    summary="Every system and its status",
    role="agent",
    tag="systems",
    response=responses.SystemList,
)
def list_systems() -> Response:
    """Default, recorded and effective status (what diagnoses use) of every system."""
    items = [
        {
            "id": system,
            "title": thaw(node.get("title")),
            "kind": node.get("kind"),
            "default_status": node.get("default_status"),
            "recorded": view,
            "effective_status": effective,
        }
        for system, node, view, effective in system_statuses(store(), settings(), datetime.now(UTC))
    ]
    return jsonify({"systems": items})


@endpoint(
    v1,
    "GET",
    "/v1/systems/{system_id}/status",
    summary="A system's status history",
    role="agent",
    tag="systems",
    query=(Param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),),
    response=responses.SystemStatusHistory,
)
def get_system_status(system_id: str, query: dict[str, Any]) -> Response:
    """The latest record first; ``fresh`` tells whether diagnoses still trust it."""
    system = _system_id(store().snapshot(), system_id)
    now = datetime.now(UTC)
    history = store().records.system_status_history(system, limit=query["limit"])
    return jsonify(
        {"system": system, "history": [status_view(r, now, settings()) for r in history]}
    )


@endpoint(
    v1,
    "PUT",
    "/v1/systems/{system_id}/status",
    summary="Record a system's status, with a note and an ETA",
    role="admin",
    also=("monitor",),
    body="SystemStatusUpdate",
    tag="systems",
    response=responses.SystemStatusBody,
)
def put_system_status(system_id: str, body: dict[str, Any]) -> Response:
    """Diagnoses use it at once; it counts as unknown once older than the
    configured age, unless its ETA is still ahead."""
    system = _system_id(store().snapshot(), system_id)
    eta = body.get("eta")
    if eta:
        eta = datetime.fromisoformat(eta).astimezone(UTC).isoformat(timespec="seconds")
    record = store().records.set_system_status(
        system=system,
        status=body["status"],
        note=str(body.get("note") or ""),
        eta=eta,
        author=author(),
    )
    return jsonify(status_view(record, datetime.now(UTC), settings()))
