"""CEL conditions over the order facts: compile, analyse, evaluate.

Senior agents write check conditions in CEL, never Python, so an edited
condition can read facts but cannot run code. Two well-kept libraries share
the work: the Rust-backed ``cel`` package evaluates (tens of microseconds a
call), and cel-python's parser gives the syntax tree we walk to learn which
order fields a condition reads. Knowing the fields lets the linter reject a
misspelt field when the graph is edited, and lets the engine answer
``unknown`` when a fact is missing instead of guessing.

>>> cond = compile_condition('order.payment.gateway_status == "paid"')
>>> sorted(cond.fields)
['payment.gateway_status']
>>> evaluate(cond, ConditionContext.build({"payment": {"gateway_status": "paid"}}))
True
>>> evaluate(cond, ConditionContext.build({})) is None
True
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import get_close_matches
from functools import cache, lru_cache
from typing import Any

import cel
from celpy.celparser import CELParseError, CELParser
from lark import Tree

from schema import graph_schema, order_schema

from .cel_regex import computed_patterns, global_form, literal_patterns, matches, pattern_problem

__all__ = [
    "CEL_FUNCTIONS",
    "CEL_MACROS",
    "CEL_METHODS",
    "MAX_COMPREHENSION_NESTING",
    "MAX_CONDITION_CHARS",
    "MAX_CONDITION_DEPTH",
    "Condition",
    "ConditionContext",
    "ConditionError",
    "Focus",
    "compile_condition",
    "condition_problems",
    "evaluate",
    "focus_of",
    "order_field_problem",
    "parse_time",
]

#: Global functions a condition may call: CEL's standard ones the evaluator
#: supports, plus ours declared in ``schema/graph.yaml``.
CEL_FUNCTIONS = frozenset(
    {
        "has",
        "size",
        "timestamp",
        "duration",
        "int",
        "uint",
        "double",
        "string",
        "bool",
        "bytes",
        "type",
        "dyn",
        "matches",
        "max",
        "min",
    }
)
#: Methods a condition may call on a value.
CEL_METHODS = frozenset(
    {
        "contains",
        "startsWith",
        "endsWith",
        "matches",
        "size",
        "getFullYear",
        "getMonth",
        "getDate",
        "getDayOfWeek",
        "getHours",
        "getMinutes",
    }
)
#: Comprehension macros: ``list.exists(x, x.state == "redeemed")``.
CEL_MACROS = frozenset({"exists", "all", "exists_one", "map", "filter"})

_ITEM = "[]"

_log = logging.getLogger(__name__)

#: Budgets a condition is held to when it is compiled, so the linter refuses
#: it and no request can make the engine walk it: the seed's longest condition
#: has 440 characters and a syntax tree 47 levels deep (cel-python's grammar
#: spends about ten levels on each pair of brackets).
MAX_CONDITION_CHARS = 2000
MAX_CONDITION_DEPTH = 150
#: Comprehensions (``exists``, ``map``...) inside one another: each multiplies
#: the work by the length of a list, and an order's lists are short.
MAX_COMPREHENSION_NESTING = 2


class ConditionError(ValueError):
    """A condition does not compile; the message says where and why."""


@dataclass(frozen=True)
class Condition:
    """A compiled condition and what it reads.

    ``fields`` are the order paths it names (``delivery.card_keys[].state``);
    ``required`` are those read outside ``has()`` and outside list items,
    which must be present for the answer to mean anything.
    """

    source: str
    program: Any
    fields: frozenset[str]
    required: frozenset[str]
    variables: frozenset[str]
    functions: frozenset[str]
    whole_order: bool = False
    """True when ``order`` itself is read (``size(order)``), not only its fields."""
    patterns: tuple[str, ...] = ()
    """The literal patterns of its ``matches`` calls (checked when the graph is edited)."""
    computed_patterns: int = 0
    """How many ``matches`` calls take a pattern built from data: refused by lint,
    answered unknown by :func:`evaluate`."""


@dataclass
class _Usage:
    fields: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)
    variables: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    whole_order: bool = False


_parser_lock = threading.Lock()


@cache
def _parser() -> Any:
    return CELParser()


@lru_cache(maxsize=4096)
def compile_condition(source: str) -> Condition:
    """Compile ``source`` for evaluation and analyse the fields it reads.

    Cached by source text: graphs are validated on every write, and the same
    conditions come back each time. Raises :class:`ConditionError` when either
    library rejects the text or it is over a budget (``MAX_CONDITION_*``).
    """
    if not source.strip():
        raise ConditionError("empty condition")
    if len(source) > MAX_CONDITION_CHARS:
        raise ConditionError(f"condition longer than {MAX_CONDITION_CHARS} characters")
    try:
        with _parser_lock:
            tree = _parser().parse(source)
    except CELParseError as err:
        raise ConditionError(_first_line(str(err))) from err
    _check_shape(tree)
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as err:
        raise ConditionError(_first_line(str(err))) from err
    fast = global_form(source, tree)
    if fast != source:
        # Should the rewritten text not compile, the built-in form stays: slower, never wrong.
        with contextlib.suppress(ValueError, RuntimeError):
            program = cel.compile(fast)
    usage = _Usage()
    _visit(tree, {}, usage, guarded=False)
    return Condition(
        source=source,
        program=program,
        fields=frozenset(usage.fields),
        required=frozenset(usage.required),
        variables=frozenset(usage.variables),
        functions=frozenset(usage.functions),
        whole_order=usage.whole_order,
        patterns=literal_patterns(tree),
        computed_patterns=computed_patterns(tree),
    )


def _check_shape(tree: Tree[Any]) -> None:
    """Refuse a tree deeper than ``MAX_CONDITION_DEPTH`` (1,990 ``-`` signs made
    the walk below overflow Python's stack) or with comprehensions nested deeper
    than ``MAX_COMPREHENSION_NESTING``. Walked without recursion, for that reason."""
    stack: list[tuple[Tree[Any], int, int]] = [(tree, 1, 0)]
    while stack:
        node, depth, nesting = stack.pop()
        if depth > MAX_CONDITION_DEPTH:
            raise ConditionError(f"condition nested deeper than {MAX_CONDITION_DEPTH} levels")
        if node.data == "member_dot_arg" and str(node.children[1]) in CEL_MACROS:
            nesting += 1
            if nesting > MAX_COMPREHENSION_NESTING:
                raise ConditionError(
                    f"comprehensions nested deeper than {MAX_COMPREHENSION_NESTING}"
                )
        stack.extend(
            (child, depth + 1, nesting) for child in node.children if isinstance(child, Tree)
        )


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "syntax error"


# --- syntax tree walk -------------------------------------------------------


def _chain(node: Any, scope: Mapping[str, list[str]]) -> list[str] | None:
    """The identifier path of a member chain (``order.payment.x``), or None."""
    if isinstance(node, Tree):
        kind = node.data
        if kind == "ident":
            name = str(node.children[0])
            return list(scope[name]) if name in scope else [name]
        if kind == "member_dot":
            base = _chain(node.children[0], scope)
            return None if base is None else [*base, str(node.children[1])]
        if kind == "member_index":
            base = _chain(node.children[0], scope)
            return None if base is None else [*base, _ITEM]
        if len(node.children) == 1 and isinstance(node.children[0], Tree):
            return _chain(node.children[0], scope)  # expr, relation, member ... wrappers
    return None


def _record(path: list[str], usage: _Usage, *, guarded: bool) -> None:
    root, rest = path[0], path[1:]
    usage.variables.add(root)
    if root == "order" and not rest:
        usage.whole_order = True
    if root != "order" or not rest:
        return
    dotted = ".".join(rest).replace("." + _ITEM, _ITEM)
    usage.fields.add(dotted)
    if not guarded and _ITEM not in rest:
        usage.required.add(dotted)


def _visit(node: Any, scope: dict[str, list[str]], usage: _Usage, *, guarded: bool) -> None:
    if not isinstance(node, Tree):
        return
    kind = node.data
    if kind in ("member_dot", "member_index", "ident"):
        path = _chain(node, scope)
        if path is not None:
            _record(path, usage, guarded=guarded)
        if kind == "member_index":
            _visit(node.children[0], scope, usage, guarded=guarded)
            _visit(node.children[1], scope, usage, guarded=guarded)
        elif path is None:
            for child in node.children:
                _visit(child, scope, usage, guarded=guarded)
        return
    if kind == "member_dot_arg":
        _visit_method(node, scope, usage, guarded=guarded)
        return
    if kind == "ident_arg":
        name = str(node.children[0])
        usage.functions.add(name)
        for child in node.children[1:]:
            _visit(child, scope, usage, guarded=guarded or name == "has")
        return
    for child in node.children:
        _visit(child, scope, usage, guarded=guarded)


def _visit_method(
    node: Tree[Any], scope: dict[str, list[str]], usage: _Usage, *, guarded: bool
) -> None:
    target, method = node.children[0], str(node.children[1])
    args = _exprs(node.children[2]) if len(node.children) > 2 else []
    usage.functions.add(method)
    _visit(target, scope, usage, guarded=guarded)
    base = _chain(target, scope)
    if method in CEL_MACROS and args and base is not None:
        bound = _chain(args[0], {})
        if bound is not None and len(bound) == 1:
            inner = {**scope, bound[0]: [*base, _ITEM]}
            for arg in args[1:]:
                _visit(arg, inner, usage, guarded=guarded)
            return
    for arg in args:
        _visit(arg, scope, usage, guarded=guarded)


def _exprs(node: Any) -> list[Any]:
    if isinstance(node, Tree) and node.data == "exprlist":
        return list(node.children)
    return [node]


# --- static problems ----------------------------------------------------------


def order_field_problem(path: str) -> str | None:
    """Why ``path`` (``payment.callback.received``) is not an order field, or None."""
    schema: Mapping[str, Any] = order_schema()
    walked: list[str] = []
    for part in path.replace(_ITEM, "." + _ITEM).split("."):
        if schema.get("type") == "object" and "properties" not in schema:
            return None  # free-form object such as "extra"
        if part == _ITEM:
            if schema.get("type") != "array":
                where = ".".join(["order", *walked]).replace("." + _ITEM, _ITEM)
                return f"{where} is not a list"
            schema = schema["items"]
            walked.append(_ITEM)
            continue
        props: Mapping[str, Any] = schema.get("properties", {})
        if part not in props:
            where = ".".join(["order", *walked]).replace("." + _ITEM, _ITEM)
            hint = get_close_matches(part, list(props), n=1)
            suggestion = f" (did you mean {hint[0]}?)" if hint else ""
            return f"{where} has no field {part!r}{suggestion}"
        schema = props[part]
        walked.append(part)
    return None


def condition_problems(cond: Condition) -> list[str]:
    """Names the condition uses that the CEL environment does not offer."""
    declared = graph_schema()
    variables = set(declared["cel_variables"])
    functions = CEL_FUNCTIONS | CEL_METHODS | CEL_MACROS | set(declared["cel_functions"])
    problems = [
        f"unknown variable {name!r} (use one of {', '.join(sorted(variables))})"
        for name in sorted(cond.variables - variables)
    ]
    problems += [f"unknown function {name!r}" for name in sorted(cond.functions - functions)]
    for path in sorted(cond.fields):
        problem = order_field_problem(path)
        if problem:
            problems.append(problem)
    problems += [p for p in map(pattern_problem, cond.patterns) if p]
    if cond.computed_patterns:
        problems.append(
            "a matches() pattern must be a string literal written in the graph, "
            "never built from order data (compare the values instead)"
        )
    return problems


# --- evaluation ---------------------------------------------------------------


def parse_time(text: str) -> datetime:
    """An RFC 3339 time as an aware datetime (naive times are taken as UTC)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@lru_cache(maxsize=1024)
def _field_tree(fields: frozenset[str]) -> dict[str, Any]:
    """Order paths as a nested dict; ``True`` marks a subtree read whole.

    Cached: a symptom's conditions read the same fields on every diagnosis.
    Callers only read the tree."""
    tree: dict[str, Any] = {}
    for path in fields:
        parts = path.replace(_ITEM, "." + _ITEM).split(".")
        node = tree
        for part in parts[:-1]:
            child = node.get(part)
            if child is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    return tree


def _prune(value: Any, tree: Any) -> Any:
    """``value`` with only the paths of ``tree``; any other shape is kept as it is,
    so a condition sees exactly what it would see in the whole order."""
    if tree is True:
        return value
    if isinstance(value, dict):
        return {key: _prune(value[key], sub) for key, sub in tree.items() if key in value}
    if isinstance(value, list) and _ITEM in tree:
        return [_prune(item, tree[_ITEM]) for item in value]
    return value


def pruned_order(order: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The part of ``order`` that conditions reading ``fields`` can see."""
    pruned: dict[str, Any] = _prune(dict(order), _field_tree(frozenset(fields)))
    return pruned


class ConditionContext:
    """Everything a condition may read, for one diagnosis.

    The CEL library converts every value of its context to CEL on first use,
    at a few microseconds per value: converting a whole order costs more than
    evaluating every condition of a symptom. So the CEL context holds only the
    order fields the conditions about to run read (``focus``). A condition
    outside the focus still gets a context of its own fields, so the answer
    never depends on the focus, only the speed does.
    """

    __slots__ = ("_cel", "_focus", "_functions", "now", "order", "systems")

    def __init__(self, order: Mapping[str, Any], now: datetime, systems: Mapping[str, str]) -> None:
        self.order, self.now, self.systems = order, now, systems
        self._cel: dict[frozenset[str] | None, Any] = {}
        self._focus: tuple[Focus, Any] | None = None

        def minutes_since(ts: str) -> float:
            return (now - parse_time(ts)).total_seconds() / 60.0

        def minutes_between(a: str, b: str) -> float:
            return (parse_time(b) - parse_time(a)).total_seconds() / 60.0

        self._functions: dict[str, Callable[..., Any]] = {
            "minutes_since": minutes_since,
            "minutes_between": minutes_between,
            "same_text": same_text,
            "matches": matches,
        }

    @classmethod
    def build(
        cls,
        order: Mapping[str, Any],
        now: datetime | None = None,
        systems: Mapping[str, str] | None = None,
    ) -> ConditionContext:
        # CEL's timestamps take a UTC datetime: the shop's zone is for display only.
        return cls(order, (now or datetime.now(UTC)).astimezone(UTC), dict(systems or {}))

    def _context(self, fields: frozenset[str] | None) -> Any:
        """The CEL context with the order ``fields`` (None: the whole order), made once."""
        if fields in self._cel:
            return self._cel[fields]
        order = dict(self.order) if fields is None else pruned_order(self.order, fields)
        variables = {"order": order, "now": self.now, "systems": dict(self.systems)}
        known = cel.Context(variables=variables, functions=self._functions)
        self._cel[fields] = known
        return known

    def focus(self, conditions: Focus | Iterable[Condition]) -> None:
        """Prepare the CEL context for ``conditions``, which are about to run
        (a :class:`Focus` when the caller keeps one for conditions it runs often)."""
        plan = conditions if isinstance(conditions, Focus) else focus_of(conditions)
        self._focus = (plan, self._context(plan.fields))

    def context_for(self, cond: Condition) -> Any:
        """The CEL context to run ``cond`` in: the focus if it covers ``cond``."""
        if self._focus is not None:
            plan, context = self._focus
            if (
                id(cond) in plan.members
                or plan.fields is None
                or (not cond.whole_order and cond.fields <= plan.fields)
            ):
                return context
        return self._context(None if cond.whole_order else cond.fields)


@dataclass(frozen=True)
class Focus:
    """What a set of conditions reads, worked out once: the engine keeps one per
    symptom and snapshot, since every diagnosis of the symptom runs the same set."""

    fields: frozenset[str] | None
    """The order fields they read; None when one reads the whole order."""
    conditions: tuple[Condition, ...]
    """Held so that ``members`` stay theirs: an id is unique only while its object lives."""
    members: frozenset[int]
    """The ids of ``conditions``: a member is covered without comparing what it reads."""


def focus_of(conditions: Iterable[Condition]) -> Focus:
    """The :class:`Focus` of ``conditions``."""
    conds = tuple(conditions)
    fields: frozenset[str] | None = None
    if not any(c.whole_order for c in conds):
        fields = frozenset().union(*(c.fields for c in conds))
    return Focus(fields, conds, frozenset(map(id, conds)))


def same_text(a: Any, b: Any) -> bool:
    """``same_text(a, b)``: the two strings are equal without regard to case
    (``"TRC20"`` and ``"trc20"``). Errors, as CEL's functions do, on non-strings."""
    if not isinstance(a, str) or not isinstance(b, str):
        raise TypeError("same_text() takes two strings")
    return a.casefold() == b.casefold()


_EVALUATION_ERRORS = (
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    RuntimeError,
    ArithmeticError,  # division or modulo by an order field that is 0, int overflow
)


def evaluate(cond: Condition, context: ConditionContext) -> bool | None:
    """True (the check fails), False (it passes) or None (facts missing).

    A missing fact is unknown only when the verdict depends on it: CEL's
    ``&&`` and ``||`` absorb an error on one side when the other decides
    (``status == "refunded" && ...`` is false for a rejected refund, whatever
    ``refunded_at`` says), and any other read of a missing fact is an error,
    which is unknown here, never a guess. An error other than a missing fact
    (division by an order field that is 0) is unknown too, and logged.
    """
    if cond.computed_patterns:
        _log.warning("condition skipped, its matches() pattern is not a literal: %r", cond.source)
        return None
    try:
        result = cond.program.execute(context.context_for(cond))
    except _EVALUATION_ERRORS as err:
        # The source is the graph's; the facts are never logged.
        if _is_missing_fact(err):
            _log.debug("condition %r: a fact is missing, the check is unknown", cond.source[:200])
        else:
            _log.warning(
                "condition answered unknown after %s: %r", type(err).__name__, cond.source[:200]
            )
        return None
    return result if isinstance(result, bool) else None


def _is_missing_fact(err: Exception) -> bool:
    """Is ``err`` CEL's way of saying a fact is absent (the common, expected case)?"""
    return isinstance(err, KeyError | IndexError)
