"""The Neo4j backend: the same store contract as SQLite, for teams sharing one graph.

Opened with a ``neo4j://``, ``neo4j+s://`` or ``bolt://`` URI (``--store`` or
``KGDIAG_NEO4J_URI``) and ``KGDIAG_NEO4J_USER`` / ``_PASSWORD`` /
``_DATABASE``. An unreachable server, wrong credentials or a database that
``kgdiag neo4j init`` never prepared is a :class:`StoreUnavailable` at start,
never a fallback to SQLite.

A change-set is one write transaction: it first claims the next revision on
the ``KgMeta`` node (whose write lock serialises writers, so of two
change-sets made against the same revision exactly one wins), validates with
the same ``plan_changeset`` as SQLite against the rows it reads inside the
transaction, then writes nodes, edges, the revision and its audited changes
in batched ``UNWIND $rows`` statements. Every statement is a named constant
in :mod:`graph.neo4j_cypher`, linted in CI.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from .errors import NotFound, StaleRevision, StoreUnavailable
from .integrity import plan_changeset
from .model import Change, ChangeSet, Edge, EdgeKey, GraphContent, Node, undo_change
from .neo4j_cypher import NODE_LABELS, STATEMENTS
from .neo4j_notices import Neo4jNotices
from .neo4j_promises import Neo4jPromises
from .neo4j_proposals import PROPOSAL_FIELDS, Neo4jProposals
from .neo4j_rows import (
    RELATIONSHIP_TYPES,
    change_from_row,
    change_row,
    edge_from_row,
    node_from_row,
    revision_from_row,
    revision_row,
    token_from_row,
    write_batch,
)
from .records import (
    Candidate,
    CaseRecord,
    Notice,
    Outcome,
    OutcomeCounts,
    SystemStatus,
    new_ref,
    now_text,
)
from .snapshot import Snapshot, build_snapshot
from .store import (
    SESSION_KEEP_SECONDS,
    SESSION_TOUCH_SECONDS,
    RevisionInfo,
    Role,
    TokenInfo,
    check_new_token,
    hash_token,
    new_session_id,
    new_token,
    revert_changes,
)

__all__ = ["NEO4J_SCHEMES", "Neo4jRecords", "Neo4jStore", "init_neo4j"]

NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
SCHEMA_VERSION = "2"
_COUNTERS = (
    "next_case",
    "next_outcome",
    "next_status",
    "next_candidate",
    "next_proposal",
    "next_notice",
)
_R = TypeVar("_R", CaseRecord, Outcome, SystemStatus, Candidate, Notice)


def _q(name: str) -> str:
    return STATEMENTS[name].text


class _TxReader:
    """A :class:`~graph.integrity.StateReader` inside the write transaction."""

    def __init__(self, tx: Any) -> None:
        self.tx = tx

    def get_node(self, node_id: str) -> Node | None:
        row = self.tx.run(_q("get_node"), id=node_id).single()
        return node_from_row(row) if row else None

    def get_edge(self, key: EdgeKey) -> Edge | None:
        row = self.tx.run(_q("get_edge"), source=key[0], target=key[1]).single()
        return edge_from_row(row) if row else None

    def edges_touching(self, node_id: str) -> Iterable[Edge]:
        return [edge_from_row(r) for r in self.tx.run(_q("edges_touching"), id=node_id)]


def _driver(uri: str) -> Any:
    from neo4j import GraphDatabase

    user = os.environ.get("KGDIAG_NEO4J_USER", "neo4j")
    password = os.environ.get("KGDIAG_NEO4J_PASSWORD", "")
    return GraphDatabase.driver(uri, auth=(user, password))


def init_neo4j(uri: str) -> None:
    """``kgdiag neo4j init``: constraints, indexes and the store's meta node (idempotent)."""
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    database = os.environ.get("KGDIAG_NEO4J_DATABASE") or None
    try:
        with _driver(uri) as driver, driver.session(database=database) as session:
            for name in STATEMENTS:
                if name.startswith(("constraint_", "index_")):
                    session.run(_q(name)).consume()
            session.run(_q("create_meta"), schema_version=SCHEMA_VERSION).consume()
    except (ServiceUnavailable, Neo4jError, ValueError) as err:
        raise StoreUnavailable(f"cannot prepare Neo4j at {uri}: {err}") from err


