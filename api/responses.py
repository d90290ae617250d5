"""The success bodies of the API, as pydantic models: one type per answer.

Each endpoint names its model in its ``spec.endpoint`` declaration; the
OpenAPI document's response schemas are these models' JSON Schemas
(``api.openapi``), and under test every answer is validated against its
model before it leaves the app (``api.spec``), so a field the code adds,
renames or retypes fails a test instead of drifting from the document.

The models forbid fields they do not name: the document lists every field
an answer has. Where an answer passes a graph record through unchanged
(a node's fields, an edge's data, a change's before and after) the model
says "an object" and the graph's own schema (``schema/graph.yaml``) says
the rest.

Bilingual texts are ``{zh, en}`` objects when the answer carries the graph's
record (browsing, paths), and plain strings in the agent's language in a
diagnosis.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CandidateDecided",
    "CandidateList",
    "CaseBody",
    "ChangeSetWritten",
    "DiagnoseAnswer",
    "DiffBody",
    "ErrorBody",
    "EscalationList",
    "Health",
    "HistoryBody",
    "InsightsBody",
    "NodeBody",
    "OpenApiDocument",
    "OutcomeRecorded",
    "OutcomeReverted",
    "OutcomesBody",
    "PathsBody",
    "PromiseList",
    "RevisionBody",
    "SearchBody",
    "StatusProposalDecided",
    "StatusProposalList",
    "SymptomList",
    "SystemList",
    "SystemStatusBody",
    "SystemStatusHistory",
    "UtteranceTaught",
]

Role = Literal["agent", "senior", "admin"]
Status = Literal["up", "degraded", "down", "maintenance", "unknown"]


class _Body(BaseModel):
    """Every response model: unknown fields are an error, not a silent extra."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LangText(_Body):
    """A text in Chinese and English."""

    zh: str
    en: str


class LangTexts(_Body):
    """Several texts (phrases, steps) in Chinese and English."""

    zh: list[str]
    en: list[str]


class ServiceLevel(_Body):
    """How fast a symptom must be answered and solved, in minutes."""

    first_response_minutes: int
    resolve_minutes: int


# --- meta ---------------------------------------------------------------------------------


class Health(_Body):
    """``GET /healthz``: ready, and which graph revision is served."""

    status: Literal["ok"]
    graph_revision: int


class OpenApiDocument(BaseModel):
    """``GET /v1/openapi.json``: an OpenAPI 3.1 document (described by its own spec)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


class ErrorDetail(BaseModel):
    """One detail of an error: usually a bad field and what is wrong with it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    field: str | None = Field(None, description="the field's path, e.g. order.delivery.state")
    message: str | None = None
    near: list[str] | None = Field(None, description="the ids most like a wrong one")


class ErrorInfo(_Body):
    code: str = Field(description="machine-readable, e.g. invalid_request, stale_revision")
    message: str = Field(description="for a person: what went wrong")
    details: list[ErrorDetail]


class ErrorBody(_Body):
    """The one error shape, for every 4xx and 5xx."""

    error: ErrorInfo


# --- browse -------------------------------------------------------------------------------


class SymptomSummary(_Body):
    id: str
    title: LangText
    category: str
    service_level: ServiceLevel
    causes: int = Field(description="how many causes the symptom has")


class SymptomList(_Body):
    """``GET /v1/symptoms``."""

    graph_revision: int
    symptoms: list[SymptomSummary]


