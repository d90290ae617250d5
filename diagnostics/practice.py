"""Practice mode: replay a case whose true cause is known, and score the checks.

A trainee gets what an agent gets (the customer's words, the order, the
checks the system already ran) and picks the remaining checks one at a time.
Each pick shows the result the case would give: what the order says for an
automatic check, otherwise the typical result under the true cause (a check
linked to it fails when its ``p_fail`` is at least one half; any other check
passes). A step *finds* the cause when it fails and is linked to the true
cause, which is when a real agent would stop looking.

Two numbers judge the path, both in agent minutes: what it cost on this case
(until the finding step), and what its order costs in expectation over every
cause the symptom could have had (``ordering.expected_cost``), each next to
the engine's own checklist. The second one is what training should improve:
a lucky guess can be cheap once but not on average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.snapshot import Snapshot

from .engine import Diagnosis, diagnose_body, step_minutes
from .evaluation import CheckOutcome
from .knowledge import Knowledge
from .ordering import Step, expected_cost, greedy_order

__all__ = ["Board", "Card", "Scenario", "Score", "Telling", "board", "score", "telling_check"]

TELLING_GAP = 0.2
"""A check tells two causes apart when its fail chances under them differ at least this much."""


@dataclass(frozen=True)
class Scenario:
    """A case to practise on: a diagnose request and the cause it really had."""

    id: str
    title: str
    request: Mapping[str, Any]
    symptom: str
    cause: str


@dataclass(frozen=True)
class Card:
    """One check as this case would answer it."""

    id: str
    title: str
    minutes: float
    done_by_system: bool
    result: str
    finds: bool
    escalation: bool


@dataclass(frozen=True)
class Board:
    """Everything a practice round needs; ``engine_path`` is the engine's checklist."""

    scenario: Scenario
    symptom_title: str
    cards: Mapping[str, Card]
    causes: tuple[tuple[str, str], ...]
    engine_path: tuple[str, ...]
    diagnosis: Diagnosis
    weights: tuple[float, ...]
    """What the engine believed before the first open check (the expected costs use it)."""

    @property
    def open_cards(self) -> list[Card]:
        """The checks left to the trainee, cheapest first (the system's are done)."""
        left = [c for c in self.cards.values() if not c.done_by_system]
        return sorted(left, key=lambda c: (c.minutes, c.title))

    @property
    def system_cards(self) -> list[Card]:
        return [c for c in self.cards.values() if c.done_by_system]


@dataclass(frozen=True)
class Score:
    """How a path did on the case and in expectation, next to the engine's."""

    minutes: float
    found_at: int | None
    engine_minutes: float
    engine_found_at: int | None
    expected: float
    engine_expected: float
    system_found: bool


def _looked_up(outcome: CheckOutcome, by_hand: bool) -> CheckOutcome:
    """By hand, an automatic check's facts are looked up as if they were missing."""
    if by_hand and outcome.source == "auto":
        return CheckOutcome(outcome.check_id, "unknown", "none")
    return outcome


def _typical(linked: bool, p_fail: float) -> str:
    return "fail" if linked and p_fail >= 0.5 else "pass"


def board(
    snapshot: Snapshot,
    scenario: Scenario,
    knowledge: Knowledge,
    lang: str = "zh",
    *,
    by_hand: bool = False,
) -> Board:
    """Diagnose the scenario as the engine would and lay out every check of its symptom.

    ``by_hand`` replays the case as if the system had run nothing: every
    check is the trainee's to pick (an automatic one costs the minutes of
    looking its facts up), and the engine's path is its order from the
    priors alone. That is the round that trains judgement; the other one
    shows the console as it is.

    Raises ``ValueError`` when the graph no longer links the true cause to
    the symptom (an edited graph can outdate a past case).
    """
    request = {**scenario.request, "symptom": scenario.symptom, "lang": lang}
    answer = diagnose_body(snapshot, request, "senior", knowledge)
    model = answer.model
    if model is None or scenario.cause not in model.causes:
        raise ValueError(f"{scenario.cause} is no longer a cause of {scenario.symptom}")
    true_index = model.causes.index(scenario.cause)
    cards = {}
    for check, outcome in answer.outcomes.items():
        node = snapshot.node(check)
        linked = true_index in model.tests.get(check, frozenset())
        done = outcome.observed and outcome.source == "auto" and not by_hand
        if outcome.observed:
            result = outcome.result
        else:
            result = _typical(linked, model.p_fail[check][true_index])
        cards[check] = Card(
            id=check,
            title=snapshot.title(check, lang),
            minutes=0.0 if done else step_minutes(node, _looked_up(outcome, by_hand)),
            done_by_system=done,
            result=result,
            finds=linked and result == "fail",
            escalation=bool(node.get("escalates_to")),
        )
    if by_hand:
        steps = [Step(c.id, c.minutes, c.escalation) for c in cards.values()]
        plan = [s.check for s in greedy_order(model, model.prior, steps)]
        weights = model.prior
    else:
        plan = [c["id"] for c in answer.body.get("checks", []) if "step" in c]
        weights = answer.probabilities
    causes = tuple((c, snapshot.title(c, lang)) for c in sorted(model.causes))
    return Board(
        scenario=scenario,
        symptom_title=snapshot.title(scenario.symptom, lang),
        cards=cards,
        causes=causes,
        engine_path=tuple(plan),
        diagnosis=answer,
        weights=tuple(weights),
    )


