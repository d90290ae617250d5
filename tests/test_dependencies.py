"""Every third-party import is declared in pyproject.toml, and every declared
dependency is used: by the distribution that provides the imported name
(``importlib.metadata.packages_distributions``), parsed with ``ast``."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker

ROOT = Path(__file__).resolve().parents[1]

NOT_IMPORTED = {
    "rfc3339-validator": "jsonschema's date-time format check (a plug-in it looks for)",
    "tzdata": "zoneinfo's zone data where the OS ships none",
}
"""Runtime dependencies used without an import statement, and why."""

TOOLS = {
    "mypy",
    "ruff",
    "types-pyyaml",
    "types-jsonschema",
    "google-re2-stubs",
    "types-pymysql",
    "import-linter",
    "pytest-reverse",
}
"""Test-extra dependencies run as commands (make lint, make typecheck), stubs, or pytest
plugins (``pytest --reverse``), never imported."""


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement (PEP 503)."""
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert found, requirement
    return re.sub(r"[-_.]+", "-", found.group(0)).lower()


@cache
def _project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project: dict[str, Any] = tomllib.load(handle)["project"]
    return project


def _declared(*extras: str) -> set[str]:
    project = _project()
    found = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        found |= {_name(r) for r in project["optional-dependencies"][extra]}
    return found


def _imported(folders: list[str]) -> dict[str, str]:
    """Distribution → the first file importing it, over ``folders``' sources."""
    ours = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    providers = packages_distributions()
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in (n.split(".")[0] for n in names):
                    if name in sys.stdlib_module_names or name in ours:
                        continue
                    # Not installed here (the bench extra): the import name is the distribution's.
                    for dist in providers.get(name, [name]):
                        found.setdefault(_name(dist), str(path.relative_to(ROOT)))
    return found


def _shipped() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        packages: list[str] = tomllib.load(handle)["tool"]["setuptools"]["packages"]
    return packages


def test_every_import_of_the_shipped_packages_is_a_runtime_dependency() -> None:
    missing = {
        dist: where for dist, where in _imported(_shipped()).items() if dist not in _declared()
    }
    assert missing == {}


def test_every_import_of_the_tests_and_benchmarks_is_declared() -> None:
    missing = {
        dist: where
        for dist, where in _imported(["tests", "bench"]).items()
        if dist not in _declared("test", "bench")
    }
    assert missing == {}


def test_every_runtime_dependency_is_imported_or_says_why_not() -> None:
    unused = _declared() - set(_imported(_shipped())) - set(NOT_IMPORTED)
    assert unused == set()
    assert set(NOT_IMPORTED) <= _declared()


def test_every_test_dependency_is_imported_or_a_tool() -> None:
    unused = _declared("test") - _declared() - set(_imported(["tests"])) - TOOLS
    assert unused == set()


def test_the_date_time_plugin_is_in_place() -> None:
    """Why rfc3339-validator stays: without it jsonschema checks no date-time at all."""
    checker = FormatChecker()
    assert "date-time" in checker.checkers
    assert not checker.conforms("2026-13-45T99:00:00Z", "date-time")


def _pinned() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not pinned with =="
            pins[_name(name)] = version
    return pins


def test_every_runtime_and_test_dependency_is_pinned_in_the_lock() -> None:
    """A dependency added to pyproject without `make lock` would install unpinned."""
    assert _declared("test") - set(_pinned()) == set()


def test_every_make_install_takes_the_lock_as_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if re.search(r"pip install .*['.]", line)]
    ours = [line for line in installs if "lock-venv" not in line and "--upgrade pip" not in line]
    assert len(ours) >= 3  # run, test and bench installs
    assert all("-c $(LOCK)" in line for line in ours), ours
    assert "LOCK := requirements.lock" in makefile