class Neighbour(BaseModel):
    """An edge of a node, with the other end; the edge's own fields (prior,
    p_fail, rank, ...) come along as they are stored."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = Field(description="the edge type, e.g. caused_by")
    id: str = Field(description="the node at the other end")
    node_type: str
    title: LangText | None


class NodeBody(_Body):
    """``GET /v1/graph/nodes/{node_id}``."""

    graph_revision: int
    type: str
    node: dict[str, Any] = Field(description="the node's fields, as schema/graph.yaml types them")
    out: list[Neighbour]
    in_: list[Neighbour] = Field(alias="in")


class SearchMatch(_Body):
    field: str
    lang: Literal["zh", "en"] | None
    text: str


class SearchHit(_Body):
    id: str
    type: str
    title: LangText | None
    score: float
    matched: SearchMatch


class SearchBody(_Body):
    """``GET /v1/search``."""

    graph_revision: int
    results: list[SearchHit]


class PathSymptom(_Body):
    id: str
    title: LangText
    description: LangText
    category: str
    phrases: LangTexts
    service_level: ServiceLevel
    clarify: LangText | None


class Utterances(_Body):
    total: int
    sources: dict[str, int] = Field(description="utterances per kind of source (written, case...)")
    examples: list[str]


class Meaning(_Body):
    """What a check's pass and fail say about one cause."""

    pass_: LangText | None = Field(None, alias="pass")
    fail: LangText | None = None


class PathCheck(_Body):
    id: str
    title: LangText
    mode: Literal["auto", "manual"]
    cost_minutes: float
    instructions: LangText | None
    condition: str | None = Field(description="the CEL fails_when or the built-in's name")
    p_fail: float | None
    p_fail_otherwise: float | None
    meaning: Meaning | None
    escalates_to: str | None


class PathResolution(_Body):
    id: str
    title: LangText
    rank: int
    when: str | None
    steps: LangTexts
    customer_reply: LangText
    min_role: Role
    moves_money: bool
    irreversible: bool
    promise_minutes: int | None
    requires_checks: list[Any]


