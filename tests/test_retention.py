"""KGDIAG_RETENTION_DAYS: cases, outcomes, candidate words and old statuses are purged.

Finding (issue 20): records were never purged, customer words included.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from api import create_app
from casework import service as casework
from graph.sqlite import SqliteStore
from kgdiag.cli import main

from .conftest import bearer

OLD = "2020-01-01T00:00:00+00:00"


def _age_everything(store: SqliteStore) -> None:
    with sqlite3.connect(store.path) as conn:
        for table in ("cases", "outcomes", "candidates", "system_status"):
            conn.execute(f"UPDATE {table} SET at = ?", (OLD,))


def _file_old_records(store: SqliteStore) -> Any:
    case = store.records.record_case(
        author="a",
        graph_revision=1,
        symptom="card_key_invalid",
        top_cause=None,
        confidence=0.5,
        product=None,
        supplier=None,
        order_no="OLD1",
        message="客户的原话",
    )
    store.records.propose_candidate(
        case_id=case.id, symptom="card_key_invalid", text="客户的原话", lang="zh"
    )
    store.records.set_system_status(system="steam", status="down", note="", eta=None, author="m")
    store.records.set_system_status(system="steam", status="up", note="", eta=None, author="m")
    _age_everything(store)
    return case


def test_the_server_purges_past_the_window(store: SqliteStore, tokens: dict[str, str]) -> None:
    old = _file_old_records(store)
    casework._purged_at.clear()
    app = create_app({"KGDIAG_DB": str(store.path), "TESTING": True, "KGDIAG_RETENTION_DAYS": 30})
    client = app.test_client()
    answer = client.post(
        "/v1/diagnose", json={"symptom": "card_key_invalid"}, headers=bearer(tokens["agent"])
    ).get_json()
    assert store.records.get_case(old.id) is None
    assert store.records.candidates(state="open") == []
    (kept,) = store.records.cases(since="2000", until="9999")
    assert kept.ref == answer["case_id"]  # today's case stays
    assert [s.status for s in store.records.system_status_history("steam")] == ["up"]


def test_zero_keeps_everything_and_the_cli_purges_on_demand(
    store: SqliteStore, tokens: dict[str, str], capsys: Any
) -> None:
    old = _file_old_records(store)
    casework._purged_at.clear()
    app = create_app({"KGDIAG_DB": str(store.path), "TESTING": True, "KGDIAG_RETENTION_DAYS": 0})
    app.test_client().post(
        "/v1/diagnose", json={"symptom": "card_key_invalid"}, headers=bearer(tokens["agent"])
    )
    assert store.records.get_case(old.id) is not None
    assert main(["purge", "--db", str(store.path), "--days", "30"]) == 0
    assert "cases: 1" in capsys.readouterr().out
    assert store.records.get_case(old.id) is None
