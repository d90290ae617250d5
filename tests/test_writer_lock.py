"""Writers queue on the store's lock file instead of SQLite's sleep-and-retry.

Checked by what can be observed without a clock: while a write transaction
is open, another process cannot take the lock file; once it commits, it can;
reads do not take it; and a forked child gets a lock of its own.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest

from graph.sqlite import SqliteStore
from graph.writer_lock import WriterLock


def _free_elsewhere(path: Path) -> bool:
    """Can another process take the lock file right now? (asked from a fork)"""
    pid = os.fork()
    if pid == 0:  # the child: try without waiting, answer by exit code
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def test_a_write_holds_the_lock_file_until_it_commits(store: SqliteStore) -> None:
    lock_file = store.path.with_name(store.path.name + ".lock")
    with store.transaction() as conn:
        conn.execute("SELECT 1")
        assert lock_file.exists()
        assert not _free_elsewhere(lock_file)
    assert _free_elsewhere(lock_file)


def test_a_read_does_not_take_the_lock(store: SqliteStore) -> None:
    with store.transaction() as conn:  # a first write makes the lock file
        conn.execute("SELECT 1")
    lock_file = store.path.with_name(store.path.name + ".lock")
    with store.transaction("DEFERRED") as conn:
        conn.execute("SELECT COUNT(*) FROM cases").fetchone()
        assert _free_elsewhere(lock_file)


def test_a_failed_write_releases_the_lock(store: SqliteStore) -> None:
    lock_file = store.path.with_name(store.path.name + ".lock")
    with pytest.raises(RuntimeError), store.transaction():
        raise RuntimeError("boom")
    assert _free_elsewhere(lock_file)
    with store.transaction() as conn:  # and the next writer is not stuck
        conn.execute("SELECT 1")


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "s.db")
    inside: list[int] = []
    overlaps: list[int] = []
    release = threading.Event()

    def writer(n: int) -> None:
        with lock.held():
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            release.wait(timeout=5)
            inside.remove(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert not overlaps


def test_a_forked_child_gets_a_fresh_thread_lock(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "s.db")
    with lock.held():
        pid = os.fork()
        if pid == 0:  # the parent's thread lock is held; the child's must not be
            code = 0 if lock._thread.acquire(timeout=2) else 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
