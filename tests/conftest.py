"""Shared fixtures: a seeded store, the Flask app and client, the seed content.

Also the hypothesis profiles. ``ci`` (the default) is derandomized: every run
draws the same examples, so a red build is the code's doing, never the dice's,
and a failure reproduces by running the test again. ``deep``
(``HYPOTHESIS_PROFILE=deep``) draws fresh random examples, ten times as many
(:func:`example_count`), for a hunt on demand.
"""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings

from api import create_app
from graph.model import GraphContent, diff
from graph.snapshot import Snapshot, build_snapshot
from graph.sqlite import SqliteStore
from graph.store import open_store
from seed import default_seed_dir, load_seed_dir

pytest_plugins = ["tests.shop_server"]  # the session's MariaDB (shop_mariadb)

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("deep", derandomize=False, max_examples=1000, print_blob=True)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
DEEP_FACTOR = 10 if PROFILE == "deep" else 1


def example_count(count: int) -> int:
    """A property test's example count: as written in CI, ten times as many in
    the ``deep`` profile (an explicit ``max_examples`` overrides a profile's)."""
    return count * DEEP_FACTOR


REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CONTRACT_CASES = (
    SHARED / "examples" / "cases.yaml"
    if (SHARED / "examples" / "cases.yaml").exists()
    else REPO / "web" / "examples.yaml"
)
"""The contract's worked cases: from ../shared when it is beside this checkout,
else the copy shipped in ``web/`` (kept equal to the contract's by
``test_the_shipped_examples_are_the_contracts``), so that a bare clone, as CI
makes, still runs every case end to end."""


@pytest.fixture(scope="session")
def seed_content() -> GraphContent:
    content, problems = load_seed_dir(default_seed_dir())
    assert problems == []
    return content


@pytest.fixture(scope="session")
def snapshot(seed_content: GraphContent) -> Snapshot:
    """The seed as revision 1, frozen; shared, since nothing can change it."""
    return build_snapshot(1, seed_content)


@pytest.fixture()
def content(seed_content: GraphContent) -> GraphContent:
    """A private deep copy of the seed, free to mutate."""
    return copy.deepcopy(seed_content)


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory, seed_content: GraphContent) -> Path:
    """A store holding the seed as revision 1, made once; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "kg.db"
    created = open_store(path, create=True)
    created.apply(
        diff(GraphContent(), seed_content), expected_revision=0, author="test", message="seed"
    )
    assert isinstance(created, SqliteStore)
    created.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    created.close()
    return path


@pytest.fixture()
def store(tmp_path: Path, seeded_db: Path) -> Iterator[SqliteStore]:
    shutil.copyfile(seeded_db, tmp_path / "kg.db")
    opened = open_store(tmp_path / "kg.db")
    assert isinstance(opened, SqliteStore)
    yield opened
    opened.close()


@pytest.fixture()
def app(store: SqliteStore) -> Flask:
    return create_app({"KGDIAG_DB": str(store.path), "TESTING": True})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


ROLES_WITH_MONITOR = ("agent", "senior", "admin", "monitor")


@pytest.fixture()
def tokens(store: SqliteStore) -> dict[str, str]:
    """A live token per role (agent, senior, admin, monitor) plus a revoked one."""
    made = {role: store.create_token(role, f"t-{role}") for role in ROLES_WITH_MONITOR}
    made["revoked"] = store.create_token("admin", "t-revoked")
    store.revoke_token("t-revoked")
    return made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
