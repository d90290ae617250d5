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

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.errors import KgdiagError, NotFound
from graph.snapshot import Snapshot

from .bayes import CauseModel, cause_model, posterior, with_check
from .conditions import Condition, ConditionContext, compile_condition
from .evaluation import CheckOutcome, run_checks
from .knowledge import Knowledge, recovery_time
from .language import message_language
from .matching import SymptomMatch, match_symptom, near_ids
from .mood import Mood, priority, read_mood
from .ordering import Step, greedy_order
from .reply import clarifying_reply, compose_reply, render_text, reply_variables
from .request import DiagnoseRequest, FieldProblem, order_of, parse_request, request_problems
from .resolution import Choice, choose_resolution
from .systems import names_for, system_statuses
from .variables import order_variables

__all__ = [
    "Diagnosis",
    "RequestInvalid",
    "UnknownSymptom",
    "diagnose",
    "diagnose_body",
    "plan_steps",
]

RELEVANT = 0.01
"""A manual check joins the plan when a cause it tests has at least this probability."""
_ROLE_NAMES = {
    "agent": {"zh": "客服", "en": "agent"},
    "senior": {"zh": "高级客服或主管", "en": "senior agent"},
    "admin": {"zh": "管理员", "en": "administrator"},
}
UNKNOWN_CHECK_MINUTES = 2.0
"""What an automatic check with missing facts costs as a manual step: look them up."""


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
        return SymptomMatch(request.symptom, 1.0, (), 1.0)
    return match_symptom(snapshot, request.message or "", context)


def _conditions(snapshot: Snapshot, model: CauseModel) -> list[Condition]:
    """The CEL conditions this model's diagnosis may run: check and resolution ones.

    Listed once per snapshot and symptom; a check the agent's evidence added
    to the model is looked up on the spot.
    """

    def build(snap: Snapshot) -> tuple[frozenset[str], tuple[Condition, ...]]:
        base = cause_model(snap, model.symptom)
        sources = [snap.node(check).get("fails_when") for check in base.p_fail]
        for cause in base.causes:
            sources += [data.get("when") for _, data in snap.out_edges(cause, "resolved_by")]
        conds = tuple(compile_condition(str(source)) for source in sources if source)
        return frozenset(base.p_fail), conds

    checks, conds = snapshot.derived(f"conditions:{model.symptom}", build)
    extra = [snapshot.node(c).get("fails_when") for c in model.p_fail if c not in checks]
    return [*conds, *(compile_condition(str(source)) for source in extra if source)]


def _evidence_problems(snapshot: Snapshot, evidence: Mapping[str, str]) -> list[FieldProblem]:
    problems = []
    for check in evidence:
        if not snapshot.has_node(check) or snapshot.node_type(check) != "Check":
            near = near_ids(check, list(snapshot.nodes_of_type("Check")), limit=3)
            problems.append(
                FieldProblem(f"evidence.{check}", f"no such check{_did_you_mean(near)}")
            )
    return problems


def _meanings(snapshot: Snapshot) -> Mapping[str, Mapping[str, Any]]:
    """Each cause's ``tested_by`` meanings by check, built once per snapshot."""

    def build(snap: Snapshot) -> Mapping[str, Mapping[str, Any]]:
        return {
            cause: {
                check: data.get("meaning") for check, data in snap.out_edges(cause, "tested_by")
            }
            for cause in snap.nodes_of_type("Cause")
        }

    return snapshot.derived("tested_by_meanings", build)


class _Reasons:
    """The because-lines of every cause, sharing one diagnosis's work.

    Each observed check is visited once and hands its line to the causes it
    tests; a finding text, the same for every cause without a meaning of its
    own for the check, is rendered once (and reused by the checklist).
    """

    def __init__(
        self,
        snapshot: Snapshot,
        model: CauseModel,
        outcomes: Mapping[str, CheckOutcome],
        variables: Mapping[str, Any],
        lang: str,
    ) -> None:
        self.model, self.variables, self.lang = model, variables, lang
        self._texts: dict[tuple[str, str], str] = {}
        self._lines: dict[int, list[tuple[float, str]]] = {}
        meanings = _meanings(snapshot)
        zh = lang == "zh"
        for check, outcome in outcomes.items():
            if not outcome.observed:
                continue
            likelihood = model.likelihood(check, outcome.result)
            findings = snapshot.node(check).get("findings") or {}
            for index in model.tests.get(check, frozenset()):
                others = likelihood[:index] + likelihood[index + 1 :]
                mean = sum(others) / len(others) if others else 0.5
                strength = math.log(likelihood[index] / mean)
                texts = meanings.get(model.causes[index], {}).get(check) or findings
                template = (texts.get(outcome.result) or {}).get(lang)
                if not template:
                    continue
                text = self.finding(str(template), outcome)
                if outcome.source == "agent":
                    text += "（客服已确认）" if zh else " (agent confirmed)"
                if strength < 0:
                    text = ("不支持：" if zh else "Against: ") + text
                self._lines.setdefault(index, []).append((-strength, text))

    def finding(self, template: str, outcome: CheckOutcome) -> str:
        """``template`` rendered with the order's variables and the check's detail."""
        key = (template, outcome.detail)
        text = self._texts.get(key)
        if text is None:
            values = {**self.variables, "detail": outcome.detail}
            text = self._texts[key] = render_text(template, values, self.lang)
        return text

    def because(self, index: int) -> list[str]:
        """Cause ``index``'s lines, strongest support first, then its prior."""
        support = sorted(self._lines.get(index, ()), key=lambda item: item[0])
        share = round(self.model.prior[index] * 100)
        prior = (
            f"此症状中约 {share}% 的案例是这个原因（先验）"
            if self.lang == "zh"
            else f"about {share}% of cases of this symptom have this cause (prior)"
        )
        return [text for _, text in support] + [prior]


