"""A plain (non-editable) install carries the schema and the seed as package data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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
