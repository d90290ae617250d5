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

Every symptom's score counts in the softmax (at this temperature even a
poor match weighs about e^-15 of the leader, and hundreds of them add up),
so matching grows with the number of symptoms. What grows is kept in numpy:
the per-symptom best phrase, the fits factors and the softmax are array
operations, CEL runs once per distinct ``fits_order`` condition, and only
the few leaders are sorted in Python.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from graph.snapshot import Snapshot

from .conditions import ConditionContext, compile_condition, evaluate, focus_of
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
BY_COLUMN_ABOVE = 200_000
"""Stored n-gram weights past which the phrases are kept by column (about 3k nodes
of the seed's shape): where picking the message's columns beats a full product."""
_MEMO_SIZE = 4096
_MEMO_CELLS = 4_000_000
"""The memo holds at most this many scores (32 MB): 4096 messages on a shop-sized
graph, a few hundred at 100k nodes, where one message's scores are 67 kB."""
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
    """TF-IDF over one snapshot's phrases, and its symptoms' ``fits_order``
    conditions; built once per snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        docs: list[str] = []
        starts: list[int] = []
        # In id order, so that ties ranked by position are ranked by id.
        self.symptoms = tuple(snapshot.nodes_of_type("Symptom"))
        fits: dict[str, int] = {}
        fits_of: list[int] = []
        for symptom in self.symptoms:
            data = snapshot.node(symptom)
            phrases = data.get("phrases", {})
            starts.append(len(docs))  # every symptom has two titles: no segment is empty
            for lang in ("zh", "en"):
                texts = [*phrases.get(lang, ()), data["title"][lang]]
                docs += [normalise_text(str(text)) for text in texts]
            source = data.get("fits_order")
            fits_of.append(fits.setdefault(str(source), len(fits)) if source else -1)
        self.vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float64
        )
        matrix = self.vectorizer.fit_transform(docs) if docs else None
        # A big graph keeps its phrases by column, so that a message costs the
        # rows its own n-grams reach, not every row (at 100k nodes the full
        # product took 9 ms, the columns 1.4); a shop-sized one multiplies
        # every row, cheaper than scipy's column indexing (0.25 ms by itself).
        if matrix is not None and matrix.nnz > BY_COLUMN_ABOVE:
            matrix = matrix.tocsc()
        self.matrix = matrix
        self._starts = np.array(starts, dtype=np.int64)
        if self.matrix is not None:
            self._analyzer = self.vectorizer.build_analyzer()
            self._vocabulary: dict[str, int] = self.vectorizer.vocabulary_
            self._idf: np.ndarray = self.vectorizer.idf_
        self.fits = tuple(compile_condition(source) for source in fits)
        """Each distinct ``fits_order`` condition once: symptoms often share one."""
        self.fits_focus = focus_of(self.fits)
        self._fits_of = np.array([len(fits) if i < 0 else i for i in fits_of], dtype=np.int64)
        self._no_text = _frozen(np.full(len(self.symptoms), _NO_TEXT))
        self._memo: dict[str, np.ndarray] = {}
        self._memo_size = min(_MEMO_SIZE, max(16, _MEMO_CELLS // max(1, len(self.symptoms))))

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

    def scores(self, text: str) -> np.ndarray:
        """Best cosine similarity per symptom (read-only); memoised, customers
        repeat themselves. A message too short to match scores every symptom
        alike, so that the order facts alone rank the clarifying question."""
        if len(text) < 2 or self.matrix is None:
            return self._no_text
        known = self._memo.get(text)
        if known is not None:
            return known
        vector = self.query(text)
        if self.matrix.format == "csc":
            grams = np.flatnonzero(vector)
            sims = self.matrix[:, grams] @ vector[grams]
        else:
            sims = self.matrix @ vector
        result = _frozen(np.maximum.reduceat(sims, self._starts))
        if len(self._memo) >= self._memo_size:
            self._memo.clear()
        self._memo[text] = result
        return result

    def factors(self, context: ConditionContext | None) -> np.ndarray | None:
        """Each symptom's fits factor for the order in ``context``; None when
        there is no order to weigh (every factor would be 1)."""
        if context is None or not context.order or not self.fits:
            return None
        context.focus(self.fits_focus)
        table = [_FACTORS[evaluate(cond, context)] for cond in self.fits]
        return np.array([*table, 1.0])[self._fits_of]


_FACTORS = {True: FITS_LIFT, False: FITS_DROP, None: 1.0}


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _index(snapshot: Snapshot) -> _Index:
    return snapshot.derived("symptom_index", _Index)


def match_symptom(
    snapshot: Snapshot, message: str, context: ConditionContext | None = None
) -> SymptomMatch:
    """The symptom ``message`` describes, weighed with the order in ``context``."""
    index = _index(snapshot)
    if not index.symptoms:
        return SymptomMatch(None, 0.0, (), 0.0)
    scores = index.scores(_strip_fillers(normalise_text(message)))
    factors = index.factors(context)
    if factors is not None:
        scores = scores * factors
    weights = np.exp((scores - scores.max()) / TEMPERATURE)
    confidences = weights / weights.sum()
    # The leaders by confidence, ties by id (the symptoms are in id order):
    # everything at or above the ALTERNATIVES-th largest, sorted in Python.
    kth = -ALTERNATIVES if len(confidences) > ALTERNATIVES else 0
    floor = np.partition(confidences, kth)[kth]
    leaders = np.flatnonzero(confidences >= floor).tolist()
    ranked = sorted(leaders, key=lambda i: (-confidences[i], i))[:ALTERNATIVES]
    alternatives = tuple((index.symptoms[i], round(float(confidences[i]), 4)) for i in ranked)
    top = ranked[0]
    top_conf, top_score = float(confidences[top]), float(scores[top])
    if top_score < MIN_SCORE or top_conf < MIN_CONFIDENCE:
        return SymptomMatch(None, round(top_conf, 4), alternatives, top_score)
    return SymptomMatch(index.symptoms[top], round(top_conf, 4), alternatives[1:], top_score)


def near_ids(candidate: str, ids: Sequence[str], limit: int = 5) -> list[str]:
    """The ids that look most like ``candidate`` (typos, other spellings)."""
    found = process.extract(candidate, list(ids), scorer=fuzz.WRatio, limit=limit)
    return [str(choice) for choice, score, _ in found if score >= 50]
