"""Why each cause ranks where it does, and what each checklist line says.

A diagnosis explains itself twice: every cause gets its because-lines (what
each observed check says for or against it), and every check becomes a line
of the checklist. Most of both is fixed by the graph: which causes a check's
result speaks for, how strongly, with which template, a check's title and
instructions, the whole line for a given result. That part is worked out
once per snapshot and symptom (``_support``, ``Reasons._entry_parts``), so a
diagnosis only renders the templates with its order's values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from graph.snapshot import Snapshot

from .bayes import CauseModel
from .evaluation import CheckOutcome
from .reply import render_text
from .variables import OrderVariables

__all__ = ["Reasons", "step_minutes"]

UNKNOWN_CHECK_MINUTES = 2.0
"""What an automatic check with missing facts costs as a manual step: look them up."""

_Line = tuple[int, float, str]
"""(cause index, minus the line's strength, template): the sort key comes first."""


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


_SupportCache = dict[tuple[str, str, str, str], tuple[_Line, ...]]


def _support(
    snapshot: Snapshot,
    model: CauseModel,
    check: str,
    result: str,
    lang: str,
    cache: _SupportCache,
) -> tuple[_Line, ...]:
    """The lines ``result`` of ``check`` gives the causes it tests, in ``lang``.

    A line's strength is the log of how much likelier the result is under the
    cause than under the others on average: above 0 it speaks for the cause,
    below 0 against. Fixed by the graph's fail chances, so kept per snapshot
    (every model of a symptom shares them: learned priors change only the
    priors, and a check added by evidence tests no cause).
    """
    key = (model.symptom, check, result, lang)
    lines = cache.get(key)
    if lines is None:
        likelihood = model.likelihood(check, result)
        meanings = _meanings(snapshot)
        findings = snapshot.node(check).get("findings") or {}
        found = []
        for index in model.tests.get(check, frozenset()):
            others = likelihood[:index] + likelihood[index + 1 :]
            mean = sum(others) / len(others) if others else 0.5
            strength = math.log(likelihood[index] / mean)
            texts = meanings.get(model.causes[index], {}).get(check) or findings
            template = (texts.get(result) or {}).get(lang)
            if template:
                found.append((index, -strength, str(template)))
        lines = cache[key] = tuple(found)
    return lines


_Parts = tuple[dict[str, Any], str | None, dict[str, Any]]
"""A checklist line but for its finding: the fields before it, the finding's
template (None: no finding), the fields after it."""


class Reasons:
    """The because-lines of every cause and the checklist's lines, sharing one
    diagnosis's work.

    Each observed check is visited once and hands its lines to the causes it
    tests; a finding text, the same for every cause without a meaning of its
    own for the check, is rendered once (and reused by the checklist).
    """

    def __init__(
        self,
        snapshot: Snapshot,
        model: CauseModel,
        outcomes: Mapping[str, CheckOutcome],
        variables: OrderVariables,
        lang: str,
    ) -> None:
        self.snapshot, self.model, self.variables, self.lang = snapshot, model, variables, lang
        self._texts: dict[tuple[str, str], str] = {}
        self._lines: dict[int, list[tuple[float, str]]] = {}
        self._fixed: dict[tuple[Any, ...], _Parts] = snapshot.derived(
            "checklist_lines", lambda _: {}
        )
        support: _SupportCache = snapshot.derived("support_lines", lambda _: {})
        zh = lang == "zh"
        for check, outcome in outcomes.items():
            if not outcome.observed:
                continue
            lines = _support(snapshot, model, check, outcome.result, lang, support)
            for index, rank, template in lines:
                text = self.finding(template, outcome)
                if outcome.source == "agent":
                    text += "（客服已确认）" if zh else " (agent confirmed)"
                if rank > 0:
                    text = ("不支持：" if zh else "Against: ") + text
                self._lines.setdefault(index, []).append((rank, text))

    def finding(self, template: str, outcome: CheckOutcome) -> str:
        """``template`` rendered with the order's variables and the check's
        detail, in the agent's language when the check words it in each."""
        detail = dict(outcome.said).get(self.lang, outcome.detail)
        key = (template, detail)
        text = self._texts.get(key)
        if text is None:
            values = (
                self.variables.extended({"detail": detail})
                if "{" in template  # plain text prints no variable, the detail included
                else self.variables
            )
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

    def _entry_parts(self, check: str, outcome: CheckOutcome) -> _Parts:
        """The checklist line of ``check`` for this outcome, all but its finding:
        fixed by the graph and the outcome's result, source and missing facts,
        so kept per snapshot and symptom (a check that evidence added to the
        model tests none of its causes, whichever the model)."""
        key = (
            self.model.symptom,
            check,
            self.lang,
            outcome.result,
            outcome.source,
            outcome.missing,
        )
        parts = self._fixed.get(key)
        if parts is None:
            parts = self._fixed[key] = self._make_parts(check, outcome)
        return parts

    def _make_parts(self, check: str, outcome: CheckOutcome) -> _Parts:
        lang, model, node = self.lang, self.model, self.snapshot.node(check)
        head: dict[str, Any] = {
            "id": check,
            "title": self.snapshot.title(check, lang),
            "mode": node.get("mode", "manual"),
            "result": outcome.result,
            "source": outcome.source,
            "tests": [model.causes[i] for i in sorted(model.tests.get(check, frozenset()))],
        }
        tail: dict[str, Any] = {}
        if outcome.result == "unknown":
            tail["missing"] = list(outcome.missing)
        if outcome.result in ("pending", "unknown"):
            tail["cost_minutes"] = step_minutes(node, outcome)
            if node.get("instructions"):
                tail["instructions"] = str(node["instructions"].get(lang, ""))
            elif outcome.result == "unknown":
                facts = ", ".join(outcome.missing)
                what = str(node["description"].get(lang, ""))
                tail["instructions"] = (
                    f"订单缺少这项自动检查需要的信息（{facts}）。"
                    f"请在后台查到或向客户问清后重新诊断：{what}"
                    if lang == "zh"
                    else f"The order lacks what this automatic check needs ({facts}). "
                    f"Look it up or ask, then diagnose again: {what}"
                )
        if node.get("escalates_to"):
            tail["escalates_to"] = node["escalates_to"]
        finding = None
        findings = node.get("findings") or {}
        if outcome.observed and findings.get(outcome.result):
            finding = str(findings[outcome.result].get(lang, ""))
        return head, finding, tail

    def check_entry(self, check: str, outcome: CheckOutcome) -> dict[str, Any]:
        """One line of the checklist: the check, its result and, for a step
        still to do, its cost and how to do it. A fresh dict each time, with
        fresh lists: a caller may change its answer."""
        head, finding, tail = self._entry_parts(check, outcome)
        entry = {**head, "tests": list(head["tests"])}
        if finding is not None:
            entry["finding"] = self.finding(finding, outcome)
        entry.update(tail)
        if "missing" in tail:
            entry["missing"] = list(tail["missing"])
        return entry


def step_minutes(node: Mapping[str, Any], outcome: CheckOutcome) -> float:
    """Agent minutes of a step: the check's cost, or a look-up for missing facts."""
    if outcome.result == "unknown":
        return UNKNOWN_CHECK_MINUTES
    return float(node.get("cost_minutes", 0))
