"""The store interface every backend implements, and how to open one.

One small interface: read a snapshot with its revision; apply a validated
change-set against an expected revision; read the history and its audited
changes; rebuild any earlier revision; revert to it (as a new revision);
keep API tokens, hashed. An unknown backend is an error, never a silent
fallback: a silent fallback would write a shop's edits where nobody looks.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from schema.validate import Finding

from .errors import ChangeSetInvalid, StoreUnavailable
from .model import Change, ChangeSet, GraphContent, diff
from .records import RecordStore
from .snapshot import Snapshot

__all__ = [
    "ROLES",
    "TOKEN_ROLES",
    "GraphStore",
    "RevisionInfo",
    "TokenInfo",
    "check_new_token",
    "hash_token",
    "new_session_id",
    "new_token",
    "open_store",
    "revert_changes",
    "role_allows",
]

Role = Literal["agent", "senior", "admin", "monitor"]
ROLES: tuple[Role, ...] = ("agent", "senior", "admin")
"""The people's roles, each allowed everything the ones before it may do."""
TOKEN_ROLES: tuple[Role, ...] = (*ROLES, "monitor")
"""``monitor`` is a machine's token (a monitoring webhook): it may only report
system status, and no person's role includes it."""


def role_allows(held: str, needed: str, also: tuple[str, ...] = ()) -> bool:
    """Whether a token of role ``held`` may do what needs ``needed`` (or one of ``also``).

    The one role rule, for the API's endpoints and the pages alike.

    >>> role_allows("senior", "agent"), role_allows("agent", "senior")
    (True, False)
    >>> role_allows("monitor", "admin", also=("monitor",))
    True
    """
    if held in also:
        return True
    return held in ROLES and ROLES.index(held) >= ROLES.index(needed)


@dataclass(frozen=True)
class RevisionInfo:
    """One entry of the audit log: who changed the graph, when, and why."""

    revision: int
    author: str
    at: str
    message: str
    change_count: int
    reverted_to: int | None = None


@dataclass(frozen=True)
class TokenInfo:
    """An API token's public facts (never the token itself)."""

    id: int
    name: str
    role: Role
    created_at: str
    revoked_at: str | None


def new_token() -> str:
    """A fresh random API token; shown once, stored only as its hash."""
    return "kgd_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a token. Tokens are 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session_id() -> str:
    """A fresh page-session id: the only thing a page's cookie holds. The store
    keeps its hash (``hash_token``) beside the token it logged in with."""
    return secrets.token_urlsafe(32)


SESSION_TOUCH_SECONDS = 30.0
"""A session's last use is written at most this often (a page view is not a write)."""

SESSION_KEEP_SECONDS = 30 * 24 * 3600.0
"""Sessions unused this long are deleted when a new one starts, whatever the idle timeout."""


class GraphStore(Protocol):
    """What the engine, the API and the CLI need from a graph store."""

    @property
    def records(self) -> RecordStore:
        """Cases, outcomes and system status, kept beside the graph."""
        ...

    def revision(self) -> int:
        """The current revision (0 for an empty store)."""
        ...

    def snapshot(self) -> Snapshot:
        """The current revision as an immutable snapshot (cached per revision)."""
        ...

    def apply(
        self, changes: ChangeSet, *, expected_revision: int, author: str, message: str = ""
    ) -> RevisionInfo:
        """Validate and apply ``changes`` atomically as a new revision."""
        ...

    def history(self, *, limit: int = 50, before: int | None = None) -> list[RevisionInfo]:
        """Revisions newest first."""
        ...

    def changes(self, revision: int) -> list[Change]:
        """The audited changes of one revision, with records before and after."""
        ...

    def content_at(self, revision: int) -> GraphContent:
        """The whole graph as it was at ``revision``."""
        ...

    def revert(
        self, to_revision: int, *, expected_revision: int, author: str, message: str = ""
    ) -> RevisionInfo:
        """A new revision whose content equals ``to_revision``'s."""
        ...

    def create_token(self, role: Role, name: str) -> str:
        """Store a new token's hash and return the token (shown once)."""
        ...

    def verify_token(self, token: str) -> TokenInfo | None:
        """The live token matching ``token``, or None."""
        ...

    def revoke_token(self, name: str) -> int:
        """Revoke every live token with ``name``; returns how many."""
        ...

    def list_tokens(self) -> list[TokenInfo]: ...

    def create_session(self, token_id: int) -> str:
        """Start a page session for a live token; returns its id (stored hashed)."""
        ...

    def session_token(self, session_id: str, idle_seconds: float) -> TokenInfo | None:
        """The live token of a session used within ``idle_seconds``, or None
        (ended, idle too long, or its token revoked); marks it used."""
        ...

    def end_session(self, session_id: str) -> None:
        """End a session for good: its id, wherever copied, logs nobody in."""
        ...

    def close(self) -> None: ...

    # Migration (``kgdiag migrate``, :mod:`graph.migrate`): a store exports and
    # imports itself row for row, so a move between backends loses nothing.

    def import_revision(self, info: RevisionInfo, changes: list[Change]) -> None:
        """Write another store's revision verbatim: its author, time, message, changes."""
        ...

    def raw_tokens(self) -> list[dict[str, Any]]:
        """Every token row, hashes included (never a token itself)."""
        ...

    def import_tokens(self, rows: list[dict[str, Any]]) -> None:
        """Insert another store's token rows with their ids (none may exist yet)."""
        ...


def check_new_token(role: str, name: str) -> None:
    """The rule every backend applies before storing a token (ValueError otherwise)."""
    if role not in TOKEN_ROLES:
        raise ValueError(f"role must be one of {', '.join(TOKEN_ROLES)}, not {role!r}")
    if not name.strip():
        raise ValueError("a token needs a name")


def revert_changes(store: GraphStore, to_revision: int, expected_revision: int) -> ChangeSet:
    """What turns revision ``expected_revision`` back into ``to_revision`` (every backend's
    revert applies this as a new revision); nothing to do is an error, not a no-op revision."""
    changes = diff(store.content_at(expected_revision), store.content_at(to_revision))
    if not changes.operations:
        why = f"the graph already equals revision {to_revision}"
        raise ChangeSetInvalid([Finding("revert", "to_revision", why)])
    return changes


def open_store(location: str | Path, *, create: bool = False) -> GraphStore:
    """Open the store at ``location``: a SQLite file path (the default backend), or a
    Neo4j URI (``neo4j://``, ``neo4j+s://``, ``bolt://``; see :mod:`graph.neo4j`).

    ``create`` makes a new empty store; without it a missing store is an error.
    An unknown scheme, or a Neo4j that cannot be reached, is an error too: never a
    silent fallback to another backend.
    """
    text = str(location)
    scheme = text.split("://", 1)[0] if "://" in text else "sqlite"
    if scheme != "sqlite":
        from .neo4j import NEO4J_SCHEMES, Neo4jStore, init_neo4j

        if scheme not in NEO4J_SCHEMES:
            raise StoreUnavailable(f"unknown store backend {scheme!r} in {text!r}")
        if create:
            init_neo4j(text)
        return Neo4jStore(text)
    from .sqlite import SqliteStore

    path = Path(text.removeprefix("sqlite://"))
    if not create and not path.exists():
        raise StoreUnavailable(f"no store at {path}: create it with `kgdiag init --db {path}`")
    return SqliteStore(path, create=create)
