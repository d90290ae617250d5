"""diagnose(): from an order and the customer's words to the whole answer.

The steps, each in its own module:

1. symptom — given, or matched from the message (``matching``);
2. automatic checks over the order facts (``evaluation``);
3. single-fault Bayes over the symptom's causes (``bayes``);
4. the remaining manual steps, ordered by detection per minute (``ordering``);
5. the leading cause's resolution, gated by role and required checks
   (``resolution``);
6. the customer's reply and the agent's note (``reply``);
7. mood and priority (``mood``).

Everything here is a pure function of the snapshot and the request, so the
same request on the same revision gives the same answer (``now`` included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.errors import KgdiagError, NotFound
from graph.snapshot import Snapshot

from .bayes import CauseModel, cause_model, posterior, with_check
from .briefing import agent_note, symptom_because
from .conditions import Condition, ConditionContext, Focus, compile_condition, focus_of
from .contradictions import contradictions, disputed_checks
from .evaluation import CheckOutcome, run_checks
from .knowledge import Knowledge, recovery_time
from .language import message_language
from .matching import SymptomMatch, match_symptom, near_ids
from .mood import Mood, Priority, priority, raised, read_mood
from .ordering import Step, greedy_order
from .promise import escalation, reply_promise
from .reasons import Reasons, step_minutes
from .reply import (
    CLARIFY_MINUTES,
    SHOWN_MIN,
    clarifying_reply,
    compose_reply,
    is_final,
    render_text,
    reply_variables,
    shown_checks,
)
from .request import DiagnoseRequest, FieldProblem, order_of, parse_request, request_problems
from .resolution import Choice, choose_resolution, required_checks
from .systems import names_for, system_statuses
from .timezone import order_zone
from .variables import eta_variables, order_variables

__all__ = [
    "Diagnosis",
    "RequestInvalid",
    "UnknownSymptom",
    "diagnose",
    "diagnose_body",
    "plan_steps",
    "step_minutes",
]

RELEVANT = 0.01
"""A manual check joins the plan when a cause it tests has at least this probability."""
_ROLE_NAMES = {
    "agent": {"zh": "客服", "en": "agent"},
    "senior": {"zh": "高级客服或主管", "en": "senior agent"},
    "admin": {"zh": "管理员", "en": "administrator"},
}


def _did_you_mean(near: list[str]) -> str:
    return f" (did you mean {', '.join(near)}?)" if near else ""


class UnknownSymptom(NotFound):
    """The request named a symptom id the graph does not have."""

    def __init__(self, symptom: str, near: list[str]) -> None:
        self.symptom, self.near = symptom, near
        super().__init__(f"no symptom {symptom!r}{_did_you_mean(near)}")


class RequestInvalid(KgdiagError):
    """A request that passed the schema but names things the graph lacks."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


@dataclass
class Diagnosis:
    """The answer, as the JSON the endpoint returns (``as_dict``).

    ``model``, ``probabilities`` and ``steps`` are kept for evaluation (the
    check-order comparisons of ``diagnostics.evaluate``); they are not sent.
    """

    body: dict[str, Any] = field(default_factory=dict)
    model: CauseModel | None = None
    probabilities: tuple[float, ...] = ()
    steps: tuple[Step, ...] = ()
    order: Mapping[str, Any] = field(default_factory=dict)
    """The order facts diagnosed (mapped from a shop row when one was sent)."""
    outcomes: Mapping[str, CheckOutcome] = field(default_factory=dict)
    """Every check of the symptom's causes as it came out (practice mode replays them)."""

    def as_dict(self) -> dict[str, Any]:
        return self.body


def _symptom(
    snapshot: Snapshot, request: DiagnoseRequest, context: ConditionContext
) -> SymptomMatch:
    if request.symptom is not None:
        if (
            not snapshot.has_node(request.symptom)
            or snapshot.node_type(request.symptom) != "Symptom"
        ):
            symptoms = list(snapshot.nodes_of_type("Symptom"))
            raise UnknownSymptom(request.symptom, near_ids(request.symptom, symptoms))
        return SymptomMatch(request.symptom, 1.0, ())
    return match_symptom(snapshot, request.message or "", context)


def _focus(snapshot: Snapshot, model: CauseModel) -> Focus:
    """What this model's diagnosis may run: its check and resolution conditions.

    Worked out once per snapshot and symptom; a check the agent's evidence
    added to the model is looked up on the spot.
    """

    def build(snap: Snapshot) -> tuple[frozenset[str], tuple[Condition, ...], Focus]:
        base = cause_model(snap, model.symptom)
        sources = [snap.node(check).get("fails_when") for check in base.p_fail]
        for cause in base.causes:
            sources += [data.get("when") for _, data in snap.out_edges(cause, "resolved_by")]
        conds = tuple(compile_condition(str(source)) for source in sources if source)
        return frozenset(base.p_fail), conds, focus_of(conds)

    checks, conds, focus = snapshot.derived(f"conditions:{model.symptom}", build)
    extra = [snapshot.node(c).get("fails_when") for c in model.p_fail if c not in checks]
    extra = [source for source in extra if source]
    if not extra:
        return focus
    return focus_of([*conds, *(compile_condition(str(source)) for source in extra)])


