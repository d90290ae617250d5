"""Browsing: search in zh and en (typos forgiven) and a symptom's training path."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import bearer


def test_search_finds_titles_and_phrases_in_both_languages(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["agent"])

    def ids(query: str, **extra: str) -> list[str]:
        response = client.get("/v1/search", query_string={"q": query, **extra}, headers=headers)
        assert response.status_code == 200, response.get_json()
        return [r["id"] for r in response.get_json()["results"]]

    assert ids("锁区")[0] == "region_lock"
    assert "region_lock" in ids("region lock", lang="en")
    assert "region_lock" in ids("regoin lock", lang="en")  # a typo
    assert "card_key_not_received" in ids("没收到卡密")
    symptoms = ids("卡密", type="Symptom")
    assert symptoms and all(not i.startswith("sup_") for i in symptoms)
    found = client.get("/v1/search?q=KEY+INVALID", headers=headers).get_json()["results"]
    assert found[0]["matched"]["field"] in ("title", "phrase", "id")
    assert ids("zzzzqqqq") == []
    bad = client.get("/v1/search?q=", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"][0]["field"] == "q"
    assert client.get("/v1/search?q=x&limit=0", headers=headers).status_code == 400
    assert client.get("/v1/search?q=x&limit=abc", headers=headers).status_code == 400


def test_paths_is_the_whole_training_tree(client: FlaskClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["agent"])
    tree = client.get("/v1/paths?symptom=card_key_invalid", headers=headers).get_json()
    assert tree["symptom"]["id"] == "card_key_invalid" and tree["symptom"]["phrases"]["zh"]
    corpus = tree["utterances"]
    assert corpus["total"] >= 150 and corpus["total"] == sum(corpus["sources"].values())
    assert (
        set(corpus["sources"]) <= {"written", "reference", "issue", "case"} and corpus["examples"]
    )
    priors = [c["learned_prior"] for c in tree["causes"]]
    assert priors == sorted(priors, reverse=True) and abs(sum(priors) - 1) < 1e-9
    first = tree["causes"][0]
    assert first["authored_prior"] == first["learned_prior"] and first["confirmed_cases"] == 0
    assert first["customer_explanation"]["zh"]
    check = first["checks"][0]
    assert {"cost_minutes", "instructions", "p_fail", "mode", "meaning"} <= set(check)
    fix = first["resolutions"][0]
    assert fix["steps"]["zh"] and fix["customer_reply"]["zh"] and fix["rank"] == 1
    missing = client.get("/v1/paths?symptom=card_key_invalidd", headers=headers)
    assert missing.status_code == 404
    assert "card_key_invalid" in missing.get_json()["error"]["details"][0]["near"]
    assert client.get("/v1/paths", headers=headers).status_code == 400


def test_node_lookup_suggests_near_ids(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = client.get("/v1/graph/nodes/region_lok", headers=bearer(tokens["agent"]))
    assert response.status_code == 404
    assert "region_lock" in response.get_json()["error"]["details"][0]["near"]
