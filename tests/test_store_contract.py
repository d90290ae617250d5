"""The store contract, one suite for every backend: validated, atomic, audited,
revertible change-sets; tokens; cases, outcomes and system status.

Runs on SQLite always, and on Neo4j when ``KGDIAG_NEO4J_URI`` names a scratch
database (it is emptied before each test); otherwise the Neo4j half is
skipped with that reason.
"""

from __future__ import annotations

import copy
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.errors import ChangeSetInvalid, NotFound, StaleRevision
from graph.model import ChangeSet, Edge, GraphContent, Node, Operation, diff, parse_changeset
from graph.records import CaseRecord, Outcome
from graph.sqlite import SqliteStore
from graph.store import GraphStore, open_store

NEO4J_URI = os.environ.get("KGDIAG_NEO4J_URI")
BACKENDS = [
    "sqlite",
    pytest.param(
        "neo4j",
        marks=pytest.mark.skipif(
            not NEO4J_URI,
            reason="KGDIAG_NEO4J_URI is not set (no Neo4j server here; see README)",
        ),
    ),
]


@pytest.fixture(params=BACKENDS)
def location(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_db: Path, seed_content: GraphContent
) -> str:
    """Where a store holding the seed as revision 1 lives, for each backend."""
    if request.param == "sqlite":
        shutil.copyfile(seeded_db, tmp_path / "kg.db")
        return str(tmp_path / "kg.db")
    assert NEO4J_URI
    from graph.neo4j import Neo4jStore, init_neo4j
    from graph.neo4j_cypher import STATEMENTS

    init_neo4j(NEO4J_URI)
    scratch = Neo4jStore(NEO4J_URI)
    scratch._driver.execute_query(STATEMENTS["wipe_for_tests"].text, database_=scratch.database)
    scratch.close()
    init_neo4j(NEO4J_URI)
    fresh = open_store(NEO4J_URI)
    fresh.apply(diff(GraphContent(), seed_content), expected_revision=0, author="test")
    fresh.close()
    return NEO4J_URI


@pytest.fixture()
def store(location: str) -> Iterator[GraphStore]:
    opened = open_store(location)
    yield opened
    opened.close()


def _as_plain(content: GraphContent) -> tuple[dict[str, Any], dict[Any, Any]]:
    nodes = {k: (n.type, dict(n.data)) for k, n in content.nodes.items()}
    edges = {k: (e.type, dict(e.data)) for k, e in content.edges.items()}
    return nodes, edges


def _update_title(store: GraphStore, node_id: str, zh: str) -> ChangeSet:
    node = store.snapshot().content().nodes[node_id]
    data = copy.deepcopy(dict(node.data))
    data["title"]["zh"] = zh
    return ChangeSet((Operation("update", "node", node_id, node=Node(node.type, data)),))


def test_seeded_store_matches_seed(store: GraphStore, seed_content: GraphContent) -> None:
    assert store.revision() == 1
    assert _as_plain(store.content_at(1)) == _as_plain(seed_content)


def test_apply_bumps_revision_and_audits_before_and_after(store: GraphStore) -> None:
    info = store.apply(
        _update_title(store, "region_lock", "地区锁"),
        expected_revision=1,
        author="senior-li",
        message="shorter title",
    )
    assert (info.revision, info.author, info.message, info.change_count) == (
        2,
        "senior-li",
        "shorter title",
        1,
    )
    (change,) = store.changes(2)
    assert change.action == "update" and change.key == "region_lock"
    assert change.before is not None and change.after is not None
    assert change.before["data"]["title"]["zh"].startswith("区域限制")
    assert change.after["data"]["title"]["zh"] == "地区锁"
    assert store.history(limit=1)[0].revision == 2


def test_stale_revision_is_refused_and_nothing_written(store: GraphStore) -> None:
    store.apply(_update_title(store, "region_lock", "第一次"), expected_revision=1, author="a")
    before = _as_plain(store.content_at(2))
    with pytest.raises(StaleRevision) as err:
        store.apply(_update_title(store, "card_expired", "第二次"), expected_revision=1, author="b")
    assert (err.value.expected, err.value.current) == (1, 2)
    assert store.revision() == 2
    assert _as_plain(store.content_at(2)) == before
    assert len(store.history()) == 2