def _evidence_problems(snapshot: Snapshot, evidence: Mapping[str, str]) -> list[FieldProblem]:
    problems = []
    for check in evidence:
        if not snapshot.has_node(check) or snapshot.node_type(check) != "Check":
            near = near_ids(check, list(snapshot.nodes_of_type("Check")), limit=3)
            problems.append(
                FieldProblem(f"evidence.{check}", f"no such check{_did_you_mean(near)}")
            )
        elif snapshot.node(check).get("escalates_to"):
            problems.append(
                FieldProblem(
                    f"evidence.{check}",
                    "an escalation hands the case on and observes nothing: it takes no pass "
                    "or fail (record the case's outcome instead)",
                )
            )
    return problems


CONTESTED = 0.1
"""An observed result this unlikely under the leading cause contests it."""


def contested(model: CauseModel, cause: int, observed: Mapping[str, str]) -> bool:
    """Does any observed result speak against ``cause`` (likelihood at most CONTESTED)?

    One failing ``shown_by`` check does not make a fact when another
    observation contradicts it (the supplier is up, yet the connection timed
    out; the shop marks a refund sent, yet the gateway still shows the
    payment): the posterior may still lead with the cause, but the reply
    only says what we are checking.
    """
    for check, result in observed.items():
        chance = model.p_fail[check][cause]
        if (chance if result == "fail" else 1.0 - chance) <= CONTESTED:
            return True
    return False


def plan_steps(
    snapshot: Snapshot,
    model: CauseModel,
    probabilities: tuple[float, ...],
    outcomes: Mapping[str, CheckOutcome],
    required: set[str],
) -> list[Step]:
    """The manual steps worth planning: pending manual checks and automatic
    checks that came out unknown, linked to a cause still in the running."""
    steps: list[Step] = []
    tests = model.tests
    for check, outcome in outcomes.items():
        if outcome.result != "pending" and outcome.result != "unknown":
            continue
        if check not in required:
            mass = sum([probabilities[i] for i in tests.get(check, ())])
            if mass < RELEVANT:
                continue
        node = snapshot.node(check)
        steps.append(
            Step(check, step_minutes(node, outcome), escalation=bool(node.get("escalates_to")))
        )
    return steps


def _plan(
    model: CauseModel, probabilities: tuple[float, ...], steps: list[Step], required: set[str]
) -> list[str]:
    ordered = [step.check for step in greedy_order(model, probabilities, steps)]
    # A required check is never dropped behind an escalation: the resolution needs it.
    ordered += [s.check for s in steps if s.check in required and s.check not in ordered]
    return ordered


def _resolution_entry(
    snapshot: Snapshot, choice: Choice, variables: Mapping[str, Any], lang: str
) -> dict[str, Any]:
    node = snapshot.node(choice.resolution)
    steps = [render_text(str(s), variables, lang) for s in node.get("steps", {}).get(lang, ())]
    blocked = []
    if choice.pending_checks:
        names = "、".join(snapshot.title(c, lang) for c in choice.pending_checks)
        blocked.append(
            f"先完成：{names}，再执行下列步骤"
            if lang == "zh"
            else f"First do: {names}; then these steps"
        )
    if not choice.role_ok:
        role = _ROLE_NAMES.get(str(node.get("min_role", "senior")), {}).get(lang, "senior")
        blocked.append(
            f"需要{role}执行或批准" if lang == "zh" else f"Needs a {role} to carry out or approve"
        )
    return {
        "id": choice.resolution,
        "title": snapshot.title(choice.resolution, lang),
        "steps": steps,
        "moves_money": bool(node.get("moves_money", False)),
        "irreversible": bool(node.get("irreversible", False)),
        "min_role": node.get("min_role", "agent"),
        "allowed": choice.role_ok,
        "ready": choice.ready,
        "requires_checks": [check for check, _ in required_checks(node)],
        "pending_checks": list(choice.pending_checks),
        "blocked_by": blocked,
        "promise_minutes": node.get("promise_minutes"),
        "skipped": list(choice.skipped),
    }


_OVERDUE_REASON = {"zh": "承诺已超时", "en": "promise overdue"}


