"""The packages' imports point down only (README, "Architecture"; the layers
are the import-linter contract in pyproject.toml)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _loaded_after(statement: str) -> set[str]:
    """Top-level modules a fresh interpreter has loaded after ``statement``."""
    probe = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in done.stdout.split()}


def test_the_store_layer_loads_no_engine() -> None:
    """Importing the store's errors once loaded CEL, Jinja and seven engine modules."""
    loaded = _loaded_after("import graph.errors, graph.store, graph.lint, schema.validate")
    assert not loaded & {"diagnostics", "casework", "api", "web", "cel", "celpy", "jinja2"}


def test_validation_without_the_engines_checks_is_an_error_not_a_pass() -> None:
    """A condition no judge has seen must never count as valid."""
    probe = (
        "from schema.validate import validate_node\n"
        "try:\n"
        "    validate_node('Symptom', {'id': 's', 'fits_order': 'order.status =='})\n"
        "except RuntimeError as err:\n"
        "    print('refused:', err)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("refused: no content checks installed")


def test_importing_the_engine_installs_its_checks() -> None:
    import diagnostics  # noqa: F401
    from schema.validate import validate_node

    found = validate_node("Check", {"id": "c", "builtin": "no_such_builtin"})
    assert any(f.what == "builtin" and "unknown built-in" in f.why for f in found)


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_every_shipped_package_is_in_the_layers() -> None:
    """A new package outside the contract would escape it unseen."""
    project = _pyproject()
    shipped = set(project["tool"]["setuptools"]["packages"])
    contract = project["tool"]["importlinter"]["contracts"][0]
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    assert shipped <= layered
    assert set(project["tool"]["importlinter"]["root_packages"]) == layered


def test_the_import_contract_holds() -> None:
    """import-linter's layers contract (pyproject.toml): imports point down only."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 kept, 0 broken" in done.stdout


def test_no_module_reaches_into_a_snapshots_networkx_graph() -> None:
    """Only ``graph.snapshot`` touches the frozen DiGraph; the rest asks the snapshot."""
    reach = re.compile(r"\b(snap|snapshot|draft_snapshot)\.graph\b")
    packages = _pyproject()["tool"]["importlinter"]["root_packages"]
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "graph" / "snapshot.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if reach.search(line)
    ]
    assert found == []
