"""Senior editing: change-sets against a revision, the lint gate, audit, diff, revert."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from graph.snapshot import thaw
from graph.sqlite import SqliteStore

from .conftest import bearer
from .server import call, running_server


def _node(store: SqliteStore, node_id: str) -> dict[str, Any]:
    data: dict[str, Any] = thaw(store.snapshot().node(node_id))
    return data


def _edit(client: FlaskClient, token: str, operations: list[dict[str, Any]], revision: Any) -> Any:
    headers = {**bearer(token), "If-Match": f'"{revision}"'}
    return client.post(
        "/v1/changesets", json={"operations": operations, "message": "test"}, headers=headers
    )


def _retitle(store: SqliteStore, node_id: str, node_type: str, en: str) -> dict[str, Any]:
    node = _node(store, node_id)
    node["title"]["en"] = en
    return {"op": "update_node", "type": node_type, "node": node}


def test_edit_is_audited_with_before_and_after(
    client: FlaskClient, store: SqliteStore, tokens: dict[str, str]
) -> None:
    etag = client.get("/v1/symptoms", headers=bearer(tokens["agent"])).headers["ETag"]
    assert etag == '"1"'
    response = _edit(
        client, tokens["senior"], [_retitle(store, "region_lock", "Cause", "Region locked")], 1
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["revision"] == 2 and response.headers["ETag"] == '"2"'
    assert _node(store, "region_lock")["title"]["en"] == "Region locked"
    history = client.get("/v1/history", headers=bearer(tokens["senior"])).get_json()
    assert history["revisions"][0]["author"] == "t-senior (senior)"
    detail = client.get("/v1/revisions/2", headers=bearer(tokens["senior"])).get_json()
    (change,) = detail["changes"]
    assert change["action"] == "update" and change["key"] == "region_lock"
    assert change["before"]["data"]["title"]["en"] != "Region locked"
    assert change["after"]["data"]["title"]["en"] == "Region locked"
    changes = client.get("/v1/diff?from=1&to=2", headers=bearer(tokens["senior"])).get_json()
    assert [c["op"] for c in changes["changes"]] == ["update_node region_lock"]


def test_missing_stale_and_bad_if_match(
    client: FlaskClient, store: SqliteStore, tokens: dict[str, str]
) -> None:
    op = [_retitle(store, "region_lock", "Cause", "X")]
    no_header = client.post(
        "/v1/changesets", json={"operations": op}, headers=bearer(tokens["senior"])
    )
    assert no_header.status_code == 428
    assert no_header.get_json()["error"]["details"][0]["field"] == "If-Match"
    assert _edit(client, tokens["senior"], op, "seven").status_code == 400
    assert _edit(client, tokens["senior"], op, 1).status_code == 201
    stale = _edit(client, tokens["senior"], [_retitle(store, "card_expired", "Cause", "Y")], 1)
    assert stale.status_code == 412
    assert stale.get_json()["error"]["details"] == [{"expected": 1, "current": 2}]
    assert store.revision() == 2 and _node(store, "card_expired")["title"]["en"] != "Y"


def test_schema_errors_are_422_with_details_and_nothing_written(
    client: FlaskClient, store: SqliteStore, tokens: dict[str, str]
) -> None:
    node = _node(store, "region_lock")
    node["fault"] = "nobody"
    response = _edit(
        client, tokens["senior"], [{"op": "update_node", "type": "Cause", "node": node}], 1
    )
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert any(d["where"] == "region_lock" and d["what"] == "fault" for d in details), details
    malformed = client.post(
        "/v1/changesets",
        json={"operations": [{"op": "rename_node"}]},
        headers={**bearer(tokens["senior"]), "If-Match": "1"},
    )
    assert malformed.status_code == 400
    assert malformed.get_json()["error"]["details"][0]["field"] == "operations[0].op"
    assert store.revision() == 1


def test_lint_gate_refuses_what_would_break_the_graph(
    client: FlaskClient, store: SqliteStore, tokens: dict[str, str]
) -> None:
    snap = store.snapshot()
    fixes = [r for r, _ in snap.out_edges("card_expired", "resolved_by")]
    unlink = [{"op": "delete_edge", "source": "card_expired", "target": r} for r in fixes]
    response = _edit(client, tokens["senior"], unlink, 1)
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert any(
        d["where"] == "card_expired" and d["what"] == "resolved_by" and "stuck" in d["why"]
        for d in details
    ), details
    dangling = [
        {
            "op": "add_edge",
            "type": "tested_by",
            "source": "card_expired",
            "target": "no_such_check",
            "data": {"p_fail": 0.5},
        }
    ]
    assert _edit(client, tokens["senior"], dangling, 1).status_code == 422
    phrase_clash = _node(store, "card_key_invalid")
    other = _node(store, "card_key_reported_used")
    phrase_clash["phrases"]["zh"].append(other["phrases"]["zh"][0])
    clash = _edit(
        client,
        tokens["senior"],
        [{"op": "update_node", "type": "Symptom", "node": phrase_clash}],
        1,
    )
    assert clash.status_code == 422
    assert any("claimed by" in d["why"] for d in clash.get_json()["error"]["details"])
    assert store.revision() == 1


def test_editor_text_can_never_run_code(
    client: FlaskClient, store: SqliteStore, tokens: dict[str, str], tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    check = _node(store, "key_paste_noise")
    attempts = {
        "fails_when": f"__import__('os').system('touch {marker}')",
    }
    resolution = _node(store, "explain_region_rule")
    templates = [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}",
        "{% for x in range(10**9) %}{% endfor %}",
        "{{ order_no * 100000000 }}",
        "{{ order_no|attr('__class__') }}",
        "{% include '/etc/passwd' %}",
    ]
    cel_check = {**check, **attempts}
    cel_check.pop("builtin", None)
    assert (
        _edit(
            client, tokens["senior"], [{"op": "update_node", "type": "Check", "node": cel_check}], 1
        ).status_code
        == 422
    )
    for template in templates:
        node = {**resolution, "reply": {"zh": template, "en": "ok"}}
        response = _edit(
            client, tokens["senior"], [{"op": "update_node", "type": "Resolution", "node": node}], 1
        )
        assert response.status_code == 422, template
        assert any(d["what"] == "reply.zh" for d in response.get_json()["error"]["details"])
    assert not marker.exists()
    assert store.revision() == 1


def test_revert_goes_back_as_a_new_revision(
    client: FlaskClient, store: SqliteStore, tokens: dict[str, str]
) -> None:
    assert (
        _edit(
            client, tokens["senior"], [_retitle(store, "region_lock", "Cause", "Z")], 1
        ).status_code
        == 201
    )
    headers = {**bearer(tokens["senior"]), "If-Match": "2"}
    response = client.post("/v1/revert", json={"to_revision": 1}, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["reverted_to"] == 1 and store.revision() == 3
    assert _node(store, "region_lock")["title"]["en"] != "Z"
    again = client.post("/v1/revert", json={"to_revision": 1}, headers={**headers, "If-Match": "3"})
    assert again.status_code == 422  # already equal: nothing to do, nothing written
    missing = client.post(
        "/v1/revert", json={"to_revision": 99}, headers={**headers, "If-Match": "3"}
    )
    assert missing.status_code == 404


def test_agents_cannot_edit(
    client: FlaskClient, store: SqliteStore, tokens: dict[str, str]
) -> None:
    response = _edit(client, tokens["agent"], [_retitle(store, "region_lock", "Cause", "A")], 1)
    assert response.status_code == 403 and store.revision() == 1


def _race(base: str, edits: dict[str, dict[str, Any]], start: int) -> dict[str, int]:
    """Send each token's edit at the same moment, all made against ``start``."""
    barrier = threading.Barrier(len(edits))
    results: dict[str, int] = {}

    def send(token: str) -> None:
        barrier.wait()
        status, _, _ = call(
            "POST",
            f"{base}/v1/changesets",
            token,
            {"operations": [edits[token]]},
            {"If-Match": str(start)},
        )
        results[token] = status

    threads = [threading.Thread(target=send, args=(t,)) for t in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.slow
def test_two_seniors_from_the_same_revision_one_wins_nothing_lost(store: SqliteStore) -> None:
    """Real concurrent requests against gunicorn (2 gevent workers)."""
    db, live = store.path, store  # the server opens the same file beside this connection
    alice = live.create_token("senior", "alice")
    bob = live.create_token("senior", "bob")
    with running_server(db, "--workers", "2") as base:
        for round_no in range(4):
            start = live.revision()
            edits = {
                alice: _retitle(live, "region_lock", "Cause", f"alice {round_no}"),
                bob: _retitle(live, "card_expired", "Cause", f"bob {round_no}"),
            }
            results = _race(base, edits, start)
            assert sorted(results.values()) == [201, 412], results
            assert live.revision() == start + 1
            loser = next(t for t, s in results.items() if s == 412)
            status, body, _ = call(
                "POST",
                f"{base}/v1/changesets",
                loser,
                {"operations": [edits[loser]]},
                {"If-Match": str(start + 1)},
            )
            assert status == 201, body
            assert _node(live, "region_lock")["title"]["en"] == f"alice {round_no}"
            assert _node(live, "card_expired")["title"]["en"] == f"bob {round_no}"
            authors = [r.author for r in live.history(limit=2)]
            assert sorted(authors) == ["alice (senior)", "bob (senior)"]


@pytest.mark.slow
def test_every_worker_serves_the_new_revision_and_big_bodies_get_413(store: SqliteStore) -> None:
    db, live = store.path, store  # the server opens the same file beside this connection
    senior = live.create_token("senior", "s")
    with running_server(db, "--workers", "3", "--max-body-bytes", "65536") as base:
        for _ in range(12):  # warm every worker's snapshot at revision 1
            assert call("GET", f"{base}/v1/graph/nodes/region_lock", senior)[0] == 200
        edit = _retitle(live, "region_lock", "Cause", "served everywhere")
        status, _, _ = call(
            "POST", f"{base}/v1/changesets", senior, {"operations": [edit]}, {"If-Match": "1"}
        )
        assert status == 201
        seen = {
            call("GET", f"{base}/v1/graph/nodes/region_lock", senior)[1]["node"]["title"]["en"]
            for _ in range(24)
        }
        assert seen == {"served everywhere"}
        big = b'{"message": "' + b"x" * 70000 + b'"}'
        status, body, _ = call("POST", f"{base}/v1/diagnose", senior, raw=big)
        assert status == 413 and body["error"]["code"] == "request_entity_too_large"
