"""Training: a symptom's paths as a graph new staff can click through.

The graph view draws ``diagnostics.browse.paths`` (the same data as
``GET /v1/paths``): symptom → causes → checks → resolutions, laid out left to
right by dagre. The server prepares every node's panel (explanation, how to
do the check, what to tell the customer) in the page's language; the script
only draws and shows them, always as text, never as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue

from appstate import settings, store
from casework import knowledge_of
from diagnostics.browse import paths
from graph.errors import NotFound
from graph.snapshot import Snapshot
from graph.store import TokenInfo

from .blueprint import page_role, pages
from .i18n import page_lang, t

__all__ = ["graph_elements"]


def _corpus(utterances: dict[str, Any]) -> str:
    """The symptom's corpus in one paragraph: how many, from where, a few examples."""
    sources = ", ".join(f"{kind} {count}" for kind, count in utterances["sources"].items())
    examples = " / ".join(utterances["examples"])
    return f"{utterances['total']} ({sources}): {examples}"


def _text(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("zh") or "")
    return "" if value is None else str(value)


def _lines(value: Any, lang: str) -> list[str]:
    if isinstance(value, Mapping):
        return [str(x) for x in value.get(lang) or ()]
    return []


_VARIABLE = re.compile(r"\{\{\s*([a-z_]+)[^}]*\}\}")


def _template(value: Any, lang: str) -> str:
    """A reply template for reading: ``{{ keys }}`` shows as 【keys】 (filled per order)."""
    return _VARIABLE.sub(r"【\1】", _text(value, lang))


def _sections(*pairs: tuple[str, Any]) -> list[dict[str, Any]]:
    """Panel sections with content; a list renders as numbered lines."""
    return [{"label": label, "body": body} for label, body in pairs if body not in ("", [], None)]


def graph_elements(tree: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Cytoscape nodes and edges of a ``paths`` tree, each node with its panel.

    A check shared by two causes is one node with two edges, as in the graph.
    """
    symptom = tree["symptom"]
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []

    def add(node_id: str, kind: str, title: Any, sections: list[dict[str, Any]]) -> None:
        if node_id not in nodes:
            label = _text(title, lang)
            nodes[node_id] = {"id": node_id, "kind": kind, "label": label, "sections": sections}

    add(
        symptom["id"],
        "symptom",
        symptom["title"],
        _sections(
            (t("what_it_is"), _text(symptom["description"], lang)),
            (t("customers_say"), _lines(symptom["phrases"], lang)),
            (t("corpus_counts"), _corpus(tree["utterances"])),
            (t("ask_customer"), _text(symptom.get("clarify"), lang)),
        ),
    )
    for cause in tree["causes"]:
        share = f"{cause['learned_prior']:.0%}"
        add(
            cause["id"],
            "cause",
            cause["title"],
            _sections(
                (t("share"), f"{share} ({t('confirmed_cases')}: {cause['confirmed_cases']})"),
                (t("what_it_is"), _text(cause["description"], lang)),
                (t("tell_customer"), _template(cause["customer_explanation"], lang)),
            ),
        )
        edges.append({"source": symptom["id"], "target": cause["id"], "kind": "caused_by"})
        for check in cause["checks"]:
            meaning = check.get("meaning") or {}
            minutes = float(check["cost_minutes"] or 0)
            mode = f"{t('mode_' + str(check['mode']))} · ~{minutes:g} min"
            add(
                check["id"],
                "check",
                check["title"],
                _sections(
                    (t("mode"), mode),
                    (t("how_to_check"), _text(check["instructions"], lang)),
                    (t("condition"), check.get("condition") or ""),
                    (t("escalates_to"), check.get("escalates_to") or ""),
                ),
            )
            fail = _text(meaning.get("fail"), lang) if isinstance(meaning, Mapping) else ""
            edges.append(
                {
                    "source": cause["id"],
                    "target": check["id"],
                    "kind": "tested_by",
                    "label": f"{check['p_fail']:.0%}",
                    "title": fail,
                }
            )
        for fix in cause["resolutions"]:
            add(
                fix["id"],
                "resolution",
                fix["title"],
                _sections(
                    (t("steps"), _lines(fix["steps"], lang)),
                    (t("tell_customer"), _template(fix["customer_reply"], lang)),
                    (t("min_role"), t("role_" + str(fix["min_role"]))),
                ),
            )
            edges.append({"source": cause["id"], "target": fix["id"], "kind": "resolved_by"})
    return {"nodes": list(nodes.values()), "edges": edges}


def _symptoms(snapshot: Snapshot, lang: str) -> list[dict[str, str]]:
    found = [
        {
            "id": s,
            "title": snapshot.title(s, lang),
            "category": str(snapshot.node(s).get("category", "")),
        }
        for s in snapshot.nodes_of_type("Symptom")
    ]
    return sorted(found, key=lambda s: (s["category"], s["id"]))


@pages.get("/train")
@page_role("agent")
def training(who: TokenInfo) -> ResponseReturnValue:
    """Every symptom, by category: the way in for new staff."""
    snapshot = store().snapshot()
    return render_template("training.html", symptoms=_symptoms(snapshot, page_lang()))


@pages.get("/train/<symptom>")
@page_role("agent")
def training_graph(who: TokenInfo, symptom: str) -> ResponseReturnValue:
    """One symptom's paths as a graph; click a node to read about it."""
    source = store()
    snapshot = source.snapshot()
    if not snapshot.has_node(symptom) or snapshot.node_type(symptom) != "Symptom":
        raise NotFound(t("no_symptom").format(id=symptom))
    knowledge = knowledge_of(source, settings())
    tree = paths(snapshot, symptom, knowledge.confirmed.get(symptom), knowledge.prior_weight)
    lang = page_lang()
    return render_template(
        "training_graph.html",
        tree=tree,
        elements=graph_elements(tree, lang),
        symptoms=_symptoms(snapshot, lang),
        title=snapshot.title(symptom, lang),
    )