class PathSystem(BaseModel):
    """A system the cause depends on; the ``depends_on`` edge's fields come along."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    title: LangText


class PathCause(_Body):
    id: str
    title: LangText
    description: LangText
    fault: str
    customer_explanation: LangText
    authored_prior: float
    confirmed_cases: int
    learned_prior: float
    checks: list[PathCheck]
    resolutions: list[PathResolution]
    systems: list[PathSystem]


class PathsBody(_Body):
    """``GET /v1/paths``: what new staff train on."""

    graph_revision: int
    symptom: PathSymptom
    utterances: Utterances
    prior_weight: float
    confirmed_cases: int
    causes: list[PathCause]


# --- diagnose -----------------------------------------------------------------------------


class Alternative(_Body):
    id: str
    confidence: float


class DiagnosedSymptom(_Body):
    id: str | None = Field(description="null when the message is too vague to name one")
    title: str | None = None
    confidence: float
    alternatives: list[Alternative]
    source: Literal["request", "message"]
    because: list[str]


class DiagnosedCause(_Body):
    id: str
    title: str
    probability: float
    prior: float
    authored_prior: float
    confirmed_cases: int
    because: list[str]


class ChecklistLine(_Body):
    id: str
    title: str
    mode: Literal["auto", "manual"]
    result: Literal["pass", "fail", "unknown", "pending"]
    source: str = Field(description="who decided the result: auto, evidence or pending")
    tests: list[str] = Field(description="the causes the check tells apart")
    finding: str | None = None
    missing: list[str] | None = Field(None, description="the order facts an unknown check lacks")
    cost_minutes: float | None = None
    instructions: str | None = None
    escalates_to: str | None = None
    step: int | None = Field(None, description="the place in the agent's plan")
    required_by_resolution: bool


class DiagnosedResolution(_Body):
    id: str
    title: str
    steps: list[str]
    moves_money: bool
    irreversible: bool
    min_role: Role
    allowed: bool
    ready: bool
    requires_checks: list[str]
    pending_checks: list[str]
    blocked_by: list[str]
    promise_minutes: int | None
    skipped: list[str]
    for_cause: str
    explanation: str
    shown_by: list[str]


class Reply(_Body):
    lang: Literal["zh", "en"]
    text: str
    kind: Literal["resolution", "verifying", "clarify"]
    confidence: float
    shown_by: list[str]
    needs_edit: bool


class Note(_Body):
    lang: Literal["zh", "en"]
    text: str


class Mood(_Body):
    level: Literal["calm", "anxious", "angry"]
    signals: list[str]


class Priority(_Body):
    level: Literal["P1", "P2", "P3", "P4"]
    label: LangText
    score: int
    answer_by: str = Field(description="RFC 3339, in the shop's zone")
    solve_by: str = Field(description="RFC 3339, in the shop's zone")
    reasons: list[str]


class SimilarResolution(_Body):
    id: str
    title: str


class SimilarCase(_Body):
    """A past case solved the same way; an agent sees no order number or supplier."""

    outcome_id: int
    at: str
    order_no: str | None = Field(None, description="seniors only")
    product: str | None
    supplier: str | None = Field(None, description="seniors only")
    same: list[Literal["product", "supplier"]]
    resolution: SimilarResolution
    note: str


class OrderLookupBody(_Body):
    """How the order was read by its number (``order_no`` / ``contact`` requests)."""

    status: Literal["found", "not_found", "unavailable"]
    source: str
    matched_by: Literal["order_no", "contact"] | None = None
    candidates: list[str] | None = None
    reason: str | None = None


class PromiseBody(_Body):
    """What the reply promised, by when, and what it said happens if we miss it."""

    kind: Literal["resolution", "verifying", "clarify"]
    what: str = Field(description="in the agent's language")
    due_at: str = Field(description="RFC 3339, in the shop's zone")
    minutes: int
    backstop: str | None = Field(description="in the reply's language")
    backstop_resolution: str | None = Field(description="the resolution the backstop means")


class Goodwill(_Body):
    kind: Literal["coupon", "credit"]
    value: str | None
    text: str


class CalmingText(_Body):
    lang: Literal["zh", "en"]
    text: str


class EscalationBody(_Body):
    """An angry customer on a P1/P2 case: bring a supervisor in with these words."""

    escalate_to: Literal["supervisor"]
    reason: str
    calming: CalmingText
    goodwill: Goodwill | None


class EvidenceWarning(_Body):
    """Recorded evidence against an automatic observation (``diagnostics/contradictions.py``)."""

    check: str = Field(description="the check the agent recorded")
    against: str = Field(description="the automatic check it contradicts (itself: same check)")
    observed: Literal["pass", "fail"] = Field(description="what the automatic check observed")
    recorded: Literal["pass", "fail"] = Field(description="what the agent recorded")
    wins: Literal["recorded", "both"] = Field(
        description="recorded: the agent's record decides; both: both count in the ranking"
    )
    text: str = Field(description="the warning in the agent's language")


class DiagnoseAnswer(_Body):
    """``POST /v1/diagnose``: the contract's answer (../shared/contract/diagnose.md)."""

    graph_revision: int
    symptom: DiagnosedSymptom
    causes: list[DiagnosedCause]
    checks: list[ChecklistLine]
    resolution: DiagnosedResolution | None
    reply: Reply
    note: Note
    mood: Mood
    priority: Priority
    promise: PromiseBody | None = Field(None, description="null: the reply promises no time")
    escalation: EscalationBody | None = Field(None, description="angry on P1/P2 only")
    similar_cases: list[SimilarCase]
    case_id: str | None = Field(None, description="record the outcome against this case")
    order_lookup: OrderLookupBody | None = None
    warnings: list[EvidenceWarning] = Field(
        default_factory=list,
        description="recorded evidence that contradicts an automatic check; the reply "
        "states neither as fact",
    )


# --- records ------------------------------------------------------------------------------


class CaseOutcome(_Body):
    id: int
    cause: str
    resolution: str


class CaseBody(_Body):
    """``GET /v1/cases/{case_id}``: a case as it was filed; author, supplier and
    order number only for its author and seniors."""

    case_id: str
    at: str
    graph_revision: int
    symptom: str | None
    top_cause: str | None
    confidence: float
    product: str | None
    outcome: CaseOutcome | None
    author: str | None = None
    supplier: str | None = None
    order_no: str | None = None


class OutcomeBody(_Body):
    id: int
    at: str
    author: str
    case_id: str | None
    symptom: str
    cause: str
    resolution: str
    product: str | None
    supplier: str | None
    order_no: str | None
    note: str
    graph_revision: int
    state: Literal["active", "revised", "reverted"]
    changed_by: str | None
    changed_at: str | None


class CandidateSymptom(_Body):
    id: str
    title: str


