"""Order fields as top-level CEL variables: ``order.product.region`` → ``order__product__region``.

The CEL library converts each context value from Python by trying, in turn,
bool, int, float, timestamp, duration and only then string; every failed try
raises and catches a Python exception. A string costs about 5 µs, and a
string under a map key costs twice that (the key goes through the same
tries), plus about 7 µs for each map on the way. A diagnosis reads some fifteen
fields at two or three levels, so the nested maps cost more than the values.

So a condition is also compiled with each field chain on ``order`` written as
one variable (``flat_form``), and the context binds those variables to the
values at the paths (``flat_values``): the same values, without the maps
around them. A chain that does not resolve (a step missing, or not a map) is
left unbound, and CEL then raises where the nested form raised "no such key",
so the answer is the same (``tests/test_conditions_fast.py`` checks every seed
condition against the plain evaluator, odd shapes included). ``has(order.a.b)``
keeps its last step (``has(order__a.b)``); a condition that reads ``order``
itself, binds ``order`` in a comprehension, or says ``order__`` anywhere keeps
the nested form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from lark import Tree

__all__ = ["FlatForm", "FlatPlan", "flat_form", "flat_name", "flat_plan", "flat_values"]

_ROOT = "order"
_SEP = "__"
_WRAPPERS = frozenset(
    {
        "exprlist",
        "expr",
        "conditionalor",
        "conditionaland",
        "relation",
        "addition",
        "multiplication",
        "unary",
        "member",
        "primary",
    }
)

FlatForm = tuple[str, tuple[tuple[str, ...], ...]]
"""The flattened source and the field paths it binds, sorted."""


@lru_cache(maxsize=4096)
def flat_name(parts: tuple[str, ...]) -> str:
    """The variable that stands for ``order.<parts>``."""
    return _ROOT + _SEP + _SEP.join(parts)


def _unwrap(node: Any) -> Any:
    """Below the single-child grammar levels an expression is wrapped in."""
    while (
        isinstance(node, Tree)
        and node.data in _WRAPPERS
        and len(node.children) == 1
        and isinstance(node.children[0], Tree)
    ):
        node = node.children[0]
    return node


def _dot_parts(node: Any) -> list[str] | None:
    """``[a, b]`` for a pure field chain ``order.a.b``, else None."""
    parts: list[str] = []
    while isinstance(node, Tree) and node.data == "member_dot":
        parts.append(str(node.children[1]))
        node = _unwrap(node.children[0])
    if isinstance(node, Tree) and node.data == "ident" and str(node.children[0]) == _ROOT:
        return parts[::-1] or None
    return None


def _binds_root(tree: Tree[Any]) -> bool:
    """Does a comprehension bind a variable called ``order``?"""
    for node in tree.iter_subtrees():
        if node.data == "member_dot_arg" and len(node.children) > 2:
            args = node.children[2]
            first = args.children[0] if isinstance(args, Tree) and args.data == "exprlist" else args
            bound = _unwrap(first)
            named = isinstance(bound, Tree) and bound.data == "ident"
            if named and str(bound.children[0]) == _ROOT:
                return True
    return False


def _root_token(node: Any) -> Any:
    """The ``order`` token a pure chain starts with."""
    while not (isinstance(node, Tree) and node.data == "ident"):
        node = _unwrap(node.children[0]) if node.data == "member_dot" else _unwrap(node)
    return node.children[0]


def flat_form(source: str, tree: Tree[Any]) -> FlatForm | None:
    """``source`` with its field chains on ``order`` as variables, or None when it
    must keep the nested form. ``tree`` is cel-python's parse of ``source``; the
    chains are cut out of the text by their tokens' positions."""
    if _ROOT + _SEP in source or _binds_root(tree):
        return None
    cuts: list[tuple[Any, Any, str]] = []
    paths: set[tuple[str, ...]] = set()
    nested = False

    def cut(chain: Tree[Any], parts: list[str]) -> None:
        nonlocal nested
        last: Any = chain.children[1]  # the chain's last field name, a token
        start, end = _root_token(chain).start_pos, last.end_pos
        if start is None or end is None:
            nested = True
        elif any(_SEP in part or part.startswith("_") or part.endswith("_") for part in parts):
            nested = True  # the name could stand for two paths
        else:
            cuts.append((start, end, flat_name(tuple(parts))))
            paths.add(tuple(parts))

    def visit(node: Tree[Any]) -> None:
        nonlocal nested
        if node.data == "member_dot" and (parts := _dot_parts(node)) is not None:
            cut(node, parts)
            return
        if node.data == "ident_arg" and str(node.children[0]) == "has" and len(node.children) > 1:
            arg = _unwrap(node.children[1])
            parts = _dot_parts(arg)
            if parts is not None and len(parts) < 2:
                nested = True  # has(order.x) needs the order map itself
                return
            if parts is not None:
                cut(_unwrap(arg.children[0]), parts[:-1])  # has(order__a.b)
                return
        if node.data == "ident" and str(node.children[0]) == _ROOT:
            nested = True  # order read as a whole, or indexed: order["x"]
            return
        for child in node.children:
            if isinstance(child, Tree):
                visit(child)

    visit(tree)
    if nested:
        return None
    pieces, pos = [], 0
    for start, end, name in sorted(cuts):
        pieces += [source[pos:start], name]
        pos = end
    pieces.append(source[pos:])
    return "".join(pieces), tuple(sorted(paths))


_ABSENT = object()


FlatPlan = tuple[tuple[str, tuple[str, ...], Any], ...]
"""Per path: its variable name, its parts, and the subtree of fields read below it."""


def flat_plan(paths: Iterable[tuple[str, ...]], tree: Mapping[str, Any]) -> FlatPlan:
    """What :func:`flat_values` walks for ``paths``, worked out once per set of
    paths (the engine keeps one per symptom): nothing in it depends on the order."""
    plan = []
    for parts in sorted(paths):
        sub: Any = tree
        for part in parts:
            if sub is True:
                break
            sub = sub.get(part, True)
        plan.append((flat_name(parts), parts, sub))
    return tuple(plan)


def flat_values(order: Mapping[str, Any], plan: FlatPlan, prune: Any) -> dict[str, Any]:
    """The variables of ``plan``: each bound to its value in ``order``, cut down
    to the fields read below it (``prune(value, subtree)``), as the nested
    form's context would hold it. A path that does not resolve is left out."""
    values: dict[str, Any] = {}
    for name, parts, sub in plan:
        value: Any = order
        for part in parts:
            if isinstance(value, dict):  # parsed JSON; the Mapping test is the slow path
                value = value.get(part, _ABSENT)
            elif isinstance(value, Mapping) and part in value:
                value = value[part]
            else:
                value = _ABSENT
            if value is _ABSENT:
                break
        else:
            values[name] = value if sub is True else prune(value, sub)
    return values
