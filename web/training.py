"""Training: a symptom's paths as a graph new staff can click through.

The graph view draws ``diagnostics.browse.paths`` (the same data as
``GET /v1/paths``): symptom → causes → checks → resolutions, laid out left to
right by dagre. The server prepares every node's panel (explanation, how to
do the check, what to tell the customer) in the page's language; the script
only draws and shows them, always as text, never as HTML.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from appstate import settings, store
from casework import knowledge_of
from diagnostics.browse import paths
from graph.errors import NotFound
from graph.snapshot import Snapshot, thaw
from graph.store import TokenInfo
from schema import graph_schema

from .blueprint import page_role, pages
from .i18n import page_lang, t

__all__ = ["chosen_cause", "graph_elements", "outline"]

logger = logging.getLogger(__name__)


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
    """A reply template for reading: ``{{ keys }}`` shows as 【卡密】 (filled per order).

    A trainee reads the variable's name from the schema in the page's language
    (``template_variables``), never the template's internal key (【detail】 taught
    nothing); an undeclared key shows as itself."""
    names = graph_schema().get("template_variables") or {}

    def named(match: re.Match[str]) -> str:
        label = names.get(match.group(1)) or {}
        return f"【{label.get(lang) or match.group(1)}】"

    return _VARIABLE.sub(named, _text(value, lang))


def _sections(*pairs: tuple[str, Any]) -> list[dict[str, Any]]:
    """Panel sections with content; a list renders as numbered lines."""
    return [{"label": label, "body": body} for label, body in pairs if body not in ("", [], None)]


def _meaning(check: Mapping[str, Any], outcome: str, lang: str) -> str:
    """What ``outcome`` (pass or fail) of a check means for the cause it tests.

    The link's own ``meaning`` when it has one, else the check's finding text
    (a check with one linked cause needs no separate meaning). Template
    variables show as 【name】: they are filled per order.
    """
    meaning = check.get("meaning") or {}
    text = _template(meaning.get(outcome), lang) if isinstance(meaning, Mapping) else ""
    return text or _template((check.get("findings") or {}).get(outcome), lang)


def chosen_cause(tree: Mapping[str, Any], wanted: str | None) -> Mapping[str, Any] | None:
    """The cause the page draws: ``wanted`` when it is one, else the likeliest."""
    causes = list(tree["causes"])
    found = next((c for c in causes if c["id"] == wanted), None)
    if wanted and found is None:
        logger.info(
            "training: %s is not a cause of %s; showing the first", wanted, tree["symptom"]["id"]
        )
    return found or (causes[0] if causes else None)


def graph_elements(
    tree: Mapping[str, Any], lang: str, cause_id: str | None = None
) -> dict[str, Any]:
    """Cytoscape nodes and edges of one cause path of a ``paths`` tree.

    One path at a time (symptom → cause → its checks → its resolutions) keeps
    the drawing small enough to read at fit; the page lists the other causes
    to switch to. Each ``tested_by`` edge carries what a failed check means
    for this cause, which the check node also shows.
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
    cause = chosen_cause(tree, cause_id)
    if cause is None:
        return {"nodes": list(nodes.values()), "edges": edges}
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
    edges.append(
        {"source": symptom["id"], "target": cause["id"], "kind": "caused_by", "label": share}
    )
    for check in cause["checks"]:
        minutes = float(check["cost_minutes"] or 0)
        mode = f"{t('mode_' + str(check['mode']))} · ~{minutes:g} min"
        fail = _meaning(check, "fail", lang)
        passed = _meaning(check, "pass", lang)
        add(
            check["id"],
            "check",
            check["title"],
            _sections(
                (t("mode"), mode),
                (t("fail_means"), fail),
                (t("pass_means"), passed),
                (t("how_to_check"), _text(check["instructions"], lang)),
                (t("condition"), check.get("condition") or ""),
                (t("escalates_to"), check.get("escalates_to") or ""),
            ),
        )
        nodes[check["id"]]["meaning"] = fail
        edges.append(
            {
                "source": cause["id"],
                "target": check["id"],
                "kind": "tested_by",
                "label": f"{check['p_fail']:.0%}",
                "meaning": fail,
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


def outline(tree: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """Every cause path as text, for keyboard users, screen readers and phones.

    The same tree as the drawing (all causes, not only the drawn one), with
    each check's minutes and what its failing or passing means for the cause.
    """
    return [
        {
            "id": cause["id"],
            "title": _text(cause["title"], lang),
            "share": f"{cause['learned_prior']:.0%}",
            "checks": [
                {
                    "id": check["id"],
                    "title": _text(check["title"], lang),
                    "mode": t("mode_" + str(check["mode"])),
                    "minutes": f"{float(check['cost_minutes'] or 0):g}",
                    "p_fail": f"{check['p_fail']:.0%}",
                    "fail": _meaning(check, "fail", lang),
                    "pass": _meaning(check, "pass", lang),
                }
                for check in cause["checks"]
            ],
            "resolutions": [
                {"id": fix["id"], "title": _text(fix["title"], lang)}
                for fix in cause["resolutions"]
            ],
        }
        for cause in tree["causes"]
    ]


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
    for each in tree["causes"]:  # a check's own findings, where its link has no meaning
        for check in each["checks"]:
            check["findings"] = thaw(snapshot.node(check["id"]).get("findings"))
    lang = page_lang()
    cause = chosen_cause(tree, request.args.get("cause"))
    return render_template(
        "training_graph.html",
        tree=tree,
        cause=cause["id"] if cause else "",
        elements=graph_elements(tree, lang, cause["id"] if cause else None),
        outline=outline(tree, lang),
        symptoms=_symptoms(snapshot, lang),
        title=snapshot.title(symptom, lang),
    )
