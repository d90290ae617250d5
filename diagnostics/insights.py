"""Insights: what customers ask about and what really caused it, and what is rising.

The prevention loop of the seed articles: a senior looks at the top
symptoms and confirmed causes per product and supplier, and acts on spikes
before they become a flood (a supplier whose outage was confirmed three
times in the last hour; region-lock questions rising for one product).

Questions come from *cases* (every diagnosis, whatever it found); causes
from *outcomes* (only confirmed ones). A spike is a group whose count in the
latest window is at least ``min_count`` and at least ``ratio`` times its
mean over the ``baseline`` windows before; it says why in words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from graph.records import CaseRecord, Outcome
from graph.snapshot import Snapshot

from .conditions import parse_time

__all__ = ["SpikeRule", "insights", "spikes"]


class _Timed(Protocol):
    """A record with its RFC 3339 time (cases, outcomes, outage observations)."""

    @property
    def at(self) -> str: ...


R = TypeVar("R", bound=_Timed)
_ZH = {"supplier": "供应商", "product": "商品", "channel": "支付通道"}
_WHAT = {"confirmed_cause": ("已确认", "confirmed"), "outage": ("诊断为", "diagnosed")}


@dataclass(frozen=True)
class SpikeRule:
    """How spikes are told from noise."""

    window: timedelta = timedelta(hours=1)
    baseline: int = 24
    min_count: int = 3
    ratio: float = 3.0


def _top(counter: Counter[str], snapshot: Snapshot, key: str, n: int) -> list[dict[str, Any]]:
    return [
        {key: item, "title": snapshot.title(item, "zh"), "count": count}
        for item, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    ]


def _groups(
    cases: Sequence[CaseRecord], outcomes: Sequence[Outcome], snapshot: Snapshot, by: str, n: int
) -> list[dict[str, Any]]:
    questions: dict[str, Counter[str]] = {}
    confirmed: dict[str, Counter[str]] = {}
    for case in cases:
        group = getattr(case, by)
        if group and case.symptom:
            questions.setdefault(group, Counter())[case.symptom] += 1
    for outcome in outcomes:
        group = getattr(outcome, by)
        if group:
            confirmed.setdefault(group, Counter())[outcome.cause] += 1
    names = sorted(
        set(questions) | set(confirmed),
        key=lambda g: (-sum(questions.get(g, Counter()).values()), g),
    )
    return [
        {
            by: name,
            "cases": sum(questions.get(name, Counter()).values()),
            "outcomes": sum(confirmed.get(name, Counter()).values()),
            "top_symptoms": _top(questions.get(name, Counter()), snapshot, "symptom", 3),
            "top_causes": _top(confirmed.get(name, Counter()), snapshot, "cause", 3),
        }
        for name in names[:n]
    ]


def _between(records: Iterable[R], start: datetime, end: datetime) -> list[R]:
    return [r for r in records if start <= parse_time(r.at) < end]


def spikes(
    records: Sequence[R],
    key: Callable[[R], tuple[str | None, str | None]],
    labels: tuple[str, str, str],
    snapshot: Snapshot,
    until: datetime,
    rule: SpikeRule,
) -> list[dict[str, Any]]:
    """Groups whose count in ``[until - window, until)`` is at least ``min_count``
    and ``ratio`` times their mean over the ``baseline`` windows before.

    ``key`` gives a record's (group, item), either None to leave it out;
    ``labels`` names them and the kind of spike. The outage proposals
    (``diagnostics.outages``) use this same rule over diagnosed orders.
    """
    group_name, item_name, kind = labels
    start = until - rule.window
    recent = Counter(k for r in _between(records, start, until) if all(k := key(r)))
    past = Counter(
        k for r in _between(records, start - rule.baseline * rule.window, start) if all(k := key(r))
    )
    minutes = int(rule.window.total_seconds() // 60)
    found = []
    for (group, item), count in recent.items():
        mean = past.get((group, item), 0) / rule.baseline
        if count < rule.min_count or count < rule.ratio * mean:
            continue
        title = snapshot.title(str(item), "zh")
        title_en = snapshot.title(str(item), "en")
        what, what_en = _WHAT.get(kind, ("咨询", "asked"))
        found.append(
            {
                "kind": kind,
                group_name: group,
                item_name: item,
                "title": title,
                "recent": count,
                "baseline_per_window": round(mean, 3),
                "window_minutes": minutes,
                "message": {
                    "zh": f"{_ZH[group_name]} {group}：最近 {minutes} 分钟{what}"
                    f"「{title}」{count} 次，此前平均每 {minutes} 分钟 {mean:.1f} 次",
                    "en": f"{group_name} {group}: {count} x '{title_en}' "
                    f"({what_en}) in the last "
                    f"{minutes} min, against {mean:.1f} per {minutes} min before",
                },
            }
        )
    return sorted(found, key=lambda s: (-s["recent"], str(s[group_name]), str(s[item_name])))


def _by_supplier_cause(outcome: Outcome) -> tuple[str | None, str | None]:
    return outcome.supplier, outcome.cause


def _by_product_symptom(case: CaseRecord) -> tuple[str | None, str | None]:
    return case.product, case.symptom


def _by_supplier_symptom(case: CaseRecord) -> tuple[str | None, str | None]:
    return case.supplier, case.symptom


def insights(
    snapshot: Snapshot,
    cases: Sequence[CaseRecord],
    outcomes: Sequence[Outcome],
    *,
    since: datetime,
    until: datetime,
    rule: SpikeRule,
    top: int = 10,
) -> dict[str, Any]:
    """Top symptoms and causes over ``[since, until)`` and the spikes at ``until``.

    ``cases`` and ``outcomes`` must reach back to ``until - (baseline + 1) * window``
    for the spikes as well as to ``since``.
    """
    in_cases = _between(cases, since, until)
    in_outcomes = _between(outcomes, since, until)
    at = (snapshot, until, rule)
    found = [
        *spikes(outcomes, _by_supplier_cause, ("supplier", "cause", "confirmed_cause"), *at),
        *spikes(cases, _by_product_symptom, ("product", "symptom", "questions"), *at),
        *spikes(cases, _by_supplier_symptom, ("supplier", "symptom", "questions"), *at),
    ]
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "totals": {"cases": len(in_cases), "outcomes": len(in_outcomes)},
        "top_symptoms": _top(
            Counter(c.symptom for c in in_cases if c.symptom), snapshot, "symptom", top
        ),
        "top_causes": _top(Counter(o.cause for o in in_outcomes), snapshot, "cause", top),
        "by_product": _groups(in_cases, in_outcomes, snapshot, "product", top),
        "by_supplier": _groups(in_cases, in_outcomes, snapshot, "supplier", top),
        "spikes": found,
    }
