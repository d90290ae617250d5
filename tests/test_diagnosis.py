"""The engine on our own cases, and its parts: ordering, evidence, replies, mood."""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostics.bayes import CauseModel, cause_model, posterior
from diagnostics.engine import diagnose_body
from diagnostics.evaluate import evaluate_cases, load_cases
from diagnostics.knowledge import DEFAULT_PRIOR_WEIGHT, learned_prior
from diagnostics.mood import read_mood
from diagnostics.ordering import (
    Step,
    brute_force_order,
    expected_cost,
    greedy_order,
    static_order,
)
from diagnostics.reply import apologises
from diagnostics.symptom_model import symptom_model
from graph.snapshot import Snapshot
from schema import taxonomy

from .conftest import CONTRACT_CASES, REPO, example_count

CASES = REPO / "tests" / "cases"
OWN = load_cases([CASES / "goods.yaml", CASES / "money.yaml", CASES / "vague.yaml"])
HOLDOUT = load_cases([CASES / "holdout.yaml"])
NEW_CAUSES = load_cases([CASES / "new_causes.yaml"])
"""Written by another author from real-failures.md before the graph had these causes."""
EXAMPLES = load_cases([CONTRACT_CASES])
ALL = EXAMPLES + OWN + HOLDOUT + NEW_CAUSES


def _answer(snapshot: Snapshot, case_id: str, **changes: Any) -> dict[str, Any]:
    case = next(c for c in ALL if c["id"] == case_id)
    answer: dict[str, Any] = diagnose_body(snapshot, {**case["request"], **changes}).as_dict()
    return answer


# --- the case sets ---------------------------------------------------------------


def test_own_cases_cover_every_taxonomy_cause_vague_english_and_missing_facts() -> None:
    assert len(OWN) >= 30
    expected = {c["expect"].get("cause") for c in OWN + NEW_CAUSES}
    assert set(taxonomy()["causes"]) <= expected
    assert sum(c["expect"]["symptom"] is None for c in OWN) >= 3
    english = [c for c in OWN if re.match(r"^[\x00-\x7f]+$", c["request"].get("message", ""))]
    assert len(english) >= 8
    assert any("order" not in c["request"] for c in OWN if c["expect"]["symptom"])
    phrases = _graph_phrases()
    copied = [
        c["id"] for c in OWN + NEW_CAUSES if c["request"].get("message", "").lower() in phrases
    ]
    assert copied == [], "case messages must be our own words, not the graph's phrases"


def _graph_phrases() -> set[str]:
    import yaml

    symptoms = yaml.safe_load((REPO / "seed" / "symptoms.yaml").read_text(encoding="utf-8"))
    return {p.lower() for s in symptoms for lang in ("zh", "en") for p in s["phrases"][lang]}


def test_own_cases_symptom_and_cause_top1(snapshot: Snapshot) -> None:
    report = evaluate_cases(snapshot, OWN)
    symptom_hits, symptom_total = report.count("symptom")
    cause_hits, cause_total = report.count("cause")
    # Floors, not the exact figures (README has those): a regression fails here.
    assert symptom_hits / symptom_total >= 0.9
    assert cause_hits / cause_total >= 0.9
    wrong = [
        r.case_id
        for r in report.results
        if r.symptom is not None and r.expected_symptom is not None and not r.symptom_ok
    ]
    assert wrong == [], "a named symptom must be the right one; when unsure the engine asks"


def test_check_order_beats_static_and_is_near_optimal(snapshot: Snapshot) -> None:
    ratios = evaluate_cases(snapshot, EXAMPLES + OWN).cost_ratios()
    assert ratios["cases_brute_forced"] >= 20
    assert ratios["engine_vs_best"] <= 1.02
    assert ratios["engine_vs_static"] < 0.95
    assert ratios["static_vs_best"] > ratios["engine_vs_best"]


# --- ordering ----------------------------------------------------------------------


def _model(p_fail: dict[str, tuple[float, ...]], tests: dict[str, set[int]], n: int) -> CauseModel:
    prior = tuple(1.0 / n for _ in range(n))
    return CauseModel(
        "s",
        tuple(f"c{i}" for i in range(n)),
        prior,
        p_fail,
        {k: frozenset(v) for k, v in tests.items()},
    )


def test_expected_cost_by_hand() -> None:
    # Two causes 0.5/0.5; check a (1 min) finds c0 surely, check b (4 min) finds c1 surely.
    model = _model({"a": (1.0, 0.0), "b": (0.0, 1.0)}, {"a": {0}, "b": {1}}, 2)
    a, b = Step("a", 1.0), Step("b", 4.0)
    assert expected_cost(model, (0.5, 0.5), [a, b]) == pytest.approx(1 + 0.5 * 4)
    assert expected_cost(model, (0.5, 0.5), [b, a]) == pytest.approx(4 + 0.5 * 1)
    assert expected_cost(model, (0.5, 0.5), [Step("x", 10.0, escalation=True), a]) == 10.0


