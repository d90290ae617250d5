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

Templates run under budgets (``MAX_*`` below): the size of the text, of its
literals and of its output, how many operators and loops it has, how deep it
nests. The static ones are refused when the graph is edited, with a finding
naming the field; at render the same checks run again (a template stored
before they existed), and the output and the ``replace`` filter are held to
their sizes as they are produced. A template over budget renders as nothing
(:func:`render_checked` answers None, and the caller falls back to the
verifying reply), with a warning in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from jinja2 import (
    Template,
    TemplateError,
    TemplateSyntaxError,
    Undefined,
    meta,
    nodes,
    pass_eval_context,
)
from jinja2.exceptions import SecurityError
from jinja2.filters import do_replace
from jinja2.sandbox import SandboxedEnvironment

from schema import graph_schema

__all__ = [
    "MAX_INT_LITERAL",
    "MAX_LIST_ITEMS",
    "MAX_LOOP_NESTING",
    "MAX_OPERATORS",
    "MAX_OUTPUT_CHARS",
    "MAX_STRING_LITERAL",
    "MAX_TEMPLATE_CHARS",
    "MAX_TEMPLATE_DEPTH",
    "allowed_variables",
    "missing_marks",
    "render",
    "render_checked",
    "template_problems",
]

_log = logging.getLogger(__name__)
_MARK = "\x00"

# Budgets. The seed's longest template has 634 characters, no loop, no literal
# list and a handful of operators; these leave room for far more.
MAX_TEMPLATE_CHARS = 8000
MAX_OUTPUT_CHARS = 20000
"""A rendered text longer than this is over budget: no reply is that long."""
MAX_STRING_LITERAL = 1000
MAX_INT_LITERAL = 10**12
MAX_LIST_ITEMS = 50
MAX_LOOP_NESTING = 1
"""A loop inside a loop multiplies the work: 451 characters of nested loops over
constants took 40 s and 6.8 GB."""
MAX_OPERATORS = 100
"""Operators and filters in one template (each can copy a value)."""
MAX_TEMPLATE_DEPTH = 40
"""How deep the syntax tree nests (brackets, unary signs, chained filters)."""


class _OverBudget(TemplateError):
    """A template went over a budget while rendering."""


