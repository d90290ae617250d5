"""Which symptom the customer's words describe.

Character n-grams (1 to 3) with TF-IDF weights, from scikit-learn, compare
the message with every phrase and title of every symptom in the graph.
Characters rather than words because Chinese has no spaces and customers
type fast: "卡密复制进去一直提示无效" shares 卡密 / 无效 / 提示 with the
phrases without any word segmentation, and "refnd not recieved" still
shares most trigrams with "refund not received". A symptom scores its best
phrase's cosine similarity.

The order facts then break ties the words cannot: a symptom's optional
``fits_order`` condition lifts it when the order looks like it (a direct
top-up for "top-up not arrived") and lowers it when the order plainly does
not. Scores become confidences with a softmax; a message whose best score
is weak, or whose best two are close, gets no symptom but a ranked list and
a clarifying question, because a wrong confident answer costs an agent more
than a question does.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from graph.snapshot import Snapshot

from .conditions import Condition, ConditionContext, compile_condition, evaluate
from .language import CJK, normalise_text, word_list

__all__ = ["SymptomMatch", "match_symptom", "near_ids"]

MIN_SCORE = 0.30
"""Below this best cosine similarity a message is too vague to name a symptom."""
MIN_CONFIDENCE = 0.50
"""Below this softmax share the top symptom is not clearly ahead: ask instead."""
TEMPERATURE = 0.08
"""Softmax temperature: a lead of 0.1 in cosine is a clear but not certain win."""
FITS_LIFT = 1.25
FITS_DROP = 0.70
"""Factors applied to a symptom's score when its ``fits_order`` is true / false."""
ALTERNATIVES = 3
_MEMO_SIZE = 4096
_NO_TEXT = 0.1


@cache
def _filler_pattern() -> re.Pattern[str]:
    words = word_list("fillers")
    chinese = "|".join(re.escape(w) for w in words if CJK.search(w))
    latin = "|".join(re.escape(w) for w in words if not CJK.search(w))
    return re.compile(rf"{chinese}|(?<![a-z])(?:{latin})(?![a-z])")


def _strip_fillers(text: str) -> str:
    text = _filler_pattern().sub(" ", text)
    return re.sub(r"[\s\W_]+", " ", text).strip()


@dataclass(frozen=True)
class SymptomMatch:
    """The symptom found in a message, or ``None`` with the candidates."""

    id: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    score: float


