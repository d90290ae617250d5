"""The matcher against its definition, written plainly.

``match_symptom`` keeps what grows with the graph in numpy (a per-symptom
maximum over phrase rows, a table of fits factors, the softmax) and sorts only
the leaders. This spec does it symptom by symptom, as the module docstring
says it: each symptom's best cosine through scikit-learn's own ``transform``,
its own ``fits_order`` evaluated for the order, a softmax, a sort by
confidence then id. They must agree on every message and order, on the seed
and on a graph with copies of it (whose symptoms score nearly alike).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synthetic import replicate
from diagnostics import matching
from diagnostics.conditions import ConditionContext, compile_condition, evaluate
from diagnostics.language import normalise_text
from diagnostics.matching import (
    _NO_TEXT,
    ALTERNATIVES,
    FITS_DROP,
    FITS_LIFT,
    MIN_CONFIDENCE,
    MIN_SCORE,
    TEMPERATURE,
    _index,
    _strip_fillers,
    match_symptom,
)
from graph.model import GraphContent
from graph.snapshot import Snapshot, build_snapshot
from web.examples import examples

from .test_diagnose_properties import _WORDS, ORDERS

_MESSAGES = st.one_of(
    _WORDS,
    st.sampled_from([str(case["request"].get("message", "")) for case in examples()]),
    st.text(max_size=12),
)
_TIE = 1e-9
"""Two confidences this close may come out in either order (float paths differ)."""


def _spec(snapshot: Snapshot, message: str, context: ConditionContext) -> list[tuple[str, float]]:
    """(symptom, confidence, score) for every symptom, best first, ties by id."""
    index = _index(snapshot)
    text = _strip_fillers(normalise_text(message))
    query = index.vectorizer.transform([text]).toarray()[0]
    scored = []
    for symptom in sorted(snapshot.nodes_of_type("Symptom")):
        data = snapshot.node(symptom)
        if len(text) < 2:
            score = _NO_TEXT
        else:
            docs = [
                normalise_text(str(t))
                for lang in ("zh", "en")
                for t in [*data.get("phrases", {}).get(lang, ()), data["title"][lang]]
            ]
            score = max(float(row @ query) for row in index.vectorizer.transform(docs).toarray())
        source = data.get("fits_order")
        fits = (
            evaluate(compile_condition(str(source)), context) if source and context.order else None
        )
        scored.append((symptom, score * (FITS_LIFT if fits else FITS_DROP if fits is False else 1)))
    top = max(score for _, score in scored)
    weights = [(s, math.exp((score - top) / TEMPERATURE), score) for s, score in scored]
    total = sum(w for _, w, _ in weights)
    return sorted(((s, w / total, score) for s, w, score in weights), key=lambda x: (-x[1], x[0]))


@pytest.fixture(scope="module")
def graphs(seed_content: GraphContent) -> dict[str, Snapshot]:
    """The seed; copies of it; and copies whose phrases are kept by column, as a
    graph past ``BY_COLUMN_ABOVE`` keeps them."""
    copies = replicate(seed_content, 3 * len(seed_content.nodes))
    by_column = build_snapshot(1, copies)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matching, "BY_COLUMN_ABOVE", 0)
        assert _index(by_column).matrix.format == "csc"
    return {
        "seed": build_snapshot(1, seed_content),
        "copies": build_snapshot(1, copies),
        "by column": by_column,
    }


@settings(max_examples=80, deadline=None)
@given(message=_MESSAGES, order=ORDERS, graph_name=st.sampled_from(["seed", "copies", "by column"]))
def test_the_matcher_is_its_definition(
    graphs: dict[str, Snapshot], message: str, order: dict[str, Any], graph_name: str
) -> None:
    graph = graphs[graph_name]
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    match = match_symptom(graph, message, ConditionContext.build(order, now))
    spec = _spec(graph, message, ConditionContext.build(order, now))
    confidence = {s: c for s, c, _ in spec}
    # What the matcher ranked first ... ALTERNATIVES-th is the spec's ranking, up to ties.
    shown = ([match.id] if match.id else []) + [s for s, _ in match.alternatives]
    assert len(shown) == min(ALTERNATIVES, len(spec))
    for better, worse in pairwise(shown):
        assert confidence[better] >= confidence[worse] - _TIE
        # Exact ties (a message too short to match, symptoms no word reaches)
        # are exact on both paths, and go by id.
        assert confidence[better] != confidence[worse] or better < worse
    last = shown[-1]
    for symptom, symptom_confidence, _ in spec:
        if symptom not in shown:
            assert confidence[last] >= symptom_confidence - _TIE
            assert confidence[last] != symptom_confidence or last < symptom
    for symptom, shown_confidence in match.alternatives:
        assert shown_confidence == pytest.approx(confidence[symptom], abs=1e-4)
    top, top_confidence, top_score = spec[0]
    assert match.score == pytest.approx(top_score, abs=1e-9)
    assert match.confidence == pytest.approx(top_confidence, abs=1e-4)
    clear = top_score >= MIN_SCORE + _TIE and top_confidence >= MIN_CONFIDENCE + _TIE
    vague = top_score < MIN_SCORE - _TIE or top_confidence < MIN_CONFIDENCE - _TIE
    if clear and top_confidence - spec[1][1] > _TIE:
        assert match.id == top
    if vague:
        assert match.id is None


def test_the_memo_holds_a_bounded_number_of_scores(
    graphs: dict[str, Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scores are kept per message, one per symptom: on a big graph the memo
    keeps fewer messages, so that it stays within its budget of cells."""
    index = matching._Index(graphs["copies"])  # the seed's symptoms 3 times over
    cells = len(index.symptoms)
    monkeypatch.setattr(matching, "_MEMO_CELLS", 40 * cells)  # room for 40 messages
    index = matching._Index(graphs["copies"])
    assert cells == 3 * len(list(graphs["seed"].nodes_of_type("Symptom")))
    for n in range(100):
        index.scores(f"卡密无效 {n}")
        assert len(index._memo) <= 40
    assert index.scores("卡密无效 99") is index.scores("卡密无效 99")  # still memoised
