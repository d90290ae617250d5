"""Each new notice to ``KGDIAG_NOTICE_WEBHOOK``: signed JSON, retried with back-off, never twice.

The body is the notice as JSON (UTF-8, keys sorted); the header
``X-Kgdiag-Signature: sha256=<hex>`` is the HMAC-SHA256 of those exact bytes
under the secret in ``KGDIAG_NOTICE_WEBHOOK_SECRET_FILE``, so the receiver
checks it before trusting the body. ``X-Kgdiag-Notice`` carries the notice's
key (``order_no:cause``) for a receiver that wants to drop a repeat.

An attempt is counted, and the next one scheduled (30 s, 1, 2, 4 … minutes,
at most an hour apart, :data:`MAX_ATTEMPTS` in all), *before* the request
is made, by a conditional update only one deliverer can win; a 2xx answer
marks the notice sent. So two watchers never post one notice twice, and a
watcher killed mid-request leaves it to be retried once its next attempt is
due (the one repeat a crash there can cause; the key lets a receiver drop it).
Plain ``urllib.request``, as the order hook uses: the runtime dependencies
hold no HTTP client.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from graph.records import Notice
from graph.store import GraphStore

__all__ = [
    "MAX_ATTEMPTS",
    "SIGNATURE_HEADER",
    "Webhook",
    "backoff",
    "deliver_due",
    "notice_body",
    "sign",
    "webhook_from",
]

_log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Kgdiag-Signature"
MAX_ATTEMPTS = 10
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=1)


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: bytes
    timeout: float = 5.0


def webhook_from(url: str, secret_file: str, timeout: float = 5.0) -> Webhook | None:
    """The webhook the settings name (None when ``url`` is empty); ValueError naming
    the setting when one is wrong, never showing the secret."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("KGDIAG_NOTICE_WEBHOOK: an http(s) URL, e.g. https://shop.example/notices")
    if not secret_file:
        raise ValueError(
            "KGDIAG_NOTICE_WEBHOOK_SECRET_FILE: required with KGDIAG_NOTICE_WEBHOOK "
            "(every notice is signed with the secret it holds)"
        )
    try:
        secret = Path(secret_file).read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ValueError(
            f"KGDIAG_NOTICE_WEBHOOK_SECRET_FILE: cannot read it ({err.strerror})"
        ) from None
    if len(secret) < 16:
        raise ValueError(
            "KGDIAG_NOTICE_WEBHOOK_SECRET_FILE: the secret is shorter than 16 characters"
        )
    return Webhook(url, secret.encode("utf-8"), timeout)


def notice_body(notice: Notice) -> bytes:
    """What the receiver gets: the notice as the customer should read it, and its keys."""
    data = {
        "id": notice.id,
        "at": notice.at,
        "order_no": notice.order_no,
        "symptom": notice.symptom,
        "cause": notice.cause,
        "channel": notice.channel,
        "lang": notice.lang,
        "text": notice.text,
        "case_id": notice.case_ref,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def sign(secret: bytes, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """The wait after attempt number ``attempts`` (1-based): doubling from 30 s, an hour at most."""
    delay: timedelta = FIRST_DELAY * (2 ** max(attempts - 1, 0))
    return min(delay, LONGEST_DELAY)


def _post(webhook: Webhook, notice: Notice) -> str | None:
    """Post one notice; None on a 2xx answer, else why not (no secrets, no body)."""
    body = notice_body(notice)
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(webhook.secret, body),
            "X-Kgdiag-Notice": f"{notice.order_no}:{notice.cause}",
            "User-Agent": "kgdiag-notices",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=webhook.timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as err:
        return f"HTTP {err.code}"
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        return f"no answer ({type(reason).__name__})"
    return None if 200 <= status < 300 else f"HTTP {status}"


def deliver_due(
    store: GraphStore, webhook: Webhook, now: datetime, limit: int = 100
) -> tuple[int, int]:
    """Post every notice whose attempt is due at ``now``; (sent, failed) counts."""
    records = store.records
    now = now.astimezone(UTC)  # records compare times as UTC strings
    stamp = now.isoformat(timespec="seconds")
    sent = failed = 0
    for notice in records.notices_due(now=stamp, limit=limit, max_attempts=MAX_ATTEMPTS):
        attempt = notice.attempts + 1
        retry_at = (now + backoff(attempt)).isoformat(timespec="seconds")
        if not records.claim_notice(notice.id, attempts=notice.attempts, next_attempt_at=retry_at):
            continue  # another watcher took this attempt
        problem = _post(webhook, notice)
        if problem is None:
            records.notice_sent(notice.id, at=stamp)
            sent += 1
            continue
        records.notice_failed(notice.id, error=problem)
        failed += 1
        level = logging.ERROR if attempt >= MAX_ATTEMPTS else logging.WARNING
        _log.log(
            level,
            "notice %s: webhook attempt %d failed (%s); %s",
            notice.id,
            attempt,
            problem,
            "giving up" if attempt >= MAX_ATTEMPTS else f"next at {retry_at}",
        )
    return sent, failed