def test_invalid_changeset_writes_nothing(store: GraphStore) -> None:
    good = _update_title(store, "region_lock", "有效的修改")
    bad = Operation(
        "add",
        "edge",
        ("card_key_invalid", "no_such_cause"),
        edge=Edge("caused_by", "card_key_invalid", "no_such_cause", {"prior": 0.1}),
    )
    with pytest.raises(ChangeSetInvalid) as err:
        store.apply(ChangeSet((*good.operations, bad)), expected_revision=1, author="a")
    assert any("dangling edge" in f.why and f.what == "target" for f in err.value.findings)
    assert store.revision() == 1
    assert store.snapshot().node("region_lock")["title"]["zh"] != "有效的修改"


@pytest.mark.parametrize(
    ("raw", "where", "why_part"),
    [
        (
            {"op": "add_node", "type": "Cause", "node": {"id": "region_lock"}},
            "region_lock",
            "already exists",
        ),
        ({"op": "delete_node", "id": "region_lock"}, "region_lock", "delete these edges first"),
        ({"op": "delete_node", "id": "ghost"}, "operations[0]", "no node 'ghost'"),
        (
            {
                "op": "add_edge",
                "type": "caused_by",
                "source": "region_lock",
                "target": "card_expired",
                "data": {"prior": 0.2},
            },
            "region_lock -> card_expired",
            "needs a Symptom source",
        ),
        ({"op": "delete_edge", "source": "a", "target": "b"}, "operations[0]", "no edge a -> b"),
    ],
)
def test_integrity_violations_are_named(
    store: GraphStore, raw: dict[str, Any], where: str, why_part: str
) -> None:
    changes, problems = parse_changeset([raw])
    assert problems == []
    with pytest.raises(ChangeSetInvalid) as err:
        store.apply(changes, expected_revision=1, author="a")
    assert any(f.where == where and why_part in f.why for f in err.value.findings), [
        str(f) for f in err.value.findings
    ]
    assert store.revision() == 1


def test_node_type_cannot_change(store: GraphStore) -> None:
    data = dict(store.snapshot().content().nodes["mail_queue"].data)
    op = Operation("update", "node", "mail_queue", node=Node("Cause", data))
    with pytest.raises(ChangeSetInvalid) as err:
        store.apply(ChangeSet((op,)), expected_revision=1, author="a")
    assert any(f.what == "type" and "cannot change" in f.why for f in err.value.findings)


def test_malformed_operations_are_reported() -> None:
    _, problems = parse_changeset([{"op": "smash_node"}, "x", {"op": "add_edge"}])
    assert [(f.where, f.what) for f in problems] == [
        ("operations[0]", "op"),
        ("operations[1]", "(operation)"),
        ("operations[2]", "type"),
        ("operations[2]", "source"),
        ("operations[2]", "target"),
    ]


def test_delete_node_with_its_edges_in_one_changeset(store: GraphStore) -> None:
    content = store.content_at(1)
    content.nodes.pop("malicious_claim")
    for key in [k for k in content.edges if "malicious_claim" in k]:
        content.edges.pop(key)
    # Edges deleted after the node in the same change-set: order must not matter.
    ops = sorted(diff(store.content_at(1), content).operations, key=lambda o: o.kind != "node")
    info = store.apply(ChangeSet(tuple(ops)), expected_revision=1, author="a")
    assert not store.snapshot().has_node("malicious_claim")
    assert info.change_count == len(ops)


