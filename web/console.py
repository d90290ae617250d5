"""The agent console: an order and the customer's words in, the API's answer out.

The page calls ``diagnose_case`` exactly as ``POST /v1/diagnose`` does. The
first diagnosis files the case; recording a manual check result diagnoses
again with that evidence (the ranking moves at once) without filing a second
case, and the outcome form files the confirmed cause on the same case.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from appstate import order_source, settings, store, token_author
from casework import diagnose_case, record_outcome
from diagnostics.engine import RequestInvalid, UnknownSymptom
from graph.errors import ChangeSetInvalid, NotFound
from graph.records import CaseRecord
from graph.snapshot import Snapshot
from graph.store import TokenInfo
from schema.problems import json_int, too_deep
from shop import annotate, resolve
from shop.lookup import OrderLookup
from shop.numbers import order_numbers_in

from .blueprint import page_role, pages
from .examples import example, examples
from .i18n import page_lang, t

__all__: list[str] = []

log = logging.getLogger(__name__)

SOURCES = ("facts", "dujiaoka", "acg_faka")
ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
"""What an order number looks like when one is pasted into the JSON box."""


def _form() -> dict[str, str]:
    values = request.values
    form = {
        "order_no": values.get("order_no", "").strip()[:200],
        "contact": values.get("contact", "").strip()[:200],
        "order": values.get("order", ""),
        "source": values.get("source", "facts"),
        "message": values.get("message", ""),
        "evidence": values.get("evidence", "{}"),
        "case_id": values.get("case_id", ""),
        "example": values.get("example", ""),
        "nonce": values.get("nonce", "")[:64],
    }
    if form["source"] not in SOURCES:
        form["source"] = "facts"
    return form


def _from_example(form: dict[str, str]) -> None:
    """Fill the form from the picked example: its order (as JSON) and its words."""
    case = example(form["example"])
    if case is None:
        return
    body = dict(case["request"])
    form["message"] = str(body.pop("message", ""))
    form["order"] = json.dumps(body, ensure_ascii=False, indent=2)
    form["source"] = "facts"
    form["evidence"] = "{}"
    form["case_id"] = ""
    form["order_no"] = ""


def _evidence(form: Mapping[str, str]) -> dict[str, str]:
    try:
        raw = json.loads(form["evidence"] or "{}")
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items() if v in ("pass", "fail")}


def _body(form: Mapping[str, str], evidence: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The diagnose request the form describes, or the problems that stop it."""
    body: dict[str, Any] = {}
    pasted = form["order"].strip()
    if ORDER_NUMBER.match(pasted):
        # An order number pasted where JSON was expected: look it up.
        form = {**form, "order_no": form["order_no"] or pasted, "order": ""}
        pasted = ""
    if form["order_no"] and not pasted:
        body["order_no"] = form["order_no"]
    if form["contact"] and not pasted:
        body["contact"] = form["contact"]
    try:
        # A 5,000-digit number is read as a marker the body check names by its field.
        order = json.loads(form["order"], parse_int=json_int) if form["order"].strip() else None
    except json.JSONDecodeError as err:
        return {}, [f"{t('bad_json')} ({err.msg}, {err.lineno}:{err.colno})"]
    except RecursionError:
        return {}, [f"{t('bad_json')} ({too_deep().message})"]
    if order is not None and not isinstance(order, dict):
        return {}, [t("bad_json")]
    if isinstance(order, dict):
        source = form["source"] if form["source"] != "facts" else _row_system(order)
        if source in ("dujiaoka", "acg_faka"):
            body.update(order_source=source, order_row=order)
        elif "order_no" in order:
            body["order"] = order
        else:  # a whole request body (an example case's "request")
            body.update(order)
    if form["message"].strip():
        body["message"] = form["message"]
    if evidence:
        body["evidence"] = {**body.get("evidence", {}), **evidence}
    return body, []


