"""The embedded SQLite backend: one file, WAL, every change audited.

Each change-set is one ``BEGIN IMMEDIATE`` transaction: it checks the
expected revision, validates against the rows it reads inside the same
transaction, writes the rows, the revision and its audited changes, and
commits. A process killed half-way leaves nothing behind (SQLite rolls the
journal back on the next open), so the previous revision stays intact.
``synchronous=FULL`` makes an acknowledged edit survive a crash.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from .errors import NotFound, StaleRevision, StoreUnavailable
from .integrity import plan_changeset
from .model import (
    Change,
    ChangeSet,
    Edge,
    EdgeKey,
    GraphContent,
    Node,
    content_from_records,
    undo_change,
)
from .records import new_ref, now_text
from .snapshot import Snapshot, build_snapshot
from .sqlite_records import (
    RECORDS_DDL,
    RECORDS_MIGRATION_3,
    RECORDS_MIGRATION_4,
    SqliteRecords,
)
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
from .writer_lock import WriterLock

_log = logging.getLogger(__name__)

__all__ = ["SqliteStore"]

SCHEMA_VERSION = "4"
"""1: graph, revisions, tokens. 2: adds cases, outcomes and system status.
3: case refs and words, outcome states, candidate utterances. 4: a case's
payment channel, system-status proposals."""

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS nodes_type ON nodes(type);
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL REFERENCES nodes(id),
    target TEXT NOT NULL REFERENCES nodes(id),
    type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (source, target));
CREATE INDEX IF NOT EXISTS edges_target ON edges(target);
CREATE TABLE IF NOT EXISTS revisions (
    revision INTEGER PRIMARY KEY, author TEXT NOT NULL, at TEXT NOT NULL,
    message TEXT NOT NULL, change_count INTEGER NOT NULL, reverted_to INTEGER);
CREATE TABLE IF NOT EXISTS changes (
    revision INTEGER NOT NULL REFERENCES revisions(revision), seq INTEGER NOT NULL,
    action TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
    before TEXT, after TEXT, PRIMARY KEY (revision, seq));
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
"""

_SESSIONS_DDL = """
CREATE TABLE IF NOT EXISTS sessions (
    hash TEXT PRIMARY KEY, token_id INTEGER NOT NULL REFERENCES tokens(id),
    created_at TEXT NOT NULL, last_seen REAL NOT NULL)
"""
"""Page sessions (issue 20): added to every store on open, no schema version needed."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class _Reader:
    """Reads current rows through one connection (inside its transaction)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get_node(self, node_id: str) -> Node | None:
        row = self.conn.execute("SELECT type, data FROM nodes WHERE id = ?", (node_id,)).fetchone()
        return None if row is None else Node(row[0], json.loads(row[1]))

    def get_edge(self, key: EdgeKey) -> Edge | None:
        row = self.conn.execute(
            "SELECT type, data FROM edges WHERE source = ? AND target = ?", key
        ).fetchone()
        return None if row is None else Edge(row[0], key[0], key[1], json.loads(row[1]))

    def edges_touching(self, node_id: str) -> Iterable[Edge]:
        rows = self.conn.execute(
            "SELECT type, source, target, data FROM edges WHERE source = ?1 OR target = ?1",
            (node_id,),
        )
        return [Edge(t, s, g, json.loads(d)) for t, s, g, d in rows]


def _owner_only(path: Path, *, create: bool) -> None:
    """Make the store file readable by its owner only, before SQLite opens it.

    It holds token hashes, case notes and order numbers. SQLite creates a new
    file 0644 (less the umask) and gives its -wal and -shm the database file's
    own mode, so creating it 0600 here covers all three; a store made by an
    older kgdiag is narrowed when its owner opens it (logged).
    """
    if not create and not path.exists():
        return  # SQLite's own error names it
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077 and path.stat().st_uid == os.geteuid():
            _log.warning("store %s was mode %o; narrowing it to 0600", path, mode)
            path.chmod(0o600)
            for suffix in ("-wal", "-shm"):
                sibling = path.with_name(path.name + suffix)
                if sibling.exists():
                    sibling.chmod(0o600)
    else:
        os.close(fd)


