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

import logging
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from jinja2 import Template, TemplateError, TemplateSyntaxError, Undefined, meta, nodes
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
    env = SandboxedEnvironment(
        autoescape=False, keep_trailing_newline=False, undefined=_Placeholder
    )
    env.globals.clear()  # no range, lipsum, cycler...: only the declared variables exist
    return env


@lru_cache(maxsize=4096)
def _compiled(text: str) -> Template:
    return _environment().from_string(text)


@cache
def allowed_variables() -> frozenset[str]:
    """The variable names a template may use."""
    return frozenset(graph_schema()["template_variables"])


SAFE_FILTERS = frozenset(
    {
        "default",
        "d",
        "upper",
        "lower",
        "capitalize",
        "title",
        "trim",
        "round",
        "int",
        "float",
        "join",
        "length",
        "count",
        "first",
        "last",
        "truncate",
        "replace",
        "string",
        "abs",
    }
)
"""Filters that only reshape a value; nothing that calls, formats objects or loops long."""

_ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.For,
    nodes.Test,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.CondExpr,
    nodes.Filter,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Add,
    nodes.Sub,
    nodes.Concat,
    nodes.Neg,
    nodes.Pos,
    nodes.List,
    nodes.Tuple,
    nodes.Keyword,
)
"""What an editor's template may contain: text, variables, if/for, comparisons and
safe filters. No calls, macros, imports, assignments, or multiplication (which
could build a string of gigabytes)."""


def _construct_problems(parsed: nodes.Template) -> list[str]:
    problems = set()
    for node in parsed.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            problems.add(f"{type(node).__name__.lower()} is not allowed in a template")
        elif isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            problems.add(f"attribute {node.attr!r} is not allowed")
        elif isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Const | nodes.Name):
            problems.add("computed item access is not allowed")
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and str(node.arg.value).startswith("_")
        ):
            problems.add(f"item {node.arg.value!r} is not allowed")
        elif isinstance(node, nodes.Filter) and node.name not in SAFE_FILTERS:
            problems.add(f"filter {node.name!r} is not allowed")
    return sorted(problems)


def template_problems(text: str) -> list[str]:
    """Syntax errors, forbidden constructs and undeclared variables; empty when fine.

    >>> template_problems("{{ order_no.__class__ }}")
    ["attribute '__class__' is not allowed"]
    """
    return list(_template_problems(text))


@lru_cache(maxsize=16384)
def _template_problems(text: str) -> tuple[str, ...]:
    """Cached by text: a graph repeats its templates (every copy of a reply, every
    edge meaning), and parsing one costs a millisecond."""
    if "{" not in text:  # plain text: nothing for Jinja to find
        return ()
    try:
        parsed = _environment().parse(text)
    except TemplateSyntaxError as err:
        return (f"template syntax error on line {err.lineno}: {err.message}",)
    problems = _construct_problems(parsed)
    unknown = meta.find_undeclared_variables(parsed) - allowed_variables()
    return (*problems, *(f"unknown variable {name!r}" for name in sorted(unknown)))


@lru_cache(maxsize=4096)
def _printed(text: str) -> tuple[str, ...]:
    """The declared variables ``text`` reads: a template never sees any other."""
    try:
        names = meta.find_undeclared_variables(_environment().parse(text))
    except TemplateSyntaxError:
        return ()
    return tuple(sorted(names & allowed_variables()))


def _label(name: str, lang: str) -> str:
    if name == "template":
        return (
            "【待补充：模板有误，请人工回复】" if lang == "zh" else "[to fill in: template error]"
        )
    labels = graph_schema()["template_variables"].get(name)
    label = labels.get(lang, name) if isinstance(labels, Mapping) else name
    return f"【待补充：{label}】" if lang == "zh" else f"[to fill in: {label}]"


def render(text: str, variables: Mapping[str, Any], lang: str = "zh") -> str:
    """Render ``text`` in the sandbox with only the declared variables.

    A variable without a value prints as a labelled gap (【待补充：退款单号】);
    :func:`missing_marks` finds them, so a reply with gaps is never sent as is.
    """
    if "{" not in text:  # plain text (most meanings and findings): nothing to render
        return text.strip()
    pieces = _substitution(text)
    if pieces is not None:
        rendered = _substitute(pieces, variables).strip()
    else:
        rendered = _by_jinja(text, variables).strip()
    parts = rendered.split(_MARK)
    for i in range(1, len(parts), 2):
        parts[i] = _label(parts[i], lang)
    return "".join(parts)


def _by_jinja(text: str, variables: Mapping[str, Any]) -> str:
    allowed = {}
    for name in _printed(text):  # only these: the rest may cost work to produce
        value = variables.get(name)
        if value is not None:
            allowed[name] = value
    try:
        return _compiled(text).render(allowed)
    except (TemplateError, ArithmeticError, TypeError, ValueError) as err:
        # Edits are checked before they are written, so this is a last line of
        # defence: a template that still fails leaves a gap, never a crash.
        _log.warning("template %r raised %s: left a gap", text[:120], type(err).__name__)
        return f"{_MARK}template{_MARK}"


_Pieces = tuple[tuple[bool, str], ...]
"""(is a variable, the text or the variable's name), in order."""


@lru_cache(maxsize=4096)
def _substitution(text: str) -> _Pieces | None:
    """``text`` as literal pieces and variable names, when that is all it is
    (``订单 {{ order_no }}``); None for anything else (``{% if %}``, filters).

    Most of the graph's templates are of this kind. Jinja's own parser
    decides, and :func:`_substitute` prints them as Jinja would (a test
    holds the two to it on every template of the seed) without the
    set-up Jinja does on every render, which cost more than the rest of
    a reply.
    """
    try:
        parsed = _environment().parse(text)
    except TemplateSyntaxError:
        return None
    if len(parsed.body) != 1 or not isinstance(parsed.body[0], nodes.Output):
        return None
    pieces = []
    for node in parsed.body[0].nodes:
        if isinstance(node, nodes.TemplateData):
            pieces.append((False, node.data))
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            pieces.append((True, node.name))
        else:
            return None
    return tuple(pieces)


def _substitute(pieces: _Pieces, variables: Mapping[str, Any]) -> str:
    """``pieces`` printed with ``variables``: a declared variable's value as
    ``str`` gives it, anything else as the gap mark Jinja's undefined prints."""
    names = allowed_variables()
    out = []
    for is_name, piece in pieces:
        if not is_name:
            out.append(piece)
            continue
        value = variables.get(piece) if piece in names else None
        out.append(f"{_MARK}{piece}{_MARK}" if value is None else str(value))
    return "".join(out)


def missing_marks(text: str) -> bool:
    """True when rendered ``text`` still has a gap for the agent to fill."""
    return "【待补充：" in text or "[to fill in: " in text


_log = logging.getLogger(__name__)