def step_minutes(node: Mapping[str, Any], outcome: CheckOutcome) -> float:
    """Agent minutes of a step: the check's cost, or a look-up for missing facts."""
    if outcome.result == "unknown":
        return UNKNOWN_CHECK_MINUTES
    return float(node.get("cost_minutes", 0))


def _check_entry(
    snapshot: Snapshot,
    check: str,
    outcome: CheckOutcome,
    model: CauseModel,
    reasons: _Reasons,
    lang: str,
) -> dict[str, Any]:
    node = snapshot.node(check)
    entry: dict[str, Any] = {
        "id": check,
        "title": snapshot.title(check, lang),
        "mode": node.get("mode", "manual"),
        "result": outcome.result,
        "source": outcome.source,
        "tests": [model.causes[i] for i in sorted(model.tests.get(check, frozenset()))],
    }
    findings = node.get("findings") or {}
    if outcome.observed and findings.get(outcome.result):
        template = str(findings[outcome.result].get(lang, ""))
        entry["finding"] = reasons.finding(template, outcome)
    if outcome.result == "unknown":
        entry["missing"] = list(outcome.missing)
    if outcome.result in ("pending", "unknown"):
        entry["cost_minutes"] = step_minutes(node, outcome)
        if node.get("instructions"):
            entry["instructions"] = str(node["instructions"].get(lang, ""))
        elif outcome.result == "unknown":
            facts = ", ".join(outcome.missing)
            what = str(node["description"].get(lang, ""))
            entry["instructions"] = (
                f"订单缺少这项自动检查需要的信息（{facts}）。"
                f"请在后台查到或向客户问清后重新诊断：{what}"
                if lang == "zh"
                else f"The order lacks what this automatic check needs ({facts}). "
                f"Look it up or ask, then diagnose again: {what}"
            )
    if node.get("escalates_to"):
        entry["escalates_to"] = node["escalates_to"]
    return entry


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
    for check, outcome in outcomes.items():
        if outcome.result not in ("pending", "unknown"):
            continue
        mass = sum(probabilities[i] for i in model.tests.get(check, frozenset()))
        if mass < RELEVANT and check not in required:
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
        "requires_checks": list(node.get("requires_checks", ())),
        "pending_checks": list(choice.pending_checks),
        "blocked_by": blocked,
        "promise_minutes": node.get("promise_minutes"),
        "skipped": list(choice.skipped),
    }


def _vague(
    snapshot: Snapshot,
    match: SymptomMatch,
    mood: Mood,
    request: DiagnoseRequest,
    reply_lang: str,
    agent_lang: str,
) -> dict[str, Any]:
    alternatives = [s for s, _ in match.alternatives]
    reply = clarifying_reply(snapshot, match.alternatives, reply_lang, mood)
    note = (
        "客户描述不够具体，无法确定问题类型。已发送澄清问题；客户回复后重新诊断。候选："
        if agent_lang == "zh"
        else "The message is too vague to name the problem. A clarifying question was "
        "drafted; diagnose again when the customer answers. Candidates: "
    ) + ", ".join(snapshot.title(s, agent_lang) for s in alternatives)
    return {
        "symptom": {
            "id": None,
            "confidence": match.confidence,
            "alternatives": [{"id": s, "confidence": c} for s, c in match.alternatives],
            "source": "message",
        },
        "causes": [],
        "checks": [],
        "resolution": None,
        "reply": reply.as_dict(),
        "note": {"lang": agent_lang, "text": note},
        "mood": mood.as_dict(),
        "priority": priority(None, mood, request.order, request.now).as_dict(),
    }


