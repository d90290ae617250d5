"""Every Cypher statement the Neo4j backend sends, by name, with ``$parameters``.

No statement is ever built from a value: labels and relationship types are
written out here, one statement per type where Cypher cannot take them as
parameters. Writes are batched with ``UNWIND $rows``. Each statement carries
example parameters so that CI can check it with Neo4j's own linter
(``tools/cypher-lint``, npm ``@neo4j-cypher/language-support``) against the
schema below: a typo, an unknown label or an undefined variable fails CI
even though no Neo4j server can run there.

The model in Neo4j: ``(:KgNode:Symptom {id, type, title_zh, title_en, data})``
and the other node types alike; relationships ``CAUSED_BY``, ``TESTED_BY``,
``RESOLVED_BY``, ``DEPENDS_ON`` with ``{data}``; the audit log as
``(:Revision {number, ...})`` with ``(:Change {revision, seq, ...})``; one
``(:KgMeta {key: 'store'})`` holding the revision counter (its write lock
serialises change-sets); ``:Token``, ``:Case``, ``:Outcome``, ``:SystemStatus``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LABELS", "PROPERTY_KEYS", "RELATIONSHIPS", "STATEMENTS", "Statement", "lint_payload"]

NODE_LABELS = ("Symptom", "Cause", "Check", "Resolution", "System", "Corpus")
LABELS = (
    "KgNode",
    *NODE_LABELS,
    "KgMeta",
    "Revision",
    "Change",
    "Token",
    "Session",
    "Case",
    "Outcome",
    "SystemStatus",
    "Candidate",
    "Promise",
    "Escalation",
    "StatusProposal",
    "Notice",
    "Lease",
)
RELATIONSHIPS = ("CAUSED_BY", "TESTED_BY", "RESOLVED_BY", "DEPENDS_ON", "TEACHES")
SESSION_OF = "SESSION_OF"
"""A page session's link to the token it logged in with (not a graph edge)."""
PROPERTY_KEYS = (
    "id", "type", "title_zh", "title_en", "data", "key", "revision", "lock", "schema_version",
    "next_token", "next_case", "next_outcome", "next_status", "number", "author", "at",
    "message", "change_count", "reverted_to", "seq", "action", "kind", "before", "after",
    "name", "role", "hash", "created_at", "revoked_at", "graph_revision", "symptom",
    "top_cause", "confidence", "product", "supplier", "order_no", "case_id", "cause",
    "resolution", "note", "system", "status", "eta", "source", "target", "last_seen",
    "ref", "state", "changed_by", "changed_at", "text", "lang", "decided_by", "decided_at",
    "next_candidate", "kept_at", "kept_by", "due_at", "what", "backstop",
    "backstop_resolution", "priority", "escalate_to", "reason", "calming", "goodwill_kind",
    "goodwill_value", "goodwill_text", "closed_at", "next_promise", "next_escalation",
    "channel", "updated_at", "evidence", "next_proposal",
    "next_notice", "case_ref", "sent_at", "attempts",
    "next_attempt_at", "last_error", "holder", "expires_at",
)  # fmt: skip


@dataclass(frozen=True)
class Statement:
    """One statement and example parameters of the right shapes (for the linter)."""

    text: str
    example: dict[str, Any] = field(default_factory=dict)


_NODE = {"id": "x", "type": "Symptom", "title_zh": "标题", "title_en": "t", "data": "{}"}
_EDGE = {"source": "a", "target": "b", "type": "caused_by", "data": "{}"}
_CHANGE = {
    "revision": 1,
    "seq": 0,
    "action": "add",
    "kind": "node",
    "key": '"x"',
    "before": None,
    "after": "{}",
}
_REVISION = {
    "number": 1,
    "author": "a",
    "at": "2026-01-01T00:00:00+00:00",
    "message": "",
    "change_count": 1,
    "reverted_to": None,
}
_CASE = {
    "id": 1,
    "at": "t",
    "author": "a",
    "graph_revision": 1,
    "symptom": None,
    "top_cause": None,
    "confidence": 0.5,
    "product": None,
    "supplier": None,
    "order_no": None,
    "ref": "cAAAA",
    "message": None,
    "channel": None,
}
_OUTCOME = {
    "id": 1,
    "at": "t",
    "author": "a",
    "case_id": None,
    "symptom": "s",
    "cause": "c",
    "resolution": "r",
    "product": None,
    "supplier": None,
    "order_no": None,
    "note": "",
    "graph_revision": 1,
    "state": "active",
    "changed_by": None,
    "changed_at": None,
}
_CANDIDATE = {
    "id": 1,
    "at": "t",
    "case_id": 1,
    "symptom": "s",
    "text": "words",
    "lang": "zh",
    "state": "open",
    "decided_by": None,
    "decided_at": None,
}
_PROPOSAL = {
    "id": 1,
    "at": "t",
    "updated_at": "t",
    "system": "s",
    "status": "down",
    "cause": "c",
    "evidence": "{}",
    "state": "open",
    "decided_by": None,
    "decided_at": None,
    "note": None,
}
_STATUS = {
    "id": 1,
    "system": "s",
    "status": "down",
    "note": "",
    "eta": None,
    "at": "t",
    "author": "a",
}

