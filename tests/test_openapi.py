"""The OpenAPI 3.1 document, and schemathesis against it (bounded for CI).

schemathesis generates requests from the document (valid and invalid ones)
for every operation, sends them with an admin token, and checks that no
answer is a 5xx, every status code is documented, and every body matches
its documented schema (errors: the one shape).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import create_app
from api.spec import ENDPOINTS
from graph.model import GraphContent, diff
from graph.store import open_store
from seed import default_seed_dir, load_seed_dir

from .conftest import bearer

MAX_EXAMPLES = int(os.environ.get("KGDIAG_FUZZ_EXAMPLES", "12"))
"""Per operation: bounded so CI stays quick; raise it locally for a deeper run."""


def _fuzz_app() -> tuple[Flask, str]:
    """A seeded store of its own, made at import: schemathesis needs the app then."""
    path = Path(tempfile.mkdtemp(prefix="kgdiag-fuzz-")) / "kg.db"
    store = open_store(path, create=True)
    content, problems = load_seed_dir(default_seed_dir())
    assert problems == []
    store.apply(diff(GraphContent(), content), expected_revision=0, author="t", message="seed")
    token = store.create_token("admin", "schemathesis")
    unlimited = {
        name: "1000000 per minute" for name in ("KGDIAG_RATE_DIAGNOSE", "KGDIAG_RATE_WRITES")
    }
    # The fuzzer sends one token's requests flat out: the limits are tested on their own.
    return create_app({"KGDIAG_DB": str(path), "TESTING": True, **unlimited}), token


APP, TOKEN = _fuzz_app()
SEEN: dict[str, set[int]] = {}
# A missing If-Match is 428 Precondition Required (RFC 6585), not a generic 400.
# The admin token goes in through the document's own security scheme, so
# schemathesis knows which of its cases leave it out on purpose.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {"missing_required_header": {"expected-statuses": [400, 401, 403, 428]}},
        "auth": {"openapi": {"bearer": {"bearer": TOKEN}}},
    }
)
schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_document(case: Any) -> None:
    # Every check but one: "positive data acceptance" expects any schema-valid
    # body to succeed, but some validity depends on the graph (an evidence
    # check id that does not exist is a 400 with a "did you mean"), which a
    # JSON Schema cannot say.
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    SEEN.setdefault(operation, set()).add(response.status_code)


def test_the_fuzzer_got_past_the_door() -> None:
    """Runs after the fuzzing above: the token worked, so answers were not all 401."""
    # schemathesis leaves out the document's own path; the test below covers it.
    assert set(SEEN) == {f"{e.method} {e.path}" for e in ENDPOINTS} - {"GET /v1/openapi.json"}
    for operation, statuses in SEEN.items():
        assert statuses - {401, 403}, (operation, statuses)
    assert not any(code >= 500 for statuses in SEEN.values() for code in statuses)


def test_document_is_public_and_complete(client: FlaskClient) -> None:
    doc = client.get("/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    operations = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert operations == {(e.method, e.path) for e in ENDPOINTS}
    diagnose = doc["paths"]["/v1/diagnose"]["post"]
    body = diagnose["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/DiagnoseRequest"}
    request = doc["components"]["schemas"]["DiagnoseRequest"]
    assert "order_no" in request["properties"]["order"]["properties"]
    assert set(diagnose["responses"]) >= {"200", "400", "401", "403", "404", "413"}
    error = doc["paths"]["/v1/changesets"]["post"]["responses"]["412"]
    assert error == {"$ref": "#/components/responses/E412"}


def test_every_error_is_the_one_shape(client: FlaskClient, tokens: dict[str, str]) -> None:
    for response in (
        client.get("/v1/nowhere"),
        client.delete("/v1/symptoms", headers=bearer(tokens["agent"])),
        client.post("/v1/diagnose", data="not json", headers=bearer(tokens["agent"])),
        client.get("/v1/symptoms"),
    ):
        body = response.get_json()
        assert response.status_code >= 400
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