def _note(
    snapshot: Snapshot,
    causes: list[dict[str, Any]],
    checks: list[dict[str, Any]],
    resolution: dict[str, Any] | None,
    lang: str,
) -> dict[str, str]:
    """A short briefing for the agent: what it is, what to do, in what order."""
    zh = lang == "zh"
    lines = []
    if causes:
        top = causes[0]
        lead = "最可能的原因" if zh else "Most likely cause"
        lines.append(f"{lead}: {top['title']} ({top['probability']:.0%})")
    todo = [c for c in checks if "step" in c]
    if todo:
        lines.append("待办检查:" if zh else "Checks to do:")
        for check in todo:
            minutes = check.get("cost_minutes", 0)
            flag = (
                (" [处理前必做]" if zh else " [required first]")
                if check["required_by_resolution"]
                else ""
            )
            lines.append(f"  {check['step']}. {check['title']} (~{minutes:g} min){flag}")
    if resolution:
        lines.append(("处理方案: " if zh else "Resolution: ") + str(resolution["title"]))
        lines += [f"  - {b}" for b in resolution["blocked_by"]]
        if resolution["irreversible"]:
            lines.append(
                "  ! 不可撤销操作，执行前再次核对"
                if zh
                else "  ! Irreversible: double-check before acting"
            )
        lines += [f"  {i}. {step}" for i, step in enumerate(resolution["steps"], 1)]
    return {"lang": lang, "text": "\n".join(lines)}


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
    order, now = request.order, request.now
    reply_lang = request.lang or (message_language(request.message) if request.message else "zh")
    wanted = names_for(snapshot, order)
    systems = system_statuses(snapshot, request.systems, known.systems, wanted)
    context = ConditionContext.build(order, now, systems)
    match = _symptom(snapshot, request, context)
    mood = read_mood(request.message)
    body: dict[str, Any] = {"graph_revision": snapshot.revision}
    if match.id is None:
        body.update(_vague(snapshot, match, mood, request, reply_lang, agent_lang))
        return Diagnosis(body, order=order)

    model = cause_model(snapshot, match.id, known.confirmed.get(match.id), known.prior_weight)
    for check in request.evidence:
        model = with_check(model, snapshot, check)
    context.focus(_conditions(snapshot, model))
    outcomes = run_checks(snapshot, model.p_fail, context, request.evidence)
    observed = {c: o.result for c, o in outcomes.items() if o.observed}
    probabilities = posterior(model, observed)
    ranking = sorted(range(len(model.causes)), key=lambda i: (-probabilities[i], model.causes[i]))
    agent_vars = order_variables(order, now, agent_lang)
    reasons = _Reasons(snapshot, model, outcomes, agent_vars, agent_lang)
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
    done = [c for c, o in outcomes.items() if o.observed]
    done.sort(key=lambda c: (outcomes[c].source != "auto", outcomes[c].result != "fail", c))
    checks = []
    for check in [*done, *plan]:
        entry = _check_entry(snapshot, check, outcomes[check], model, reasons, agent_lang)
        if check in plan:
            entry["step"] = plan.index(check) + 1
        entry["required_by_resolution"] = check in required
        checks.append(entry)
    recovery = recovery_time(snapshot, leader, order, known) if leader else None
    same = agent_vars if reply_lang == agent_lang else None
    reply_vars = reply_variables(snapshot, choice, order, now, reply_lang, recovery, same)
    resolution = None
    if choice is not None and leader is not None:
        agent_reply_vars = (
            reply_vars
            if agent_lang == reply_lang
            else reply_variables(snapshot, choice, order, now, agent_lang, recovery)
        )
        explanation = (snapshot.node(leader).get("explanation") or {}).get(reply_lang, "")
        resolution = {
            **_resolution_entry(snapshot, choice, agent_reply_vars, agent_lang),
            "for_cause": leader,
            "explanation": render_text(str(explanation), reply_vars, reply_lang),
        }
    top = (model.causes[ranking[0]], probabilities[ranking[0]]) if ranking else None
    reply = compose_reply(snapshot, choice, top, reply_vars, reply_lang, mood)
    level = snapshot.node(match.id).get("service_level")
    body.update(
        {
            "symptom": {
                "id": match.id,
                "title": snapshot.title(match.id, agent_lang),
                "confidence": match.confidence,
                "alternatives": [{"id": s, "confidence": c} for s, c in match.alternatives],
                "source": "request" if request.symptom else "message",
            },
            "causes": causes,
            "checks": checks,
            "resolution": resolution,
            "reply": reply.as_dict(),
            "note": _note(snapshot, causes, checks, resolution, agent_lang),
            "mood": mood.as_dict(),
            "priority": priority(level, mood, order, now).as_dict(),
        }
    )
    return Diagnosis(body, model, probabilities, tuple(steps), order, outcomes)


def diagnose_body(
    snapshot: Snapshot,
    body: Any,
    role: str = "agent",
    knowledge: Knowledge | None = None,
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
    return diagnose(snapshot, parse_request(body, order), role, knowledge)
