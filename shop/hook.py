"""The third source: a shop's own HTTP endpoint that answers an order's facts.

For every shop system kgdiag does not read directly: ``KGDIAG_ORDER_HOOK``
is a URL template (``https://shop.example/kgdiag/orders/{order_no}``) that
answers the contract's order facts as JSON (200), or 404 for no such order.
Called with ``Authorization: Bearer <secret>``, the same timeout and a
circuit breaker of its own. The secret and the URL's query are never logged.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from .breaker import CircuitBreaker
from .lookup import OrderLookup, clean_facts

__all__ = ["HookSource"]

log = logging.getLogger(__name__)

MAX_BYTES = 1024 * 1024


class HookSource:
    name = "hook"

    def __init__(
        self,
        template: str,
        secret: str = "",
        *,
        timeout: float = 2.0,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        parts = urlsplit(template)
        if parts.scheme not in ("http", "https") or "{order_no}" not in template:
            raise ValueError(
                "KGDIAG_ORDER_HOOK: an http(s) URL holding {order_no}, "
                "e.g. https://shop.example/kgdiag/orders/{order_no}"
            )
        self.template, self._secret, self.timeout = template, secret, timeout
        self.safe = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"
        self.breaker = breaker or CircuitBreaker(f"order hook {self.safe}")

    def _get(self, order_no: str) -> tuple[int, Any]:
        url = self.template.replace("{order_no}", quote(order_no, safe=""))
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if self._secret:
            request.add_header("Authorization", f"Bearer {self._secret}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(MAX_BYTES + 1)
                status = int(response.status)
        except urllib.error.HTTPError as err:
            return err.code, None
        if len(raw) > MAX_BYTES:
            raise ValueError("answer larger than 1 MiB")
        return status, json.loads(raw)

    def lookup(self, order_no: str | None, contact: str | None, now: datetime) -> OrderLookup:
        if not order_no:  # the hook answers by number only
            return OrderLookup("not_found", self.name, reason="the hook looks up by number only")
        if not self.breaker.allow():
            return OrderLookup("unavailable", self.name, reason="circuit_open")
        try:
            status, data = self._get(order_no)
        except (OSError, ValueError) as err:  # timeouts, refused, bad JSON
            why = f"{type(err).__name__}: no usable answer"
            self.breaker.failure(why)
            log.warning("order hook %s: %s", self.safe, why)
            return OrderLookup("unavailable", self.name, reason=why)
        if status == 404:
            self.breaker.success()
            return OrderLookup("not_found", self.name)
        if status != 200 or not isinstance(data, dict):
            why = f"HTTP {status}" if status != 200 else "the answer is not a JSON object"
            self.breaker.failure(why)
            log.warning("order hook %s: %s", self.safe, why)
            return OrderLookup("unavailable", self.name, reason=why)
        self.breaker.success()
        facts = clean_facts({**data, "order_no": str(data.get("order_no") or order_no)}, "hook")
        return OrderLookup("found", self.name, facts, matched_by="order_no")
