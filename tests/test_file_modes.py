"""The store's files are readable by their owner only (issue 20, item 7).

The database holds API token hashes, case notes and order numbers; before,
``kgdiag init`` left it (and its -wal and -shm) world-readable under the usual
umask 022.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from graph.store import open_store
from kgdiag.cli import main


@pytest.fixture()
def usual_umask() -> object:
    old = os.umask(0o022)
    yield old
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_the_store_and_its_wal_files_0600(tmp_path: Path, usual_umask: object) -> None:
    db = tmp_path / "kg.db"
    assert main(["init", "--db", str(db)]) == 0
    store = open_store(db)
    store.create_token("agent", "wang")  # a write, so the -wal and -shm exist while open
    made = [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", ".lock", ".secret"))]
    present = [p for p in made if p.exists()]
    assert {db, db.with_name("kg.db-wal"), db.with_name("kg.db-shm")} <= set(present)
    assert {p.name: oct(_mode(p)) for p in present} == {p.name: "0o600" for p in present}
    store.close()


def test_a_store_made_by_an_older_kgdiag_is_narrowed_on_open(
    tmp_path: Path, usual_umask: object
) -> None:
    db = tmp_path / "kg.db"
    assert main(["init", "--db", str(db)]) == 0
    db.chmod(0o644)
    open_store(db).close()
    assert _mode(db) == 0o600
