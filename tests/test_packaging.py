"""A plain (non-editable) install carries the schema, seed and word lists as package data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_plain_install_lints_the_shipped_seed(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(REPO),
        ],
        check=True,
        cwd=tmp_path,
    )
    shipped = {p.name for p in target.iterdir()}
    assert {"kgdiag", "graph", "diagnostics", "schema", "seed", "api"} <= shipped
    assert "tests" not in shipped
    assert (target / "seed" / "checks.yaml").exists()
    assert (target / "schema" / "order.schema.json").exists()
    assert (target / "schema" / "diagnose_request.yaml").exists()
    assert (target / "diagnostics" / "language.yaml").exists()
    for page_file in (
        "examples.yaml",
        "labels.yaml",
        "static/train.js",
        "templates/edit_node.html",
    ):
        assert (target / "web" / page_file).exists(), page_file
    assert (target / "web" / "static" / "vendor" / "cytoscape.min.js").exists()
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("KGDIAG_DB", None)
    result = subprocess.run(
        [sys.executable, "-m", "kgdiag", "lint"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    db = tmp_path / "kg.db"
    case = tmp_path / "case.json"
    case.write_text('{"message": "卡密无效", "now": "2026-11-20T12:00:00+08:00"}', encoding="utf-8")
    for command in (["init", "--db", str(db)], ["diagnose", "--db", str(db), "--case", str(case)]):
        result = subprocess.run(
            [sys.executable, "-m", "kgdiag", *command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert '"card_key_invalid"' in result.stdout
    assert (
        str(target)
        in subprocess.run(
            [sys.executable, "-c", "import seed; print(seed.__file__)"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