class CandidateBody(_Body):
    """A solved case's words offered to its confirmed symptom's corpus."""

    id: int
    at: str
    case_id: str | None
    symptom: CandidateSymptom
    case_symptom: str | None
    text: str
    lang: str
    state: Literal["open", "accepted", "rejected"]
    decided_by: str | None
    decided_at: str | None


class CandidateList(_Body):
    """``GET /v1/candidates``."""

    candidates: list[CandidateBody]


class LearnedPrior(_Body):
    cause: str
    authored_prior: float
    confirmed_cases: int
    learned_prior: float


class OutcomeRecorded(_Body):
    """``POST /v1/outcomes``: the outcome, the candidate words it offered and the
    symptom's priors it moved."""

    outcome: OutcomeBody
    candidate: CandidateBody | None
    priors: list[LearnedPrior]


class OutcomeReverted(_Body):
    """``POST /v1/outcomes/{id}/revert``: the outcome, now reverted, and the priors."""

    outcome: OutcomeBody
    priors: list[LearnedPrior]


class OutcomesBody(_Body):
    """``GET /v1/outcomes``."""

    outcomes: list[OutcomeBody]


class TaughtUtterance(_Body):
    text: str
    lang: Literal["zh", "en", "mixed"]
    source: str


class UtteranceTaught(_Body):
    """``POST /v1/utterances``: the new revision and the utterance as stored."""

    revision: int
    corpus: str
    utterance: TaughtUtterance


class CandidateDecided(_Body):
    """``POST /v1/candidates/{id}``: the candidate as decided and what was taught."""

    candidate: CandidateBody
    taught: UtteranceTaught | None


# --- systems ------------------------------------------------------------------------------


class SystemStatusBody(_Body):
    """A recorded status with what diagnoses make of it (``PUT`` answers one)."""

    id: int
    system: str
    status: Status
    note: str
    eta: str | None
    at: str
    author: str
    fresh: bool = Field(description="still trusted by diagnoses")
    effective_status: Status


class SystemSummary(_Body):
    id: str
    title: LangText
    kind: str
    default_status: Status
    recorded: SystemStatusBody | None
    effective_status: Status


class SystemList(_Body):
    """``GET /v1/systems``."""

    systems: list[SystemSummary]


class SystemStatusHistory(_Body):
    """``GET /v1/systems/{system_id}/status``: latest first."""

    system: str
    history: list[SystemStatusBody]


# --- insights -----------------------------------------------------------------------------


class Counted(BaseModel):
    """A symptom or cause (named by its own key) with its title and count."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symptom: str | None = None
    cause: str | None = None
    title: str
    count: int


class Group(_Body):
    """One product or supplier (named by its own key)."""

    product: str | None = None
    supplier: str | None = None
    cases: int
    outcomes: int
    top_symptoms: list[Counted]
    top_causes: list[Counted]


class Spike(_Body):
    kind: Literal["confirmed_cause", "questions"]
    product: str | None = None
    supplier: str | None = None
    symptom: str | None = None
    cause: str | None = None
    title: str
    recent: int
    baseline_per_window: float
    window_minutes: int
    message: LangText


class Totals(_Body):
    cases: int
    outcomes: int


class InsightsBody(_Body):
    """``GET /v1/insights``."""

    since: str
    until: str
    totals: Totals
    top_symptoms: list[Counted]
    top_causes: list[Counted]
    by_product: list[Group]
    by_supplier: list[Group]
    spikes: list[Spike]


# --- editing ------------------------------------------------------------------------------


class ChangeSetWritten(_Body):
    """A new revision (``POST /v1/changesets`` and ``/v1/revert``)."""

    revision: int
    author: str
    at: str
    message: str
    change_count: int
    reverted_to: int | None


class HistoryBody(_Body):
    """``GET /v1/history``: newest first."""

    graph_revision: int
    revisions: list[ChangeSetWritten]


class ChangeEntry(_Body):
    action: Literal["add", "update", "delete"]
    kind: Literal["node", "edge"]
    key: str | list[str] = Field(description="a node id, or an edge's [source, target]")
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class RevisionBody(ChangeSetWritten):
    """``GET /v1/revisions/{revision}``: the revision and every change it made."""

    changes: list[ChangeEntry]


class DiffEntry(ChangeEntry):
    op: str = Field(description="e.g. update_node region_lock")


class DiffBody(_Body):
    """``GET /v1/diff``."""

    from_: int = Field(alias="from")
    to: int
    changes: list[DiffEntry]


# --- promise ledger and escalations ------------------------------------------------------


class PromisePriority(_Body):
    level: Literal["P1", "P2", "P3", "P4"] = Field(description="raised a level while overdue")
    filed: Literal["P1", "P2", "P3", "P4"]
    reason: LangText | None


class PromiseEntry(_Body):
    """One case's promise; order number and author only for its author and seniors."""

    case_id: str | None
    order_no: str | None
    author: str | None
    symptom: str | None
    kind: Literal["resolution", "verifying"]
    what: str
    due_at: str = Field(description="RFC 3339, in the shop's zone")
    state: Literal["open", "overdue", "kept", "broken"]
    kept_at: str | None
    backstop: str | None
    backstop_resolution: str | None
    backstop_reply: str = Field(description="ready to send once the promise is missed")
    backstop_min_role: Role | None = Field(description="who may carry the backstop out")
    lang: Literal["zh", "en"]
    priority: PromisePriority