def test_revert_restores_exactly_and_is_a_new_revision(store: GraphStore) -> None:
    original = _as_plain(store.content_at(1))
    store.apply(_update_title(store, "region_lock", "改一"), expected_revision=1, author="a")
    content = store.content_at(2)
    content.nodes.pop("malicious_claim")
    for key in [k for k in content.edges if "malicious_claim" in k]:
        content.edges.pop(key)
    store.apply(diff(store.content_at(2), content), expected_revision=2, author="a")
    assert store.revision() == 3
    info = store.revert(1, expected_revision=3, author="senior")
    assert (info.revision, info.reverted_to) == (4, 1)
    assert _as_plain(store.content_at(4)) == original
    assert _as_plain(store.content_at(2))[0]["region_lock"][1]["title"]["zh"] == "改一"
    with pytest.raises(ChangeSetInvalid):
        store.revert(4, expected_revision=4, author="senior")
    with pytest.raises(NotFound):
        store.content_at(99)


def test_snapshot_is_cached_per_revision_and_frozen(store: GraphStore) -> None:
    first = store.snapshot()
    assert store.snapshot() is first
    with pytest.raises(nx.NetworkXError, match="Frozen graph"):
        first.graph.add_node("x")
    with pytest.raises(TypeError):
        first.node("region_lock")["title"]["zh"] = "x"  # type: ignore[index]
    store.apply(_update_title(store, "region_lock", "新"), expected_revision=1, author="a")
    second = store.snapshot()
    assert second.revision == 2 and second is not first
    assert first.node("region_lock")["title"]["zh"] != "新"


def test_snapshot_sees_writes_from_another_connection(store: GraphStore, location: str) -> None:
    other = open_store(location)
    other.apply(_update_title(other, "region_lock", "别处写入"), expected_revision=1, author="b")
    assert store.snapshot().node("region_lock")["title"]["zh"] == "别处写入"
    other.close()


def test_tokens_are_stored_hashed_and_revocable(store: GraphStore) -> None:
    token = store.create_token("senior", "li")
    info = store.verify_token(token)
    assert info is not None and info.role == "senior" and info.name == "li"
    assert store.verify_token(token + "x") is None
    assert [t.name for t in store.list_tokens()] == ["li"]
    assert store.revoke_token("li") == 1
    assert store.verify_token(token) is None
    with pytest.raises(ValueError):
        store.create_token("root", "x")  # type: ignore[arg-type]


def test_page_sessions_live_beside_their_token_and_end_for_good(store: GraphStore) -> None:
    token = store.create_token("agent", "zhao")
    info = store.verify_token(token)
    assert info is not None
    sid = store.create_session(info.id)
    assert token not in sid and len(sid) >= 40
    assert store.session_token(sid, 60) == info
    assert store.session_token(sid + "x", 60) is None
    assert store.session_token(sid, -1) is None  # idle past the timeout
    other = store.create_session(info.id)
    store.end_session(sid)
    assert store.session_token(sid, 60) is None  # every copy of it, from now on
    assert store.session_token(other, 60) == info  # another login is its own session
    store.revoke_token("zhao")
    assert store.session_token(other, 60) is None  # a revoked token's sessions end too


def test_sqlite_keeps_only_token_hashes(tmp_path: Path) -> None:
    sqlite_store = SqliteStore(tmp_path / "t.db", create=True)
    token = sqlite_store.create_token("senior", "li")
    with sqlite3.connect(sqlite_store.path) as conn:
        stored = [row[0] for row in conn.execute("SELECT hash FROM tokens")]
    assert token not in stored and len(stored[0]) == 64
    sqlite_store.close()


def test_cases_keep_every_field_nulls_included(store: GraphStore) -> None:
    records = store.records
    first = records.record_case(
        author="a (agent)",
        graph_revision=1,
        symptom=None,
        top_cause=None,
        confidence=0.25,
        product=None,
        supplier=None,
        order_no=None,
    )
    second = records.record_case(
        author="b (agent)",
        graph_revision=1,
        symptom="card_key_invalid",
        top_cause="region_lock",
        confidence=0.9,
        product="apple-us-50",
        supplier="sup-apple",
        order_no="A1",
    )
    assert second.id == first.id + 1
    assert records.get_case(first.id) == first
    assert records.get_case(second.id) == second
    assert records.get_case(second.id + 100) is None
    assert records.cases(since="2000", until="9999") == [first, second]
    assert records.cases(since="9000", until="9999") == []


