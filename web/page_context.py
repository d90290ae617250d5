"""What every editor form needs besides its data: labels, help, template
variables and worked CEL examples, in the page's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from appstate import store
from graph.snapshot import Snapshot

from .fields import CEL_FIELDS, field_help, field_label, template_variables
from .i18n import LABELS, t

__all__ = ["cel_examples", "choice_label", "form_context"]

EXAMPLES_PER_FIELD = 2
SHORTEST = 15
"""An example shorter than this (``true``) teaches nothing."""
LONGEST = 90


def _examples_in(snapshot: Snapshot) -> dict[str, list[str]]:
    """For each CEL field, the graph's own conditions in it, shortest first."""
    found: dict[str, set[str]] = {name: set() for name in CEL_FIELDS}
    for node_type in ("Symptom", "Check"):
        for node_id in snapshot.nodes_of_type(node_type):
            for name, value in snapshot.node(node_id).items():
                if name in found and isinstance(value, str):
                    found[name].add(value.strip())
    for _, _, _, data in snapshot.edges():
        for name, value in data.items():
            if name in found and isinstance(value, str):
                found[name].add(value.strip())
    return {
        name: sorted(
            (v for v in values if SHORTEST <= len(v) <= LONGEST), key=lambda v: (len(v), v)
        )
        for name, values in found.items()
    }


def cel_examples(leaf: str) -> list[str]:
    """One or two conditions the current graph uses in the field ``leaf``: worked
    examples a senior can copy, taken from the graph so they always compile."""
    snapshot = store().snapshot()
    every = snapshot.derived("editor_cel_examples", _examples_in)
    picked = every.get(leaf, [])
    if len(picked) <= EXAMPLES_PER_FIELD:
        return picked
    return [picked[0], picked[len(picked) // 2]]  # a short one and a typical one


def choice_label(value: str) -> str:
    """A schema choice in the page's language with its stored value ("人工 · manual"),
    or the value alone when no label is written for it yet."""
    key = f"ch_{value}"
    return f"{t(key)} · {value}" if key in LABELS else value


def form_context() -> dict[str, Callable[..., Any] | Any]:
    """The names the editor's templates use for fields."""
    return {
        "field_label": field_label,
        "field_help": field_help,
        "variables": template_variables(),
        "cel_examples": cel_examples,
        "choice_label": choice_label,
    }