class _Placeholder(Undefined):
    """A fact the order did not carry: false in ``{% if %}``, a visible gap
    when printed, so the agent fills it in instead of sending "预计  分钟"."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{_MARK}{self._undefined_name}{_MARK}"


@pass_eval_context
def _replace(eval_ctx: Any, text: Any, old: Any, new: Any, count: int | None = None) -> Any:
    """Jinja's ``replace``, refused when its result would pass ``MAX_OUTPUT_CHARS``
    (``|replace('', x)`` puts ``x`` between every character)."""
    source, before, after = str(text), str(old), str(new)
    hits = len(source) + 1 if not before else source.count(before)
    if count is not None and count >= 0:
        hits = min(hits, count)
    if len(source) + hits * (len(after) - len(before)) > MAX_OUTPUT_CHARS:
        raise _OverBudget("replace would pass the output budget")
    return do_replace(eval_ctx, text, old, new, count)


class _BudgetedSandbox(SandboxedEnvironment):
    """The sandbox, narrowed further: no calls, no multiplying or power
    operators (``9**999999``), and a method never prints (``order_no.upper``
    would print a heap address), even in a template stored before lint
    refused these."""

    intercepted_binops = frozenset({"*", "/", "//", "%", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        raise SecurityError(f"operator {operator!r} is not allowed in a template")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        raise SecurityError("calls are not allowed in a template")

    def getattr(self, obj: Any, attribute: str) -> Any:
        return _data(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return _data(super().getitem(obj, argument))


def _data(value: Any) -> Any:
    """``value``, or nothing for a method or function, which has no text to show."""
    if callable(value) and not isinstance(value, Undefined):
        return ""
    return value


@cache
def _environment() -> SandboxedEnvironment:
    # optimized=False: Jinja's optimizer folds constants when a template is
    # compiled, and the linter compiles (find_undeclared_variables) what it
    # checks; folding ``9**40000000`` killed a worker.
    env = _BudgetedSandbox(
        autoescape=False, keep_trailing_newline=False, undefined=_Placeholder, optimized=False
    )
    env.globals.clear()  # no range, lipsum, cycler...: only the declared variables exist
    env.filters["replace"] = _replace
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
    problems = _refused(text)
    if problems or "{" not in text:  # what follows compiles: only a safe template gets there
        return problems
    unknown = meta.find_undeclared_variables(_environment().parse(text)) - allowed_variables()
    return tuple(f"unknown variable {name!r}" for name in sorted(unknown))


@lru_cache(maxsize=16384)
def _refused(text: str) -> tuple[str, ...]:
    """Why ``text`` may not render at all (syntax, constructs, budgets), cached by text."""
    if "{" not in text:  # plain text: nothing for Jinja to find
        return ()
    if len(text) > MAX_TEMPLATE_CHARS:
        return (f"template longer than {MAX_TEMPLATE_CHARS} characters",)
    try:
        parsed = _environment().parse(text)
    except TemplateSyntaxError as err:
        return (f"template syntax error on line {err.lineno}: {err.message}",)
    except RecursionError:
        return (f"template nested deeper than {MAX_TEMPLATE_DEPTH} levels",)
    return tuple(_construct_problems(parsed) + _budget_problems(parsed))


_OPERATORS = (nodes.BinExpr, nodes.UnaryExpr, nodes.Concat, nodes.Filter, nodes.Compare)
_METHODS = frozenset(
    name for kind in (str, int, float, list, dict) for name in dir(kind) if not name.startswith("_")
)


def _budget_problems(parsed: nodes.Template) -> list[str]:
    """What in ``parsed`` is over a budget; walked without recursion."""
    problems: set[str] = set()
    operators = 0
    stack: list[tuple[nodes.Node, int, int]] = [(parsed, 1, 0)]
    while stack:
        node, depth, loops = stack.pop()
        if depth > MAX_TEMPLATE_DEPTH:
            problems.add(f"template nested deeper than {MAX_TEMPLATE_DEPTH} levels")
            continue
        if isinstance(node, nodes.For):
            loops += 1
            if loops > MAX_LOOP_NESTING:
                problems.add(f"loops nested deeper than {MAX_LOOP_NESTING}")
        operators += isinstance(node, _OPERATORS)
        problems.update(_literal_problems(node))
        stack.extend((child, depth + 1, loops) for child in node.iter_child_nodes())
    if operators > MAX_OPERATORS:
        problems.add(f"more than {MAX_OPERATORS} operators and filters")
    return sorted(problems)


def _literal_problems(node: nodes.Node) -> list[str]:
    if isinstance(node, nodes.Const):
        value = node.value
        if isinstance(value, str) and len(value) > MAX_STRING_LITERAL:
            return [f"string literal longer than {MAX_STRING_LITERAL} characters"]
        if isinstance(value, int | float) and not abs(value) <= MAX_INT_LITERAL:
            return [f"number literal larger than {MAX_INT_LITERAL}"]
    if isinstance(node, nodes.List | nodes.Tuple) and len(node.items) > MAX_LIST_ITEMS:
        return [f"list literal with more than {MAX_LIST_ITEMS} items"]
    if isinstance(node, nodes.Getattr) and node.attr in _METHODS:
        return [f"attribute {node.attr!r} is a method, which has no text (use a filter)"]
    if (
        isinstance(node, nodes.Filter)
        and node.name == "replace"
        and node.args
        and isinstance(node.args[0], nodes.Const)
        and node.args[0].value == ""
    ):
        return ["replace('') puts text between every character: name what to replace"]
    return []


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
    A template that fails or is over budget prints as one gap for the agent.
    """
    rendered = render_checked(text, variables, lang)
    return _label("template", lang) if rendered is None else rendered


def render_checked(text: str, variables: Mapping[str, Any], lang: str = "zh") -> str | None:
    """:func:`render`, or None when the template fails or is over a budget
    (logged), so the caller can send something else."""
    if "{" not in text:  # plain text (most meanings and findings): nothing to render
        return text.strip()
    problems = _refused(text)
    if problems:
        _log.warning("template refused at render: %s", "; ".join(problems))
        return None
    allowed = {}
    for name in _printed(text):  # only these: the rest may cost work to produce
        value = variables.get(name)
        if value is not None:
            allowed[name] = value
    pieces: list[str] = []
    size = 0
    try:
        for piece in _compiled(text).generate(allowed):
            size += len(piece)
            if size > MAX_OUTPUT_CHARS:
                raise _OverBudget(f"output longer than {MAX_OUTPUT_CHARS} characters")
            pieces.append(piece)
    except (TemplateError, ArithmeticError, TypeError, ValueError, RecursionError) as err:
        # Edits are checked before they are written, so this is a last line of
        # defence: a template that still fails is logged, never a crash.
        _log.warning("template failed at render: %s: %s", type(err).__name__, err)
        return None
    parts = "".join(pieces).strip().split(_MARK)
    for i in range(1, len(parts), 2):
        parts[i] = _label(parts[i], lang)
    return "".join(parts)


def missing_marks(text: str) -> bool:
    """True when rendered ``text`` still has a gap for the agent to fill."""
    return "【待补充：" in text or "[to fill in: " in text
