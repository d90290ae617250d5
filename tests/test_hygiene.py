"""The test suite's own rules: property tests repeat in CI, doctests run.

A property test that draws new random examples on every CI run makes a red
build the dice's doing; docstring examples that never run drift from the code.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import settings

from .conftest import PROFILE, REPO

TESTS = Path(__file__).resolve().parent


def _property_tests() -> list[tuple[str, Any]]:
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        for name, value in vars(module).items():
            if name.startswith("test_") and getattr(value, "is_hypothesis_test", False):
                found.append((f"{path.stem}.{name}", value))
    return found


def test_property_tests_are_derandomized_in_ci() -> None:
    tests = _property_tests()
    assert len(tests) >= 7  # the speed-path proofs (issue 20, item 8) went with their code
    if PROFILE != "ci":  # HYPOTHESIS_PROFILE=deep draws fresh examples on purpose
        return
    assert settings.default.derandomize
    random = [
        name
        for name, test in tests
        if not test._hypothesis_internal_use_settings.derandomize  # the settings it runs with
    ]
    assert random == []


def _pytest_options() -> dict[str, Any]:
    options: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"][
        "pytest"
    ]["ini_options"]
    return options


def _shipped_packages() -> list[str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages: list[str] = data["tool"]["setuptools"]["packages"]
    return packages


def test_every_docstring_example_is_collected() -> None:
    """Modules with ``>>>`` examples lie where pytest looks, with doctests on."""
    options = _pytest_options()
    assert "--doctest-modules" in options["addopts"].split()
    packages = set(options["testpaths"])
    with_examples = [
        path.relative_to(REPO)
        for package in (
            "kgdiag",
            "graph",
            "diagnostics",
            "schema",
            "seed",
            "api",
            "adapters",
            "web",
        )
        for path in (REPO / package).rglob("*.py")
        if ">>> " in path.read_text(encoding="utf-8")
    ]
    assert with_examples
    assert [p for p in with_examples if p.parts[0] not in packages] == []


def test_doctests_pass_in_every_module_that_has_them() -> None:
    """Run here too, so ``pytest tests/`` alone still holds the examples."""
    import doctest

    attempted = 0
    for path in sorted(REPO.glob("*/*.py")):
        if path.parts[-2] not in _pytest_options()["testpaths"] or path.parts[-2] == "tests":
            continue
        if ">>> " not in path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(f"{path.parts[-2]}.{path.stem}")
        result = doctest.testmod(module)
        assert result.failed == 0, (path, result)
        attempted += result.attempted
    assert attempted >= 10


def test_slow_tests_can_be_left_out() -> None:
    options = _pytest_options()
    assert "--strict-markers" in options["addopts"].split()
    assert any(marker.startswith("slow:") for marker in options["markers"])
    marked = [
        path.name
        for path in TESTS.rglob("test_*.py")
        if "pytest.mark.slow" in path.read_text(encoding="utf-8")
    ]
    assert len(marked) >= 3, marked


def test_the_hypothesis_profiles_are_registered() -> None:
    ci, deep = settings.get_profile("ci"), settings.get_profile("deep")
    assert ci.derandomize and ci.database is None
    assert not deep.derandomize and deep.max_examples > ci.max_examples