_PROMISE = {
    "id": 1,
    "at": "t",
    "case_id": 1,
    "author": "a",
    "order_no": None,
    "symptom": None,
    "kind": "verifying",
    "what": "w",
    "due_at": "t",
    "backstop": None,
    "backstop_resolution": None,
    "lang": "zh",
    "priority": "P3",
    "kept_at": None,
    "kept_by": None,
}
_ESCALATION = {
    "id": 1,
    "at": "t",
    "case_id": 1,
    "author": "a",
    "order_no": None,
    "escalate_to": "supervisor",
    "reason": "r",
    "lang": "zh",
    "calming": "c",
    "goodwill_kind": None,
    "goodwill_value": None,
    "goodwill_text": None,
    "closed_at": None,
}
# A promise's state at $now, as graph.promise_records.promise_state derives it.
_PROMISE_STATE = (
    "CASE WHEN p.kept_at IS NOT NULL THEN "
    "(CASE WHEN p.kept_at <= p.due_at THEN 'kept' ELSE 'broken' END) "
    "WHEN p.due_at > $now THEN 'open' WHEN p.due_at > $grace THEN 'overdue' ELSE 'broken' END"
)
_PROMISE_STATEMENTS = {
    "index_promise_case": Statement(
        "CREATE INDEX kg_promise_case IF NOT EXISTS FOR (p:Promise) ON (p.case_id)"
    ),
    "index_promise_order": Statement(
        "CREATE INDEX kg_promise_order IF NOT EXISTS FOR (p:Promise) ON (p.order_no)"
    ),
    "index_escalation_case": Statement(
        "CREATE INDEX kg_escalation_case IF NOT EXISTS FOR (e:Escalation) ON (e.case_id)"
    ),
    "next_promise": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_promise = coalesce(m.next_promise, 1) + 1 "
        "RETURN m.next_promise - 1 AS id"
    ),
    "next_escalation": Statement(
        "MATCH (m:KgMeta {key: 'store'}) "
        "SET m.next_escalation = coalesce(m.next_escalation, 1) + 1 "
        "RETURN m.next_escalation - 1 AS id"
    ),
    "create_promise": Statement("CREATE (p:Promise) SET p = $row", {"row": _PROMISE}),
    "create_escalation": Statement("CREATE (e:Escalation) SET e = $row", {"row": _ESCALATION}),
    "promises_open_first": Statement(
        f"MATCH (p:Promise) WITH p, {_PROMISE_STATE} AS state WHERE state = $state "
        "RETURN p {.*} AS row ORDER BY p.due_at, p.id LIMIT $limit",
        {"now": "t", "grace": "t", "state": "open", "limit": 10},
    ),
    "promises_latest_first": Statement(
        f"MATCH (p:Promise) WITH p, {_PROMISE_STATE} AS state WHERE state = $state "
        "RETURN p {.*} AS row ORDER BY p.due_at DESC, p.id DESC LIMIT $limit",
        {"now": "t", "grace": "t", "state": "kept", "limit": 10},
    ),
    "case_promise": Statement(
        "MATCH (p:Promise {case_id: $case_id}) RETURN p {.*} AS row", {"case_id": 1}
    ),
    "overdue_order": Statement(
        "MATCH (p:Promise {order_no: $order_no}) WHERE p.kept_at IS NULL AND p.due_at <= $now "
        "RETURN count(p) AS n",
        {"order_no": "o", "now": "t"},
    ),
    "keep_promises": Statement(
        "OPTIONAL MATCH (p:Promise {case_id: $case_id}) WHERE p.kept_at IS NULL "
        "SET p.kept_at = $at, p.kept_by = $author "
        "WITH count(p) AS n "
        "OPTIONAL MATCH (e:Escalation {case_id: $case_id}) WHERE e.closed_at IS NULL "
        "SET e.closed_at = $at RETURN n",
        {"case_id": 1, "at": "t", "author": "a"},
    ),
    "reopen_promises": Statement(
        "OPTIONAL MATCH (p:Promise {case_id: $case_id}) REMOVE p.kept_at, p.kept_by "
        "WITH count(p) AS n "
        "OPTIONAL MATCH (e:Escalation {case_id: $case_id}) REMOVE e.closed_at RETURN n",
        {"case_id": 1},
    ),
    "open_escalations": Statement(
        "MATCH (e:Escalation) WHERE e.closed_at IS NULL "
        "RETURN e {.*} AS row ORDER BY e.id LIMIT $limit",
        {"limit": 10},
    ),
    "purge_promises": Statement(
        "MATCH (c:Case) WHERE c.at < $before MATCH (p:Promise {case_id: c.id}) "
        "DETACH DELETE p RETURN count(p) AS n",
        {"before": "t"},
    ),
    "purge_escalations": Statement(
        "MATCH (c:Case) WHERE c.at < $before MATCH (e:Escalation {case_id: c.id}) "
        "DETACH DELETE e RETURN count(e) AS n",
        {"before": "t"},
    ),
    "all_promises_raw": Statement("MATCH (p:Promise) RETURN p {.*} AS row ORDER BY p.id"),
    "all_escalations_raw": Statement("MATCH (e:Escalation) RETURN e {.*} AS row ORDER BY e.id"),
    "import_promises": Statement(
        "UNWIND $rows AS row CREATE (p:Promise) SET p = row", {"rows": [_PROMISE]}
    ),
    "import_escalations": Statement(
        "UNWIND $rows AS row CREATE (e:Escalation) SET e = row", {"rows": [_ESCALATION]}
    ),
    "set_promise_counters": Statement(
        "MATCH (m:KgMeta {key: 'store'}) "
        "SET m.next_promise = $next_promise, m.next_escalation = $next_escalation",
        {"next_promise": 1, "next_escalation": 1},
    ),
}

