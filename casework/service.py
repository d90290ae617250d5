"""Diagnosis as a team's service: recorded knowledge in, a case on file out.

The engine (``engine.diagnose``) is a pure function of the graph and the
request. This module is the one place that joins it with the store's
records, for the endpoint and the CLI alike:

- before: the recorded system statuses that are fresh enough to trust (a
  status older than ``status_max_age`` counts as unknown, unless its ETA is
  still ahead) and the confirmed-outcome counts that teach the priors;
- after: up to three similar past cases (same symptom and cause, same
  product or supplier) with how they were solved, and the case itself put
  on file under an unguessable id so its outcome can be recorded and counted;
- an outcome per case (a second revises it; a senior may revert one), and
  when the case's symptom came from the customer's words, those words become
  a *candidate* utterance a senior accepts into the corpus (the model learns
  from solved cases) or rejects;
- what an agent sees of other people's cases leaves out the supplier, the
  author and other customers' order numbers;
- records older than the retention window are purged.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from diagnostics.bayes import cause_model
from diagnostics.engine import Diagnosis, diagnose_body
from diagnostics.knowledge import DEFAULT_PRIOR_WEIGHT, Knowledge
from diagnostics.language import CJK
from diagnostics.outages import OutageRule
from diagnostics.systems import canonical_system
from diagnostics.timezone import SHOP_ZONE
from graph.errors import ChangeSetInvalid, NotFound
from graph.gate import guarded_apply
from graph.model import parse_changeset
from graph.records import Candidate, CaseRecord, Outcome, SystemStatus
from graph.snapshot import Snapshot, thaw
from graph.store import GraphStore, role_allows
from schema.validate import Finding

from .freshness import eta_of as _eta
from .freshness import is_fresh
from .outages import propose_after_case
from .promises import file_promise, with_overdue

__all__ = [
    "Settings",
    "candidate_list",
    "case_keys",
    "case_view",
    "decide_candidate",
    "diagnose_case",
    "knowledge_of",
    "mask_numbers",
    "outcome_list",
    "purge_expired",
    "record_outcome",
    "revert_outcome",
    "status_view",
    "system_statuses",
    "teach_utterance",
]

_log = logging.getLogger(__name__)


def _sees_every_case(role: str) -> bool:
    """Seniors and up see whole records; an agent or monitor sees others' cases redacted."""
    return role_allows(role, "senior")


DEFAULT_OUTAGE_RULE = OutageRule()


@dataclass(frozen=True)
class Settings:
    """How much the records are trusted; set from the app's configuration."""

    status_max_age: timedelta = timedelta(hours=2)
    prior_weight: float = DEFAULT_PRIOR_WEIGHT
    similar_limit: int = 3
    zone: ZoneInfo = SHOP_ZONE
    retention: timedelta | None = None
    outages: OutageRule = DEFAULT_OUTAGE_RULE
    outage_check_every: timedelta = timedelta(seconds=30)


def status_view(record: SystemStatus, now: datetime, settings: Settings) -> dict[str, Any]:
    """A recorded status as the API shows it, with what diagnoses make of it."""
    fresh = is_fresh(record, now, settings.status_max_age)
    return {
        **record.as_dict(),
        "fresh": fresh,
        "effective_status": record.status if fresh else "unknown",
    }


def system_statuses(
    store: GraphStore, settings: Settings, now: datetime
) -> list[tuple[str, Mapping[str, Any], dict[str, Any] | None, Any]]:
    """Every System of the served graph: ``(id, node, recorded view or None,
    effective status)``, the effective one what diagnoses use (a fresh record's,
    else the graph's default). One reading for ``/v1/systems`` and the page."""
    snap = store.snapshot()
    recorded = {r.system: r for r in store.records.current_system_statuses()}
    rows = []
    for system in snap.nodes_of_type("System"):
        node = snap.node(system)
        record = recorded.get(system)
        view = status_view(record, now, settings) if record else None
        effective = (
            view["effective_status"] if view and view["fresh"] else node.get("default_status")
        )
        rows.append((system, node, view, effective))
    return rows


