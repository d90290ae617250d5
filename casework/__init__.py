"""Casework: the engine joined with the team's records, for the API, the pages and the CLI.

``diagnostics`` is pure (a snapshot and a request in, an answer out); this
package is the layer above it that reads and writes the store's records:
the statuses and confirmed outcomes a diagnosis trusts, the case put on
file, outcomes and the utterances a senior teaches. Imports point down:
``api``, ``web`` and ``kgdiag`` use it; it uses ``diagnostics``, ``graph``
and ``schema``.
"""

from __future__ import annotations

from .service import (
    Settings,
    case_keys,
    diagnose_case,
    is_fresh,
    knowledge_of,
    record_outcome,
    status_view,
    teach_utterance,
)

__all__ = [
    "Settings",
    "case_keys",
    "diagnose_case",
    "is_fresh",
    "knowledge_of",
    "record_outcome",
    "status_view",
    "teach_utterance",
]