def _priority(
    service_level: Mapping[str, Any] | None,
    mood: Mood,
    order: Mapping[str, Any],
    now: datetime,
    known: Knowledge,
    agent_lang: str,
) -> Priority:
    """The case's priority, one level up while an earlier promise on its order is overdue."""
    level = priority(service_level, mood, order, now)
    order_no = order.get("order_no")
    if order_no is not None and str(order_no) in known.overdue_orders:
        reason = _OVERDUE_REASON.get(agent_lang, _OVERDUE_REASON["en"])
        level = raised(level, reason, now)
    return level


def _vague(
    snapshot: Snapshot,
    match: SymptomMatch,
    mood: Mood,
    request: DiagnoseRequest,
    now: datetime,
    reply_lang: str,
    agent_lang: str,
    known: Knowledge,
) -> dict[str, Any]:
    alternatives = [s for s, _ in match.alternatives]
    order_no = request.order.get("order_no")
    lead = match.alternatives[0] if match.alternatives else None
    guided = lead is not None and (lead[1] >= 0.1 or (lead[0], True) in match.fits)
    reply = clarifying_reply(
        snapshot, match.alternatives, reply_lang, mood, str(order_no) if order_no else None, guided
    )
    note = (
        "客户描述不够具体，无法确定问题类型。已发送澄清问题；客户回复后重新诊断。候选："
        if agent_lang == "zh"
        else "The message is too vague to name the problem. A clarifying question was "
        "drafted; diagnose again when the customer answers. Candidates: "
    ) + ", ".join(snapshot.title(s, agent_lang) for s in alternatives)
    level = _priority(None, mood, request.order, now, known, agent_lang)
    variables = {**eta_variables(now, reply_lang, CLARIFY_MINUTES), "order_no": order_no}
    promise = reply_promise(
        snapshot, reply.kind, None, None, variables, now, reply_lang, agent_lang
    )
    return {
        "symptom": {
            "id": None,
            "confidence": match.confidence,
            "alternatives": [{"id": s, "confidence": c} for s, c in match.alternatives],
            "source": "message",
            "because": symptom_because(
                snapshot,
                match.alternatives[0][0] if match.alternatives else None,
                match.confidence,
                match.cues,
                match.fits,
                agent_lang,
            ),
        },
        "causes": [],
        "checks": [],
        "resolution": None,
        "reply": reply.as_dict(),
        "note": {"lang": agent_lang, "text": note},
        "mood": mood.as_dict(),
        "priority": level.as_dict(),
        "promise": promise.as_dict() if promise else None,
        "escalation": escalation(snapshot, None, mood, level, variables, reply_lang, agent_lang),
    }