def test_p_over_c_is_optimal_for_perfect_single_cause_checks() -> None:
    rng = random.Random(7)
    for _ in range(30):
        n = rng.randint(2, 6)
        weights = [rng.random() for _ in range(n)]
        p_fail = {f"k{i}": tuple(1.0 if j == i else 0.0 for j in range(n)) for i in range(n)}
        model = _model(p_fail, {f"k{i}": {i} for i in range(n)}, n)
        steps = [Step(f"k{i}", rng.uniform(0.5, 10)) for i in range(n)]
        greedy = greedy_order(model, weights, steps)
        by_pc = sorted(steps, key=lambda s: -weights[int(s.check[1:])] / s.cost)
        assert [s.check for s in greedy] == [s.check for s in by_pc]
        _, best = brute_force_order(model, weights, steps)
        assert expected_cost(model, weights, greedy) == pytest.approx(best)


def test_brute_force_is_never_beaten_and_static_ignores_cost() -> None:
    rng = random.Random(11)
    for _ in range(20):
        n = 4
        p_fail = {f"k{i}": tuple(rng.uniform(0.01, 0.99) for _ in range(n)) for i in range(5)}
        tests = {f"k{i}": {rng.randrange(n), rng.randrange(n)} for i in range(5)}
        model = _model(p_fail, tests, n)
        weights = [rng.random() for _ in range(n)]
        steps = [Step(f"k{i}", rng.uniform(1, 8)) for i in range(5)]
        _, best = brute_force_order(model, weights, steps)
        for perm in itertools.islice(itertools.permutations(steps), 50):
            assert expected_cost(model, weights, perm) >= best - 1e-9
        assert expected_cost(model, weights, greedy_order(model, weights, steps)) >= best - 1e-9
        assert sorted(s.check for s in static_order(model, steps)) == sorted(s.check for s in steps)


def test_an_escalation_is_one_hand_off_at_the_end_however_cheap() -> None:
    model = _model(
        {"a": (0.5, 0.0), "e": (0.9, 0.9), "f": (0.0, 0.9)}, {"a": {0}, "e": {0, 1}, "f": {1}}, 2
    )
    steps = [Step("e", 1.0, escalation=True), Step("f", 0.5, escalation=True), Step("a", 30.0)]
    order = greedy_order(model, (0.5, 0.5), steps)
    assert [s.check for s in order] == ["a", "e"]  # e is linked to more of what a leaves
    best, _ = brute_force_order(model, (0.5, 0.5), steps)
    assert [s.check for s in best] == ["a", "e"]


# --- evidence, missing facts, resolution gating -----------------------------------------


def test_evidence_re_ranks(snapshot: Snapshot) -> None:
    base = _answer(snapshot, "ex-01")
    assert base["causes"][0]["id"] == "paste_format_error"
    overruled = _answer(snapshot, "ex-01", evidence={"key_paste_noise": "pass"})
    assert overruled["causes"][0]["id"] != "paste_format_error"
    agent_rows = [c for c in overruled["checks"] if c["source"] == "agent"]
    assert [c["id"] for c in agent_rows] == ["key_paste_noise"]


def test_manual_result_re_orders_the_remaining_checks(snapshot: Snapshot) -> None:
    first = _answer(snapshot, "own-g19")
    plan = [c["id"] for c in first["checks"] if "step" in c]
    assert len(plan) >= 3
    again = _answer(snapshot, "own-g19", evidence={plan[0]: "pass"})
    replanned = [c["id"] for c in again["checks"] if "step" in c]
    assert plan[0] not in replanned
    assert again["causes"] != first["causes"]


def test_missing_facts_make_automatic_checks_manual_steps(snapshot: Snapshot) -> None:
    answer = _answer(snapshot, "own-g19")  # no pasted code, no account region
    unknown = {c["id"]: c for c in answer["checks"] if c["result"] == "unknown"}
    assert "key_paste_noise" in unknown and "product_region_differs" in unknown
    assert "order.customer.pasted_code" in unknown["key_paste_noise"]["missing"]
    assert all("step" in c and c["cost_minutes"] > 0 for c in unknown.values())
    assert all(c["mode"] == "auto" for c in unknown.values())


