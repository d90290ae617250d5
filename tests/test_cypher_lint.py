"""Every Cypher statement of the Neo4j backend passes Neo4j's linter, and a typo would not.

The linter is npm ``@neo4j-cypher/language-support`` (``tools/cypher-lint``,
installed by ``make test`` with ``npm ci``); no Neo4j server is needed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from graph.neo4j_cypher import RELATIONSHIPS, STATEMENTS, lint_payload
from graph.neo4j_rows import RELATIONSHIP_TYPES

from .conftest import REPO

TOOL = REPO / "tools" / "cypher-lint"
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (TOOL / "node_modules").is_dir(),
    reason="node or tools/cypher-lint/node_modules missing (make test runs npm ci there)",
)


def _lint(payload: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(TOOL / "lint.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_statement_is_clean() -> None:
    result = _lint(lint_payload())
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(STATEMENTS)} statements, 0 findings" in result.stdout


PLANTED = [
    ("get_node", "KgNode", "KgNod", "Label KgNod is not present"),
    ("history", "RETURN", "RETRUN", "Invalid input 'RETRUN'"),
    ("delete_nodes", "DELETE n", "DELETE m", "Variable `m` not defined"),
    ("verify_token", "$hash", "$hsh", "Parameter $hsh is not defined"),
    ("symptom_paths", "TESTED_BY", "TESTED_BYY", "TESTED_BYY is not present"),
]


def test_each_planted_typo_fails() -> None:
    """Five typos in five statements, one linter run: each is reported by name."""
    payload = lint_payload()
    statements = {s["name"]: s for s in payload["statements"]}
    for name, old, new, _ in PLANTED:
        assert old in statements[name]["query"]
        statements[name]["query"] = statements[name]["query"].replace(old, new, 1)
    result = _lint(payload)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    for name, _, _, expected in PLANTED:
        assert any(line.startswith(f"{name}: ") and expected in line for line in lines), name
    # Nothing else is reported: the findings are exactly the planted ones.
    assert {line.split(":")[0] for line in lines[:-1]} == {name for name, *_ in PLANTED}


def test_relationship_types_are_the_row_mappings() -> None:
    """CREATE may make any relationship type, so the linter cannot catch a typo there:
    the backend writes only the types the row mapping names, declared here once."""
    assert set(RELATIONSHIP_TYPES.values()) == set(RELATIONSHIPS)
    creates = [n for n in STATEMENTS if n.startswith("create_") and n[7:].upper() in RELATIONSHIPS]
    assert len(creates) == len(RELATIONSHIPS)
