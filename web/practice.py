"""Practice mode pages: pick a case, pick checks one at a time, then name the cause.

The round's state is the path so far, carried in the form (nothing is
stored): each pick posts the path plus one check, and the server replays the
whole round from the scenario, so a reload or the back button cannot
corrupt it. Scenarios are the shipped example cases and the team's own
confirmed outcomes (those carry no customer text or order, so every check
is manual, which is the harder round).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import render_template, request
from flask.typing import ResponseReturnValue

from appstate import settings, store
from casework import knowledge_of
from diagnostics.practice import Board, Scenario, board, score, telling_check
from graph.errors import NotFound
from graph.records import now_text
from graph.store import TokenInfo

from .blueprint import page_role, pages
from .examples import examples
from .i18n import page_lang, t

__all__ = ["scenarios"]

PAST_CASES = 30
PAST_DAYS = 180


def scenarios() -> list[Scenario]:
    """The shipped examples, then the newest confirmed outcomes."""
    found = [
        Scenario(
            id=case["id"],
            title=str(case["request"].get("message", "")),
            request={k: v for k, v in case["request"].items() if k != "symptom"},
            symptom=case["expect"]["symptom"],
            cause=case["expect"]["cause"],
        )
        for case in examples()
        if case.get("expect", {}).get("cause")
    ]
    snapshot = store().snapshot()
    since = (datetime.now(UTC) - timedelta(days=PAST_DAYS)).isoformat(timespec="seconds")
    outcomes = store().records.outcomes(since=since, until=now_text() + "~")
    for outcome in reversed(outcomes[-PAST_CASES:]):
        product = outcome.product or t("none")
        title = f"{snapshot.title(outcome.symptom, page_lang())} · {product} · {outcome.at[:10]}"
        order = {"order_no": outcome.order_no or f"CASE{outcome.id}"}
        found.append(
            Scenario(
                id=f"case-{outcome.id}",
                title=title,
                request={"order": order, "now": outcome.at},
                symptom=outcome.symptom,
                cause=outcome.cause,
            )
        )
    return found


@pages.get("/practice")
@page_role("agent")
def practice_list(who: TokenInfo) -> ResponseReturnValue:
    """Every case a trainee can practise on."""
    return render_template("practice_list.html", scenarios=scenarios())


def _board(scenario_id: str, by_hand: bool) -> Board:
    chosen = next((s for s in scenarios() if s.id == scenario_id), None)
    if chosen is None:
        raise NotFound(t("no_scenario").format(id=scenario_id))
    source = store()
    try:
        return board(
            source.snapshot(),
            chosen,
            knowledge_of(source, settings()),
            page_lang(),
            by_hand=by_hand,
        )
    except ValueError as err:  # the graph has moved on since that case
        raise NotFound(str(err)) from err


@pages.route("/practice/<scenario_id>", methods=["GET", "POST"])
@page_role("agent")
def practice(who: TokenInfo, scenario_id: str) -> ResponseReturnValue:
    """One round: the path so far, the checks left, and the reveal once a cause is named."""
    by_hand = request.values.get("mode", "hand") != "system"
    played = _board(scenario_id, by_hand)
    path = [c for c in request.form.get("path", "").split(",") if c in played.cards]
    pick = request.form.get("pick", "")
    if pick in played.cards and pick not in path:
        path.append(pick)
    guess = request.form.get("guess", "")
    revealed = guess in dict(played.causes)
    result = score(played, path)
    # Every check picked costs its minutes, also after the one that would have found
    # the cause: the trainee does not know that until naming it.
    spent = sum(played.cards[c].minutes for c in path if not played.cards[c].done_by_system)
    telling = telling_check(played, guess, path) if revealed else None
    return render_template(
        "practice.html",
        played=played,
        path=path,
        mode="hand" if by_hand else "system",
        score=result,
        guess=guess if revealed else "",
        revealed=revealed,
        spent=spent,
        telling=telling,
        titles=dict(played.causes),
        system_finds=[c for c in played.system_cards if c.finds],
        order=played.scenario.request.get("order"),
    )
