"""The command line (init, token, lint, import, export, revert) and the read-only API."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient

from api import create_app
from api.settings import SETTINGS
from graph.sqlite import SqliteStore
from kgdiag.cli import main
from seed import default_seed_dir, load_seed_dir

from .server import call, running_server

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_init_creates_once_then_is_a_noop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kg.db"
    assert main(["init", "--db", str(db)]) == 0
    causes = load_seed_dir(default_seed_dir())[0].counts()["Cause"]
    assert f"{causes} Cause" in capsys.readouterr().out
    assert main(["init", "--db", str(db)]) == 0
    assert "already exists" in capsys.readouterr().out
    assert SqliteStore(db).revision() == 1


@pytest.mark.slow
def test_token_create_prints_token_on_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kg.db"
    main(["init", "--db", str(db)])
    capsys.readouterr()
    assert main(["token", "create", "--db", str(db), "--role", "agent", "--name", "wang"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    info = SqliteStore(db).verify_token(token)
    assert info is not None and info.role == "agent"
    assert main(["token", "revoke", "--db", str(db), "--name", "wang"]) == 0
    assert SqliteStore(db).verify_token(token) is None


@pytest.mark.slow
def test_lint_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint"]) == 0
    broken = tmp_path / "seed"
    shutil.copytree(default_seed_dir(), broken, ignore=shutil.ignore_patterns("*.py", "__*"))
    causes = yaml.safe_load((broken / "causes.yaml").read_text("utf-8"))
    causes[0]["tested_by"] = []
    (broken / "causes.yaml").write_text(yaml.safe_dump(causes, allow_unicode=True), "utf-8")
    capsys.readouterr()
    assert main(["lint", "--seed", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "causes.yaml:paste_format_error: tested_by: cause without checks" in out


@pytest.mark.slow
def test_import_export_and_revert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "kg.db"
    main(["init", "--db", str(db)])
    edited = tmp_path / "edited"
    assert main(["export", "--db", str(db), str(edited)]) == 0
    symptoms = yaml.safe_load((edited / "symptoms.yaml").read_text("utf-8"))
    symptoms[0]["phrases"]["zh"].append("新加的一句客户说法")
    (edited / "symptoms.yaml").write_text(yaml.safe_dump(symptoms, allow_unicode=True), "utf-8")
    assert main(["import", "--db", str(db), str(edited), "--author", "li"]) == 0
    store = SqliteStore(db)
    assert store.revision() == 2
    assert [c.key for c in store.changes(2)] == [symptoms[0]["id"]]
    assert main(["revert", "--db", str(db), "1"]) == 0
    assert store.revision() == 3
    assert "新加的一句客户说法" not in str(store.snapshot().node(symptoms[0]["id"])["phrases"])


@pytest.mark.slow
def test_import_refuses_a_graph_that_fails_lint(tmp_path: Path) -> None:
    db = tmp_path / "kg.db"
    main(["init", "--db", str(db)])
    bad = tmp_path / "bad"
    main(["export", "--db", str(db), str(bad)])
    (bad / "checks.yaml").write_text("- {id: x}\n", "utf-8")
    assert main(["import", "--db", str(db), str(bad)]) == 1
    assert SqliteStore(db).revision() == 1


def test_missing_store_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--db", str(tmp_path / "none.db")]) == 2
    assert "kgdiag init" in capsys.readouterr().err


def test_healthz_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "graph_revision": 1}


def test_reads_need_a_valid_token(client: FlaskClient, store: SqliteStore) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        response = client.get("/v1/symptoms", headers=headers)
        assert response.status_code == 401
        assert set(response.json["error"]) == {"code", "message", "details"}
    token = store.create_token("agent", "wang")
    response = client.get("/v1/symptoms", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    ids = [s["id"] for s in response.json["symptoms"]]
    symptoms = load_seed_dir(default_seed_dir())[0].counts()["Symptom"]
    assert "card_key_invalid" in ids and len(ids) == symptoms >= 18


def test_node_with_neighbours(client: FlaskClient, store: SqliteStore) -> None:
    auth = {"Authorization": f"Bearer {store.create_token('agent', 'wang')}"}
    body = client.get("/v1/graph/nodes/region_lock", headers=auth).json
    assert body["type"] == "Cause" and body["node"]["fault"] == "platform"
    assert {"type": "caused_by", "id": "card_key_invalid"}.items() <= {
        **next(e for e in body["in"] if e["id"] == "card_key_invalid")
    }.items()
    assert any(e["type"] == "tested_by" and e["p_fail"] == 0.9 for e in body["out"])
    missing = client.get("/v1/graph/nodes/nope", headers=auth)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    unknown = client.get("/v1/nowhere", headers=auth)
    assert unknown.status_code == 404 and "error" in unknown.json


@pytest.mark.slow
def test_serve_runs_gunicorn_and_answers_healthz(tmp_path: Path) -> None:
    db = tmp_path / "kg.db"
    main(["init", "--db", str(db)])
    with running_server(db, "--workers", "1") as base:  # exits 0 on SIGTERM (graceful)
        status, body, _ = call("GET", f"{base}/healthz")
        assert status == 200 and body["graph_revision"] == 1


def test_every_setting_is_documented_and_applied(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, setting.name
        assert setting.help
    monkeypatch.setenv("KGDIAG_PRIOR_WEIGHT", "7.5")
    app = create_app({"KGDIAG_DB": str(store.path)})
    assert app.config["KGDIAG_PRIOR_WEIGHT"] == 7.5
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


@pytest.mark.slow
def test_diagnose_on_the_command_line_keeps_the_shop_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "kg.db"
    main(["init", "--db", str(db)])
    case = tmp_path / "case.yaml"
    case.write_text(
        yaml.safe_dump({"message": "充值还没到账", "now": "2026-11-20T03:00:00Z"}), "utf-8"
    )
    capsys.readouterr()
    monkeypatch.setenv("KGDIAG_TIMEZONE", "Asia/Tokyo")
    assert main(["diagnose", "--db", str(db), "--case", str(case)]) == 0
    assert "+09:00" in capsys.readouterr().out
    monkeypatch.setenv("KGDIAG_TIMEZONE", "Mars/Olympus")
    assert main(["diagnose", "--db", str(db), "--case", str(case)]) == 2
    assert "KGDIAG_TIMEZONE" in capsys.readouterr().err