def _walk(cards: Mapping[str, Card], path: Sequence[str]) -> tuple[float, int | None]:
    """Minutes spent along ``path`` until a step finds the cause (or an escalation)."""
    spent = 0.0
    for index, check in enumerate(path):
        card = cards[check]
        spent += card.minutes
        if card.finds or card.escalation:
            return spent, index
    return spent, None


def score(played: Board, path: Sequence[str]) -> Score:
    """Score the trainee's ``path`` (check ids in the order picked) on ``played``."""
    unknown = [c for c in path if c not in played.cards]
    if unknown:
        raise ValueError(f"not a check of this symptom: {', '.join(unknown)}")
    answer = played.diagnosis
    assert answer.model is not None
    picked = [c for c in path if not played.cards[c].done_by_system]
    minutes, found_at = _walk(played.cards, picked)
    engine_minutes, engine_found_at = _walk(played.cards, played.engine_path)

    def steps(checks: Sequence[str]) -> list[Step]:
        return [
            Step(c, played.cards[c].minutes, played.cards[c].escalation)
            for c in checks
            if c in answer.model.p_fail  # type: ignore[union-attr]
        ]

    weights = played.weights
    # An unfinished path is finished the engine's way, so both orders cover the same checks.
    finished = picked + [c for c in played.engine_path if c not in picked]
    return Score(
        minutes=minutes,
        found_at=found_at,
        engine_minutes=engine_minutes,
        engine_found_at=engine_found_at,
        expected=expected_cost(answer.model, weights, steps(finished)),
        engine_expected=expected_cost(answer.model, weights, steps(played.engine_path)),
        system_found=any(c.finds for c in played.system_cards),
    )


@dataclass(frozen=True)
class Telling:
    """The check that would have told the true cause from a wrong answer."""

    check: str
    p_true: float
    """Chance the check fails when the true cause is behind the case."""
    p_guess: float
    """Chance it fails under the cause the trainee named."""
    done: bool
    """Whether the trainee did this check in the round."""


def telling_check(played: Board, guess: str, path: Sequence[str]) -> Telling | None:
    """The check whose result differs most between the true cause and ``guess``.

    That is the explanation a wrong answer needs: which check, and what it
    would have shown. A separating check the trainee did comes first, then
    the widest gap, then the cheaper check. None for a right answer,
    an unknown cause, or two causes no check separates by ``TELLING_GAP``.
    """
    model = played.diagnosis.model
    truth = played.scenario.cause
    if model is None or guess == truth or guess not in model.causes:
        return None
    t, g = model.causes.index(truth), model.causes.index(guess)
    candidates = [c for c in played.cards if c in model.p_fail]
    if not candidates:
        return None

    def gap(check: str) -> float:
        return abs(model.p_fail[check][t] - model.p_fail[check][g])

    def done(check: str) -> bool:
        return check in path or played.cards[check].done_by_system

    # A separating check the trainee already did teaches most: its result was in front of them.
    best = max(
        candidates,
        key=lambda c: (done(c) and gap(c) >= TELLING_GAP, gap(c), -played.cards[c].minutes, c),
    )
    if gap(best) < TELLING_GAP:
        return None
    return Telling(
        check=best,
        p_true=float(model.p_fail[best][t]),
        p_guess=float(model.p_fail[best][g]),
        done=done(best),
    )