class Neo4jStore:
    """A :class:`~graph.store.GraphStore` on Neo4j (official ``neo4j`` driver)."""

    def __init__(self, uri: str) -> None:
        from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

        self.uri = uri
        self.database = os.environ.get("KGDIAG_NEO4J_DATABASE") or None
        try:
            self._driver = _driver(uri)
            self._driver.verify_connectivity()
            meta = self._read("meta")
        except (ServiceUnavailable, AuthError, Neo4jError, ValueError) as err:
            raise StoreUnavailable(f"cannot reach Neo4j at {uri}: {err}") from err
        if not meta:
            raise StoreUnavailable(f"{uri} is not a kgdiag store: run `kgdiag neo4j init` first")
        if meta[0]["schema_version"] != SCHEMA_VERSION:
            raise StoreUnavailable(f"{uri} has store schema {meta[0]['schema_version']!r}")
        self._snapshot: Snapshot | None = None
        self._snapshot_lock = threading.Lock()
        self._records = Neo4jRecords(self)

    # --- plumbing -----------------------------------------------------------------

    def _read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        from neo4j import RoutingControl

        records, _, _ = self._driver.execute_query(
            _q(name), params, database_=self.database, routing_=RoutingControl.READ
        )
        return [dict(r) for r in records]

    def _write(self, work: Any) -> Any:
        with self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    @property
    def records(self) -> Neo4jRecords:
        return self._records

    def close(self) -> None:
        self._driver.close()

    # --- reading --------------------------------------------------------------------

    def revision(self) -> int:
        return int(self._read("meta")[0]["revision"])

    def _content(self) -> tuple[int, GraphContent]:
        from neo4j import READ_ACCESS

        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as s:

            def read(tx: Any) -> tuple[int, GraphContent]:
                revision = int(tx.run(_q("meta")).single()["revision"])
                content = GraphContent()
                for row in tx.run(_q("all_nodes")):
                    node = node_from_row(row)
                    content.nodes[node.id] = node
                for row in tx.run(_q("all_edges")):
                    edge = edge_from_row(row)
                    content.edges[edge.key] = edge
                return revision, content

            result: tuple[int, GraphContent] = s.execute_read(read)
            return result

    def snapshot(self) -> Snapshot:
        cached = self._snapshot
        if cached is not None and cached.revision == self.revision():
            return cached
        with self._snapshot_lock:
            revision, content = self._content()
            self._snapshot = build_snapshot(revision, content)
            return self._snapshot

    def history(self, *, limit: int = 50, before: int | None = None) -> list[RevisionInfo]:
        return [revision_from_row(r) for r in self._read("history", limit=limit, before=before)]

    def changes(self, revision: int) -> list[Change]:
        return [change_from_row(r) for r in self._read("changes_of", revision=revision)]

    def content_at(self, revision: int) -> GraphContent:
        current, content = self._content()
        if not 0 <= revision <= current:
            raise NotFound(f"no revision {revision} (the graph is at {current})")
        for row in self._read("changes_after", revision=revision):
            if int(row["revision"]) <= current:
                undo_change(content, change_from_row(row))
        return content

    # --- writing --------------------------------------------------------------------

    def _commit(self, tx: Any, info: RevisionInfo, planned: list[Change]) -> None:
        self._write_changes(tx, planned)
        tx.run(_q("create_revision"), row=revision_row(info)).consume()
        rows = [change_row(info.revision, seq, c) for seq, c in enumerate(planned)]
        tx.run(_q("create_changes"), rows=rows).consume()

    def apply(
        self,
        changes: ChangeSet,
        *,
        expected_revision: int,
        author: str,
        message: str = "",
        reverted_to: int | None = None,
    ) -> RevisionInfo:
        def work(tx: Any) -> RevisionInfo:
            claimed = tx.run(_q("claim_revision"), expected=expected_revision).single()
            if claimed is None:
                current = int(tx.run(_q("current_revision_locked")).single()["revision"])
                raise StaleRevision(expected_revision, current)
            planned = plan_changeset(changes, _TxReader(tx))
            info = RevisionInfo(
                expected_revision + 1, author, now_text(), message, len(planned), reverted_to
            )
            self._commit(tx, info, planned)
            return info

        result: RevisionInfo = self._write(work)
        return result

    # --- migration (kgdiag migrate) ---------------------------------------------

    def import_revision(self, info: RevisionInfo, changes: list[Change]) -> None:
        """Write another store's revision verbatim (see ``SqliteStore.import_revision``)."""

        def work(tx: Any) -> None:
            if tx.run(_q("claim_revision"), expected=info.revision - 1).single() is None:
                current = int(tx.run(_q("current_revision_locked")).single()["revision"])
                raise StaleRevision(info.revision - 1, current)
            self._commit(tx, info, changes)

        self._write(work)

    def raw_tokens(self) -> list[dict[str, Any]]:
        fields = ("id", "name", "role", "hash", "created_at", "revoked_at")
        return [{f: r["row"].get(f) for f in fields} for r in self._read("all_tokens_raw")]

    def import_tokens(self, rows: list[dict[str, Any]]) -> None:
        def work(tx: Any) -> None:
            tx.run(_q("import_tokens"), rows=rows).consume()

        self._write(work)
        self._records.set_counters(next_token=max((int(r["id"]) for r in rows), default=0) + 1)

    @staticmethod
    def _write_changes(tx: Any, planned: list[Change]) -> None:
        batch = write_batch(planned)
        if batch.edge_deletes:
            tx.run(_q("delete_edges"), rows=batch.edge_deletes).consume()
        if batch.node_deletes:
            tx.run(_q("delete_nodes"), ids=batch.node_deletes).consume()
        if batch.node_upserts:
            tx.run(_q("upsert_nodes"), rows=batch.node_upserts).consume()
        for label in NODE_LABELS:
            if batch.labels.get(label):
                tx.run(_q(f"label_{label.lower()}"), ids=batch.labels[label]).consume()
        for edge_type, rows in batch.edge_upserts.items():
            statement = f"create_{RELATIONSHIP_TYPES[edge_type].lower()}"
            tx.run(_q(statement), rows=rows).consume()

    def revert(
        self, to_revision: int, *, expected_revision: int, author: str, message: str = ""
    ) -> RevisionInfo:
        return self.apply(
            revert_changes(self, to_revision, expected_revision),
            expected_revision=expected_revision,
            author=author,
            message=message or f"revert to revision {to_revision}",
            reverted_to=to_revision,
        )

    # --- tokens -----------------------------------------------------------------------

    def create_token(self, role: Role, name: str) -> str:
        check_new_token(role, name)
        token = new_token()

        def work(tx: Any) -> None:
            tx.run(
                _q("create_token"),
                name=name,
                role=role,
                hash=hash_token(token),
                created_at=now_text(),
            ).consume()

        self._write(work)
        return token

    def verify_token(self, token: str) -> TokenInfo | None:
        rows = self._read("verify_token", hash=hash_token(token))
        return token_from_row(rows[0]) if rows else None

    def revoke_token(self, name: str) -> int:
        def work(tx: Any) -> int:
            return int(tx.run(_q("revoke_token"), name=name, at=now_text()).single()["revoked"])

        result: int = self._write(work)
        return result

    def list_tokens(self) -> list[TokenInfo]:
        return [token_from_row(r) for r in self._read("list_tokens")]

    # --- page sessions ----------------------------------------------------------------

    def create_session(self, token_id: int) -> str:
        session_id = new_session_id()
        now = time.time()

        def work(tx: Any) -> None:
            tx.run(_q("purge_sessions"), oldest=now - SESSION_KEEP_SECONDS).consume()
            tx.run(
                _q("create_session"),
                token_id=token_id,
                hash=hash_token(session_id),
                created_at=now_text(),
                now=now,
            ).consume()

        self._write(work)
        return session_id

    def session_token(self, session_id: str, idle_seconds: float) -> TokenInfo | None:
        key = hash_token(session_id)
        rows = self._read("session_token", hash=key)
        now = time.time()
        if not rows or now - float(rows[0]["last_seen"]) > idle_seconds:
            return None
        if now - float(rows[0]["last_seen"]) > SESSION_TOUCH_SECONDS:
            self._write(lambda tx: tx.run(_q("touch_session"), hash=key, now=now).consume())
        return token_from_row(rows[0])

    def end_session(self, session_id: str) -> None:
        key = hash_token(session_id)
        self._write(lambda tx: tx.run(_q("end_session"), hash=key).consume())


