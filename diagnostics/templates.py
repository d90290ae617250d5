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
>>> render("退款单号 {{ refund_reference }}", {})
'退款单号 【待补充：退款单号】'
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from jinja2 import Template, TemplateSyntaxError, Undefined, meta
from jinja2.sandbox import SandboxedEnvironment

from schema import graph_schema

__all__ = ["allowed_variables", "missing_marks", "render", "template_problems"]

_MARK = "\x00"


class _Placeholder(Undefined):
    """A fact the order did not carry: false in ``{% if %}``, a visible gap
    when printed, so the agent fills it in instead of sending "预计  分钟"."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{_MARK}{self._undefined_name}{_MARK}"


@cache
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        autoescape=False, keep_trailing_newline=False, undefined=_Placeholder
    )


@lru_cache(maxsize=4096)
def _compiled(text: str) -> Template:
    return _environment().from_string(text)


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


def _label(name: str, lang: str) -> str:
    labels = graph_schema()["template_variables"].get(name)
    label = labels.get(lang, name) if isinstance(labels, Mapping) else name
    return f"【待补充：{label}】" if lang == "zh" else f"[to fill in: {label}]"


def render(text: str, variables: Mapping[str, Any], lang: str = "zh") -> str:
    """Render ``text`` in the sandbox with only the declared variables.

    A variable without a value prints as a labelled gap (【待补充：退款单号】);
    :func:`missing_marks` finds them, so a reply with gaps is never sent as is.
    """
    allowed = {k: v for k, v in variables.items() if k in allowed_variables() and v is not None}
    rendered = _compiled(text).render(allowed).strip()
    parts = rendered.split(_MARK)
    for i in range(1, len(parts), 2):
        parts[i] = _label(parts[i], lang)
    return "".join(parts)


def missing_marks(text: str) -> bool:
    """True when rendered ``text`` still has a gap for the agent to fill."""
    return "【待补充：" in text or "[to fill in: " in text