class _Index:
    """TF-IDF over one snapshot's phrases; built once per snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        docs: list[str] = []
        owners: list[str] = []
        self.symptoms = tuple(snapshot.nodes_of_type("Symptom"))
        for symptom in self.symptoms:
            data = snapshot.node(symptom)
            phrases = data.get("phrases", {})
            for lang in ("zh", "en"):
                texts = [*phrases.get(lang, ()), data["title"][lang]]
                for text in texts:
                    docs.append(normalise_text(str(text)))
                    owners.append(symptom)
        self.vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float64
        )
        self.matrix = self.vectorizer.fit_transform(docs) if docs else None
        owner_index = {s: i for i, s in enumerate(self.symptoms)}
        self.owner = np.array([owner_index[o] for o in owners], dtype=np.int64)
        if self.matrix is not None:
            self._analyzer = self.vectorizer.build_analyzer()
            self._vocabulary: dict[str, int] = self.vectorizer.vocabulary_
            self._idf: np.ndarray = self.vectorizer.idf_

        self._memo: dict[str, tuple[float, ...]] = {}

    def query(self, text: str) -> np.ndarray:
        """``text`` as the fitted vectorizer's TF-IDF vector (dense, L2-normalised).

        What ``vectorizer.transform`` computes (n-grams from its own analyzer,
        counts, 1 + log, idf, L2), without its per-call checks and sparse
        plumbing: for one short message those took 2 ms, a diagnosis' worth.
        """
        vector = np.zeros(len(self._idf))
        vocabulary = self._vocabulary
        found = [
            (feature, count)
            for gram, count in Counter(self._analyzer(text)).items()
            if (feature := vocabulary.get(gram)) is not None
        ]
        if found:
            features = np.array([feature for feature, _ in found], dtype=np.int64)
            tf = np.array([count for _, count in found], dtype=np.float64)
            weights = (np.log(tf) + 1.0) * self._idf[features]
            vector[features] = weights / np.sqrt(np.dot(weights, weights))
        return vector

    def scores(self, text: str) -> tuple[float, ...]:
        """Best cosine similarity per symptom; memoised, customers repeat themselves."""
        known = self._memo.get(text)
        if known is not None:
            return known
        best = np.zeros(len(self.symptoms))
        if self.matrix is not None and text:
            sims = self.matrix @ self.query(text)
            np.maximum.at(best, self.owner, sims)
        result = tuple(best.tolist())
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[text] = result
        return result


def _index(snapshot: Snapshot) -> _Index:
    return snapshot.derived("symptom_index", _Index)


def _fits(snapshot: Snapshot, symptom: str, context: ConditionContext | None) -> bool | None:
    source = snapshot.node(symptom).get("fits_order")
    if context is None or not source or not context.order:
        return None
    return evaluate(compile_condition(str(source)), context)


def _fits_conditions(snapshot: Snapshot, symptoms: Iterable[str]) -> list[Condition]:
    sources = [snapshot.node(symptom).get("fits_order") for symptom in symptoms]
    return [compile_condition(str(source)) for source in sources if source]


def match_symptom(
    snapshot: Snapshot, message: str, context: ConditionContext | None = None
) -> SymptomMatch:
    """The symptom ``message`` describes, weighed with the order in ``context``."""
    index = _index(snapshot)
    if not index.symptoms:
        return SymptomMatch(None, 0.0, (), 0.0)
    text = _strip_fillers(normalise_text(message))
    # With nothing to match, every symptom gets the same small score, so that
    # the order facts alone rank the alternatives of the clarifying question.
    raw = index.scores(text) if len(text) >= 2 else tuple(_NO_TEXT for _ in index.symptoms)
    # Only a symptom that could still come near the leader is worth its CEL: one
    # whose score, lifted, stays more than 30 temperatures below the leader's,
    # dropped, weighs under e^-30 in the softmax whatever its fit. So a big
    # graph costs CEL for the few plausible symptoms, not for all of them.
    floor = max(raw) * FITS_DROP - 30 * TEMPERATURE
    near = {s for s, score in zip(index.symptoms, raw, strict=True) if score * FITS_LIFT >= floor}
    if context is not None:
        context.focus(_fits_conditions(snapshot, near))
    scores = []
    for symptom, score in zip(index.symptoms, raw, strict=True):
        fits = _fits(snapshot, symptom, context) if symptom in near else None
        factor = FITS_LIFT if fits is True else FITS_DROP if fits is False else 1.0
        scores.append(score * factor)
    confidences = _softmax(scores)
    ranked = sorted(
        zip(index.symptoms, confidences, scores, strict=True), key=lambda x: (-x[1], x[0])
    )
    top_id, top_conf, top_score = ranked[0]
    alternatives = tuple((s, round(c, 4)) for s, c, _ in ranked[:ALTERNATIVES])
    if top_score < MIN_SCORE or top_conf < MIN_CONFIDENCE:
        return SymptomMatch(None, round(top_conf, 4), alternatives, top_score)
    return SymptomMatch(top_id, round(top_conf, 4), alternatives[1:], top_score)


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    weights = [math.exp((s - top) / TEMPERATURE) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


def near_ids(candidate: str, ids: Sequence[str], limit: int = 5) -> list[str]:
    """The ids that look most like ``candidate`` (typos, other spellings)."""
    found = process.extract(candidate, list(ids), scorer=fuzz.WRatio, limit=limit)
    return [str(choice) for choice, score, _ in found if score >= 50]