def test_outcomes_count_and_find_similar(store: GraphStore) -> None:
    records = store.records
    made = [
        records.record_outcome(
            author="a",
            case_id=None,
            symptom="card_key_invalid",
            cause=cause,
            resolution="explain_region_rule",
            product=product,
            supplier=None,
            order_no=None,
            note=f"#{n}",
            graph_revision=1,
        )
        for n, (cause, product) in enumerate(
            [("region_lock", "apple-us-50"), ("region_lock", "psn-hk"), ("card_expired", None)]
        )
    ]
    assert records.outcomes(since="2000", until="9999") == made
    assert records.outcomes(since="2000", until="9999", limit=1) == made[:1]
    counts = records.outcome_counts()
    assert counts.by_symptom == {"card_key_invalid": {"region_lock": 2, "card_expired": 1}}
    similar = records.similar_outcomes(
        symptom="card_key_invalid", cause="region_lock", product="psn-hk", supplier=None
    )
    assert similar == [made[1]]
    assert (
        records.similar_outcomes(
            symptom="card_key_invalid", cause="region_lock", product=None, supplier=None
        )
        == []
    )


def test_system_status_history_and_current(store: GraphStore) -> None:
    records = store.records
    down = records.set_system_status(
        system="sup-kx", status="down", note="超时", eta=None, author="monitor"
    )
    up = records.set_system_status(
        system="sup-kx", status="up", note="", eta="2026-11-22T12:00:00+00:00", author="admin"
    )
    other = records.set_system_status(
        system="mail", status="degraded", note="", eta=None, author="admin"
    )
    assert records.current_system_statuses() == [other, up]
    assert records.system_status_history("sup-kx") == [up, down]
    assert records.system_status_history("sup-kx", limit=1) == [up]


def _case(store: GraphStore, n: int = 0, message: str | None = None) -> CaseRecord:
    return store.records.record_case(
        author="a (agent)",
        graph_revision=1,
        symptom="card_key_invalid",
        top_cause="region_lock",
        confidence=0.8,
        product="apple-us-50",
        supplier="sup-apple",
        order_no=f"A{n}",
        message=message,
    )


def _outcome(store: GraphStore, case_id: int | None, cause: str, author: str = "a") -> Outcome:
    return store.records.record_outcome(
        author=author,
        case_id=case_id,
        symptom="card_key_invalid",
        cause=cause,
        resolution="explain_region_rule",
        product="apple-us-50",
        supplier=None,
        order_no=None,
        note="",
        graph_revision=1,
    )


def test_case_refs_are_unguessable_and_found(store: GraphStore) -> None:
    first, second = _case(store, 1), _case(store, 2, message="兑换提示地区不符")
    assert first.ref != second.ref and len(first.ref) >= 16
    assert not first.ref[1:].isdigit()
    assert store.records.case_by_ref(second.ref) == second
    assert second.message == "兑换提示地区不符" and first.message is None
    assert store.records.case_by_ref(first.ref + "x") is None


def test_a_case_counts_once_a_second_outcome_revises_it(store: GraphStore) -> None:
    records = store.records
    case = _case(store)
    first = _outcome(store, case.id, "region_lock")
    for _ in range(5):
        _outcome(store, case.id, "card_expired", author="b")
    counts = records.outcome_counts().by_symptom
    assert counts == {"card_key_invalid": {"card_expired": 1}}
    assert records.get_outcome(first.id).state == "revised"  # type: ignore[union-attr]
    active = records.case_outcome(case.id)
    assert active is not None and active.cause == "card_expired" and active.author == "b"
    assert len(records.outcomes(since="2000", until="9999")) == 6  # history kept


