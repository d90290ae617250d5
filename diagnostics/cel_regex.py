"""CEL's ``matches()`` through RE2, with each pattern compiled once.

CEL names RE2 for ``matches``: linear time in the text, whatever the pattern,
and no backreferences or lookaround. Python's backtracking ``re`` is neither
(``(a+)+$`` against 31 characters took 31 s), so ``matches`` runs on RE2
(``google-re2``) and a pattern RE2 refuses is refused when the graph is edited.
RE2's ``\\s`` and ``\\d`` are ASCII only: a pattern that must treat a
full-width space (U+3000) as a space says so (``[\\s\\p{Z}]``).

The Rust CEL evaluator compiles the pattern of ``x.matches(p)`` on every
call (0.4 to 1 ms for the seed's patterns). CEL also has the global form
``matches(x, p)``, which can be given our own function. So a condition is
compiled for the evaluator with every ``x.matches(p)`` written
``matches(x, p)`` (the condition as stored, and what the linter and the
editor show, are unchanged), and ``matches`` uses compiled patterns, cached.

A pattern is knowledge, written in the graph: it must be a string literal.
One built from order data (``"^" + order.customer.game_zone + "$"``) would
let an order choose the pattern; lint refuses it (``computed_patterns``) and
the engine answers such a condition *unknown*.

>>> matches("Order 123 failed", "(?i)FAIL")
True
>>> "invalid escape sequence" in pattern_problem(r"(a)\\1")
True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import cel
import re2
from lark import Token, Tree

__all__ = [
    "MAX_PATTERN_CHARS",
    "computed_patterns",
    "global_form",
    "literal_patterns",
    "matches",
    "pattern_problem",
]

_NAME = "matches"
MAX_PATTERN_CHARS = 1000
"""The longest pattern a condition may carry (the seed's longest is under 300)."""
_MAX_MEM = 8 << 20
"""RE2's memory budget per pattern: a pattern that needs more does not compile."""


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = _MAX_MEM
    options.log_errors = False
    return options


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"longer than {MAX_PATTERN_CHARS} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as err:
        message = err.args[0] if err.args else err
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        raise ValueError(text) from err


def matches(text: Any, pattern: Any) -> bool:
    """CEL ``matches``: does ``pattern`` occur in ``text``? Errors, as CEL's, on non-strings."""
    if not isinstance(text, str) or not isinstance(pattern, str):
        raise TypeError("matches() takes a string and a pattern string")
    return _compiled(pattern).search(text) is not None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a ``matches`` pattern (RE2's syntax, our budget), or None."""
    try:
        _compiled(pattern)
    except ValueError as err:
        return f"pattern {pattern!r} does not compile: {err}"
    return None


def _args(node: Any) -> list[Any]:
    if isinstance(node, Tree) and node.data == "exprlist":
        return list(node.children)
    return [node]


def _is_member_call(node: Any) -> bool:
    return (
        isinstance(node, Tree)
        and node.data == "member_dot_arg"
        and str(node.children[1]) == _NAME
        and len(node.children) > 2
        and len(_args(node.children[2])) == 1
    )


def _has_member_call(node: Tree[Any]) -> bool:
    return any(_is_member_call(sub) for sub in node.iter_subtrees())


def global_form(source: str, tree: Tree[Any]) -> str:
    """``source`` with every ``x.matches(p)`` written ``matches(x, p)``.

    ``tree`` is cel-python's parse of ``source`` (with positions). Each
    operand becomes a whole call argument, so precedence cannot change.
    """
    if tree.meta.empty or not _has_member_call(tree):
        return source

    def text(node: Tree[Any]) -> str:
        if _is_member_call(node):
            target, arg = node.children[0], _args(node.children[2])[0]
            return f"{_NAME}({text(target)}, {text(arg)})"
        pieces, pos = [], node.meta.start_pos
        for child in node.children:
            if isinstance(child, Tree) and not child.meta.empty and _has_member_call(child):
                pieces += [source[pos : child.meta.start_pos], text(child)]
                pos = child.meta.end_pos
        pieces.append(source[pos : node.meta.end_pos])
        return "".join(pieces)

    return source[: tree.meta.start_pos] + text(tree) + source[tree.meta.end_pos :]


def _literal(node: Any) -> str | None:
    """The value of a string literal expression, or None for anything else."""
    while isinstance(node, Tree) and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Token) and node.type == "STRING_LIT":
        value = cel.evaluate(str(node))
        return value if isinstance(value, str) else None
    return None


def _pattern_args(tree: Tree[Any]) -> list[Any]:
    """The pattern argument of every ``matches`` call in ``tree`` (either form)."""
    found = []
    for node in tree.iter_subtrees_topdown():  # type: ignore[no-untyped-call]
        if _is_member_call(node):
            found.append(_args(node.children[2])[0])
        elif node.data == "ident_arg" and str(node.children[0]) == _NAME:
            args = _args(node.children[1]) if len(node.children) > 1 else []
            if len(args) == 2:
                found.append(args[1])
    return found


def literal_patterns(tree: Tree[Any]) -> tuple[str, ...]:
    """The literal patterns of every ``matches`` call in ``tree`` (either form)."""
    literals = (_literal(arg) for arg in _pattern_args(tree))
    return tuple(pattern for pattern in literals if pattern is not None)


def computed_patterns(tree: Tree[Any]) -> int:
    """How many ``matches`` calls in ``tree`` take a pattern that is not a literal."""
    return sum(_literal(arg) is None for arg in _pattern_args(tree))