_NOTICE = {
    "id": 1,
    "at": "t",
    "order_no": "o",
    "symptom": "s",
    "cause": "c",
    "supplier": None,
    "channel": None,
    "lang": "zh",
    "text": "words",
    "case_ref": None,
    "sent_at": None,
    "attempts": 0,
    "next_attempt_at": None,
    "last_error": None,
}


def _label_statement(label: str) -> Statement:
    # The label is one of NODE_LABELS, written into the text at import time, never a value.
    return Statement(
        f"UNWIND $ids AS id MATCH (n:KgNode {{id: id}}) "
        f"REMOVE n:Symptom:Cause:Check:Resolution:System SET n:{label}",
        {"ids": ["x"]},
    )


def _edge_statement(rel: str) -> Statement:
    return Statement(
        "UNWIND $rows AS row "
        "MATCH (s:KgNode {id: row.source}) MATCH (t:KgNode {id: row.target}) "
        f"CREATE (s)-[r:{rel}]->(t) SET r.type = row.type, r.data = row.data",
        {"rows": [_EDGE]},
    )


STATEMENTS: dict[str, Statement] = {
    # --- set-up (kgdiag neo4j init) ---------------------------------------------
    "constraint_node_id": Statement(
        "CREATE CONSTRAINT kg_node_id IF NOT EXISTS FOR (n:KgNode) REQUIRE n.id IS UNIQUE"
    ),
    "constraint_meta_key": Statement(
        "CREATE CONSTRAINT kg_meta_key IF NOT EXISTS FOR (m:KgMeta) REQUIRE m.key IS UNIQUE"
    ),
    "constraint_revision": Statement(
        "CREATE CONSTRAINT kg_revision IF NOT EXISTS FOR (r:Revision) REQUIRE r.number IS UNIQUE"
    ),
    "constraint_session_hash": Statement(
        "CREATE CONSTRAINT kg_session_hash IF NOT EXISTS FOR (s:Session) REQUIRE s.hash IS UNIQUE"
    ),
    "constraint_token_hash": Statement(
        "CREATE CONSTRAINT kg_token_hash IF NOT EXISTS FOR (t:Token) REQUIRE t.hash IS UNIQUE"
    ),
    "constraint_case_id": Statement(
        "CREATE CONSTRAINT kg_case_id IF NOT EXISTS FOR (c:Case) REQUIRE c.id IS UNIQUE"
    ),
    "constraint_proposal_id": Statement(
        "CREATE CONSTRAINT kg_proposal_id IF NOT EXISTS "
        "FOR (p:StatusProposal) REQUIRE p.id IS UNIQUE"
    ),
    "index_proposal_system": Statement(
        "CREATE INDEX kg_proposal_system IF NOT EXISTS "
        "FOR (p:StatusProposal) ON (p.system, p.state)"
    ),
    "index_node_type": Statement(
        "CREATE INDEX kg_node_type IF NOT EXISTS FOR (n:KgNode) ON (n.type)"
    ),
    "index_change": Statement(
        "CREATE INDEX kg_change IF NOT EXISTS FOR (c:Change) ON (c.revision, c.seq)"
    ),
    "index_case_at": Statement("CREATE INDEX kg_case_at IF NOT EXISTS FOR (c:Case) ON (c.at)"),
    "index_outcome_at": Statement(
        "CREATE INDEX kg_outcome_at IF NOT EXISTS FOR (o:Outcome) ON (o.at)"
    ),
    "index_outcome_pair": Statement(
        "CREATE INDEX kg_outcome_pair IF NOT EXISTS FOR (o:Outcome) ON (o.symptom, o.cause)"
    ),
    "constraint_notice_key": Statement(
        # One notice per order and cause, whichever server or worker writes it.
        "CREATE CONSTRAINT kg_notice_key IF NOT EXISTS FOR (n:Notice) "
        "REQUIRE (n.order_no, n.cause) IS UNIQUE"
    ),
    "constraint_lease_name": Statement(
        "CREATE CONSTRAINT kg_lease_name IF NOT EXISTS FOR (l:Lease) REQUIRE l.name IS UNIQUE"
    ),
    "index_notice_at": Statement(
        "CREATE INDEX kg_notice_at IF NOT EXISTS FOR (n:Notice) ON (n.at)"
    ),
    "index_status_system": Statement(
        "CREATE INDEX kg_status_system IF NOT EXISTS FOR (s:SystemStatus) ON (s.system, s.id)"
    ),
    "create_meta": Statement(
        "MERGE (m:KgMeta {key: 'store'}) "
        "ON CREATE SET m.revision = 0, m.lock = 0, m.schema_version = $schema_version, "
        "m.next_token = 1, m.next_case = 1, m.next_outcome = 1, m.next_status = 1 "
        "RETURN m.schema_version AS schema_version",
        {"schema_version": "2"},
    ),
    # --- reading the graph --------------------------------------------------------
    "meta": Statement(
        "MATCH (m:KgMeta {key: 'store'}) "
        "RETURN m.revision AS revision, m.schema_version AS schema_version"
    ),
    "meta_counters": Statement(
        "MATCH (m:KgMeta {key: 'store'}) RETURN m.next_token AS next_token, "
        "m.next_case AS next_case, m.next_outcome AS next_outcome, m.next_status AS next_status, "
        "coalesce(m.next_candidate, 1) AS next_candidate, "
        "coalesce(m.next_proposal, 1) AS next_proposal, "
        "coalesce(m.next_notice, 1) AS next_notice"
    ),
    "all_nodes": Statement("MATCH (n:KgNode) RETURN n.id AS id, n.type AS type, n.data AS data"),
    "all_edges": Statement(
        "MATCH (s:KgNode)-[r]->(t:KgNode) "
        "RETURN s.id AS source, t.id AS target, r.type AS type, r.data AS data"
    ),
    "get_node": Statement(
        "MATCH (n:KgNode {id: $id}) RETURN n.id AS id, n.type AS type, n.data AS data",
        {"id": "x"},
    ),
    "get_edge": Statement(
        "MATCH (s:KgNode {id: $source})-[r]->(t:KgNode {id: $target}) "
        "RETURN s.id AS source, t.id AS target, r.type AS type, r.data AS data",
        {"source": "a", "target": "b"},
    ),
    "edges_touching": Statement(
        "MATCH (s:KgNode)-[r]->(t:KgNode) WHERE s.id = $id OR t.id = $id "
        "RETURN s.id AS source, t.id AS target, r.type AS type, r.data AS data",
        {"id": "x"},
    ),
    "symptom_paths": Statement(
        # For people in Neo4j Browser (README): a symptom's whole tree as a graph.
        "MATCH p = (s:Symptom {id: $symptom})-[:CAUSED_BY]->(:Cause)"
        "-[:TESTED_BY|RESOLVED_BY|DEPENDS_ON]->() RETURN p",
        {"symptom": "card_key_invalid"},
    ),
    # --- writing a revision (one transaction) -------------------------------------
    "claim_revision": Statement(
        # Writing the lock first takes the node's write lock, so the revision read
        # after it is the committed one: two change-sets can never both win.
        "MATCH (m:KgMeta {key: 'store'}) SET m.lock = m.lock + 1 "
        "WITH m WHERE m.revision = $expected SET m.revision = $expected + 1 "
        "RETURN m.revision AS revision",
        {"expected": 0},
    ),
    "current_revision_locked": Statement(
        "MATCH (m:KgMeta {key: 'store'}) RETURN m.revision AS revision"
    ),
    "delete_edges": Statement(
        "UNWIND $rows AS row "
        "MATCH (:KgNode {id: row.source})-[r]->(:KgNode {id: row.target}) DELETE r",
        {"rows": [{"source": "a", "target": "b"}]},
    ),
    "delete_nodes": Statement(
        "UNWIND $ids AS id MATCH (n:KgNode {id: id}) DELETE n", {"ids": ["x"]}
    ),
    "upsert_nodes": Statement(
        "UNWIND $rows AS row MERGE (n:KgNode {id: row.id}) "
        "SET n.type = row.type, n.title_zh = row.title_zh, n.title_en = row.title_en, "
        "n.data = row.data",
        {"rows": [_NODE]},
    ),
    **{f"label_{label.lower()}": _label_statement(label) for label in NODE_LABELS},
    **{f"create_{rel.lower()}": _edge_statement(rel) for rel in RELATIONSHIPS},
    "create_revision": Statement(
        "CREATE (r:Revision) SET r = $row",
        {"row": _REVISION},
    ),
    "create_changes": Statement(
        "UNWIND $rows AS row CREATE (c:Change) SET c = row",
        {"rows": [_CHANGE]},
    ),
    # --- history ---------------------------------------------------------------------
    "history": Statement(
        "MATCH (r:Revision) WHERE $before IS NULL OR r.number < $before "
        "RETURN r.number AS number, r.author AS author, r.at AS at, r.message AS message, "
        "r.change_count AS change_count, r.reverted_to AS reverted_to "
        "ORDER BY r.number DESC LIMIT $limit",
        {"before": None, "limit": 50},
    ),
    "changes_of": Statement(
        "MATCH (c:Change {revision: $revision}) "
        "RETURN c.revision AS revision, c.seq AS seq, c.action AS action, c.kind AS kind, "
        "c.key AS key, c.before AS before, c.after AS after ORDER BY c.seq",
        {"revision": 1},
    ),
    "changes_after": Statement(
        "MATCH (c:Change) WHERE c.revision > $revision "
        "RETURN c.revision AS revision, c.seq AS seq, c.action AS action, c.kind AS kind, "
        "c.key AS key, c.before AS before, c.after AS after "
        "ORDER BY c.revision DESC, c.seq DESC",
        {"revision": 1},
    ),
    # --- tokens -------------------------------------------------------------------
    "create_token": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_token = m.next_token + 1 "
        "WITH m.next_token - 1 AS id "
        "CREATE (t:Token {id: id, name: $name, role: $role, hash: $hash, "
        "created_at: $created_at}) RETURN t.id AS id",
        {"name": "n", "role": "agent", "hash": "h", "created_at": "t"},
    ),
    "verify_token": Statement(
        "MATCH (t:Token {hash: $hash}) WHERE t.revoked_at IS NULL "
        "RETURN t.id AS id, t.name AS name, t.role AS role, t.created_at AS created_at, "
        "t.revoked_at AS revoked_at",
        {"hash": "h"},
    ),
    "revoke_token": Statement(
        "MATCH (t:Token {name: $name}) WHERE t.revoked_at IS NULL "
        "SET t.revoked_at = $at RETURN count(t) AS revoked",
        {"name": "n", "at": "t"},
    ),
    "list_tokens": Statement(
        "MATCH (t:Token) RETURN t.id AS id, t.name AS name, t.role AS role, "
        "t.created_at AS created_at, t.revoked_at AS revoked_at ORDER BY t.id"
    ),
    # --- page sessions (beside the tokens they log in with) ---------------------------
    "purge_sessions": Statement(
        "MATCH (s:Session) WHERE s.last_seen < $oldest DETACH DELETE s", {"oldest": 0.0}
    ),
    "create_session": Statement(
        "MATCH (t:Token {id: $token_id}) "
        "CREATE (s:Session {hash: $hash, created_at: $created_at, last_seen: $now})"
        "-[:SESSION_OF]->(t)",
        {"token_id": 1, "hash": "h", "created_at": "t", "now": 0.0},
    ),
    "session_token": Statement(
        "MATCH (s:Session {hash: $hash})-[:SESSION_OF]->(t:Token) WHERE t.revoked_at IS NULL "
        "RETURN t.id AS id, t.name AS name, t.role AS role, t.created_at AS created_at, "
        "t.revoked_at AS revoked_at, s.last_seen AS last_seen",
        {"hash": "h"},
    ),
    "touch_session": Statement(
        "MATCH (s:Session {hash: $hash}) SET s.last_seen = $now", {"hash": "h", "now": 0.0}
    ),
    "end_session": Statement("MATCH (s:Session {hash: $hash}) DETACH DELETE s", {"hash": "h"}),
    # --- records --------------------------------------------------------------------
    # One statement per counter: Cypher 5 before 5.26 cannot SET a property named by a parameter.
    "next_case": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_case = m.next_case + 1 "
        "RETURN m.next_case - 1 AS id"
    ),
    "next_outcome": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_outcome = m.next_outcome + 1 "
        "RETURN m.next_outcome - 1 AS id"
    ),
    "next_status": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_status = m.next_status + 1 "
        "RETURN m.next_status - 1 AS id"
    ),
    "next_candidate": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_candidate = coalesce(m.next_candidate, 1) + 1 "
        "RETURN m.next_candidate - 1 AS id"
    ),
    "create_case": Statement("CREATE (c:Case) SET c = $row", {"row": _CASE}),
    "get_case": Statement("MATCH (c:Case {id: $id}) RETURN c {.*} AS row", {"id": 1}),
    "case_by_ref": Statement("MATCH (c:Case {ref: $ref}) RETURN c {.*} AS row", {"ref": "c"}),
    "cases_between": Statement(
        "MATCH (c:Case) WHERE c.at >= $since AND c.at < $until "
        "RETURN c {.*} AS row ORDER BY c.at, c.id",
        {"since": "a", "until": "b"},
    ),
    "create_outcome": Statement("CREATE (o:Outcome) SET o = $row", {"row": _OUTCOME}),
    "revise_case_outcomes": Statement(
        "MATCH (o:Outcome {case_id: $case_id}) WHERE coalesce(o.state, 'active') = 'active' "
        "SET o.state = 'revised', o.changed_by = $author, o.changed_at = $at",
        {"case_id": 1, "author": "a", "at": "t"},
    ),
    "get_outcome": Statement("MATCH (o:Outcome {id: $id}) RETURN o {.*} AS row", {"id": 1}),
    "case_outcome": Statement(
        "MATCH (o:Outcome {case_id: $case_id}) WHERE coalesce(o.state, 'active') = 'active' "
        "RETURN o {.*} AS row ORDER BY o.id DESC LIMIT 1",
        {"case_id": 1},
    ),
    "revert_outcome": Statement(
        "MATCH (o:Outcome {id: $id}) WHERE coalesce(o.state, 'active') = 'active' "
        "SET o.state = 'reverted', o.changed_by = $author, o.changed_at = $at "
        "RETURN o {.*} AS row",
        {"id": 1, "author": "a", "at": "t"},
    ),
    "outcomes_between": Statement(
        "MATCH (o:Outcome) WHERE o.at >= $since AND o.at < $until "
        "RETURN o {.*} AS row ORDER BY o.at, o.id LIMIT $limit",
        {"since": "a", "until": "b", "limit": 10},
    ),
    "outcome_counts": Statement(
        "MATCH (o:Outcome) WHERE coalesce(o.state, 'active') = 'active' "
        "RETURN o.symptom AS symptom, o.cause AS cause, count(o) AS n"
    ),
    "outcome_version": Statement(
        "MATCH (o:Outcome) RETURN coalesce(max(o.id), 0) AS n, count(o.changed_at) AS changed"
    ),
    "similar_outcomes": Statement(
        "MATCH (o:Outcome {symptom: $symptom, cause: $cause}) "
        "WHERE coalesce(o.state, 'active') = 'active' AND "
        "(($product IS NOT NULL AND o.product = $product) "
        "OR ($supplier IS NOT NULL AND o.supplier = $supplier)) "
        "RETURN o {.*} AS row ORDER BY o.at DESC, o.id DESC LIMIT $limit",
        {"symptom": "s", "cause": "c", "product": None, "supplier": None, "limit": 3},
    ),
    "get_candidate": Statement("MATCH (d:Candidate {id: $id}) RETURN d {.*} AS row", {"id": 1}),
    "case_candidate": Statement(
        "MATCH (d:Candidate {case_id: $case_id}) RETURN d {.*} AS row", {"case_id": 1}
    ),
    "create_candidate": Statement("CREATE (d:Candidate) SET d = $row", {"row": _CANDIDATE}),
    "follow_candidate": Statement(
        "MATCH (d:Candidate {case_id: $case_id, state: 'open'}) SET d.symptom = $symptom",
        {"case_id": 1, "symptom": "s"},
    ),
    "candidates_in_state": Statement(
        "MATCH (d:Candidate {state: $state}) RETURN d {.*} AS row ORDER BY d.id LIMIT $limit",
        {"state": "open", "limit": 100},
    ),
    "decide_candidate": Statement(
        "MATCH (d:Candidate {id: $id, state: 'open'}) "
        "SET d.state = $state, d.decided_by = $author, d.decided_at = $at RETURN d {.*} AS row",
        {"id": 1, "state": "accepted", "author": "a", "at": "t"},
    ),
    # Retention: old cases with what hangs on them, and statuses but each system's latest.
    "purge_candidates": Statement(
        "MATCH (c:Case) WHERE c.at < $before MATCH (d:Candidate {case_id: c.id}) "
        "DETACH DELETE d RETURN count(d) AS n",
        {"before": "t"},
    ),
    "purge_outcomes": Statement(
        "MATCH (o:Outcome) WHERE o.at < $before OR EXISTS { "
        "MATCH (c:Case {id: o.case_id}) WHERE c.at < $before } "
        "DETACH DELETE o RETURN count(o) AS n",
        {"before": "t"},
    ),
    "purge_cases": Statement(
        "MATCH (c:Case) WHERE c.at < $before DETACH DELETE c RETURN count(c) AS n",
        {"before": "t"},
    ),
    "purge_statuses": Statement(
        "MATCH (s:SystemStatus) WITH s.system AS system, max(s.id) AS latest "
        "MATCH (s:SystemStatus {system: system}) WHERE s.at < $before AND s.id <> latest "
        "DETACH DELETE s RETURN count(s) AS n",
        {"before": "t"},
    ),
    # System-status proposals: one open per system, under the meta node's write lock.
    "lock_proposals": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_proposal = coalesce(m.next_proposal, 1) "
        "RETURN m.next_proposal AS id"
    ),
    "next_proposal": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_proposal = coalesce(m.next_proposal, 1) + 1 "
        "RETURN m.next_proposal - 1 AS id"
    ),
    "open_proposal": Statement(
        "MATCH (p:StatusProposal {system: $system, state: 'open'}) RETURN p {.*} AS row",
        {"system": "s"},
    ),
    "refresh_proposal": Statement(
        "MATCH (p:StatusProposal {id: $id, state: 'open'}) SET p.updated_at = $at, "
        "p.status = $status, p.cause = $cause, p.evidence = $evidence RETURN p {.*} AS row",
        {"id": 1, "at": "t", "status": "down", "cause": "c", "evidence": "{}"},
    ),
    "create_proposal": Statement("CREATE (p:StatusProposal) SET p = $row", {"row": _PROPOSAL}),
    "get_proposal": Statement("MATCH (p:StatusProposal {id: $id}) RETURN p {.*} AS row", {"id": 1}),
    "proposals_listed": Statement(
        "MATCH (p:StatusProposal) WHERE ($state IS NULL OR p.state = $state) "
        "AND ($system IS NULL OR p.system = $system) "
        "RETURN p {.*} AS row ORDER BY p.id DESC LIMIT $limit",
        {"state": "open", "system": None, "limit": 100},
    ),
    "decide_proposal": Statement(
        "MATCH (p:StatusProposal {id: $id, state: 'open'}) SET p.state = $state, "
        "p.decided_by = $author, p.decided_at = $at, p.note = $note RETURN p {.*} AS row",
        {"id": 1, "state": "accepted", "author": "a", "at": "t", "note": None},
    ),
    "purge_proposals": Statement(
        "MATCH (p:StatusProposal) WHERE p.state <> 'open' AND p.decided_at < $before "
        "DETACH DELETE p RETURN count(p) AS n",
        {"before": "t"},
    ),
    "create_status": Statement("CREATE (s:SystemStatus) SET s = $row", {"row": _STATUS}),
    "current_statuses": Statement(
        "MATCH (s:SystemStatus) WITH s.system AS system, max(s.id) AS latest "
        "MATCH (s:SystemStatus {system: system, id: latest}) "
        "RETURN s {.*} AS row ORDER BY system"
    ),
    "status_history": Statement(
        "MATCH (s:SystemStatus {system: $system}) "
        "RETURN s {.*} AS row ORDER BY s.id DESC LIMIT $limit",
        {"system": "s", "limit": 50},
    ),
    # --- proactive notices and the watcher's lease ---------------------------------------
    "next_notice": Statement(
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_notice = coalesce(m.next_notice, 1) + 1 "
        "RETURN m.next_notice - 1 AS id"
    ),
    "create_notice": Statement(
        # MERGE on the unique key: an order and cause noticed already stays as it was.
        "MERGE (n:Notice {order_no: $row.order_no, cause: $row.cause}) "
        "ON CREATE SET n = $row RETURN n.id = $row.id AS created",
        {"row": _NOTICE},
    ),
    "noticed_orders": Statement(
        "MATCH (n:Notice) WHERE n.order_no IN $order_nos RETURN DISTINCT n.order_no AS order_no",
        {"order_nos": ["o"]},
    ),
    "notices_since": Statement(
        "MATCH (n:Notice) WHERE n.at >= $since RETURN n {.*} AS row ORDER BY n.id LIMIT $limit",
        {"since": "t", "limit": 10},
    ),
    "notice_page": Statement(
        "MATCH (n:Notice) WHERE $before IS NULL OR n.id < $before "
        "RETURN n {.*} AS row ORDER BY n.id DESC LIMIT $limit",
        {"before": None, "limit": 10},
    ),
    "notices_due": Statement(
        "MATCH (n:Notice) WHERE n.sent_at IS NULL AND n.next_attempt_at IS NOT NULL "
        "AND n.next_attempt_at <= $now AND n.attempts < $max_attempts "
        "RETURN n {.*} AS row ORDER BY n.id LIMIT $limit",
        {"now": "t", "max_attempts": 8, "limit": 10},
    ),
    "claim_notice": Statement(
        "MATCH (n:Notice {id: $id}) WHERE n.attempts = $attempts AND n.sent_at IS NULL "
        "SET n.attempts = n.attempts + 1, n.next_attempt_at = $next_attempt_at "
        "RETURN count(n) AS n",
        {"id": 1, "attempts": 0, "next_attempt_at": "t"},
    ),
    "notice_sent": Statement(
        "MATCH (n:Notice {id: $id}) SET n.sent_at = $at, n.next_attempt_at = null, "
        "n.last_error = null",
        {"id": 1, "at": "t"},
    ),
    "notice_failed": Statement(
        "MATCH (n:Notice {id: $id}) SET n.last_error = $error", {"id": 1, "error": "e"}
    ),
    "take_lease": Statement(
        # MERGE takes the lease node's write lock, so two watchers never both win.
        "MERGE (l:Lease {name: $name}) "
        "ON CREATE SET l.holder = $holder, l.expires_at = $until "
        "WITH l SET l.lock = coalesce(l.lock, 0) + 1 "
        "WITH l WHERE l.holder = $holder OR l.expires_at < $now "
        "SET l.holder = $holder, l.expires_at = $until RETURN l.holder AS holder",
        {"name": "watch", "holder": "h", "now": "t", "until": "u"},
    ),
    "release_lease": Statement(
        "MATCH (l:Lease {name: $name, holder: $holder}) DELETE l", {"name": "watch", "holder": "h"}
    ),
    "purge_notices": Statement(
        "MATCH (n:Notice) WHERE n.at < $before DETACH DELETE n RETURN count(n) AS n",
        {"before": "t"},
    ),
    "all_notices_raw": Statement("MATCH (n:Notice) RETURN n {.*} AS row ORDER BY n.id"),
    "import_notices": Statement(
        "UNWIND $rows AS row CREATE (n:Notice) SET n = row", {"rows": [_NOTICE]}
    ),
    # --- tests only: empty a scratch database before each contract test --------------
    "wipe_for_tests": Statement(
        "MATCH (n) WHERE n:KgNode OR n:KgMeta OR n:Revision OR n:Change OR n:Token "
        "OR n:Case OR n:Outcome OR n:SystemStatus OR n:Candidate OR n:Promise OR n:Escalation "
        "OR n:StatusProposal OR n:Notice OR n:Lease "
        "DETACH DELETE n"
    ),
    # --- migration (kgdiag migrate) ---------------------------------------------------
    "all_tokens_raw": Statement("MATCH (t:Token) RETURN t {.*} AS row ORDER BY t.id"),
    "all_cases_raw": Statement("MATCH (c:Case) RETURN c {.*} AS row ORDER BY c.id"),
    "all_outcomes_raw": Statement("MATCH (o:Outcome) RETURN o {.*} AS row ORDER BY o.id"),
    "all_candidates_raw": Statement("MATCH (d:Candidate) RETURN d {.*} AS row ORDER BY d.id"),
    "all_statuses_raw": Statement("MATCH (s:SystemStatus) RETURN s {.*} AS row ORDER BY s.id"),
    "all_proposals_raw": Statement("MATCH (p:StatusProposal) RETURN p {.*} AS row ORDER BY p.id"),
    "import_proposals": Statement(
        "UNWIND $rows AS row CREATE (p:StatusProposal) SET p = row", {"rows": [_PROPOSAL]}
    ),
    "import_cases": Statement("UNWIND $rows AS row CREATE (c:Case) SET c = row", {"rows": [_CASE]}),
    "import_outcomes": Statement(
        "UNWIND $rows AS row CREATE (o:Outcome) SET o = row", {"rows": [_OUTCOME]}
    ),
    "import_candidates": Statement(
        "UNWIND $rows AS row CREATE (d:Candidate) SET d = row", {"rows": [_CANDIDATE]}
    ),
    "import_statuses": Statement(
        "UNWIND $rows AS row CREATE (s:SystemStatus) SET s = row", {"rows": [_STATUS]}
    ),
    "import_tokens": Statement(
        "UNWIND $rows AS row CREATE (t:Token) SET t = row", {"rows": [{"id": 1}]}
    ),
    "set_counters": Statement(
        # After an import: the next id of each kind follows the highest imported one.
        "MATCH (m:KgMeta {key: 'store'}) SET m.next_token = $next_token, "
        "m.next_case = $next_case, m.next_outcome = $next_outcome, m.next_status = $next_status, "
        "m.next_candidate = $next_candidate, m.next_proposal = $next_proposal, "
        "m.next_notice = $next_notice",
        {
            "next_token": 1,
            "next_case": 1,
            "next_outcome": 1,
            "next_status": 1,
            "next_candidate": 1,
            "next_proposal": 1,
            "next_notice": 1,
        },
    ),
}

STATEMENTS.update(_PROMISE_STATEMENTS)


def lint_payload() -> dict[str, Any]:
    """What ``tools/cypher-lint/lint.mjs`` reads: the schema and every statement."""
    return {
        "schema": {
            "labels": list(LABELS),
            "relationshipTypes": [*RELATIONSHIPS, SESSION_OF],
            "propertyKeys": list(PROPERTY_KEYS),
        },
        "statements": [
            {"name": name, "query": s.text, "parameters": s.example}
            for name, s in STATEMENTS.items()
        ],
    }


if __name__ == "__main__":  # python -m graph.neo4j_cypher | node tools/cypher-lint/lint.mjs
    json.dump(lint_payload(), sys.stdout, ensure_ascii=False)