def knowledge_of(store: GraphStore, settings: Settings, now: datetime | None = None) -> Knowledge:
    """What the records tell a diagnosis made at ``now`` (the server clock)."""
    moment = now or datetime.now(UTC)
    systems: dict[str, str] = {}
    etas: dict[str, datetime] = {}
    for record in store.records.current_system_statuses():
        if not is_fresh(record, moment, settings.status_max_age):
            # Stale: not even the graph's default is trusted any more; the
            # checks that ask become manual steps ("look at the supplier").
            systems[record.system] = "unknown"
            continue
        systems[record.system] = record.status
        eta = _eta(record)
        if eta is not None and record.status != "up":
            etas[record.system] = eta
    counts = store.records.outcome_counts().by_symptom
    return Knowledge(systems, etas, counts, settings.prior_weight, settings.zone)


def case_keys(snapshot: Snapshot, order: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(product, supplier) of an order as records file them.

    The product is its SKU, else its name; the supplier is the graph's
    System id when the shop's spelling is a known alias.
    """
    product = order.get("product") or {}
    name = product.get("sku") or product.get("name")
    supplier = product.get("supplier")
    if supplier:
        supplier = canonical_system(snapshot, str(supplier)) or str(supplier)
    return (str(name) if name else None), (str(supplier) if supplier else None)


def case_channel(snapshot: Snapshot, order: Mapping[str, Any]) -> str | None:
    """The payment channel of an order as records file it: the gateway, by the
    graph's System id when the shop's spelling is a known alias (so outages of
    one channel are seen whatever the shop calls it)."""
    gateway = (order.get("payment") or {}).get("gateway")
    if not gateway:
        return None
    return canonical_system(snapshot, str(gateway)) or str(gateway)


def _similar(
    store: GraphStore,
    snapshot: Snapshot,
    answer: Diagnosis,
    settings: Settings,
    role: str,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    body = answer.body
    causes = body.get("causes") or []
    symptom = (body.get("symptom") or {}).get("id")
    if not symptom or not causes:
        return []
    product, supplier = case_keys(snapshot, answer.order)
    found = store.records.similar_outcomes(
        symptom=symptom,
        cause=causes[0]["id"],
        product=product,
        supplier=supplier,
        limit=settings.similar_limit,
    )
    entries = [_similar_entry(snapshot, o, product, supplier, lang) for o in found]
    if _sees_every_case(role):
        return entries
    return [_redacted_similar(e) for e in entries]


_LONG_NUMBER = re.compile(r"[A-Za-z0-9_-]*\d[A-Za-z0-9_-]{5,}")


def mask_numbers(text: str) -> str:
    """Free text with every order-number-like token (6+ characters, a digit) masked.

    Notes are written by agents about *their* customer: another agent reads
    how the case was solved, not whose it was.

    >>> mask_numbers("补发了 KM20261130001 给 13800001111，客户确认")
    '补发了 *** 给 ***，客户确认'
    """
    return _LONG_NUMBER.sub("***", text)


def _redacted_similar(entry: dict[str, Any]) -> dict[str, Any]:
    same = entry["same"]
    return {
        **{k: v for k, v in entry.items() if k not in ("order_no", "supplier")},
        "same": [s for s in same if s != "supplier"],
        "note": mask_numbers(str(entry["note"])),
    }


def _similar_entry(
    snapshot: Snapshot,
    outcome: Outcome,
    product: str | None,
    supplier: str | None,
    lang: str = "zh",
) -> dict[str, Any]:
    same = [
        name
        for name, mine, theirs in (
            ("product", product, outcome.product),
            ("supplier", supplier, outcome.supplier),
        )
        if mine is not None and mine == theirs
    ]
    return {
        "outcome_id": outcome.id,
        "at": outcome.at,
        "order_no": outcome.order_no,
        "product": outcome.product,
        "supplier": outcome.supplier,
        "same": same,
        "resolution": {
            "id": outcome.resolution,
            "title": snapshot.title(outcome.resolution, lang),
        },
        "note": outcome.note,
    }


def diagnose_case(
    store: GraphStore,
    body: Any,
    *,
    role: str,
    author: str,
    settings: Settings,
    record: bool = True,
    agent_lang: str = "zh",
) -> dict[str, Any]:
    """Diagnose ``body`` with the team's records; file the case when ``record``.
    ``agent_lang`` is the language the agent reads (titles, findings, steps):
    the console passes its page's language; the reply keeps the customer's."""
    snapshot = store.snapshot()
    knowledge = with_overdue(store, body, knowledge_of(store, settings))
    answer = diagnose_body(snapshot, body, role, knowledge, agent_lang)
    result = dict(answer.as_dict())
    result["similar_cases"] = _similar(store, snapshot, answer, settings, role, agent_lang)
    if record:
        product, supplier = case_keys(snapshot, answer.order)
        causes = result.get("causes") or []
        symptom = result.get("symptom") or {}
        # The words are kept only when they were what the symptom was found
        # from: once the outcome confirms the symptom they may teach the model.
        words = body.get("message") if not body.get("symptom") else None
        case = store.records.record_case(
            author=author,
            graph_revision=snapshot.revision,
            symptom=symptom.get("id"),
            top_cause=causes[0]["id"] if causes else None,
            confidence=float(symptom.get("confidence") or 0.0),
            product=product,
            supplier=supplier,
            order_no=str(answer.order["order_no"]) if answer.order.get("order_no") else None,
            message=str(words).strip()[:300] or None if words else None,
            channel=case_channel(snapshot, answer.order),
        )
        result["case_id"] = case.ref
        file_promise(store, case, result, author=author)
        purge_expired(store, settings)
        propose_after_case(
            store.records,
            snapshot,
            case,
            rule=settings.outages,
            every=settings.outage_check_every,
            status_max_age=settings.status_max_age,
        )
    return result


_purged_at: dict[int, datetime] = {}
_purge_lock = threading.Lock()
PURGE_EVERY = timedelta(hours=1)


def purge_expired(store: GraphStore, settings: Settings, *, force: bool = False) -> dict[str, int]:
    """Purge records older than the retention window, at most hourly per store.

    Called after each filed case, so a server purges without a scheduler;
    ``kgdiag purge`` forces it. No window (the default) keeps everything.
    """
    if settings.retention is None:
        return {}
    now = datetime.now(UTC)
    with _purge_lock:
        last = _purged_at.get(id(store))
        if not force and last is not None and now - last < PURGE_EVERY:
            return {}
        _purged_at[id(store)] = now
    before = (now - settings.retention).isoformat(timespec="seconds")
    counts = store.records.purge(before=before)
    if any(counts.values()):
        _log.info("retention purge before %s: %s", before, counts)
    return counts


def case_view(store: GraphStore, case: CaseRecord, *, role: str, author: str) -> dict[str, Any]:
    """A filed case as the caller may see it.

    Seniors see the whole record; an agent sees the supplier, the author and
    the order number only of a case they filed themselves. The customer's
    words are never shown here (candidates show them to seniors).
    """
    outcome = store.records.case_outcome(case.id)
    view: dict[str, Any] = {
        "case_id": case.ref,
        "at": case.at,
        "graph_revision": case.graph_revision,
        "symptom": case.symptom,
        "top_cause": case.top_cause,
        "confidence": case.confidence,
        "product": case.product,
        "outcome": None
        if outcome is None
        else {"id": outcome.id, "cause": outcome.cause, "resolution": outcome.resolution},
    }
    if _sees_every_case(role) or case.author == author:
        view.update(author=case.author, supplier=case.supplier, order_no=case.order_no)
    return view


def _refuse(where: str, what: str, why: str) -> ChangeSetInvalid:
    return ChangeSetInvalid([Finding(where, what, why)])


def _priors(store: GraphStore, snapshot: Snapshot, symptom: str, settings: Settings) -> Any:
    counts = store.records.outcome_counts().by_symptom.get(symptom, {})
    model = cause_model(snapshot, symptom, counts, settings.prior_weight)
    return [
        {
            "cause": c,
            "authored_prior": model.authored_prior[i],
            "confirmed_cases": model.confirmed[i] if model.confirmed else 0,
            "learned_prior": model.prior[i],
        }
        for i, c in enumerate(model.causes)
    ]


def _outcome_view(outcome: Outcome, ref: str | None) -> dict[str, Any]:
    return {**outcome.as_dict(), "case_id": ref}


def record_outcome(
    store: GraphStore, body: Mapping[str, Any], *, author: str, settings: Settings
) -> dict[str, Any]:
    """File a case's confirmed outcome (a body valid against ``Outcome``) after checking it.

    Only for a filed case, and one per case: a second outcome revises the
    first, so learning counts the case once and no one can teach the priors
    by repetition. The cause must be one of the symptom's causes and the
    resolution one of the cause's, so a typo can never teach the priors
    something the graph cannot say. When the case was diagnosed from the
    customer's words, they become a candidate utterance for its symptom.
    Returns the outcome, the candidate (if any) and the symptom's priors.
    """
    snapshot = store.snapshot()
    case = store.records.case_by_ref(str(body["case_id"]))
    if case is None:
        raise NotFound(f"no case {body['case_id']}")
    symptom = body.get("symptom") or case.symptom
    if not symptom:
        raise _refuse("outcome", "symptom", "give the symptom (the case had none)")
    cause, resolution = str(body["cause"]), str(body["resolution"])
    if not snapshot.has_node(symptom) or snapshot.node_type(symptom) != "Symptom":
        raise _refuse("outcome", "symptom", f"no symptom {symptom!r}")
    if cause not in {c for c, _ in snapshot.out_edges(symptom, "caused_by")}:
        raise _refuse("outcome", "cause", f"{cause!r} is not a cause of {symptom}")
    if resolution not in {r for r, _ in snapshot.out_edges(cause, "resolved_by")}:
        raise _refuse("outcome", "resolution", f"{resolution!r} does not resolve {cause}")
    outcome = store.records.record_outcome(
        author=author,
        case_id=case.id,
        symptom=symptom,
        cause=cause,
        resolution=resolution,
        product=body.get("product") or case.product,
        supplier=body.get("supplier") or case.supplier,
        order_no=body.get("order_no") or case.order_no,
        note=str(body.get("note") or ""),
        graph_revision=snapshot.revision,
    )
    store.records.keep_promises(case.id, author=author)
    candidate = None
    if case.message:
        candidate = store.records.propose_candidate(
            case_id=case.id, symptom=symptom, text=case.message, lang=_text_lang(case.message)
        )
    return {
        "outcome": _outcome_view(outcome, case.ref),
        "candidate": None if candidate is None else _candidate_view(snapshot, candidate, case),
        "priors": _priors(store, snapshot, symptom, settings),
    }


def revert_outcome(
    store: GraphStore, outcome_id: int, *, author: str, settings: Settings
) -> dict[str, Any]:
    """A senior undoes an active outcome: it stays on file, marked, and stops teaching."""
    outcome = store.records.revert_outcome(outcome_id, author=author)
    if outcome is None:
        raise NotFound(f"no active outcome {outcome_id}")
    case = store.records.get_case(outcome.case_id) if outcome.case_id is not None else None
    if case is not None and store.records.case_outcome(case.id) is None:
        store.records.reopen_promises(case.id)  # the promise is owed again
    snapshot = store.snapshot()
    return {
        "outcome": _outcome_view(outcome, case.ref if case else None),
        "priors": _priors(store, snapshot, outcome.symptom, settings),
    }


def outcome_list(store: GraphStore, outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """Outcomes as the API lists them: with their cases' refs, never internal ids."""
    refs: dict[int, str | None] = {}
    views = []
    for outcome in outcomes:
        ref = None
        if outcome.case_id is not None:
            if outcome.case_id not in refs:
                case = store.records.get_case(outcome.case_id)
                refs[outcome.case_id] = case.ref if case else None
            ref = refs[outcome.case_id]
        views.append(_outcome_view(outcome, ref))
    return views


def _candidate_view(
    snapshot: Snapshot, candidate: Candidate, case: CaseRecord | None
) -> dict[str, Any]:
    title = snapshot.title(candidate.symptom, "zh") if snapshot.has_node(candidate.symptom) else ""
    return {
        "id": candidate.id,
        "at": candidate.at,
        "case_id": case.ref if case else None,
        "symptom": {"id": candidate.symptom, "title": title},
        "case_symptom": case.symptom if case else None,
        "text": candidate.text,
        "lang": candidate.lang,
        "state": candidate.state,
        "decided_by": candidate.decided_by,
        "decided_at": candidate.decided_at,
    }


def candidate_list(store: GraphStore, *, state: str, limit: int) -> list[dict[str, Any]]:
    """Candidate utterances in ``state``, oldest first, for a senior's review."""
    snapshot = store.snapshot()
    return [
        _candidate_view(snapshot, c, store.records.get_case(c.case_id))
        for c in store.records.candidates(state=state, limit=limit)
    ]


def decide_candidate(
    store: GraphStore, candidate_id: int, body: Mapping[str, Any], *, author: str
) -> dict[str, Any]:
    """Accept a candidate into its symptom's corpus (one audited revision) or reject it.

    Accepting teaches first and marks the candidate after, so a refused
    teaching (lint: the words are already in a corpus) leaves it open.
    """
    candidate = store.records.get_candidate(candidate_id)
    if candidate is None or candidate.state != "open":
        raise NotFound(f"no open candidate {candidate_id}")
    case = store.records.get_case(candidate.case_id)
    taught = None
    if body["decision"] == "accept":
        words = {
            "symptom": candidate.symptom,
            "text": str(body.get("text") or candidate.text),
            "case_id": case.ref if case else None,
            "message": body.get("message") or f"accepted candidate {candidate_id}",
        }
        taught = teach_utterance(store, words, author=author)
    state = "accepted" if taught else "rejected"
    decided = store.records.decide_candidate(candidate_id, state=state, author=author)
    if decided is None:  # decided meanwhile by another senior
        raise NotFound(f"no open candidate {candidate_id}")
    return {"candidate": _candidate_view(store.snapshot(), decided, case), "taught": taught}


def _text_lang(text: str) -> str:
    chinese = bool(CJK.search(text))
    latin = bool(re.search(r"[A-Za-z]{2,}", text))
    return "mixed" if chinese and latin else "zh" if chinese else "en"


def teach_utterance(store: GraphStore, body: Mapping[str, Any], *, author: str) -> dict[str, Any]:
    """Append a customer's words to the corpus of the symptom they describe.

    How the symptom model learns from solved cases: a senior accepts the
    message of a case whose symptom was confirmed, and the next snapshot
    trains on it. One audited, gated revision (lint refuses words another
    corpus already holds); the symptom's corpus is created if it has none.
    """
    snapshot = store.snapshot()
    symptom, text = str(body["symptom"]), str(body["text"]).strip()
    if not snapshot.has_node(symptom) or snapshot.node_type(symptom) != "Symptom":
        raise _refuse("utterance", "symptom", f"no symptom {symptom!r}")
    case_id = body.get("case_id")
    if case_id is not None and store.records.case_by_ref(str(case_id)) is None:
        raise NotFound(f"no case {case_id}")
    source = f"case: {case_id}" if case_id is not None else f"written: senior {author}"
    item = {"text": text, "lang": str(body.get("lang") or _text_lang(text)), "source": source}
    corpora = sorted(
        c
        for c in snapshot.nodes_of_type("Corpus")
        if (symptom in dict(snapshot.out_edges(c, "teaches")))
    )
    if corpora:
        data = thaw(snapshot.node(corpora[0]))
        data["utterances"] = [*data.get("utterances", []), item]
        operations: list[dict[str, Any]] = [{"op": "update_node", "type": "Corpus", "node": data}]
    else:
        title = snapshot.node(symptom)["title"]
        data = {
            "id": f"corpus_{symptom}"[:64],
            "title": {"zh": f"语料：{title['zh']}", "en": f"Utterances: {title['en']}"},
            "description": {
                "zh": "从已解决的案例中收录的客户说法。",
                "en": "Customers' words accepted from solved cases.",
            },
            "utterances": [item],
        }
        operations = [
            {"op": "add_node", "type": "Corpus", "node": data},
            {"op": "add_edge", "type": "teaches", "source": data["id"], "target": symptom},
        ]
    changes, problems = parse_changeset(operations)
    if problems:
        raise ChangeSetInvalid(problems)
    info = guarded_apply(
        store,
        changes,
        expected_revision=snapshot.revision,
        author=author,
        message=str(body.get("message") or f"utterance for {symptom} ({source})"),
    )
    return {"revision": info.revision, "corpus": data["id"], "utterance": item}
