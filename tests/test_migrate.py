"""`kgdiag migrate`: a whole store, history included, into a new one, losslessly."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from graph.errors import StoreUnavailable
from graph.migrate import migrate
from graph.model import ChangeSet, Node, Operation
from graph.sqlite import SqliteStore
from graph.store import open_store
from kgdiag.cli import main

TARGETS = [
    "sqlite",
    pytest.param(
        "neo4j",
        marks=pytest.mark.skipif(
            not os.environ.get("KGDIAG_NEO4J_URI"),
            reason="KGDIAG_NEO4J_URI is not set (no Neo4j server here; see README)",
        ),
    ),
]


def _busy_store(store: SqliteStore) -> str:
    """Edits, a revert, tokens (one revoked) and records of every kind."""
    node = store.snapshot().content().nodes["region_lock"]
    data = {**node.data, "title": {"zh": "锁区", "en": "Region lock"}}
    change = ChangeSet((Operation("update", "node", "region_lock", node=Node(node.type, data)),))
    store.apply(change, expected_revision=1, author="li (senior)", message="短标题")
    store.revert(1, expected_revision=2, author="wang (senior)")
    token = store.create_token("agent", "zhao")
    store.create_token("senior", "old")
    store.revoke_token("old")
    case = store.records.record_case(
        author="zhao (agent)",
        graph_revision=3,
        symptom="card_key_invalid",
        top_cause="region_lock",
        confidence=0.8,
        product=None,
        supplier=None,
        order_no="A1",
        message="兑换提示地区不符",
        channel="wechat_pay",
    )
    store.records.propose_candidate(
        case_id=case.id, symptom="card_key_invalid", text="兑换提示地区不符", lang="zh"
    )
    store.records.record_outcome(
        author="zhao (agent)",
        case_id=case.id,
        symptom="card_key_invalid",
        cause="region_lock",
        resolution="explain_region_rule",
        product="apple-us-50",
        supplier=None,
        order_no="A1",
        note="",
        graph_revision=3,
    )
    store.records.set_system_status(
        system="sup-kx", status="down", note="超时", eta=None, author="monitor"
    )
    for system in ("sup_kx", "wechat_pay"):
        store.records.upsert_proposal(
            system=system, status="down", cause="c", evidence={"orders": ["A1"], "seen": 1}
        )
    store.records.decide_proposal(1, state="dismissed", author="admin", note="已知")
    return token


@pytest.mark.parametrize("target_kind", TARGETS)
def test_migration_there_and_back_loses_nothing(
    store: SqliteStore, tmp_path: Path, target_kind: str
) -> None:
    token = _busy_store(store)
    middle = (
        str(tmp_path / "middle.db") if target_kind == "sqlite" else os.environ["KGDIAG_NEO4J_URI"]
    )
    report = migrate(store, open_store(middle, create=True))
    assert report["revisions"] == 3 and report["tokens"] == 2
    assert (report["cases"], report["outcomes"], report["system_status"]) == (1, 1, 1)
    assert report["status_proposals"] == 2
    back = open_store(tmp_path / "back.db", create=True)
    migrate(open_store(middle), back)

    assert back.history(limit=10) == store.history(limit=10)
    for revision in (1, 2, 3):
        assert back.changes(revision) == store.changes(revision)
        assert back.content_at(revision) == store.content_at(revision)
    assert back.list_tokens() == store.list_tokens()
    assert back.verify_token(token) == store.verify_token(token)
    assert back.records.raw_records() == store.records.raw_records()
    # New ids continue after the imported ones.
    assert (
        back.records.record_case(
            author="x",
            graph_revision=3,
            symptom=None,
            top_cause=None,
            confidence=0.0,
            product=None,
            supplier=None,
            order_no=None,
        ).id
        == 2
    )


@pytest.mark.slow
def test_migration_refuses_a_store_that_is_not_empty(store: SqliteStore, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert main(["init", "--db", str(other)]) == 0
    with pytest.raises(StoreUnavailable, match="not empty"):
        migrate(store, open_store(other))


def test_the_cli_migrates_and_an_unreachable_neo4j_is_a_clear_error(
    store: SqliteStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "copy.db"
    assert main(["migrate", "--from", str(store.path), "--to", str(target)]) == 0
    assert "1 revisions" in capsys.readouterr().out
    code = main(["migrate", "--from", str(store.path), "--to", "bolt://127.0.0.1:1"])
    assert code == 2
    assert "cannot" in capsys.readouterr().err and not Path("bolt:").exists()
    assert main(["history", "--store", "ftp://x"]) == 2


def test_a_schema_2_store_opens_with_refs_and_one_outcome_per_case(tmp_path: Path) -> None:
    """kgdiag 0.3 stores: sequential case ids only, every outcome counted."""
    path = tmp_path / "old.db"
    SqliteStore(path, create=True).close()
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            DROP TABLE candidates; DROP TABLE outcomes; DROP TABLE cases;
            CREATE TABLE cases (id INTEGER PRIMARY KEY, at TEXT NOT NULL, author TEXT NOT NULL,
                graph_revision INTEGER NOT NULL, symptom TEXT, top_cause TEXT,
                confidence REAL NOT NULL, product TEXT, supplier TEXT, order_no TEXT);
            CREATE TABLE outcomes (id INTEGER PRIMARY KEY, at TEXT NOT NULL,
                author TEXT NOT NULL, case_id INTEGER REFERENCES cases(id),
                symptom TEXT NOT NULL, cause TEXT NOT NULL, resolution TEXT NOT NULL,
                product TEXT, supplier TEXT, order_no TEXT, note TEXT NOT NULL,
                graph_revision INTEGER NOT NULL);
            INSERT INTO cases VALUES (1, '2026-11-01T00:00:00+00:00', 'a', 1,
                'card_key_invalid', NULL, 0.5, NULL, NULL, 'A1');
            INSERT INTO cases VALUES (2, '2026-11-01T00:00:00+00:00', 'a', 1,
                'card_key_invalid', NULL, 0.5, NULL, NULL, 'A2');
            UPDATE meta SET value = '2' WHERE key = 'schema_version';
            """
        )
        for n, (case_id, cause) in enumerate(
            [(1, "card_expired"), (1, "malicious_claim"), (1, "region_lock"), (2, "region_lock")]
        ):
            conn.execute(
                "INSERT INTO outcomes VALUES (?, '2026-11-01T00:00:00+00:00', 'a', ?,"
                " 'card_key_invalid', ?, 'r', NULL, NULL, NULL, '', 1)",
                (n + 1, case_id, cause),
            )
    store = SqliteStore(path)
    refs = {store.records.get_case(i).ref for i in (1, 2)}  # type: ignore[union-attr]
    assert len(refs) == 2 and all(len(r) >= 16 for r in refs)
    assert store.records.outcome_counts().by_symptom == {"card_key_invalid": {"region_lock": 2}}
    assert store.records.candidates(state="open") == []
    store.close()
