"""Bad request bodies, told field by field.

Shop systems send whatever their database holds, so every body the API takes
is checked against its JSON Schema and every bad field is named by its path
(``order.delivery.card_keys[1].state``), all at once: the integrator fixes the
fields and retries. A schema may name the field and message of an ``anyOf``
or ``oneOf`` that fails as a whole with ``x-problem: {field, message}``.

>>> from jsonschema import Draft202012Validator
>>> v = Draft202012Validator({"type": "object", "properties": {"n": {"type": "integer"}}})
>>> [p.as_dict() for p in body_problems(v, {"n": "x"})]
[{'field': 'n', 'message': "'x' is not of type 'integer'"}]
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .formats import RS_FORMATS, TIME_PROBLEM

__all__ = [
    "MAX_ECHO",
    "MAX_INTEGER",
    "MAX_NESTING",
    "FieldProblem",
    "OversizedNumber",
    "body_problems",
    "describe",
    "echo",
    "field_path",
    "json_int",
    "nesting_problem",
    "too_deep",
    "value_problems",
]

MAX_ECHO = 80
"""How many characters of a bad value an error repeats. The sender has the
value; the error only has to point at it, and a 100 KB value echoed whole made
a 100 KB error (10,000 bad keys made 300 KB)."""


def echo(value: Any, limit: int = MAX_ECHO) -> str:
    """``repr(value)`` cut to ``limit`` characters, saying how long it was.

    >>> echo("x" * 1000, 12)
    "'xxxxxxxxx… (1000 chars)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    size = len(value) if isinstance(value, str) else len(text)
    return f"{text[: limit - 2]}… ({size} chars)"


