"""Diagnosis as a team's service: recorded knowledge in, a case on file out.

The engine (``engine.diagnose``) is a pure function of the graph and the
request. This module is the one place that joins it with the store's
records, for the endpoint and the CLI alike:

- before: the recorded system statuses that are fresh enough to trust (a
  status older than ``status_max_age`` counts as unknown, unless its ETA is
  still ahead) and the confirmed-outcome counts that teach the priors;
- after: up to three similar past cases (same symptom and cause, same
  product or supplier) with how they were solved, and the case itself put
  on file so its outcome can be recorded and counted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from diagnostics.bayes import cause_model
from diagnostics.conditions import parse_time
from diagnostics.engine import Diagnosis, diagnose_body
from diagnostics.knowledge import DEFAULT_PRIOR_WEIGHT, Knowledge
from diagnostics.language import CJK
from diagnostics.systems import canonical_system
from diagnostics.timezone import SHOP_ZONE
from graph.errors import ChangeSetInvalid, NotFound
from graph.gate import guarded_apply
from graph.model import parse_changeset
from graph.records import Outcome, SystemStatus
from graph.snapshot import Snapshot, thaw
from graph.store import GraphStore
from schema.validate import Finding

__all__ = [
    "Settings",
    "case_keys",
    "diagnose_case",
    "knowledge_of",
    "record_outcome",
    "status_view",
    "teach_utterance",
]


@dataclass(frozen=True)
class Settings:
    """How much the records are trusted; set from the app's configuration."""

    status_max_age: timedelta = timedelta(hours=2)
    prior_weight: float = DEFAULT_PRIOR_WEIGHT
    similar_limit: int = 3
    zone: ZoneInfo = SHOP_ZONE


def _eta(record: SystemStatus) -> datetime | None:
    return parse_time(record.eta) if record.eta else None


def is_fresh(record: SystemStatus, now: datetime, max_age: timedelta) -> bool:
    """Recent enough to trust, or announced to last until an ETA still ahead."""
    if now - parse_time(record.at) <= max_age:
        return True
    eta = _eta(record)
    return eta is not None and eta > now


def status_view(record: SystemStatus, now: datetime, settings: Settings) -> dict[str, Any]:
    """A recorded status as the API shows it, with what diagnoses make of it."""
    fresh = is_fresh(record, now, settings.status_max_age)
    return {
        **record.as_dict(),
        "fresh": fresh,
        "effective_status": record.status if fresh else "unknown",
    }


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


def _similar(
    store: GraphStore, snapshot: Snapshot, answer: Diagnosis, settings: Settings
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
    return [_similar_entry(snapshot, o, product, supplier) for o in found]


def _similar_entry(
    snapshot: Snapshot, outcome: Outcome, product: str | None, supplier: str | None
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
            "title": snapshot.title(outcome.resolution, "zh"),
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
) -> dict[str, Any]:
    """Diagnose ``body`` with the team's records; file the case when ``record``."""
    snapshot = store.snapshot()
    answer = diagnose_body(snapshot, body, role, knowledge_of(store, settings))
    result = dict(answer.as_dict())
    result["similar_cases"] = _similar(store, snapshot, answer, settings)
    if record:
        product, supplier = case_keys(snapshot, answer.order)
        causes = result.get("causes") or []
        symptom = result.get("symptom") or {}
        case = store.records.record_case(
            author=author,
            graph_revision=snapshot.revision,
            symptom=symptom.get("id"),
            top_cause=causes[0]["id"] if causes else None,
            confidence=float(symptom.get("confidence") or 0.0),
            product=product,
            supplier=supplier,
            order_no=str(answer.order["order_no"]) if answer.order.get("order_no") else None,
        )
        result["case_id"] = case.id
    return result


def _refuse(where: str, what: str, why: str) -> ChangeSetInvalid:
    return ChangeSetInvalid([Finding(where, what, why)])


def record_outcome(
    store: GraphStore, body: Mapping[str, Any], *, author: str, settings: Settings
) -> dict[str, Any]:
    """File a confirmed outcome (a body valid against ``Outcome``) after checking the graph.

    The cause must be one of the symptom's causes and the resolution one of
    the cause's, so a typo can never teach the priors something the graph
    cannot say. Returns the outcome and the symptom's priors after it.
    """
    snapshot = store.snapshot()
    case = None
    if body.get("case_id") is not None:
        case = store.records.get_case(int(body["case_id"]))
        if case is None:
            raise NotFound(f"no case {body['case_id']}")
    symptom = body.get("symptom") or (case.symptom if case else None)
    if not symptom:
        raise _refuse("outcome", "symptom", "give the symptom (the case had none)")
    cause, resolution = str(body["cause"]), str(body["resolution"])
    if not snapshot.has_node(symptom) or snapshot.node_type(symptom) != "Symptom":
        raise _refuse("outcome", "symptom", f"no symptom {symptom!r}")
    if cause not in {c for c, _ in snapshot.out_edges(symptom, "caused_by")}:
        raise _refuse("outcome", "cause", f"{cause!r} is not a cause of {symptom}")
    if resolution not in {r for r, _ in snapshot.out_edges(cause, "resolved_by")}:
        raise _refuse("outcome", "resolution", f"{resolution!r} does not resolve {cause}")
    order = body.get("order") or {}
    product, supplier = case_keys(snapshot, order) if order else (None, None)
    outcome = store.records.record_outcome(
        author=author,
        case_id=case.id if case else None,
        symptom=symptom,
        cause=cause,
        resolution=resolution,
        product=body.get("product") or product or (case.product if case else None),
        supplier=body.get("supplier") or supplier or (case.supplier if case else None),
        order_no=body.get("order_no") or order.get("order_no") or (case.order_no if case else None),
        note=str(body.get("note") or ""),
        graph_revision=snapshot.revision,
    )
    counts = store.records.outcome_counts().by_symptom.get(symptom, {})
    model = cause_model(snapshot, symptom, counts, settings.prior_weight)
    priors = [
        {
            "cause": c,
            "authored_prior": model.authored_prior[i],
            "confirmed_cases": model.confirmed[i] if model.confirmed else 0,
            "learned_prior": model.prior[i],
        }
        for i, c in enumerate(model.causes)
    ]
    return {"outcome": outcome.as_dict(), "priors": priors}


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
    if case_id is not None and store.records.get_case(int(case_id)) is None:
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
