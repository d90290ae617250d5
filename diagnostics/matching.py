"""Which symptom the customer's words describe, weighed with the order's facts.

The words: the learned model (``symptom_model``) gives every symptom, and the
out-of-scope class, a probability. The order: a symptom's ``fits_order``
condition is a likelihood ratio, :data:`ORDER_LIFT` when the order looks
like the symptom's (a direct top-up for "top-up not arrived", a refund record
for "refund not received") and :data:`ORDER_DROP` when it plainly does not;
the out-of-scope class keeps its weight, since any order can come with a
greeting. A message that names a cause ("说卡密已过期", "区服不存在") moves
the words towards that cause's symptoms: the corpora say causes as customers
quote them.

The engine names the leading symptom only when it holds at least
:data:`NAME_MIN` of the probability, :data:`LEAD` times the runner-up's and
more than the out-of-scope class; otherwise it asks one question about
the leaders, which the answer lists either way. ``because`` says what
moved it: the words that pushed most, and the order facts that lifted or
lowered it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from graph.snapshot import Snapshot

from .conditions import Condition, ConditionContext, compile_condition, evaluate, focus_of
from .symptom_model import OUT_OF_SCOPE, symptom_model

__all__ = ["ALTERNATIVES", "LEAD", "NAME_MIN", "SymptomMatch", "match_symptom", "near_ids"]

NAME_MIN = 0.35
LEAD = 2.0
"""The leading symptom is named when it has at least NAME_MIN of the
probability, LEAD times the runner-up's, and more than out-of-scope;
otherwise the engine asks. Chosen on the corpus's 5-fold cross-validation
(never a hold-out), every message one held out: right 86.5%, asked 10.5%,
wrong 3.0%, against 85.2 / 11.8 / 3.0 for a plain 0.5 cut-off."""
ORDER_LIFT = 2.5
ORDER_DROP = 0.4
"""Likelihood ratios of a symptom's ``fits_order`` being true / false."""
ALTERNATIVES = 3


@dataclass(frozen=True)
class SymptomMatch:
    """The symptom found in a message (or ``None``), the candidates, and why.

    ``cues``: the message's n-grams that most moved the leading symptom;
    ``fits``: the symptoms whose ``fits_order`` the order met (True) or
    plainly failed (False), among the leaders.
    """

    id: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    cues: tuple[str, ...] = ()
    fits: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class _OrderFits:
    """Each distinct ``fits_order`` once, and which classes read which."""

    conditions: tuple[Condition, ...]
    of_class: tuple[int, ...]  # index into conditions, -1 for none

    @classmethod
    def build(cls, snapshot: Snapshot) -> _OrderFits:
        model = symptom_model(snapshot)
        sources: dict[str, int] = {}
        of_class = []
        for label in model.classes:
            source = None if label == OUT_OF_SCOPE else snapshot.node(label).get("fits_order")
            of_class.append(sources.setdefault(str(source), len(sources)) if source else -1)
        return cls(tuple(compile_condition(s) for s in sources), tuple(of_class))


def _fits(snapshot: Snapshot, context: ConditionContext | None) -> list[bool | None]:
    """Each class's ``fits_order`` verdict for the order (None: no order, no condition)."""
    table = snapshot.derived("order_fits", _OrderFits.build)
    if context is None or not context.order or not table.conditions:
        return [None] * len(table.of_class)
    conditions = list(table.conditions)
    context.focus(focus_of(conditions))
    verdicts = [evaluate(cond, context) for cond in conditions]
    return [None if i < 0 else verdicts[i] for i in table.of_class]


def match_symptom(
    snapshot: Snapshot, message: str, context: ConditionContext | None = None
) -> SymptomMatch:
    """The symptom ``message`` describes, weighed with the order in ``context``."""
    model = symptom_model(snapshot)
    if not model.classes:
        return SymptomMatch(None, 0.0, ())
    text = model.scores(message)
    fits = _fits(snapshot, context)
    ratios = np.array([ORDER_LIFT if f else ORDER_DROP if f is False else 1.0 for f in fits])
    weights = text.probabilities * ratios
    probabilities = weights / weights.sum()
    labels = model.classes
    symptoms = [i for i, label in enumerate(labels) if label != OUT_OF_SCOPE]
    if not symptoms:
        return SymptomMatch(None, 0.0, ())
    best = max(probabilities[i] for i in symptoms)
    vague = OUT_OF_SCOPE in labels and probabilities[labels.index(OUT_OF_SCOPE)] >= best
    # Words that say nothing rank nothing: then the order's fit ranks the candidates.
    ranked = sorted(
        symptoms,
        key=lambda i: (-int(vague and fits[i] is True), -probabilities[i], labels[i]),
    )[:ALTERNATIVES]
    top = ranked[0]
    alternatives = tuple((labels[i], round(float(probabilities[i]), 4)) for i in ranked)
    moved = tuple((labels[i], bool(fits[i])) for i in ranked if fits[i] is not None)
    runner_up = probabilities[ranked[1]] if len(ranked) > 1 else 0.0
    if probabilities[top] < NAME_MIN or probabilities[top] < LEAD * runner_up or vague:
        return SymptomMatch(None, alternatives[0][1], alternatives, text.cues, moved)
    return SymptomMatch(labels[top], alternatives[0][1], alternatives[1:], text.cues, moved)


def near_ids(candidate: str, ids: Sequence[str], limit: int = 5) -> list[str]:
    """The ids that look most like ``candidate`` (typos, other spellings)."""
    found = process.extract(candidate, list(ids), scorer=fuzz.WRatio, limit=limit)
    return [str(choice) for choice, score, _ in found if score >= 50]
