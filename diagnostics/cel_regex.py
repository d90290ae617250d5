"""CEL's ``matches()`` with each pattern compiled once.

The Rust CEL evaluator compiles the pattern of ``x.matches(p)`` on every
call. For the seed's patterns (case-folding, Unicode classes, Chinese words)
that is 0.4 to 1 ms a call: more than the rest of a diagnosis together. CEL
also has the global form ``matches(x, p)``, and the global form can be given
our own function. So a condition is compiled for the evaluator with every
``x.matches(p)`` written ``matches(x, p)`` (the condition as stored, and
what the linter and the editor show, are unchanged), and ``matches`` is
Python's ``re`` with compiled patterns cached.

Python's ``re`` rather than RE2 (which CEL names) because it is what the
Rust evaluator did in the ways that matter here: ``\\s``, ``\\d`` and ``\\w``
are Unicode-aware, so a full-width space (U+3000) in a pasted e-mail is a
space; RE2's classes are ASCII only. Search semantics, as CEL's. A literal
pattern that ``re`` cannot compile is refused when the graph is edited
(``pattern_problem``), so no stored condition is silently always unknown.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import cel
from lark import Token, Tree

__all__ = ["global_form", "literal_patterns", "matches", "pattern_problem"]

_NAME = "matches"


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(text: Any, pattern: Any) -> bool:
    """CEL ``matches``: does ``pattern`` occur in ``text``? Errors, as CEL's, on non-strings."""
    if not isinstance(text, str) or not isinstance(pattern, str):
        raise TypeError("matches() takes a string and a pattern string")
    return _compiled(pattern).search(text) is not None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a ``matches`` pattern, or None."""
    try:
        _compiled(pattern)
    except re.error as err:
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


def literal_patterns(tree: Tree[Any]) -> tuple[str, ...]:
    """The literal patterns of every ``matches`` call in ``tree`` (either form)."""
    found = []
    for node in tree.iter_subtrees_topdown():  # type: ignore[no-untyped-call]
        if _is_member_call(node):
            pattern = _literal(_args(node.children[2])[0])
        elif node.data == "ident_arg" and str(node.children[0]) == _NAME:
            args = _args(node.children[1]) if len(node.children) > 1 else []
            pattern = _literal(args[1]) if len(args) == 2 else None
        else:
            continue
        if pattern is not None:
            found.append(pattern)
    return tuple(found)
