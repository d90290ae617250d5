"""The watch loop: open orders past their normal time get a diagnosis and a notice.

One pass (:func:`watch_pass`): read the shop's paid, undelivered orders of
the last ``hours`` (``shop.open_orders``, bounded), map each row to order
facts, keep those that crossed their window (``watch_rules.crossing``) and
have no notice yet, diagnose each without a message (the symptom the window
implies; the case is filed with author ``watch``), and file its notice
(``notices.compose_notice``) *before* any delivery. Then post the due
notices to the webhook (``webhook.deliver_due``).

One runner across workers and servers: a pass runs only while its process
holds the store's ``watch`` lease (taken or renewed atomically, expiring
after ``lease_seconds``, so a killed watcher's lease is taken over). Should
two passes overlap anyway (a lease that expired mid-pass), ``UNIQUE(order_no,
cause)`` keeps each notice single and the webhook's claimed attempts keep
each post single. A killed watcher resumes without loss: the next pass finds
the orders still open and not yet noticed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.store import GraphStore
from shop import DatabaseSource, ShopUnavailable
from shop.open_orders import open_order_rows

from .notices import compose_notice, notice_lang, outage_of
from .outages import propose_outages
from .service import Settings, case_keys, diagnose_case, knowledge_of
from .watch_rules import WATCHED, crossing
from .webhook import Webhook, deliver_due, webhook_from

__all__ = [
    "LEASE",
    "PassReport",
    "WatchConfig",
    "new_holder",
    "notice_order",
    "run_watch",
    "watch_config",
    "watch_pass",
]

_log = logging.getLogger(__name__)

LEASE = "watch"
AUTHOR = "watch"


@dataclass(frozen=True)
class WatchConfig:
    """How the loop runs; from the settings by :func:`watch_config`."""

    minutes: float = 2.0
    hours: float = 24.0
    limit: int = 2000
    webhook: Webhook | None = None

    @property
    def lease_seconds(self) -> float:
        """Three rounds, a minute at least: a live watcher renews long before it expires."""
        return max(60.0, 3 * self.minutes * 60)


def _number(config: Mapping[str, Any], name: str, default: float, low: float, high: float) -> float:
    raw = config.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = float(str(raw))
    except ValueError:
        raise ValueError(f"{name}: {str(raw)[:40]!r} is not a number") from None
    if not low <= value <= high:
        raise ValueError(f"{name}: {value:g} is outside {low:g}..{high:g}")
    return value


def watch_config(config: Mapping[str, Any]) -> WatchConfig:
    """The loop's settings (``KGDIAG_WATCH_*``, ``KGDIAG_NOTICE_WEBHOOK*``); ValueError
    naming the setting when one is wrong, so a server refuses to start."""
    return WatchConfig(
        minutes=_number(config, "KGDIAG_WATCH_MINUTES", 2.0, 0.05, 1440),
        hours=_number(config, "KGDIAG_WATCH_HOURS", 24.0, 1, 24 * 30),
        limit=int(_number(config, "KGDIAG_WATCH_LIMIT", 2000, 1, 100_000)),
        webhook=webhook_from(
            str(config.get("KGDIAG_NOTICE_WEBHOOK") or ""),
            str(config.get("KGDIAG_NOTICE_WEBHOOK_SECRET_FILE") or ""),
            _number(config, "KGDIAG_SHOP_TIMEOUT_SECONDS", 2.0, 0.1, 60) * 2.5,
        ),
    )


def new_holder() -> str:
    """Who holds the lease: host, process and a random part (a restarted pid differs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"


@dataclass
class PassReport:
    read: int = 0
    crossed: int = 0
    already: int = 0
    noticed: int = 0
    sent: int = 0
    failed: int = 0
    unsent: int = 0
    skipped: str | None = None

    def line(self) -> str:
        if self.skipped:
            return f"watch: skipped ({self.skipped})"
        return (
            f"watch: {self.read} open orders read, {self.crossed} past their time, "
            f"{self.already} noticed before, {self.noticed} new notices"
            f"{f', {self.unsent} without one (logged)' if self.unsent else ''}; "
            f"webhook {self.sent} sent, {self.failed} failed"
        )


def _windows(store: GraphStore) -> dict[str, float]:
    snapshot = store.snapshot()
    windows: dict[str, float] = {}
    for symptom in WATCHED:
        if snapshot.has_node(symptom) and snapshot.node(symptom).get("watch_minutes"):
            windows[symptom] = float(snapshot.node(symptom)["watch_minutes"])
    return windows


def notice_order(
    store: GraphStore,
    facts: Mapping[str, Any],
    symptom: str,
    now: datetime,
    settings: Settings,
    *,
    deliver: bool = False,
) -> str:
    """Diagnose one crossing order and file its notice: ``new``, ``duplicate`` (another
    watcher filed it meanwhile) or ``unsent`` (no template, or it left a gap; logged).

    ``deliver``: a webhook is set, so the notice is due for it at once (without
    one it waits for none: ``next_attempt_at`` stays empty). A symptom with no
    notice template in the customer's language is not diagnosed at all (no
    case is filed each round for a notice that cannot be written)."""
    lang = notice_lang(facts)
    if not (store.snapshot().node(symptom).get("notice") or {}).get(lang):
        _log.warning("watch: symptom %s has no %s notice template; order skipped", symptom, lang)
        return "unsent"
    body = {"order": dict(facts), "symptom": symptom, "now": now.isoformat(), "lang": lang}
    answer = diagnose_case(store, body, role="agent", author=AUTHOR, settings=settings)
    causes = answer.get("causes") or []
    cause = str(causes[0]["id"]) if causes else "unknown"
    snapshot = store.snapshot()
    outage, recovery = outage_of(snapshot, cause, knowledge_of(store, settings, now))
    local_now = now.astimezone(settings.zone)
    text = compose_notice(
        snapshot, symptom, facts, local_now, lang, outage=outage, recovery=recovery
    )
    if text is None:
        return "unsent"
    _, supplier = case_keys(snapshot, facts)
    channel = (facts.get("payment") or {}).get("gateway")
    filed = store.records.record_notice(
        order_no=str(facts["order_no"]),
        symptom=symptom,
        cause=cause,
        supplier=supplier,
        channel=str(channel) if channel else None,
        lang=text.lang,
        text=text.text,
        case_ref=answer.get("case_id"),
        next_attempt_at=now.astimezone(UTC).isoformat(timespec="seconds") if deliver else None,
    )
    return "duplicate" if filed is None else "new"


def watch_pass(
    store: GraphStore,
    source: DatabaseSource,
    settings: Settings,
    config: WatchConfig,
    *,
    now: datetime | None = None,
    keep_lease: Callable[[], bool] | None = None,
) -> PassReport:
    """One pass over the open orders (module docstring); never raises for a shop
    that does not answer (the pass is skipped, logged). ``keep_lease`` is asked
    before each order: False stops the pass (another watcher took over)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    report = PassReport()
    windows = _windows(store)
    since = moment.astimezone(source.zone) - timedelta(hours=config.hours)
    try:
        crossing_orders = list(_crossing(source, since, moment, windows, config, report))
    except ShopUnavailable as err:
        _log.warning("watch: the shop's orders could not be read (%s); pass skipped", err)
        report.skipped = f"shop unavailable: {err}"
        return report
    report.crossed = len(crossing_orders)
    seen = store.records.noticed_orders([str(f["order_no"]) for f, _ in crossing_orders])
    for facts, symptom in crossing_orders:
        if str(facts["order_no"]) in seen:
            report.already += 1
            continue
        if keep_lease is not None and not keep_lease():
            report.skipped = "lost the lease mid-pass"
            _log.warning("watch: lost the lease mid-pass; another watcher goes on")
            return report
        done = notice_order(
            store, facts, symptom, moment, settings, deliver=config.webhook is not None
        )
        if done == "new":
            report.noticed += 1
        elif done == "duplicate":
            report.already += 1
        else:
            report.unsent += 1
        time.sleep(0)  # under gevent: let the worker's requests run between orders
    if report.noticed:
        _look_for_outages(store, settings, moment)
    if config.webhook is not None:
        report.sent, report.failed = deliver_due(store, config.webhook, moment)
    return report


def _look_for_outages(store: GraphStore, settings: Settings, now: datetime) -> None:
    """After a pass that filed cases: propose a system status if they fail alike.

    Each filed case looks already, but at most every
    ``KGDIAG_OUTAGE_CHECK_SECONDS``, so the last cases of a busy pass would wait
    for the next diagnosis; one look at the end of the pass sees them all. A
    failure is logged and never stops the watcher (the cases are on file)."""
    try:
        opened = propose_outages(
            store.records,
            store.snapshot(),
            now,
            rule=settings.outages,
            status_max_age=settings.status_max_age,
        )
    except Exception:  # any store's error: the notices are filed already
        _log.warning("watch: looking for outages after the pass failed", exc_info=True)
        return
    for proposal in opened:
        _log.info("watch: proposed %s %s for an admin", proposal.system, proposal.status)


def _crossing(
    source: DatabaseSource,
    since: datetime,
    now: datetime,
    windows: Mapping[str, float],
    config: WatchConfig,
    report: PassReport,
) -> Iterable[tuple[dict[str, Any], str]]:
    for row in open_order_rows(source.database, since, limit=config.limit):
        report.read += 1
        facts = source.facts(row)
        found = crossing(facts, now, windows)
        if found is not None and found.order_no:
            yield facts, found.symptom
    if report.read >= config.limit:
        _log.warning(
            "watch: %d open orders read, the limit (KGDIAG_WATCH_LIMIT); the rest wait",
            report.read,
        )


def run_watch(
    store: GraphStore,
    source: DatabaseSource,
    settings: Settings,
    config: WatchConfig,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    holder: str | None = None,
) -> PassReport:
    """Passes every ``config.minutes`` while holding the lease (one with ``once``).

    Returns the last pass's report. A pass that fails unexpectedly is logged
    and the loop goes on: a watcher never dies of one bad order.
    """
    me = holder or new_holder()
    stop = stop or threading.Event()
    report = PassReport()
    while True:
        report = _leased_pass(store, source, settings, config, me)
        if report.skipped != "another watcher holds the lease":
            _log.info("%s", report.line())
        if once or stop.wait(config.minutes * 60):
            break
    store.records.release_lease(LEASE, holder=me)
    return report


def _leased_pass(
    store: GraphStore, source: DatabaseSource, settings: Settings, config: WatchConfig, me: str
) -> PassReport:
    renewed = [0.0]

    def keep() -> bool:
        clock = time.monotonic()
        if clock - renewed[0] < config.lease_seconds / 3:
            return True
        now = datetime.now(UTC)
        until = now + timedelta(seconds=config.lease_seconds)
        held = store.records.take_lease(
            LEASE,
            holder=me,
            now=now.isoformat(timespec="seconds"),
            until=until.isoformat(timespec="seconds"),
        )
        if held:
            renewed[0] = clock
        return held

    try:
        if not keep():
            return PassReport(skipped="another watcher holds the lease")
        return watch_pass(store, source, settings, config, keep_lease=keep)
    except Exception:  # one bad pass must not end the loop; the next one retries
        _log.exception("watch: the pass failed; the next one retries")
        return PassReport(skipped="failed (logged)")
