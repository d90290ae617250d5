"""Reply, explanation and finding templates: checked when edited, rendered in a sandbox.

Templates are written by senior agents, so they render in Jinja2's
SandboxedEnvironment (no attribute tricks, no code) and may only name the
variables declared in ``schema/graph.yaml``. The engine fills those from the
order facts, which is what keeps internal ids and supplier names out of
customer replies.

>>> template_problems("您的订单 {{ order_no }} 已完成")
[]
>>> template_problems("供货商 {{ supplier }}")
["unknown variable 'supplier'"]
>>> render("订单 {{ order_no }}", {"order_no": "A1"})
'订单 A1'
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from schema import graph_schema

__all__ = ["allowed_variables", "render", "template_problems"]


@cache
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


@cache
def allowed_variables() -> frozenset[str]:
    """The variable names a template may use."""
    return frozenset(graph_schema()["template_variables"])


def template_problems(text: str) -> list[str]:
    """Syntax errors and undeclared variables in ``text``; empty when fine."""
    try:
        parsed = _environment().parse(text)
    except TemplateSyntaxError as err:
        return [f"template syntax error on line {err.lineno}: {err.message}"]
    unknown = meta.find_undeclared_variables(parsed) - allowed_variables()
    return [f"unknown variable {name!r}" for name in sorted(unknown)]


def render(text: str, variables: Mapping[str, Any]) -> str:
    """Render ``text`` in the sandbox with only the declared variables."""
    allowed = {k: v for k, v in variables.items() if k in allowed_variables()}
    return _environment().from_string(text).render(allowed).strip()
