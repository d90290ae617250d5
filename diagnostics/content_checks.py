"""The engine's judges of graph content, handed down to ``schema.validate``.

The schema validator sits below the engine and must not import it; yet
whether a CEL condition compiles, a template names only declared variables
and a built-in exists is the engine's to say. This module packs those three
judges; ``diagnostics/__init__`` installs them, so any process that can run
a diagnosis also validates with them.
"""

from __future__ import annotations

from schema.validate import ContentChecks

from .builtins import BUILTINS
from .conditions import ConditionError, compile_condition, condition_problems
from .templates import template_problems

__all__ = ["CONTENT_CHECKS", "condition_source_problems"]


def condition_source_problems(source: str) -> list[str]:
    """Why a CEL source cannot be a condition (it does not compile, or reads
    names the environment does not offer); empty when fine.

    >>> condition_source_problems("order.status ==")[0].startswith("CEL does not compile")
    True
    """
    try:
        cond = compile_condition(source)
    except ConditionError as err:
        return [f"CEL does not compile: {err}"]
    return condition_problems(cond)


CONTENT_CHECKS = ContentChecks(
    condition=condition_source_problems,
    template=template_problems,
    builtins=BUILTINS,
)
