"""Casework: the engine joined with the team's records, for the API, the pages and the CLI.

``diagnostics`` is pure (a snapshot and a request in, an answer out); this
package is the layer above it that reads and writes the store's records:
the statuses and confirmed outcomes a diagnosis trusts, the case put on
file, outcomes (one per case, revertible), candidate utterances and the
utterances a senior teaches, redacted views of others' cases, retention. Imports point down:
``api``, ``web`` and ``kgdiag`` use it; it uses ``diagnostics``, ``graph``
and ``schema``.
"""

from __future__ import annotations

from .freshness import is_fresh
from .outages import (
    ProposalDecided,
    decide_status_proposal,
    mask_order_no,
    proposal_view,
    propose_outages,
)
from .promises import escalation_list, promise_list, queue
from .service import (
    Settings,
    candidate_list,
    case_keys,
    case_view,
    decide_candidate,
    diagnose_case,
    knowledge_of,
    mask_numbers,
    outcome_list,
    purge_expired,
    record_outcome,
    revert_outcome,
    status_view,
    system_statuses,
    teach_utterance,
)

__all__ = [
    "ProposalDecided",
    "Settings",
    "candidate_list",
    "case_keys",
    "case_view",
    "decide_candidate",
    "decide_status_proposal",
    "diagnose_case",
    "escalation_list",
    "is_fresh",
    "knowledge_of",
    "mask_numbers",
    "mask_order_no",
    "outcome_list",
    "promise_list",
    "proposal_view",
    "propose_outages",
    "purge_expired",
    "queue",
    "record_outcome",
    "revert_outcome",
    "status_view",
    "system_statuses",
    "teach_utterance",
]
