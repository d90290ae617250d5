"""The OpenAPI 3.1 document, and schemathesis against it (bounded for CI).

schemathesis generates requests from the document (valid and invalid ones)
for every operation, sends them with an admin token, and checks that no
answer is a 5xx, every status code is documented, and every body matches
its documented schema (``response_schema_conformance``: success bodies
against their pydantic models' schemas, errors against the one shape).
Examples are derandomized and bounded, so CI runs the same requests each time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import create_app
from api.responses import Health
from api.spec import ENDPOINTS, ResponseMismatch, check_response
from graph.model import GraphContent, diff
from graph.store import open_store
from seed import default_seed_dir, load_seed_dir

from .conftest import PROFILE, bearer, example_count

MAX_EXAMPLES = example_count(int(os.environ.get("KGDIAG_FUZZ_EXAMPLES", "12")))
"""Per operation: bounded so CI stays quick; raise it locally for a deeper run
(or HYPOTHESIS_PROFILE=deep: ten times as many, freshly random)."""


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
# A missing If-Match is 428 Precondition Required (RFC 6585), not a generic 400.
# The admin token goes in through the document's own security scheme, so
# schemathesis knows which of its cases leave it out on purpose.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "missing_required_header": {"expected-statuses": [400, 401, 403, 428]},
            "response_schema_conformance": {"enabled": True},
        },
        "auth": {"openapi": {"bearer": {"bearer": TOKEN}}},
    }
)
schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", APP, config=CONFIG)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=PROFILE != "deep",
)
def test_api_conforms_to_its_document(case: Any) -> None:
    # Every check but one: "positive data acceptance" expects any schema-valid
    # body to succeed, but some validity depends on the graph (an evidence
    # check id that does not exist is a 400 with a "did you mean"), which a
    # JSON Schema cannot say.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


@pytest.mark.slow
def test_the_fuzzer_got_past_the_door() -> None:
    """The token worked: valid requests for every operation were not all 401/403.

    It sends its own few valid requests per operation, so it holds whether it
    runs alone, first or after the fuzzing above (it once read what that test
    left behind, and failed when run alone).
    """
    seen: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(
            max_examples=3,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def send(case: Any) -> None:
            operation = f"{case.operation.method.upper()} {case.operation.path}"
            seen.setdefault(operation, set()).add(case.call().status_code)

        send()
    # schemathesis leaves out the document's own path; the test below covers it.
    assert set(seen) == {f"{e.method} {e.path}" for e in ENDPOINTS} - {"GET /v1/openapi.json"}
    for operation_name, statuses in seen.items():
        assert statuses - {401, 403}, (operation_name, statuses)
    assert not any(code >= 500 for statuses in seen.values() for code in statuses)


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


def test_every_success_body_is_described(client: FlaskClient) -> None:
    """No endpoint answers an undescribed object: each declares its model, and the
    document's success schema is that model's, with its fields listed."""
    assert [(e.method, e.path) for e in ENDPOINTS if e.response is None] == []
    doc = client.get("/v1/openapi.json").get_json()
    components = doc["components"]["schemas"]
    for item in ENDPOINTS:
        operation = doc["paths"][item.path][item.method.lower()]
        schema_ = operation["responses"][str(item.ok)]["content"]["application/json"]["schema"]
        assert item.response is not None
        assert schema_ == {"$ref": f"#/components/schemas/{item.response.__name__}"}
        assert components[item.response.__name__]["properties"], item.path
    answer = components["DiagnoseAnswer"]
    assert {"symptom", "causes", "checks", "resolution", "reply", "priority"} <= set(
        answer["required"]
    )
    assert answer["additionalProperties"] is False
    reply = components["Reply"]["properties"]
    assert reply["kind"]["enum"] == ["resolution", "verifying", "clarify"]


def test_errors_are_documented_with_the_one_shape(client: FlaskClient) -> None:
    doc = client.get("/v1/openapi.json").get_json()
    responses = doc["components"]["responses"]
    assert {"E400", "E401", "E403", "E404", "E409", "E429"} <= set(responses)
    for code, response in responses.items():
        content = response["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/ErrorBody"}, code
        assert len(response["description"]) > len("Not Found"), code
    assert "Retry-After" in responses["E429"]["headers"]
    error = doc["components"]["schemas"]["ErrorInfo"]
    assert set(error["required"]) == {"code", "message", "details"}
    diagnose = doc["paths"]["/v1/diagnose"]["post"]["responses"]
    assert diagnose["429"] == {"$ref": "#/components/responses/E429"}


def test_an_answer_that_does_not_fit_its_model_is_caught(app: Flask) -> None:
    """Under test every success answer is checked against its model, so a field
    added, renamed or retyped in the code fails instead of drifting from the docs."""
    with app.test_request_context("/healthz"):
        check_response(Health, app.json.response({"status": "ok", "graph_revision": 3}))
        for wrong in (
            {"status": "ok", "graph_revision": "3"},  # no coercion
            {"status": "ok"},
            {"status": "ok", "graph_revision": 3, "extra": 1},  # no undocumented field
        ):
            with pytest.raises(ResponseMismatch):
                check_response(Health, app.json.response(wrong))


def test_a_testing_app_refuses_an_answer_its_model_does_not_describe(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/healthz").status_code == 200
    # The revision as a string: the model says integer, so the answer never leaves.
    monkeypatch.setattr(app.extensions["kgdiag_store"], "revision", lambda: "3")
    assert client.get("/healthz").status_code == 500