def test_a_reverted_outcome_stops_teaching(store: GraphStore) -> None:
    records = store.records
    kept = _outcome(store, _case(store, 1).id, "region_lock")
    bad = _outcome(store, _case(store, 2).id, "card_expired")
    assert records.outcome_counts().by_symptom["card_key_invalid"] == {
        "region_lock": 1,
        "card_expired": 1,
    }
    reverted = records.revert_outcome(bad.id, author="senior li")
    assert reverted is not None and reverted.state == "reverted"
    assert reverted.changed_by == "senior li"
    assert records.revert_outcome(bad.id, author="senior li") is None  # not active any more
    assert records.outcome_counts().by_symptom == {"card_key_invalid": {"region_lock": 1}}
    assert (
        records.similar_outcomes(
            symptom="card_key_invalid", cause="card_expired", product="apple-us-50", supplier=None
        )
        == []
    )
    assert records.get_outcome(kept.id) == kept


def test_candidates_follow_the_open_outcome_and_are_decided_once(store: GraphStore) -> None:
    records = store.records
    case = _case(store, message="说卡密已过期")
    first = records.propose_candidate(case_id=case.id, symptom="s1", text="说卡密已过期", lang="zh")
    again = records.propose_candidate(case_id=case.id, symptom="s2", text="说卡密已过期", lang="zh")
    assert again.id == first.id and again.symptom == "s2" and again.state == "open"
    assert records.candidates(state="open") == [again]
    decided = records.decide_candidate(first.id, state="accepted", author="senior li")
    assert decided is not None and decided.state == "accepted"
    assert decided.decided_by == "senior li"
    assert records.decide_candidate(first.id, state="rejected", author="x") is None
    later = records.propose_candidate(case_id=case.id, symptom="s3", text="x", lang="zh")
    assert later.symptom == "s2" and later.state == "accepted"  # a decision stays
    assert records.candidates(state="open") == []


def _notice(records: Any, order_no: str, cause: str) -> Any:
    return records.record_notice(
        order_no=order_no, symptom="card_key_not_received", cause=cause, supplier="sup_kx",
        channel="yipay", lang="zh", text="您好", case_ref=None,
        next_attempt_at="2026-12-01T08:00:00+00:00",
    )  # fmt: skip


def test_notices_are_unique_per_order_and_cause_and_claimed_once(store: GraphStore) -> None:
    records = store.records
    first = _notice(records, "O-1", "stock_out")
    assert first is not None and first.attempts == 0 and first.sent_at is None
    assert _notice(records, "O-1", "stock_out") is None  # never twice
    other = _notice(records, "O-1", "supplier_interface_outage")
    assert other is not None  # another cause of the same order is another notice
    assert records.noticed_orders(["O-1", "O-2"]) == {"O-1"}
    assert [n.id for n in records.notices("2000-01-01T00:00:00+00:00", 10)] == [first.id, other.id]
    assert [n.id for n in records.notice_page(limit=1)] == [other.id]
    assert [n.id for n in records.notice_page(limit=5, before=other.id)] == [first.id]
    due = records.notices_due(now="2026-12-01T08:00:00+00:00", limit=10, max_attempts=3)
    assert [n.id for n in due] == [first.id, other.id]
    later = "2026-12-01T08:01:00+00:00"
    assert records.claim_notice(first.id, attempts=0, next_attempt_at=later)
    assert not records.claim_notice(first.id, attempts=0, next_attempt_at=later)  # taken
    records.notice_failed(first.id, error="HTTP 503")
    records.notice_sent(other.id, at="2026-12-01T08:00:01+00:00")
    due = records.notices_due(now="2026-12-01T08:00:30+00:00", limit=10, max_attempts=3)
    assert due == []
    due = records.notices_due(now=later, limit=10, max_attempts=3)
    assert [(n.id, n.attempts, n.last_error) for n in due] == [(first.id, 1, "HTTP 503")]
    raw = records.raw_records()["notices"]
    assert [r["order_no"] for r in raw] == ["O-1", "O-1"] and raw[1]["sent_at"]