def test_unknown_system_status_is_unknown_not_up(snapshot: Snapshot) -> None:
    answer = _answer(snapshot, "ex-03", systems={"sup-kx": "unknown"})
    row = next(c for c in answer["checks"] if c["id"] == "supplier_status_down")
    assert row["result"] == "unknown"
    up = _answer(snapshot, "ex-03", systems={"sup_kx": "up"})
    assert next(c for c in up["checks"] if c["id"] == "supplier_status_down")["result"] == "pass"


def test_reissue_waits_for_the_redemption_record(snapshot: Snapshot) -> None:
    answer = _answer(snapshot, "own-g07")  # defective key: the fix is a reissue
    resolution = answer["resolution"]
    assert resolution["irreversible"] and "check_redemption_record" in resolution["pending_checks"]
    assert answer["reply"]["kind"] == "verifying"
    assert "为您补发" not in answer["reply"]["text"]
    required = [c for c in answer["checks"] if c["required_by_resolution"]]
    assert [c["id"] for c in required] == ["check_redemption_record"]
    done = _answer(snapshot, "own-g07", evidence={"check_redemption_record": "pass"})
    assert done["resolution"]["pending_checks"] == [] and not done["resolution"]["allowed"]
    assert done["reply"]["kind"] == "verifying" and "为您补发" not in done["reply"]["text"]
    case = next(c for c in ALL if c["id"] == "own-g07")
    body = {**case["request"], "evidence": {"check_redemption_record": "pass"}}
    senior = diagnose_body(snapshot, body, role="senior").as_dict()
    assert senior["reply"]["kind"] == "resolution" and "补发" in senior["reply"]["text"]


# --- replies ------------------------------------------------------------------------------


def _internal_names(snapshot: Snapshot) -> set[str]:
    names = set(snapshot.graph.nodes)
    for system in snapshot.nodes_of_type("System"):
        names |= set(snapshot.node(system).get("aliases", ()))
    return {n for n in names if len(n) > 3}


@pytest.mark.parametrize("case", ALL, ids=[c["id"] for c in ALL])
def test_reply_is_clean(snapshot: Snapshot, case: dict[str, Any]) -> None:
    answer = diagnose_body(snapshot, case["request"]).as_dict()
    text = answer["reply"]["text"]
    for name in _internal_names(snapshot):
        assert not re.search(rf"(?<![A-Za-z0-9_-]){re.escape(name)}(?![A-Za-z0-9_-])", text), name
    assert "{{" not in text and "{%" not in text and not re.search(r"\bNone\b(?! of)", text)
    for blame in ("您输错", "你输错", "您自己的问题", "your fault", "you typed it wrong"):
        assert blame not in text
    if answer["reply"]["kind"] in ("resolution", "verifying"):
        assert re.search(r"\d", text), "a reply promises a time"
    else:
        assert answer["reply"]["kind"] == "clarify" and ("？" in text or "?" in text)


def test_reply_fills_facts_and_masks_email(snapshot: Snapshot) -> None:
    refund = _answer(snapshot, "ex-12")["reply"]["text"]
    assert "RF20261118001" in refund and "11月25日" in refund
    email = _answer(snapshot, "ex-06")["reply"]["text"]
    assert "abc@qq.con" not in email and "ab***@qq.con" in email
    paste = _answer(snapshot, "ex-01")["reply"]["text"]
    assert "7KQ9M-2PL4R-T8WZ3" in paste


def test_angry_customer_hears_the_apology_first(snapshot: Snapshot) -> None:
    answer = _answer(snapshot, "ex-03")
    assert answer["mood"]["level"] == "angry"
    first_sentence = re.split(r"[。！？]", answer["reply"]["text"])[0]
    assert apologises(first_sentence) == 1 and apologises(answer["reply"]["text"]) == 1
    assert answer["priority"]["level"] == "P1"
    calm = _answer(snapshot, "ex-03", message="充值还没到账")
    assert calm["mood"]["level"] != "angry"
    assert not calm["reply"]["text"].startswith("实在抱歉，给您添麻烦了")
    assert calm["priority"]["score"] < answer["priority"]["score"]
    patient = _answer(snapshot, "ex-08")  # in its normal window, calm words
    assert patient["priority"]["answer_by"] > answer["priority"]["answer_by"]


def test_vague_message_asks_a_question(snapshot: Snapshot) -> None:
    answer = _answer(snapshot, "own-v03")
    assert answer["symptom"]["id"] is None
    assert answer["symptom"]["alternatives"][0]["id"] == "recharge_not_arrived"
    assert answer["causes"] == [] and answer["resolution"] is None
    assert answer["reply"]["kind"] == "clarify"


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("你们是骗子吧", "angry"),
        ("再不处理我就投诉", "angry"),
        ("避雷这家店", "angry"),
        ("WHERE IS MY CODE", "angry"),
        ("怎么还没到！！！", "angry"),
        ("this is a scam", "angry"),
        ("有点着急，怎么还没到", "anxious"),
        ("still waiting??", "anxious"),
        ("卡密无效", "calm"),
        ("", "calm"),
    ],
)
def test_mood(message: str, level: str) -> None:
    assert read_mood(message).level == level


