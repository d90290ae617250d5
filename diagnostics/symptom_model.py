"""The learned symptom model: which problem a customer's words are about.

Trained when a snapshot is built, from everything the graph says customers
write: every symptom's corpus (``Corpus`` nodes with a ``teaches`` edge),
its phrases and its titles, and the out-of-scope corpus (greetings, vague
complaints), which is a class of its own, so that asking is learned rather
than read off a filler list. Seniors grow the corpora through audited edits;
the next snapshot trains on them.

Features are TF-IDF weights of character 1-3-grams (Chinese has no spaces,
customers type fast and misspell: "卡米无效" still shares 无效 and 卡) beside
English word 1-2-grams ("already used", "not arrived"), from scikit-learn;
the classifier is a logistic regression (one against the rest, fitted by
SGD, normalised over the classes), whose probabilities
are what the engine weighs with the order's facts and shows the agent.

A message is scored without scikit-learn's per-call machinery: the fitted
analyzers give its n-grams, and the class scores are the coefficients of
those n-grams times their weights (what ``predict_proba`` computes, in a
tenth of the time for one short message).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from graph.snapshot import Snapshot

from .language import normalise_text

__all__ = ["OUT_OF_SCOPE", "SymptomModel", "TextScores", "symptom_model", "training_set"]

OUT_OF_SCOPE = "(out of scope)"
"""The class of messages that name no problem (not a node id: ids have no spaces)."""
REGULARISATION = 2e-5
"""The L2 penalty (SGD's alpha). Chosen by 5-fold cross-validation on the corpus
(never the hold-outs): best log loss (0.43; accuracy 0.92) against the
L-BFGS and SAGA solvers and other penalties, and trained in about half a
second where L-BFGS took 3 to 10 s of the snapshot's build."""
_WORD = r"(?u)\b[a-z][a-z']+\b"


@dataclass(frozen=True)
class TextScores:
    """The words' probability per class (``classes`` order) and what moved the leader."""

    probabilities: np.ndarray
    cues: tuple[str, ...]


def training_set(snapshot: Snapshot) -> tuple[list[str], list[str], dict[str, Counter[str]]]:
    """Texts, their class labels, and per class how many came from each source."""
    texts: list[str] = []
    labels: list[str] = []
    sources: dict[str, Counter[str]] = {}
    for symptom in snapshot.nodes_of_type("Symptom"):
        data = snapshot.node(symptom)
        said = [*data.get("phrases", {}).get("zh", ()), *data.get("phrases", {}).get("en", ())]
        said += [data["title"]["zh"], data["title"]["en"]]
        texts += [str(t) for t in said]
        labels += [symptom] * len(said)
        sources.setdefault(symptom, Counter())["phrase"] += len(said)
    for corpus in snapshot.nodes_of_type("Corpus"):
        data = snapshot.node(corpus)
        taught = [target for target, _ in snapshot.out_edges(corpus, "teaches")]
        label = OUT_OF_SCOPE if data.get("out_of_scope") else (taught[0] if taught else None)
        if label is None:
            continue
        for item in data.get("utterances", ()):
            texts.append(str(item["text"]))
            labels.append(label)
            kind = str(item.get("source", "written:")).split(":", 1)[0]
            sources.setdefault(label, Counter())[kind] += 1
    return [normalise_text(t) for t in texts], labels, sources


class SymptomModel:
    """The classifier of one snapshot, with the analyzers to score a message fast."""

    def __init__(self, snapshot: Snapshot) -> None:
        texts, labels, self.sources = training_set(snapshot)
        self.classes: tuple[str, ...] = tuple(sorted(set(labels)))
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self.words = TfidfVectorizer(
            analyzer="word", token_pattern=_WORD, ngram_range=(1, 2), sublinear_tf=True
        )
        if len(self.classes) < 2:
            self.coef = np.zeros((len(self.classes), 0))
            self.intercept = np.zeros(len(self.classes))
            self._parts: list[tuple[Callable[[str], list[str]], dict[str, int]]] = []
            self._idf = np.zeros(0)
            self._names: list[str] = []
            return
        chars = self.chars.fit_transform(texts)
        words = self._fit_words(texts)
        matrix = hstack([chars, words]).tocsr() if words is not None else chars
        # Logistic regression fitted by SGD: a fixed number of passes and a fixed
        # seed, so the same graph gives the same model on every server.
        classifier = SGDClassifier(
            loss="log_loss", alpha=REGULARISATION, max_iter=30, tol=None, random_state=0
        )
        classifier.fit(matrix, [self.classes.index(label) for label in labels])
        self.classifier = classifier
        """Kept for the test that holds :meth:`scores` to scikit-learn's own ``predict_proba``."""
        self.coef = classifier.coef_
        self.intercept = classifier.intercept_
        # Each vectorizer's analyzer with its vocabulary in the joint columns.
        self._parts = [(self.chars.build_analyzer(), dict(self.chars.vocabulary_))]
        self._idf = np.asarray(self.chars.idf_)
        if words is not None:
            offset = len(self._idf)
            joint = {gram: column + offset for gram, column in self.words.vocabulary_.items()}
            self._parts.append((self.words.build_analyzer(), joint))
            self._idf = np.concatenate([self._idf, self.words.idf_])
        self._names = [""] * len(self._idf)
        for _, vocabulary in self._parts:
            for gram, column in vocabulary.items():
                self._names[column] = gram

    def _fit_words(self, texts: Sequence[str]) -> Any:
        try:
            return self.words.fit_transform(texts)
        except ValueError:  # no English word in any text
            return None

    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The message's feature columns and TF-IDF weights, each vectorizer's
        part L2-normalised as its ``transform`` would."""
        columns: list[int] = []
        weights: list[float] = []
        for analyzer, vocabulary in self._parts:
            counts = Counter(analyzer(text))
            found = [(vocabulary[gram], n) for gram, n in counts.items() if gram in vocabulary]
            part = [(math.log(n) + 1.0) * float(self._idf[column]) for column, n in found]
            norm = math.sqrt(sum(w * w for w in part)) or 1.0
            columns += [column for column, _ in found]
            weights += [w / norm for w in part]
        return np.array(columns, dtype=np.int64), np.array(weights)

    def scores(self, message: str) -> TextScores:
        """The probability of each class for ``message``, and the n-grams that most
        moved the leading class (for the agent's "because")."""
        text = normalise_text(message)
        columns, weights = self._features(text)
        logits = self.intercept + (self.coef[:, columns] @ weights if len(columns) else 0.0)
        # As SGDClassifier.predict_proba: each class's sigmoid, normalised over them.
        odds = 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))
        if len(self.classes) == 2:  # one coefficient row, for the second class
            odds = np.array([1.0 - odds[0], odds[0]])
        probabilities = odds / odds.sum() if odds.sum() > 0 else odds
        cues: tuple[str, ...] = ()
        if len(columns):
            lead = int(np.argmax(probabilities))
            row = self.coef[min(lead, len(self.coef) - 1), columns]
            pushes = (row if len(self.classes) > 2 or lead == 1 else -row) * weights
            order = np.argsort(-pushes)
            cues = _distinct([self._names[columns[i]] for i in order[:12] if pushes[i] > 0])
        return TextScores(probabilities, cues)


def _distinct(grams: list[str], limit: int = 3) -> tuple[str, ...]:
    """The strongest n-grams, longest first among overlaps, blanks and single letters dropped."""
    kept: list[str] = []
    for gram in grams:
        gram = gram.strip()
        if len(gram) < 2 or re.fullmatch(r"[\W_]+", gram):
            continue
        if any(gram in other or other in gram for other in kept):
            continue
        kept.append(gram)
        if len(kept) == limit:
            break
    return tuple(kept)


def symptom_model(snapshot: Snapshot) -> SymptomModel:
    """The model of ``snapshot``, trained once and kept with it."""
    return snapshot.derived("symptom_model", SymptomModel)
