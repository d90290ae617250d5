"""The candidate queue: solved cases' words a senior accepts into the corpus or rejects.

Same functions as ``GET /v1/candidates`` and ``POST /v1/candidates/{id}``; an
accepted candidate becomes one audited, lint-gated revision and trains the
next snapshot, so the symptom model learns from the team's own cases.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from appstate import store, token_author
from casework import candidate_list, decide_candidate
from graph.errors import ChangeSetInvalid, NotFound
from graph.store import TokenInfo

from .blueprint import page_role, pages
from .i18n import t

__all__: list[str] = []


@pages.get("/candidates")
@page_role("senior")
def candidates(who: TokenInfo) -> ResponseReturnValue:
    """Open candidates, oldest first, each with its confirmed symptom."""
    return render_template(
        "candidates.html", candidates=candidate_list(store(), state="open", limit=100)
    )


@pages.post("/candidates/<int:candidate_id>")
@page_role("senior")
def candidate_decision(who: TokenInfo, candidate_id: int) -> ResponseReturnValue:
    """Accept (with the words as the senior cleaned them) or reject one candidate."""
    decision = request.form.get("decision", "")
    if decision not in ("accept", "reject"):
        flash(f"{t('refused')}: decision", "error")
        return redirect(url_for("pages.candidates"))
    body = {"decision": decision, "text": request.form.get("text", "").strip()[:300]}
    try:
        decide_candidate(store(), candidate_id, body, author=token_author(who))
    except (ChangeSetInvalid, NotFound) as err:
        flash(f"{t('refused')}: {err}", "error")
    else:
        flash(t("candidate_accepted" if decision == "accept" else "candidate_rejected"), "ok")
    return redirect(url_for("pages.candidates"))