def _row_system(order: Mapping[str, Any]) -> str:
    """A shop row pasted as "facts" recognised by its columns (dujiaoka's order_sn,
    acg-faka's trade_no with commodity_id); "facts" when it is neither."""
    if "order_sn" in order and "order_no" not in order:
        return "dujiaoka"
    if "trade_no" in order and "commodity_id" in order and "order_no" not in order:
        return "acg_faka"
    return "facts"


def outcome_choices(snapshot: Snapshot, symptom: str, lang: str) -> list[tuple[str, str]]:
    """Every (cause, resolution) pair the graph allows for ``symptom``, as form options."""
    choices = []
    for cause, _ in sorted(snapshot.out_edges(symptom, "caused_by")):
        fixes = sorted(snapshot.out_edges(cause, "resolved_by"), key=lambda e: (e[1]["rank"], e[0]))
        for resolution, _ in fixes:
            label = f"{snapshot.title(cause, lang)} → {snapshot.title(resolution, lang)}"
            choices.append((f"{cause}|{resolution}", label))
    return choices


@pages.route("/", methods=["GET", "POST"])
@page_role("agent")
def console(who: TokenInfo) -> ResponseReturnValue:
    """Paste an order (or pick an example) and the customer's words; record checks."""
    return render_template("console.html", examples=examples(), **_worked(who))


@pages.post("/console/answer")
@page_role("agent")
def console_answer(who: TokenInfo) -> ResponseReturnValue:
    """The answer panes alone, for the console's script: recording a manual
    result swaps them in place (same case, no reload, no scroll jump). The
    same form posted to ``/`` renders the whole page, so it works without
    script too. Anything but an answer is 400 and the script posts the page."""
    context = _worked(who)
    if context["answer"] is None:
        return render_template("_console_problems.html", **context), 400
    return render_template("_console_answer.html", **context)


def _worked(who: TokenInfo) -> dict[str, Any]:
    """What the console shows for this request: the form, the answer (or the
    problems that stopped it), the evidence and the outcome choices."""
    form = _form()
    if request.method == "GET" and form["example"]:
        _from_example(form)
    evidence = _evidence(form)
    recorded = request.form.get("record", "")
    check, _, result = recorded.partition(":")
    if result in ("pass", "fail"):
        evidence[check] = result
    elif recorded == "clear":
        evidence = {}
    form["evidence"] = json.dumps(evidence)
    answer: dict[str, Any] | None = None
    problems: list[str] = []
    choices: list[tuple[str, str]] = []
    meanings: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        body, problems = _body(form, evidence)
        if not problems:
            # A case is filed once: the same agent re-diagnosing it with evidence
            # keeps its case. Any other case_id (forged, another agent's) files anew.
            filed = _own_case(form["case_id"], token_author(who))
            if filed is None:
                # The same diagnose form posted again (a reload resubmits it):
                # its nonce names the case it filed, and that case is answered.
                filed = _own_case(_nonce_case(form["nonce"]), token_author(who))
                form["case_id"] = filed.ref if filed is not None else ""
            body, lookup = _resolve(body, form)
            try:
                answer = diagnose_case(
                    store(),
                    body,
                    role=who.role,
                    author=token_author(who),
                    settings=settings(),
                    record=filed is None,
                    agent_lang=page_lang(),
                )
            except RequestInvalid as err:
                problems = [f"{p.path}: {p.message}" for p in err.problems]
            except UnknownSymptom as err:
                problems = [str(err)]
            else:
                answer = annotate(answer, lookup)
                if filed is None and answer.get("case_id"):
                    _remember_nonce(form["nonce"], str(answer["case_id"]))
        if answer is not None:
            form["case_id"] = str(answer.get("case_id") or form["case_id"])
            symptom = (answer.get("symptom") or {}).get("id")
            snapshot = store().snapshot()
            if symptom:
                choices = outcome_choices(snapshot, symptom, page_lang())
            meanings = result_meanings(snapshot, answer.get("checks") or [], page_lang())
    return {
        "form": form,
        "answer": answer,
        "problems": problems,
        "evidence": evidence,
        "choices": choices,
        "meanings": meanings,
        "server_now": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "fresh_nonce": secrets.token_urlsafe(16),
    }


