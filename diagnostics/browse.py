"""What new staff train on: search over the graph and a symptom's whole path.

Both read one snapshot and are pure. ``search`` looks through titles and
phrases in Chinese and English (width, case and punctuation folded), and
falls back to fuzzy matching (rapidfuzz) for typos; ``paths`` lays out the
tree symptom → causes → checks → resolutions with the numbers an expert
carries in their head: priors (authored and learned), what each check costs
and how to do it, and what to tell the customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from graph.lint import normalise_phrase
from graph.snapshot import Snapshot, thaw

from .bayes import cause_model
from .knowledge import DEFAULT_PRIOR_WEIGHT

__all__ = ["paths", "search"]

FUZZY_MIN = 75.0


@dataclass(frozen=True)
class _Entry:
    node: str
    field: str
    lang: str
    text: str
    folded: str


def _index(snapshot: Snapshot) -> tuple[_Entry, ...]:
    def build(snap: Snapshot) -> tuple[_Entry, ...]:
        entries = []
        for node_id, data in snap.nodes():
            for lang in ("zh", "en"):
                title = (data.get("title") or {}).get(lang)
                if title:
                    entries.append(_Entry(node_id, "title", lang, title, normalise_phrase(title)))
                description = (data.get("description") or {}).get(lang)
                if description:
                    folded = normalise_phrase(description)
                    entries.append(_Entry(node_id, "description", lang, description, folded))
                for phrase in (data.get("phrases") or {}).get(lang) or ():
                    entries.append(
                        _Entry(node_id, "phrase", lang, phrase, normalise_phrase(phrase))
                    )
            entries.append(_Entry(node_id, "id", "", node_id, normalise_phrase(node_id)))
        return tuple(e for e in entries if e.folded)

    return snapshot.derived("search_index", build)


def search(
    snapshot: Snapshot,
    query: str,
    *,
    node_type: str | None = None,
    lang: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Nodes whose title, phrase or id matches ``query``, best first.

    Scores: 100 an exact match, 90 a match inside a title or phrase, 80
    inside a description, otherwise rapidfuzz's partial ratio of a title or
    phrase when it is at least 75.
    """
    folded = normalise_phrase(query)
    if not folded:
        return []
    best: dict[str, tuple[float, _Entry]] = {}
    for entry in _index(snapshot):
        if lang and entry.lang not in (lang, ""):
            continue
        if node_type and snapshot.node_type(entry.node) != node_type:
            continue
        if entry.folded == folded:
            score = 100.0
        elif folded in entry.folded:
            score = 80.0 if entry.field == "description" else 90.0
        elif entry.field == "description":
            continue
        else:
            score = fuzz.partial_ratio(folded, entry.folded) if len(folded) > 1 else 0.0
            if score < FUZZY_MIN:
                continue
        if entry.node not in best or score > best[entry.node][0]:
            best[entry.node] = (score, entry)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return [
        {
            "id": node,
            "type": snapshot.node_type(node),
            "title": thaw(snapshot.node(node).get("title")),
            "score": round(score, 1),
            "matched": {"field": entry.field, "lang": entry.lang or None, "text": entry.text},
        }
        for node, (score, entry) in ranked
    ]


def _check(snapshot: Snapshot, check: str, edge: Mapping[str, Any]) -> dict[str, Any]:
    node = snapshot.node(check)
    return {
        "id": check,
        "title": thaw(node.get("title")),
        "mode": node.get("mode"),
        "cost_minutes": node.get("cost_minutes"),
        "instructions": thaw(node.get("instructions") or node.get("description")),
        "condition": node.get("fails_when") or node.get("builtin"),
        "p_fail": edge.get("p_fail"),
        "p_fail_otherwise": node.get("p_fail_otherwise"),
        "meaning": thaw(edge.get("meaning")),
        "escalates_to": node.get("escalates_to"),
    }


def _resolution(snapshot: Snapshot, resolution: str, edge: Mapping[str, Any]) -> dict[str, Any]:
    node = snapshot.node(resolution)
    return {
        "id": resolution,
        "title": thaw(node.get("title")),
        "rank": edge.get("rank"),
        "when": edge.get("when"),
        "steps": thaw(node.get("steps")),
        "customer_reply": thaw(node.get("reply")),
        "min_role": node.get("min_role", "agent"),
        "moves_money": bool(node.get("moves_money")),
        "irreversible": bool(node.get("irreversible")),
        "promise_minutes": node.get("promise_minutes"),
        "requires_checks": thaw(node.get("requires_checks") or []),
    }


def _utterances(snapshot: Snapshot, symptom: str) -> dict[str, Any]:
    """How many utterances teach the symptom model this symptom, by source kind
    (written, reference, issue, case), with a few examples for trainees."""
    items = [
        item
        for corpus in sorted(snapshot.nodes_of_type("Corpus"))
        if symptom in dict(snapshot.out_edges(corpus, "teaches"))
        for item in snapshot.node(corpus).get("utterances", ())
    ]
    sources: dict[str, int] = {}
    for item in items:
        kind = str(item.get("source", "")).split(":", 1)[0]
        sources[kind] = sources.get(kind, 0) + 1
    return {
        "total": len(items),
        "sources": dict(sorted(sources.items())),
        "examples": [str(item["text"]) for item in items[:: max(1, len(items) // 8)][:8]],
    }


def paths(
    snapshot: Snapshot,
    symptom: str,
    confirmed: Mapping[str, int] | None = None,
    prior_weight: float = DEFAULT_PRIOR_WEIGHT,
) -> dict[str, Any]:
    """The tree of ``symptom`` (a Symptom id in ``snapshot``), causes by learned prior."""
    model = cause_model(snapshot, symptom, confirmed, prior_weight)
    node = snapshot.node(symptom)
    causes = []
    for index, cause in enumerate(model.causes):
        cause_node = snapshot.node(cause)
        checks = sorted(snapshot.out_edges(cause, "tested_by"), key=lambda e: e[0])
        fixes = sorted(snapshot.out_edges(cause, "resolved_by"), key=lambda e: (e[1]["rank"], e[0]))
        causes.append(
            {
                "id": cause,
                "title": thaw(cause_node.get("title")),
                "description": thaw(cause_node.get("description")),
                "fault": cause_node.get("fault"),
                "customer_explanation": thaw(cause_node.get("explanation")),
                "authored_prior": model.authored_prior[index],
                "confirmed_cases": model.confirmed[index],
                "learned_prior": model.prior[index],
                "checks": [_check(snapshot, c, e) for c, e in checks],
                "resolutions": [_resolution(snapshot, r, e) for r, e in fixes],
                "systems": [
                    {"id": s, "title": thaw(snapshot.node(s).get("title")), **thaw(e)}
                    for s, e in sorted(snapshot.out_edges(cause, "depends_on"))
                ],
            }
        )
    order = sorted(range(len(causes)), key=lambda i: (-model.prior[i], model.causes[i]))
    return {
        "graph_revision": snapshot.revision,
        "symptom": {
            "id": symptom,
            "title": thaw(node.get("title")),
            "description": thaw(node.get("description")),
            "category": node.get("category"),
            "phrases": thaw(node.get("phrases")),
            "service_level": thaw(node.get("service_level")),
            "clarify": thaw(node.get("clarify")),
        },
        "utterances": _utterances(snapshot, symptom),
        "prior_weight": prior_weight,
        "confirmed_cases": sum(model.confirmed),
        "causes": [causes[i] for i in order],
    }