def test_same_input_same_answer(snapshot: Snapshot) -> None:
    assert _answer(snapshot, "ex-08") == _answer(snapshot, "ex-08")


def test_language_file_templates_use_only_declared_variables() -> None:
    from diagnostics.language import language_data
    from diagnostics.templates import template_problems

    data = language_data()
    texts = [data["clarify"], data["clarify_generic"], *data["verifying"].values()]
    for text in texts:
        for lang in ("zh", "en"):
            assert template_problems(str(text[lang])) == []


def test_a_learned_model_is_kept_until_the_counts_change(snapshot: Snapshot) -> None:
    base = cause_model(snapshot, "card_key_invalid")
    first, second = base.causes[0], base.causes[1]
    learned = cause_model(snapshot, "card_key_invalid", {second: 5})
    assert learned is cause_model(snapshot, "card_key_invalid", {second: 5})
    counts = tuple(5 if cause == second else 0 for cause in base.causes)
    assert learned.prior == learned_prior(base.authored_prior, counts, DEFAULT_PRIOR_WEIGHT)
    assert learned.prior[1] > base.prior[1]
    moved = cause_model(snapshot, "card_key_invalid", {second: 5, first: 1})
    assert moved is not learned and moved.prior != learned.prior
    assert cause_model(snapshot, "card_key_invalid") is base  # no counts: the graph's own
    # the cached logs follow each model's own priors
    assert posterior(learned, {}) == pytest.approx(learned.prior)
    assert posterior(base, {}) == pytest.approx(base.prior)


@settings(max_examples=example_count(200), deadline=None)
@given(
    text=st.text(max_size=40)
    | st.sampled_from(["卡密无效", "充值没到账", "refnd not recieved", "扣了两次钱", "", "  "])
)
def test_the_message_scores_are_scikit_learns_own(snapshot: Snapshot, text: str) -> None:
    """The hand-rolled scores equal scikit-learn's ``transform`` and ``predict_proba``,
    which they replace for one short message at a time."""
    from scipy.sparse import hstack

    from diagnostics.language import normalise_text

    model = symptom_model(snapshot)
    folded = [normalise_text(text)]
    features = hstack([model.chars.transform(folded), model.words.transform(folded)]).tocsr()
    expected = model.classifier.predict_proba(features)[0]
    assert np.allclose(model.scores(text).probabilities, expected, rtol=0, atol=1e-9)


def test_an_answer_shares_nothing_a_caller_could_change_with_the_next(snapshot: Snapshot) -> None:
    """Checklist lines are kept per snapshot; each answer must still get its own."""
    case_id = next(  # the first case with a fact missing
        str(c["id"])
        for c in ALL
        if any("missing" in line for line in _answer(snapshot, str(c["id"]))["checks"])
    )
    first = _answer(snapshot, case_id)
    assert any("missing" in line for line in first["checks"])
    for line in first["checks"]:
        line["title"] = "changed"
        line["tests"].append("changed")
        line.get("missing", []).append("changed")
    second = _answer(snapshot, case_id)
    assert second["checks"] and all(line["title"] != "changed" for line in second["checks"])
    assert all("changed" not in line["tests"] for line in second["checks"])
    assert all("changed" not in line.get("missing", []) for line in second["checks"])


def test_every_new_cause_has_two_cases_and_most_rank_first(snapshot: Snapshot) -> None:
    per_cause: dict[str, int] = {}
    for case in NEW_CAUSES:
        per_cause[case["expect"]["cause"]] = per_cause.get(case["expect"]["cause"], 0) + 1
    added = [c for c in taxonomy()["causes"] if c in per_cause]
    assert len(added) >= 24 and all(per_cause[c] >= 2 for c in added)
    # Given the symptom, the graph's checks must rank the cause first: what this
    # issue's knowledge decides. From the message alone the matcher decides too
    # (README has both figures); a floor there, since the matcher asks often.
    named = [
        {**c, "request": {**c["request"], "symptom": c["expect"]["symptom"]}} for c in NEW_CAUSES
    ]
    hits, total = evaluate_cases(snapshot, named).count("cause")
    assert hits / total >= 0.95
    hits, total = evaluate_cases(snapshot, NEW_CAUSES).count("cause")
    assert hits / total >= 0.6