class Neo4jRecords(Neo4jPromises, Neo4jProposals, Neo4jNotices):
    """Cases, outcomes and system status as nodes; ids from counters on ``KgMeta``
    (the promise ledger from ``Neo4jPromises``, the proposals from ``neo4j_proposals``,
    notices and the watcher's lease from ``neo4j_notices``)."""

    def __init__(self, store: Neo4jStore) -> None:
        self._store = store
        self._counts: OutcomeCounts | None = None
        self._lock = threading.Lock()

    def _create(self, counter: str, statement: str, row: dict[str, Any]) -> dict[str, Any]:
        assert counter in _COUNTERS  # names one of the counter statements

        def work(tx: Any) -> dict[str, Any]:
            new_id = int(tx.run(_q(counter)).single()["id"])
            full = {"id": new_id, "at": now_text(), **row}
            tx.run(_q(statement), row=full).consume()
            return full

        result: dict[str, Any] = self._store._write(work)
        return result

    def raw_records(self) -> dict[str, list[dict[str, Any]]]:
        """Every record, ids included, by the SQLite table names (the migration's format)."""
        return {
            "cases": [dataclasses.asdict(_as(CaseRecord, r)) for r in self._rows("all_cases_raw")],
            "outcomes": [
                dataclasses.asdict(_as(Outcome, r)) for r in self._rows("all_outcomes_raw")
            ],
            "candidates": [
                dataclasses.asdict(_as(Candidate, r)) for r in self._rows("all_candidates_raw")
            ],
            "system_status": [
                dataclasses.asdict(_as(SystemStatus, r)) for r in self._rows("all_statuses_raw")
            ],
            **self.raw_promise_records(),
            "status_proposals": [
                {name: row.get(name) for name in PROPOSAL_FIELDS}
                for row in self._rows("all_proposals_raw")
            ],
            "notices": [dataclasses.asdict(_as(Notice, r)) for r in self._rows("all_notices_raw")],
        }

    def import_records(self, records: dict[str, list[dict[str, Any]]]) -> None:
        statements = {
            "cases": "import_cases",
            "outcomes": "import_outcomes",
            "candidates": "import_candidates",
            "system_status": "import_statuses",
            "status_proposals": "import_proposals",
            "notices": "import_notices",
        }

        def work(tx: Any) -> None:
            for table, statement in statements.items():
                if records.get(table):
                    tx.run(_q(statement), rows=records[table]).consume()

        self._store._write(work)

        def next_id(table: str) -> int:
            return max((int(r["id"]) for r in records.get(table, [])), default=0) + 1

        self.set_counters(
            next_case=next_id("cases"),
            next_outcome=next_id("outcomes"),
            next_status=next_id("system_status"),
            next_candidate=next_id("candidates"),
            next_proposal=next_id("status_proposals"),
            next_notice=next_id("notices"),
        )
        self.import_promise_records(records)

    def set_counters(self, **counters: int) -> None:
        """Move the id counters past imported rows (the others keep their values)."""
        current = self._store._read("meta_counters")[0]
        values = {name: int(current[name]) for name in ("next_token", *_COUNTERS)}
        values.update(counters)

        def work(tx: Any) -> None:
            tx.run(_q("set_counters"), **values).consume()

        self._store._write(work)

    def _rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return [dict(r["row"]) for r in self._store._read(name, **params)]

    def record_case(self, **fields: Any) -> CaseRecord:
        row = {"message": None, "channel": None, **fields, "ref": new_ref()}
        return _as(CaseRecord, self._create("next_case", "create_case", row))

    def get_case(self, case_id: int) -> CaseRecord | None:
        rows = self._rows("get_case", id=case_id)
        return _as(CaseRecord, rows[0]) if rows else None

    def case_by_ref(self, ref: str) -> CaseRecord | None:
        rows = self._rows("case_by_ref", ref=ref)
        return _as(CaseRecord, rows[0]) if rows else None

    def cases(self, *, since: str, until: str) -> list[CaseRecord]:
        return [_as(CaseRecord, r) for r in self._rows("cases_between", since=since, until=until)]

    def record_outcome(self, **fields: Any) -> Outcome:
        def work(tx: Any) -> dict[str, Any]:
            at = now_text()
            if fields.get("case_id") is not None:
                tx.run(
                    _q("revise_case_outcomes"),
                    case_id=fields["case_id"],
                    author=fields["author"],
                    at=at,
                ).consume()
            new_id = int(tx.run(_q("next_outcome")).single()["id"])
            full = {"id": new_id, "at": at, **fields, "state": "active"}
            full.update(changed_by=None, changed_at=None)
            tx.run(_q("create_outcome"), row=full).consume()
            return full

        return _as(Outcome, self._store._write(work))

    def get_outcome(self, outcome_id: int) -> Outcome | None:
        rows = self._rows("get_outcome", id=outcome_id)
        return _as(Outcome, rows[0]) if rows else None

    def case_outcome(self, case_id: int) -> Outcome | None:
        rows = self._rows("case_outcome", case_id=case_id)
        return _as(Outcome, rows[0]) if rows else None

    def revert_outcome(self, outcome_id: int, *, author: str) -> Outcome | None:
        def work(tx: Any) -> list[dict[str, Any]]:
            result = tx.run(_q("revert_outcome"), id=outcome_id, author=author, at=now_text())
            return [dict(r["row"]) for r in result]

        rows: list[dict[str, Any]] = self._store._write(work)
        return _as(Outcome, rows[0]) if rows else None

    def outcomes(self, *, since: str, until: str, limit: int = 10_000) -> list[Outcome]:
        rows = self._rows("outcomes_between", since=since, until=until, limit=limit)
        return [_as(Outcome, r) for r in rows]

    def outcome_counts(self) -> OutcomeCounts:
        row = self._store._read("outcome_version")[0]
        version = (int(row["n"]), int(row["changed"]))
        cached = self._counts
        if cached is not None and cached.version == version:
            return cached
        with self._lock:
            by_symptom: dict[str, dict[str, int]] = {}
            for row in self._store._read("outcome_counts"):
                by_symptom.setdefault(row["symptom"], {})[row["cause"]] = int(row["n"])
            self._counts = OutcomeCounts(version, by_symptom)
            return self._counts

    def similar_outcomes(
        self,
        *,
        symptom: str,
        cause: str,
        product: str | None,
        supplier: str | None,
        limit: int = 3,
    ) -> list[Outcome]:
        if product is None and supplier is None:
            return []
        rows = self._rows(
            "similar_outcomes",
            symptom=symptom,
            cause=cause,
            product=product,
            supplier=supplier,
            limit=limit,
        )
        return [_as(Outcome, r) for r in rows]

    def propose_candidate(self, *, case_id: int, symptom: str, text: str, lang: str) -> Candidate:
        def work(tx: Any) -> dict[str, Any]:
            found = [dict(r["row"]) for r in tx.run(_q("case_candidate"), case_id=case_id)]
            if found:
                tx.run(_q("follow_candidate"), case_id=case_id, symptom=symptom).consume()
                again = tx.run(_q("case_candidate"), case_id=case_id).single()
                return dict(again["row"])
            new_id = int(tx.run(_q("next_candidate")).single()["id"])
            row = {
                "id": new_id,
                "at": now_text(),
                "case_id": case_id,
                "symptom": symptom,
                "text": text,
                "lang": lang,
                "state": "open",
                "decided_by": None,
                "decided_at": None,
            }
            tx.run(_q("create_candidate"), row=row).consume()
            return row

        return _as(Candidate, self._store._write(work))

    def candidates(self, *, state: str, limit: int = 100) -> list[Candidate]:
        rows = self._rows("candidates_in_state", state=state, limit=limit)
        return [_as(Candidate, r) for r in rows]

    def get_candidate(self, candidate_id: int) -> Candidate | None:
        rows = self._rows("get_candidate", id=candidate_id)
        return _as(Candidate, rows[0]) if rows else None

    def decide_candidate(self, candidate_id: int, *, state: str, author: str) -> Candidate | None:
        def work(tx: Any) -> list[dict[str, Any]]:
            result = tx.run(
                _q("decide_candidate"), id=candidate_id, state=state, author=author, at=now_text()
            )
            return [dict(r["row"]) for r in result]

        rows: list[dict[str, Any]] = self._store._write(work)
        return _as(Candidate, rows[0]) if rows else None

    def purge(self, *, before: str) -> dict[str, int]:
        def work(tx: Any) -> dict[str, int]:
            return {
                **self.purge_promise_records(tx, before),
                **{
                    table: int(tx.run(_q(statement), before=before).single()["n"])
                    for table, statement in (
                        ("candidates", "purge_candidates"),
                        ("outcomes", "purge_outcomes"),
                        ("cases", "purge_cases"),
                        ("system_status", "purge_statuses"),
                        ("status_proposals", "purge_proposals"),
                        ("notices", "purge_notices"),
                    )
                },
            }

        counts: dict[str, int] = self._store._write(work)
        self._counts = None
        return counts

    def set_system_status(
        self, *, system: str, status: str, note: str, eta: str | None, author: str
    ) -> SystemStatus:
        row = {"system": system, "status": status, "note": note, "eta": eta, "author": author}
        return _as(SystemStatus, self._create("next_status", "create_status", row))

    def current_system_statuses(self) -> list[SystemStatus]:
        return [_as(SystemStatus, r) for r in self._rows("current_statuses")]

    def system_status_history(self, system: str, *, limit: int = 50) -> list[SystemStatus]:
        return [
            _as(SystemStatus, r) for r in self._rows("status_history", system=system, limit=limit)
        ]


def _as(cls: type[_R], row: Mapping[str, Any]) -> _R:
    """A record from a node's properties; Neo4j drops null ones, so they come back as None."""
    return cls(**{f.name: row.get(f.name) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]