class SqliteStore:
    """The SQLite graph store. Safe to share between threads (one connection each)."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        self._local = threading.local()
        self._snapshot: Snapshot | None = None
        self._snapshot_lock = threading.Lock()
        self._writers = WriterLock(path)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        _owner_only(path, create=create)
        conn = self.connection()
        if create:
            conn.executescript(_DDL + RECORDS_DDL + ";" + _SESSIONS_DDL)
            conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
        version = self._meta("schema_version")
        if version == "1":
            self._migrate_from_1()
        elif version == "2":
            self._migrate_from_2()
        elif version == "3":
            self._migrate_from_3()
        elif version != SCHEMA_VERSION:
            raise StoreUnavailable(f"{path} is not a kgdiag store (schema version {version!r})")
        if self._meta("schema_version") is not None:
            self._add_sessions_table()
        self._records = SqliteRecords(self)

    def _add_sessions_table(self) -> None:
        exists = self.connection().execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'"
        )
        if exists.fetchone() is None:
            try:
                with self.transaction() as conn:
                    conn.execute(_SESSIONS_DDL)
            except sqlite3.OperationalError as err:  # a read-only copy: no page logins
                _log.warning("cannot add the sessions table to %s: %s", self.path, err)

    @property
    def records(self) -> SqliteRecords:
        return self._records

    def _migrate_from_1(self) -> None:
        """Add the record tables to a store made by kgdiag 0.1/0.2 (nothing else changes)."""
        with self.transaction() as conn:
            self._create_records(conn)

    def _migrate_from_2(self) -> None:
        """Give every old case an unguessable ref; outcomes start active (kgdiag 0.4)."""
        with self.transaction() as conn:
            for statement in (*RECORDS_MIGRATION_3, *RECORDS_MIGRATION_4):
                conn.execute(statement)
            ids = [row[0] for row in conn.execute("SELECT id FROM cases")]
            conn.executemany("UPDATE cases SET ref = ? WHERE id = ?", [(new_ref(), i) for i in ids])
            # Before: every outcome counted. Now a case counts once: its newest.
            conn.execute(
                "UPDATE outcomes SET state = 'revised' WHERE case_id IS NOT NULL AND id NOT IN"
                " (SELECT MAX(id) FROM outcomes WHERE case_id IS NOT NULL GROUP BY case_id)"
            )
            self._create_records(conn)

    def _migrate_from_3(self) -> None:
        """Cases gain their payment channel (none for the old ones); the
        proposals table is added (issue 23). Every case is kept as it was."""
        with self.transaction() as conn:
            for statement in RECORDS_MIGRATION_4:
                conn.execute(statement)
            self._create_records(conn)

    @staticmethod
    def _create_records(conn: sqlite3.Connection) -> None:
        for statement in RECORDS_DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION,))

    # --- connections -------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
            except sqlite3.DatabaseError as err:
                raise StoreUnavailable(f"cannot open {self.path}: {err}") from err
            self._local.conn = conn
        return conn

    def _meta(self, key: str) -> str | None:
        try:
            row = (
                self.connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            )
        except sqlite3.DatabaseError:
            return None
        return None if row is None else str(row[0])

    @contextmanager
    def transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction; a writing one (IMMEDIATE, EXCLUSIVE) waits its turn
        in the store's writer queue (``writer_lock``) rather than in SQLite's
        sleep-and-retry."""
        if mode == "DEFERRED":
            with self._transaction(mode) as conn:
                yield conn
            return
        with self._writers.held(), self._transaction(mode) as conn:
            yield conn

    @contextmanager
    def _transaction(self, mode: str) -> Iterator[sqlite3.Connection]:
        conn = self.connection()
        conn.execute(f"BEGIN {mode}")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- reading -----------------------------------------------------------

    @staticmethod
    def _revision(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT COALESCE(MAX(revision), 0) FROM revisions").fetchone()[0])

    def revision(self) -> int:
        return self._revision(self.connection())

    def _content(self, conn: sqlite3.Connection) -> GraphContent:
        nodes = [Node(t, json.loads(d)) for t, d in conn.execute("SELECT type, data FROM nodes")]
        edges = [
            Edge(t, s, g, json.loads(d))
            for t, s, g, d in conn.execute("SELECT type, source, target, data FROM edges")
        ]
        return content_from_records(nodes, edges)

    def snapshot(self) -> Snapshot:
        current = self.revision()
        cached = self._snapshot
        if cached is not None and cached.revision == current:
            return cached
        with self._snapshot_lock:
            cached = self._snapshot
            if cached is not None and cached.revision == self.revision():
                return cached
            with self.transaction("DEFERRED") as conn:
                revision = self._revision(conn)
                since = self._changes_since(conn, cached, revision)
                snapshot = (
                    cached.evolved(revision, since)
                    if cached is not None and since is not None
                    else None
                )
                if snapshot is None:
                    snapshot = build_snapshot(revision, self._content(conn))
            self._snapshot = snapshot
            return snapshot

    @staticmethod
    def _changes_since(
        conn: sqlite3.Connection, cached: Snapshot | None, revision: int
    ) -> list[Change] | None:
        """The audited changes from ``cached`` to ``revision``, when replaying
        them is cheaper than reading the graph: fewer than a quarter of its
        records (a big import or a long-idle worker reads the graph anew)."""
        if cached is None or not 0 <= cached.revision < revision:
            return None
        graph = cached.graph
        limit = max(64, (graph.number_of_nodes() + graph.number_of_edges()) // 4)
        rows = conn.execute(
            "SELECT action, kind, key, before, after FROM changes WHERE revision > ?"
            " AND revision <= ? ORDER BY revision, seq LIMIT ?",
            (cached.revision, revision, limit + 1),
        ).fetchall()
        return None if len(rows) > limit else [_change_from_row(*row) for row in rows]

    def history(self, *, limit: int = 50, before: int | None = None) -> list[RevisionInfo]:
        rows = self.connection().execute(
            "SELECT revision, author, at, message, change_count, reverted_to FROM revisions"
            " WHERE revision < ? ORDER BY revision DESC LIMIT ?",
            (before if before is not None else 2**62, limit),
        )
        return [RevisionInfo(*row) for row in rows]

    def changes(self, revision: int) -> list[Change]:
        conn = self.connection()
        if (
            conn.execute("SELECT 1 FROM revisions WHERE revision = ?", (revision,)).fetchone()
            is None
        ):
            raise NotFound(f"no revision {revision}")
        rows = conn.execute(
            "SELECT action, kind, key, before, after FROM changes WHERE revision = ? ORDER BY seq",
            (revision,),
        )
        return [_change_from_row(*row) for row in rows]

    def content_at(self, revision: int) -> GraphContent:
        with self.transaction("DEFERRED") as conn:
            current = self._revision(conn)
            if not 0 <= revision <= current:
                raise NotFound(f"no revision {revision} (the graph is at {current})")
            content = self._content(conn)
            rows = conn.execute(
                "SELECT action, kind, key, before, after FROM changes WHERE revision > ?"
                " ORDER BY revision DESC, seq DESC",
                (revision,),
            ).fetchall()
        for row in rows:
            undo_change(content, _change_from_row(*row))
        return content

    # --- writing -----------------------------------------------------------

    def apply(
        self,
        changes: ChangeSet,
        *,
        expected_revision: int,
        author: str,
        message: str = "",
        reverted_to: int | None = None,
    ) -> RevisionInfo:
        with self.transaction() as conn:
            current = self._revision(conn)
            if current != expected_revision:
                raise StaleRevision(expected_revision, current)
            planned = plan_changeset(changes, _Reader(conn))
            conn.execute("PRAGMA defer_foreign_keys = ON")
            info = RevisionInfo(current + 1, author, now_text(), message, len(planned), reverted_to)
            self._commit(conn, info, planned)
        return info

    def _commit(self, conn: sqlite3.Connection, info: RevisionInfo, planned: list[Change]) -> None:
        """Write the changes, the revision and its audit rows (inside a transaction)."""
        conn.execute(
            "INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?)",
            (
                info.revision,
                info.author,
                info.at,
                info.message,
                info.change_count,
                info.reverted_to,
            ),
        )
        for seq, change in enumerate(planned):
            self._write(conn, change)
            conn.execute(
                "INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    info.revision,
                    seq,
                    change.action,
                    change.kind,
                    _dumps(change.key),
                    _opt_dumps(change.before),
                    _opt_dumps(change.after),
                ),
            )

    # --- migration (kgdiag migrate) ---------------------------------------------

    def import_revision(self, info: RevisionInfo, changes: list[Change]) -> None:
        """Write another store's revision verbatim (author, time, audit rows).

        The changes were validated when they were first made; replaying them
        in order over the same history gives the same graph.
        """
        with self.transaction() as conn:
            current = self._revision(conn)
            if current != info.revision - 1:
                raise StaleRevision(info.revision - 1, current)
            conn.execute("PRAGMA defer_foreign_keys = ON")
            self._commit(conn, info, changes)

    def raw_tokens(self) -> list[dict[str, Any]]:
        """Every token row with its hash (tokens move between stores, never in clear)."""
        cursor = self.connection().execute(
            "SELECT id, name, role, hash, created_at, revoked_at FROM tokens ORDER BY id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def import_tokens(self, rows: list[dict[str, Any]]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO tokens (id, name, role, hash, created_at, revoked_at)"
                " VALUES (:id, :name, :role, :hash, :created_at, :revoked_at)",
                [{"revoked_at": None, **row} for row in rows],
            )

    @staticmethod
    def _write(conn: sqlite3.Connection, change: Change) -> None:
        if change.kind == "node":
            if change.after is None:
                conn.execute("DELETE FROM nodes WHERE id = ?", (change.key,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO nodes VALUES (?, ?, ?)",
                    (change.key, change.after["type"], _dumps(change.after["data"])),
                )
            return
        source, target = cast(EdgeKey, change.key)
        if change.after is None:
            conn.execute("DELETE FROM edges WHERE source = ? AND target = ?", (source, target))
        else:
            conn.execute(
                "INSERT OR REPLACE INTO edges VALUES (?, ?, ?, ?)",
                (source, target, change.after["type"], _dumps(change.after["data"])),
            )

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

    # --- tokens ------------------------------------------------------------

    def create_token(self, role: Role, name: str) -> str:
        check_new_token(role, name)
        token = new_token()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)",
                (name, role, hash_token(token), now_text()),
            )
        return token

    def verify_token(self, token: str) -> TokenInfo | None:
        row = (
            self.connection()
            .execute(
                "SELECT id, name, role, created_at, revoked_at FROM tokens"
                " WHERE hash = ? AND revoked_at IS NULL",
                (hash_token(token),),
            )
            .fetchone()
        )
        return None if row is None else TokenInfo(*row)

    def revoke_token(self, name: str) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (now_text(), name),
            )
            return int(cur.rowcount)

    # --- page sessions ------------------------------------------------------

    def create_session(self, token_id: int) -> str:
        session_id = new_session_id()
        now = time.time()
        with self.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE last_seen < ?", (now - SESSION_KEEP_SECONDS,))
            conn.execute(
                "INSERT INTO sessions (hash, token_id, created_at, last_seen) VALUES (?, ?, ?, ?)",
                (hash_token(session_id), token_id, now_text(), now),
            )
        return session_id

    def session_token(self, session_id: str, idle_seconds: float) -> TokenInfo | None:
        key = hash_token(session_id)
        row = (
            self.connection()
            .execute(
                "SELECT t.id, t.name, t.role, t.created_at, t.revoked_at, s.last_seen"
                " FROM sessions s JOIN tokens t ON t.id = s.token_id"
                " WHERE s.hash = ? AND t.revoked_at IS NULL",
                (key,),
            )
            .fetchone()
        )
        now = time.time()
        if row is None or now - float(row[5]) > idle_seconds:
            return None
        if now - float(row[5]) > SESSION_TOUCH_SECONDS:
            with self.transaction() as conn:
                conn.execute("UPDATE sessions SET last_seen = ? WHERE hash = ?", (now, key))
        return TokenInfo(*row[:5])

    def end_session(self, session_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE hash = ?", (hash_token(session_id),))

    def list_tokens(self) -> list[TokenInfo]:
        rows = self.connection().execute(
            "SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY id"
        )
        return [TokenInfo(*row) for row in rows]


def _opt_dumps(value: dict[str, Any] | None) -> str | None:
    return None if value is None else _dumps(value)


def _change_from_row(
    action: str, kind: str, key: str, before: str | None, after: str | None
) -> Change:
    raw_key = json.loads(key)
    parsed_key: str | EdgeKey = raw_key if isinstance(raw_key, str) else (raw_key[0], raw_key[1])
    return Change(
        cast(Any, action),
        cast(Any, kind),
        parsed_key,
        None if before is None else json.loads(before),
        None if after is None else json.loads(after),
    )