class PromiseList(_Body):
    """``GET /v1/promises``."""

    state: Literal["open", "overdue", "kept", "broken"]
    promises: list[PromiseEntry]


class EscalationEntry(_Body):
    case_id: str | None
    at: str
    order_no: str | None
    author: str | None
    escalate_to: Literal["supervisor"]
    reason: str
    calming: CalmingText
    goodwill: Goodwill | None


class EscalationList(_Body):
    """``GET /v1/escalations``: open ones, oldest first."""

    escalations: list[EscalationEntry]


# --- system-status proposals (outages seen from orders) ---------------------------------------


class ProposalEvidence(_Body):
    """Why a status is proposed: the failing orders and the window they fell in."""

    cause: str
    group: Literal["supplier", "channel"]
    name: str = Field(description="the supplier or channel as the cases filed it")
    orders: list[str] = Field(description="the failing orders' numbers, oldest first")
    failing: int = Field(description="orders of the group that led with the cause")
    seen: int = Field(description="orders of the group diagnosed in the window")
    share: float
    window_minutes: int
    since: str
    until: str
    baseline_per_window: float = Field(description="failing orders per window before, on average")


class StatusProposalBody(_Body):
    """A proposed system status; ``state`` open until an admin accepts or dismisses it."""

    id: int
    at: str
    updated_at: str = Field(description="when the evidence was last refreshed")
    system: str
    system_title: LangText
    status: Literal["degraded", "down"]
    cause: str
    cause_title: LangText
    evidence: ProposalEvidence
    state: Literal["open", "accepted", "dismissed"]
    decided_by: str | None
    decided_at: str | None
    note: str | None


class StatusProposalList(_Body):
    """``GET /v1/system-proposals``: newest first."""

    proposals: list[StatusProposalBody]


class StatusProposalDecided(_Body):
    """``POST /v1/system-proposals/{id}``: the proposal as decided; the status it set."""

    proposal: StatusProposalBody
    status: SystemStatusBody | None


class NoticeBody(_Body):
    """One proactive notice: the order, what the watcher diagnosed, what the customer is told."""

    id: int
    at: str = Field(description="when it was filed, RFC 3339 in the shop's zone")
    order_no: str
    symptom: str
    cause: str = Field(description="the diagnosed leading cause")
    channel: str | None = Field(description="the order's payment channel")
    lang: Literal["zh", "en"]
    text: str = Field(description="the notice for the customer")
    case_id: str | None = Field(description="the case filed with its diagnosis")
    sent: bool = Field(description="the webhook took it")
    sent_at: str | None
    attempts: int
    next_attempt_at: str | None
    last_error: str | None


class NoticeList(_Body):
    """``GET /v1/notices``: newest first; ``next_before`` pages on (null: the last page)."""

    notices: list[NoticeBody]
    next_before: int | None