def _resolve(body: dict[str, Any], form: dict[str, str]) -> tuple[Any, OrderLookup | None]:
    """The body with its order looked up. With no order number, facts or contact
    given, the order numbers in the customer's words are tried (at most three),
    and the first the shop knows is used and shown in the number field."""
    if any(key in body for key in ("order_no", "order", "order_row", "contact")):
        return resolve(body, order_source())
    for number in order_numbers_in(form["message"]):
        found, lookup = resolve({**body, "order_no": number}, order_source())
        if lookup is not None and lookup.status == "found":
            form["order_no"] = number
            return found, lookup
        log.info("a number in the words is no known order (%s)", lookup.status if lookup else "-")
    return body, None


NONCES_KEPT = 20
"""How many diagnose forms' nonces the page session remembers (a cookie: kept small)."""
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _nonce_case(nonce: str) -> str:
    """The case the diagnose form with this nonce filed in this page session, or ""."""
    kept = session.get("console_nonces")
    if not _NONCE.match(nonce) or not isinstance(kept, dict):
        return ""
    return str(kept.get(nonce, ""))


def _remember_nonce(nonce: str, ref: str) -> None:
    """Keep ``nonce`` -> ``ref`` in the page session, the newest ``NONCES_KEPT`` only."""
    if not _NONCE.match(nonce):
        return
    kept = session.get("console_nonces")
    kept = dict(kept) if isinstance(kept, dict) else {}
    kept[nonce] = ref
    session["console_nonces"] = dict(list(kept.items())[-NONCES_KEPT:])


def result_meanings(
    snapshot: Snapshot, checks: list[dict[str, Any]], lang: str
) -> dict[str, dict[str, str]]:
    """What "fail" and "pass" mean for each step still to do, from the check's
    ``findings`` in the graph, so its buttons say "发现异常：卡密已过期" rather
    than a bare "anomaly". A finding written as a template (``{{ detail }}``
    needs the automatic check's data) is no button label: that check keeps the
    generic words, and the fallback is logged."""
    meanings: dict[str, dict[str, str]] = {}
    for check in checks:
        if "step" not in check or check.get("escalates_to"):
            continue
        findings = snapshot.node(check["id"]).get("findings") or {}
        texts = {r: str((findings.get(r) or {}).get(lang, "")) for r in ("fail", "pass")}
        if all(text and "{" not in text for text in texts.values()):
            meanings[check["id"]] = texts
        else:
            log.info("check %s: no plain findings for its buttons, generic words used", check["id"])
    return meanings


def _own_case(ref: str, author: str) -> CaseRecord | None:
    """The filed case ``ref`` if this agent filed it (forms are not trusted)."""
    case = store().records.case_by_ref(ref) if ref and len(ref) <= 40 else None
    return case if case is not None and case.author == author else None


@pages.post("/outcome")
@page_role("agent")
def outcome(who: TokenInfo) -> ResponseReturnValue:
    """File how the case ended (the confirmed cause and the resolution used)."""
    cause, _, resolution = request.form.get("pair", "").partition("|")
    body: dict[str, Any] = {"cause": cause, "resolution": resolution}
    body["case_id"] = request.form.get("case_id", "")[:40]
    if request.form.get("note", "").strip():
        body["note"] = request.form["note"].strip()[:2000]
    try:
        if _own_case(body["case_id"], token_author(who)) is None:
            raise NotFound(t("outcome_no_case"))
        record_outcome(store(), body, author=token_author(who), settings=settings())
    except (ChangeSetInvalid, NotFound) as err:
        flash(f"{t('outcome_refused')}: {err}", "error")
    else:
        flash(t("outcome_saved"), "ok")
    return redirect(url_for("pages.console"))