def test_the_watch_lease_is_taken_renewed_and_expires(store: GraphStore) -> None:
    records = store.records
    assert records.take_lease("watch", holder="a", now="t1", until="t3")
    assert not records.take_lease("watch", holder="b", now="t2", until="t4")
    assert records.take_lease("watch", holder="a", now="t2", until="t5")
    assert records.take_lease("watch", holder="b", now="t6", until="t8")  # expired: taken over
    records.release_lease("watch", holder="a")  # not a's any more: stays b's
    assert not records.take_lease("watch", holder="a", now="t7", until="t9")


def test_purge_drops_old_records_but_each_systems_latest_status(store: GraphStore) -> None:
    records = store.records
    case = _case(store, message="words")
    _outcome(store, case.id, "region_lock")
    records.propose_candidate(case_id=case.id, symptom="s", text="words", lang="en")
    records.record_promise(
        case_id=case.id,
        author="a",
        order_no=None,
        symptom="s",
        kind="verifying",
        what="w",
        due_at="2026-01-01T00:00:00+00:00",
        backstop=None,
        backstop_resolution=None,
        lang="zh",
        priority="P3",
    )
    old_status = records.set_system_status(
        system="sup-kx", status="down", note="", eta=None, author="m"
    )
    latest = records.set_system_status(system="sup-kx", status="up", note="", eta=None, author="m")
    open_one = records.upsert_proposal(system="sup_kx", status="down", cause="c", evidence={})
    records.upsert_proposal(system="yipay", status="down", cause="c", evidence={})
    records.decide_proposal(open_one.id + 1, state="dismissed", author="a", note=None)
    _notice(records, "O-1", "c")
    assert records.purge(before="2000-01-01T00:00:00+00:00") == {
        "promises": 0,
        "escalations": 0,
        "candidates": 0,
        "outcomes": 0,
        "cases": 0,
        "system_status": 0,
        "notices": 0,
        "status_proposals": 0,
    }
    counts = records.purge(before="9999-01-01T00:00:00+00:00")
    assert counts == {
        "promises": 1,
        "escalations": 0,
        "candidates": 1,
        "outcomes": 1,
        "cases": 1,
        "system_status": 1,
        "notices": 1,
        "status_proposals": 1,  # the decided one; an open one waits for its admin
    }
    assert records.case_promise(case.id) is None
    assert records.status_proposals() == [open_one]
    assert records.get_case(case.id) is None
    assert records.outcome_counts().by_symptom == {}
    assert records.current_system_statuses() == [latest]
    assert old_status not in records.system_status_history("sup-kx")


def test_one_open_proposal_per_system_refreshed_then_decided_once(store: GraphStore) -> None:
    records = store.records
    first = records.upsert_proposal(
        system="sup_kx", status="degraded", cause="c1", evidence={"orders": ["A", "B", "C"]}
    )
    assert (first.state, first.status, first.evidence["orders"]) == (
        "open",
        "degraded",
        ["A", "B", "C"],
    )
    again = records.upsert_proposal(
        system="sup_kx", status="down", cause="c1", evidence={"orders": ["A", "B", "C", "D"]}
    )
    assert again.id == first.id and again.at == first.at
    assert (again.status, again.evidence["orders"]) == ("down", ["A", "B", "C", "D"])
    other = records.upsert_proposal(system="yipay", status="down", cause="c2", evidence={})
    assert other.id != first.id
    assert records.status_proposals(state="open") == [other, again]  # newest first
    assert records.status_proposals(system="sup_kx") == [again]
    decided = records.decide_proposal(first.id, state="accepted", author="admin wu", note="ok")
    assert decided is not None and decided.state == "accepted"
    assert (decided.decided_by, decided.note) == ("admin wu", "ok") and decided.decided_at
    assert records.decide_proposal(first.id, state="dismissed", author="x", note=None) is None
    assert records.get_proposal(first.id) == decided
    assert records.get_proposal(999) is None
    # Decided, it no longer blocks a new proposal for the system.
    new = records.upsert_proposal(system="sup_kx", status="degraded", cause="c1", evidence={})
    assert new.id not in (first.id, other.id) and new.state == "open"
