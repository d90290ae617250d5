"""The small exception tree every store backend raises.

Callers (the API, the CLI) map these to status codes and exit codes, so a
backend never raises anything else for a problem the caller caused.
"""

from __future__ import annotations

from collections.abc import Sequence

from schema.validate import Finding

__all__ = [
    "ChangeSetInvalid",
    "KgdiagError",
    "NotFound",
    "StaleRevision",
    "StoreUnavailable",
]


class KgdiagError(Exception):
    """Base of every error kgdiag raises on purpose."""


class ChangeSetInvalid(KgdiagError):
    """The change-set breaks the schema or the graph's integrity; nothing was written."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        lines = "; ".join(str(f) for f in self.findings[:5])
        more = f" (+{len(self.findings) - 5} more)" if len(self.findings) > 5 else ""
        super().__init__(f"change-set refused: {lines}{more}")


class StaleRevision(KgdiagError):
    """The change-set was made against an older revision; nothing was written."""

    def __init__(self, expected: int, current: int) -> None:
        self.expected, self.current = expected, current
        super().__init__(
            f"expected revision {expected} but the graph is at {current}: reload and retry"
        )


class NotFound(KgdiagError):
    """A node, edge, revision or token that does not exist."""


class StoreUnavailable(KgdiagError):
    """The store cannot be opened or is not a kgdiag store."""