def _printable(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` and with lone surrogates escaped, so that the
    error that names a bad key can itself be encoded as UTF-8."""
    if len(text) > limit:
        text = f"{text[: limit - 1]}…"
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode()


@dataclass(frozen=True)
class FieldProblem:
    """One bad field of a request: its dotted path and what is wrong.

    Both are capped and made encodable on construction (a key may be 10 KB or
    a lone surrogate), whoever builds the problem.
    """

    path: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", _printable(self.path, 2 * MAX_ECHO))
        object.__setattr__(self, "message", _printable(self.message, 4 * MAX_ECHO))

    def as_dict(self) -> dict[str, str]:
        return {"field": self.path, "message": self.message}


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


MAX_NESTING = 32
"""How deep a request body may nest. The deepest contract field is five levels
down (``order.delivery.card_keys[0].code``); a free-form ``extra`` may add a
few. Deeper is an attack or a bug, and would cost every recursive walk."""


def nesting_problem(body: Any, limit: int = MAX_NESTING) -> FieldProblem | None:
    """The first place ``body`` nests deeper than ``limit`` levels, or None.

    Every body is walked, so the walk looks only into containers and stops at
    the first one too deep; the path is traced only for a body that is too
    deep. It recurses at most ``limit`` levels, so the check itself cannot
    overflow the stack.
    """
    if limit <= 0:
        deep = bool(body) and isinstance(body, dict | list)
    else:
        deep = isinstance(body, dict | list) and _deeper_than(body, limit - 1)
    if deep:
        return FieldProblem(field_path(_path_past(body, limit)) + "…", _DEEP.format(limit))
    return None


_LEAVES = frozenset((str, int, float, bool, type(None)))
"""The types of most values of a body: tested by identity, the cheap way."""


def _deeper_than(value: dict[Any, Any] | list[Any], room: int) -> bool:
    """Does ``value`` hold a non-empty container more than ``room`` levels below it?"""
    for item in value.values() if isinstance(value, dict) else value:
        if type(item) in _LEAVES or not item or not isinstance(item, dict | list):
            continue
        if room == 0 or _deeper_than(item, room - 1):
            return True
    return False


_DEEP = "nested deeper than {} levels"


def _path_past(body: Any, limit: int) -> tuple[Any, ...]:
    """The first ``limit`` keys of a path that goes deeper than ``limit`` levels."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(body, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > limit:
            return path[:limit]
        if isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
    return ()


class OversizedNumber:
    """A JSON integer too long for Python to read (over 4,300 digits).

    The API's JSON parser gives this in its place instead of failing the
    whole body as "not JSON", so that :func:`value_problems` can name the
    field it was sent in.
    """

    __slots__ = ("digits",)

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))

    def __repr__(self) -> str:
        return f"<a {self.digits}-digit number>"


def json_int(text: str) -> int | OversizedNumber:
    """``json.loads(..., parse_int=json_int)``: an integer, or the marker of one
    too long to read.

    >>> json.loads('[7, ' + '9' * 5000 + ']', parse_int=json_int)
    [7, <a 5000-digit number>]
    """
    return int(text) if len(text) <= _READABLE_DIGITS else OversizedNumber(text)


_READABLE_DIGITS = 4000
"""Below Python's limit for reading an integer from text (4,300 digits)."""

MAX_INTEGER = 2**63 - 1
"""The largest integer a body may hold: SQLite's, and every id a shop's
database makes. Larger ones overflowed CEL (64-bit) and float conversions."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_PROBLEM = "holds a lone surrogate (\\ud800-\\udfff), which is not text"


def _value_problem(value: Any) -> str | None:
    """What is wrong with one leaf value of a body, if anything."""
    kind = type(value)
    if kind is str:
        return None if value.isascii() or not _SURROGATE.search(value) else _SURROGATE_PROBLEM
    if kind is float:
        return None if math.isfinite(value) else f"{value!r} is not a finite number"
    if kind is int:
        ok = -MAX_INTEGER - 1 <= value <= MAX_INTEGER
        return None if ok else f"{echo(value)} is beyond 64-bit integers"
    if kind is OversizedNumber:
        return f"{value!r} is beyond 64-bit integers"
    return None


def value_problems(body: Any) -> list[FieldProblem]:
    """Values no field may hold, wherever they are: lone surrogates (in values
    and keys), ``NaN`` and the infinities, integers beyond 64 bits.

    Checked before the schema, because the schema validators, SQLite and the
    JSON encoder fail on them with a 500 where the sender needs to hear which
    field. Call it on a body no deeper than :data:`MAX_NESTING`.

    >>> [p.path for p in value_problems({"a": [1.0, float("nan")], "b": 2**70})]
    ['a[1]', 'b']
    """
    if not isinstance(body, dict | list):
        problem = _value_problem(body)
        return [] if problem is None else [FieldProblem("(body)", problem)]
    found: list[FieldProblem] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(body, ())]
    while stack:
        value, path = stack.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if type(key) is str and not key.isascii() and _SURROGATE.search(key):
                found.append(
                    FieldProblem(field_path((*path, key)), f"the key {_SURROGATE_PROBLEM}")
                )
            if isinstance(item, dict | list):
                stack.append((item, (*path, key)))
            elif (problem := _value_problem(item)) is not None:
                found.append(FieldProblem(field_path((*path, key)), problem))
    return sorted(found, key=lambda p: p.path)


def too_deep(limit: int = MAX_NESTING) -> FieldProblem:
    """The problem of a body too deep for the parser itself (RecursionError)."""
    return FieldProblem("(body)", _DEEP.format(limit))


def field_path(parts: Any) -> str:
    """``order.delivery.card_keys[1].state``; odd keys quoted: ``evidence["a b"]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _NAME.match(str(part)):
            text += f".{part}" if text else str(part)
        else:
            text += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return text


def _problems_of(error: ValidationError) -> list[FieldProblem]:
    where = field_path(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = set(schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        return [
            FieldProblem(field_path([*error.absolute_path, k]), "unknown field (not in the schema)")
            for k in extra
        ]
    hint = schema.get("x-problem")
    if error.validator in ("anyOf", "oneOf", "not") and isinstance(hint, Mapping):
        path = field_path([*error.absolute_path, hint["field"]])
        return [FieldProblem(path, str(hint["message"]))]
    if error.validator == "required" and isinstance(error.instance, Mapping):
        names = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [k for k in names if k not in error.instance]
        return [FieldProblem(field_path([*error.absolute_path, k]), "is required") for k in missing]
    if error.validator == "dependentRequired" and isinstance(error.instance, Mapping):
        needs = error.validator_value if isinstance(error.validator_value, Mapping) else {}
        return [
            FieldProblem(field_path([*error.absolute_path, need]), f"is required with {key}")
            for key, names in needs.items()
            if key in error.instance
            for need in names
            if need not in error.instance
        ]
    if error.validator == "enum":
        values = error.validator_value if isinstance(error.validator_value, list) else []
        allowed_values = ", ".join(json.dumps(v, ensure_ascii=False) for v in values)
        return [FieldProblem(where, f"{echo(error.instance)} is not one of: {allowed_values}")]
    if error.validator == "propertyNames":
        return [FieldProblem(where, f"bad key: {describe(error)}")]
    return [FieldProblem(where or "(body)", describe(error))]


def describe(error: ValidationError) -> str:
    """jsonschema's message for ``error``, with the bad value it repeats cut to
    :data:`MAX_ECHO` and a refused time told the accepted years."""
    if error.validator == "format" and error.validator_value == "date-time":
        return f"{echo(error.instance)} {TIME_PROBLEM}"
    whole = repr(error.instance)
    if len(whole) <= MAX_ECHO or whole not in error.message:
        return error.message
    return error.message.replace(whole, echo(error.instance))


_FAST: dict[int, tuple[Draft202012Validator, Any]] = {}


def fast_twin(validator: Draft202012Validator) -> Any:
    """The same schema compiled by jsonschema-rs (Rust), made once per validator.

    It answers "valid?" in microseconds where the Python validator takes about
    a millisecond on the diagnose schema; only an invalid body goes on to
    the Python validator, whose errors name the fields (``tests`` check that
    the two agree).
    """
    found = _FAST.get(id(validator))
    if found is None or found[0] is not validator:
        schema = validator.schema
        plain = dict(schema) if isinstance(schema, Mapping) else schema
        compiled = jsonschema_rs.validator_for(plain, validate_formats=True, formats=RS_FORMATS)
        found = _FAST[id(validator)] = (validator, compiled)
    return found[1]


def body_problems(validator: Draft202012Validator, body: Any) -> list[FieldProblem]:
    """Every bad field of ``body``, sorted by path; empty when it is valid."""
    if not isinstance(body, Mapping):
        return [FieldProblem("(body)", "the request body must be a JSON object")]
    deep = nesting_problem(body)
    if deep is not None:
        return [deep]
    odd = value_problems(body)
    if odd:  # the validators themselves fail on these (a surrogate raises in Rust)
        return odd
    if fast_twin(validator).is_valid(body):
        return []
    seen: dict[tuple[str, str], FieldProblem] = {}
    for error in validator.iter_errors(body):
        for problem in _problems_of(error):
            seen.setdefault((problem.path, problem.message), problem)
    return sorted(seen.values(), key=lambda p: (p.path, p.message))