def diagnose(
    snapshot: Snapshot,
    request: DiagnoseRequest,
    role: str = "agent",
    knowledge: Knowledge | None = None,
    agent_lang: str = "zh",
) -> Diagnosis:
    """The full answer for ``request`` on ``snapshot``, as the caller ``role`` sees it.

    ``knowledge`` brings what the team recorded (system status, confirmed
    outcomes); without it the graph alone decides.
    """
    known = knowledge or Knowledge()
    problems = _evidence_problems(snapshot, request.evidence)
    if problems:
        raise RequestInvalid(problems)
    order = request.order
    now = request.now.astimezone(order_zone(order, known.zone))
    reply_lang = request.lang or (message_language(request.message) if request.message else "zh")
    wanted = names_for(snapshot, order)
    systems = system_statuses(snapshot, request.systems, known.systems, wanted)
    context = ConditionContext.build(order, now, systems)
    match = _symptom(snapshot, request, context)
    mood = read_mood(request.message)
    body: dict[str, Any] = {"graph_revision": snapshot.revision}
    if match.id is None:
        body.update(_vague(snapshot, match, mood, request, now, reply_lang, agent_lang, known))
        return Diagnosis(body, order=order)

    model = cause_model(snapshot, match.id, known.confirmed.get(match.id), known.prior_weight)
    for check in request.evidence:
        model = with_check(model, snapshot, check)
    context.focus(_focus(snapshot, model))
    outcomes = run_checks(snapshot, model.p_fail, context, request.evidence)
    # An escalation hands the case on and observes nothing: never evidence.
    observed = {
        c: o.result
        for c, o in outcomes.items()
        if o.observed and not snapshot.node(c).get("escalates_to")
    }
    probabilities = posterior(model, observed)
    ranking = sorted(range(len(model.causes)), key=lambda i: (-probabilities[i], model.causes[i]))
    agent_vars = order_variables(order, now, agent_lang)
    reasons = Reasons(snapshot, model, outcomes, agent_vars, agent_lang)
    causes = [
        {
            "id": model.causes[i],
            "title": snapshot.title(model.causes[i], agent_lang),
            "probability": probabilities[i],
            "prior": model.prior[i],
            "authored_prior": model.authored_prior[i],
            "confirmed_cases": model.confirmed[i],
            "because": reasons.because(i),
        }
        for i in ranking
    ]
    leader = model.causes[ranking[0]] if ranking else None
    choice = (
        choose_resolution(snapshot, leader, context, outcomes, request.evidence, role)
        if leader
        else None
    )
    required = set(choice.pending_checks) if choice else set()
    steps = plan_steps(snapshot, model, probabilities, outcomes, required)
    plan = _plan(model, probabilities, steps, required)
    # Done first (automatic before the agent's, anomalies first), then the plan's steps.
    done = sorted(
        (o.source != "auto", o.result != "fail", c) for c, o in outcomes.items() if o.observed
    )
    checks = []
    for _, _, check in done:
        entry = reasons.check_entry(check, outcomes[check])
        entry["required_by_resolution"] = check in required
        checks.append(entry)
    for step, check in enumerate(plan, 1):
        entry = reasons.check_entry(check, outcomes[check])
        entry["step"] = step
        entry["required_by_resolution"] = check in required
        checks.append(entry)
    recovery = recovery_time(snapshot, leader, order, known) if leader else None
    top = (model.causes[ranking[0]], probabilities[ranking[0]]) if ranking else None
    shown = shown_checks(snapshot, leader, outcomes) if leader else ()
    # Evidence against an automatic observation: warned about, never stated as fact.
    automatic = run_checks(
        snapshot,
        [c for c in request.evidence if snapshot.node(c).get("mode") == "auto"],
        context,
        {},
    )
    warnings = contradictions(
        snapshot,
        outcomes,
        request.evidence,
        automatic,
        lambda c, o: str(reasons.check_entry(c, o).get("finding") or ""),
        agent_lang,
    )
    shown = tuple(c for c in shown if c not in disputed_checks(warnings))
    if leader is not None and contested(model, ranking[0], observed):
        shown = ()  # an observation speaks against the leader: no reply states it
    final = is_final(snapshot, choice, bool(shown) and top is not None and top[1] >= SHOWN_MIN)
    same = agent_vars if reply_lang == agent_lang else None
    reply_vars = reply_variables(snapshot, choice, order, now, reply_lang, recovery, same, final)
    resolution = None
    if choice is not None and leader is not None:
        agent_reply_vars = (
            reply_vars
            if agent_lang == reply_lang
            else reply_variables(snapshot, choice, order, now, agent_lang, recovery, final=final)
        )
        explanation = (snapshot.node(leader).get("explanation") or {}).get(reply_lang, "")
        resolution = {
            **_resolution_entry(snapshot, choice, agent_reply_vars, agent_lang),
            "for_cause": leader,
            "explanation": render_text(str(explanation), reply_vars, reply_lang),
            "shown_by": list(shown),
        }
    reply = compose_reply(snapshot, choice, top, shown, reply_vars, reply_lang, mood, match.id)
    level = _priority(
        snapshot.node(match.id).get("service_level"), mood, order, now, known, agent_lang
    )
    promise = reply_promise(
        snapshot, reply.kind, choice, match.id, reply_vars, now, reply_lang, agent_lang
    )
    body.update(
        {
            "symptom": {
                "id": match.id,
                "title": snapshot.title(match.id, agent_lang),
                "confidence": match.confidence,
                "alternatives": [{"id": s, "confidence": c} for s, c in match.alternatives],
                "source": "request" if request.symptom else "message",
                "because": symptom_because(
                    snapshot, match.id, match.confidence, match.cues, match.fits, agent_lang
                ),
            },
            "causes": causes,
            "checks": checks,
            "resolution": resolution,
            "reply": reply.as_dict(),
            "note": agent_note(snapshot, causes, checks, resolution, agent_lang, reply.as_dict()),
            "mood": mood.as_dict(),
            "priority": level.as_dict(),
            "promise": promise.as_dict() if promise else None,
            "escalation": escalation(
                snapshot, match.id, mood, level, reply_vars, reply_lang, agent_lang
            ),
            "warnings": warnings,
        }
    )
    return Diagnosis(body, model, probabilities, tuple(steps), order, outcomes)


def diagnose_body(
    snapshot: Snapshot,
    body: Any,
    role: str = "agent",
    knowledge: Knowledge | None = None,
    agent_lang: str = "zh",
) -> Diagnosis:
    """Validate a raw request body (JSON or YAML, parsed) and diagnose it.

    The one entry point of the endpoint and the CLI, so both refuse the same
    bodies with the same field paths.
    """
    problems = request_problems(body)
    if problems:
        raise RequestInvalid(problems)
    order, problems = order_of(body)
    if problems:
        raise RequestInvalid(problems)
    return diagnose(snapshot, parse_request(body, order), role, knowledge, agent_lang=agent_lang)
