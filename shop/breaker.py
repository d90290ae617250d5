"""A circuit breaker: after repeated failures, stop asking a dead source for a while.

A shop database that is down must not add a 2-second timeout to every
diagnosis. After ``failures`` failures in a row the breaker opens: calls are
refused at once for ``cooldown`` seconds; then one call is let through, and
its success closes the breaker again (its failure re-opens it).

>>> clock = iter([0.0, 10.0, 31.0]).__next__
>>> breaker = CircuitBreaker("db", failures=2, cooldown=30, clock=clock)
>>> breaker.failure("down"); breaker.failure("down"); breaker.allow()
False
>>> breaker.allow()
True
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

__all__ = ["CircuitBreaker"]

log = logging.getLogger(__name__)


class CircuitBreaker:
    """Thread-safe; ``name`` says in the log which source it guards."""

    def __init__(
        self,
        name: str,
        *,
        failures: int = 3,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1 or cooldown < 0:
            raise ValueError("failures must be at least 1 and cooldown not negative")
        self.name, self.failures, self.cooldown, self._clock = name, failures, cooldown, clock
        self._lock = threading.Lock()
        self._count = 0
        self._open_until: float | None = None

    def allow(self) -> bool:
        """Whether a call may go ahead now (False while the breaker is open)."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._clock() >= self._open_until:
                self._open_until = None  # half-open: one try decides
                self._count = self.failures - 1
                return True
            return False

    def success(self) -> None:
        with self._lock:
            if self._count or self._open_until is not None:
                log.info("%s: answering again, circuit closed", self.name)
            self._count, self._open_until = 0, None

    def failure(self, why: str) -> None:
        """Count a failure; ``why`` must hold no credentials (it is logged)."""
        with self._lock:
            self._count += 1
            if self._count >= self.failures and self._open_until is None:
                self._open_until = self._clock() + self.cooldown
                log.warning(
                    "%s: %d failures in a row (last: %s); not asked again for %gs",
                    self.name,
                    self._count,
                    why,
                    self.cooldown,
                )

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open_until is not None and self._clock() < self._open_until
