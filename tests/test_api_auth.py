"""Every role against every endpoint, from the endpoint registry itself.

A new endpoint without an example here fails ``test_every_endpoint_has_an_example``,
so the matrix cannot silently fall behind the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.spec import ENDPOINTS, Endpoint
from graph.records import Candidate, CaseRecord, Outcome
from graph.snapshot import thaw
from graph.sqlite import SqliteStore
from graph.store import ROLES

from .conftest import bearer

Example = Callable[[SqliteStore], dict[str, Any]]


def _node_title_change(store: SqliteStore) -> dict[str, Any]:
    node = thaw(store.snapshot().node("card_key_invalid"))
    node["title"] = {**node["title"], "en": f"Key invalid (rev {store.revision()})"}
    return {"json": {"operations": [{"op": "update_node", "type": "Symptom", "node": node}]}}


EVIDENCE = {
    "cause": "payment_callback_lost",
    "group": "channel",
    "name": "yipay",
    "orders": ["YP20261201001", "YP20261201002", "YP20261201003"],
    "failing": 3,
    "seen": 4,
    "share": 0.75,
    "window_minutes": 30,
    "since": "2026-12-01T07:30:00+00:00",
    "until": "2026-12-01T08:00:00+00:00",
    "baseline_per_window": 0.0,
}


def _case(store: SqliteStore, message: str | None = None) -> CaseRecord:
    return store.records.record_case(
        author="t",
        graph_revision=1,
        symptom="card_key_invalid",
        top_cause="paste_format_error",
        confidence=1.0,
        product=None,
        supplier=None,
        order_no=None,
        message=message,
    )


def _outcome(store: SqliteStore) -> Outcome:
    return store.records.record_outcome(
        author="t",
        case_id=_case(store).id,
        symptom="card_key_invalid",
        cause="region_lock",
        resolution="explain_region_rule",
        product=None,
        supplier=None,
        order_no=None,
        note="",
        graph_revision=1,
    )


def _candidate(store: SqliteStore) -> Candidate:
    case = _case(store, message="卡密刮花了认不出")
    return store.records.propose_candidate(
        case_id=case.id, symptom="card_key_invalid", text="卡密刮花了认不出", lang="zh"
    )


EXAMPLES: dict[tuple[str, str], Example] = {
    ("GET", "/healthz"): lambda s: {},
    ("GET", "/v1/openapi.json"): lambda s: {},
    ("GET", "/v1/symptoms"): lambda s: {},
    ("GET", "/v1/graph/nodes/{node_id}"): lambda s: {"path": {"node_id": "region_lock"}},
    ("GET", "/v1/search"): lambda s: {"query": {"q": "锁区"}},
    ("GET", "/v1/paths"): lambda s: {"query": {"symptom": "card_key_invalid"}},
    ("POST", "/v1/diagnose"): lambda s: {"json": {"symptom": "card_key_invalid"}},
    ("GET", "/v1/cases/{case_id}"): lambda s: {"path": {"case_id": _case(s).ref}},
    ("POST", "/v1/outcomes"): lambda s: {
        "json": {
            "case_id": _case(s).ref,
            "cause": "region_lock",
            "resolution": "explain_region_rule",
        }
    },
    ("GET", "/v1/outcomes"): lambda s: {},
    ("POST", "/v1/outcomes/{outcome_id}/revert"): lambda s: {
        "path": {"outcome_id": _outcome(s).id}
    },
    ("GET", "/v1/candidates"): lambda s: {},
    ("GET", "/v1/notices"): lambda s: {"query": {"limit": 5}},
    ("POST", "/v1/candidates/{candidate_id}"): lambda s: {
        "path": {"candidate_id": _candidate(s).id},
        "json": {"decision": "reject"},
    },
    ("POST", "/v1/utterances"): lambda s: {
        "json": {"symptom": "card_key_invalid", "text": "刮开的涂层把卡密刮花了认不出"}
    },
    ("GET", "/v1/systems"): lambda s: {},
    ("GET", "/v1/systems/{system_id}/status"): lambda s: {"path": {"system_id": "steam"}},
    ("PUT", "/v1/systems/{system_id}/status"): lambda s: {
        "path": {"system_id": "steam"},
        "json": {"status": "up", "note": "ok"},
    },
    ("GET", "/v1/insights"): lambda s: {},
    ("GET", "/v1/promises"): lambda s: {"query": {"state": "open"}},
    ("GET", "/v1/escalations"): lambda s: {},
    ("GET", "/v1/system-proposals"): lambda s: {"query": {"state": "all"}},
    ("POST", "/v1/system-proposals/{proposal_id}"): lambda s: {
        "path": {
            "proposal_id": s.records.upsert_proposal(
                system="yipay", status="degraded", cause="payment_callback_lost", evidence=EVIDENCE
            ).id
        },
        "json": {"decision": "dismiss", "note": "已知，上游在修"},
    },
    ("POST", "/v1/changesets"): lambda s: {
        **_node_title_change(s),
        "headers": {"If-Match": f'"{s.revision()}"'},
    },
    ("GET", "/v1/history"): lambda s: {},
    ("GET", "/v1/revisions/{revision}"): lambda s: {"path": {"revision": 1}},
    ("GET", "/v1/diff"): lambda s: {"query": {"from": 1}},
    ("POST", "/v1/revert"): lambda s: {
        "json": {"to_revision": 1},
        "headers": {"If-Match": str(s.revision())},
        "setup": _node_title_change(s),
    },
}


def _send(
    client: FlaskClient, store: SqliteStore, item: Endpoint, token: str | None
) -> tuple[int, Any]:
    example = EXAMPLES[(item.method, item.path)](store)
    setup = example.get("setup")
    if setup:  # a revert needs something to revert: make an edit first, as admin
        admin = store.create_token("admin", "setup")
        client.post(
            "/v1/changesets",
            json=setup["json"],
            headers={**bearer(admin), "If-Match": str(store.revision())},
        )
        example = EXAMPLES[(item.method, item.path)](store)
    path = item.path
    for name, value in example.get("path", {}).items():
        path = path.replace("{" + name + "}", str(value))
    headers = {**(bearer(token) if token else {}), **example.get("headers", {})}
    response = client.open(
        path,
        method=item.method,
        json=example.get("json"),
        query_string=example.get("query"),
        headers=headers,
    )
    return response.status_code, response.get_json()


def test_every_endpoint_has_an_example() -> None:
    declared = {(e.method, e.path) for e in ENDPOINTS}
    assert declared == set(EXAMPLES)
    assert len(declared) >= 19


def _allowed(item: Endpoint, role: str) -> bool:
    if item.role is None or role in item.also:
        return True
    return role in ROLES and ROLES.index(role) >= ROLES.index(item.role)


@pytest.mark.parametrize("who", [None, "revoked", "agent", "senior", "admin", "monitor"])
def test_auth_matrix(
    client: FlaskClient, store: SqliteStore, tokens: dict[str, str], who: str | None
) -> None:
    """Every role against every endpoint: allowed → its success code; else 401/403 in the shape."""
    token = tokens[who] if who else None
    for item in ENDPOINTS:
        status, body = _send(client, store, item, token)
        where = f"{item.method} {item.path} as {who}"
        if item.role is None:
            assert status == item.ok, (where, body)
        elif who is None or who == "revoked":
            assert status == 401, (where, status, body)
            assert body["error"]["code"] == "unauthorized"
        elif _allowed(item, who):
            assert status == item.ok, (where, status, body)
        else:
            assert status == 403, (where, status, body)
            assert body["error"]["code"] == "forbidden" and who in body["error"]["message"]
        if status >= 400:
            assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}


def test_garbage_and_wrong_scheme_tokens_are_401(client: FlaskClient) -> None:
    for header in ("Bearer nope", "Basic dXNlcjpwYXNz", "Bearer", "kgd_x"):
        response = client.get("/v1/symptoms", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_tokens_are_hashed_at_rest(store: SqliteStore, tokens: dict[str, str]) -> None:
    stored = store.connection().execute("SELECT hash FROM tokens").fetchall()
    values = {row[0] for row in stored}
    assert not any(token in values for token in tokens.values())
    assert all(len(v) == 64 for v in values)
