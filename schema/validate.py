"""Validate nodes and edges against ``graph.yaml``, with messages that point.

Every finding names where (a node id or an edge ``source -> target``), what
(the field path) and why, because a senior agent fixing the graph at 2 a.m.
must not have to guess. JSON Schema (the jsonschema library) checks shape;
this module adds what it cannot: CEL that compiles and reads real order
fields, templates that name declared variables, built-ins that exist.

Those three are judged by the engine that runs them (``diagnostics``), which
sits above this package: it hands its judges in once with
:func:`install_content_checks` (``import diagnostics`` does), so imports
point down only. A record with a condition, template or built-in to judge
and no judges installed is an error, never a silent pass.

>>> for finding in validate_node("System", {"id": "Bad-Id"})[:2]:
...     print(finding)
Bad-Id: default_status: required field is missing
Bad-Id: description: required field is missing
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from . import graph_schema
from .problems import fast_twin, value_problems

__all__ = [
    "ContentChecks",
    "Finding",
    "install_content_checks",
    "validate_edge",
    "validate_node",
]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where it is, which field, and why it is wrong."""

    where: str
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.why}"

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "what": self.what, "why": self.why}


@dataclass(frozen=True)
class ContentChecks:
    """The engine's judges of what a field says, not its shape.

    ``condition`` gives the problems of a CEL source (one that does not
    compile included), ``template`` those of a reply template, ``builtins``
    the names of the built-in checks.
    """

    condition: Callable[[str], list[str]]
    template: Callable[[str], list[str]]
    builtins: Collection[str]


_installed: list[ContentChecks] = []


def install_content_checks(checks: ContentChecks) -> None:
    """Use ``checks`` from now on (the last installed wins); forgets memoised findings."""
    _installed[:] = [checks]
    _node_memo.cache_clear()
    _edge_memo.cache_clear()


def _checks() -> ContentChecks:
    if not _installed:
        raise RuntimeError(
            "no content checks installed: import diagnostics (it installs the engine's "
            "CEL, template and built-in checks) before validating graph records"
        )
    return _installed[0]


@cache
def _validator(kind: str, name: str) -> Draft202012Validator:
    schema = graph_schema()
    body = dict(schema[kind][name]["schema"])
    body["$defs"] = schema["$defs"]
    return Draft202012Validator(body)


def _path(error: SchemaError) -> str:
    parts = [str(p) if isinstance(p, str) else f"[{p}]" for p in error.absolute_path]
    text = ".".join(parts).replace(".[", "[")
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else ""
        return ".".join(filter(None, [text, missing]))
    if error.validator == "additionalProperties" and "'" in error.message:
        extra = str(error.message).split("'")[1]
        return ".".join(filter(None, [text, extra]))
    return text or "(node)"


def _reason(error: SchemaError) -> str:
    if error.validator == "required":
        return "required field is missing"
    if error.validator == "additionalProperties":
        return "unknown field (not in the schema)"
    if error.validator == "pattern" and error.validator_value == "\\S":
        return "must not be blank"
    if error.validator == "pattern":
        return f"{error.instance!r} does not match {error.validator_value!r}"
    if error.validator == "oneOf" and error.validator_value and isinstance(error.instance, dict):
        return "an automatic check needs exactly one of fails_when (CEL) and builtin"
    if error.validator == "not" and isinstance(error.instance, dict):
        return "a manual check has instructions, not fails_when or builtin"
    return str(error.message)


def _value_findings(where: str, data: Any) -> list[Finding]:
    """NaN, the infinities, lone surrogates and integers past 64 bits, anywhere.

    JSON Schema cannot refuse them (``NaN`` compares false, so ``minimum``
    and ``maximum`` both pass): a NaN prior passed lint and flattened a
    symptom's priors. No record may hold one, whichever way it came in.
    """
    return [Finding(where, p.path, p.message) for p in value_problems(data)]


def _schema_findings(kind: str, name: str, where: str, data: Any) -> list[Finding]:
    odd = _value_findings(where, data)
    if odd:  # the validators themselves fail on these (a surrogate raises in Rust)
        return odd
    validator = _validator(kind, name)
    if fast_twin(validator).is_valid(data):  # Rust answers "valid?" ~50x faster
        return []
    errors = validator.iter_errors(data)
    return sorted({Finding(where, _path(e), _reason(e)) for e in errors})


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")


_TEMPLATE_FIELDS = (
    "explanation",
    "reply",
    "findings",
    "compensation",
    "steps",
    "calming",
    "goodwill",
    "backstop",
    "notice",
)


def _semantic_findings(node_type: str, where: str, data: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    if node_type == "Check" and isinstance(data.get("fails_when"), str):
        found += _condition_findings(where, "fails_when", data["fails_when"])
    if node_type == "Symptom" and isinstance(data.get("fits_order"), str):
        found += _condition_findings(where, "fits_order", data["fits_order"])
    builtin = data.get("builtin") if node_type == "Check" else None
    if isinstance(builtin, str) and builtin not in _checks().builtins:
        known = ", ".join(sorted(_checks().builtins))
        found.append(Finding(where, "builtin", f"unknown built-in (known: {known})"))
    for field in _TEMPLATE_FIELDS:
        for path, text in _texts(data.get(field), field):
            found += [Finding(where, path, why) for why in _checks().template(text)]
    return found + _reply_rule_findings(node_type, where, data)


def count_words(text: str, words: Mapping[str, Any]) -> int:
    """How often any of ``words`` (``{zh: [...], en: [...]}``) occurs in ``text``,
    folded for width and case."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return sum(
        folded.count(unicodedata.normalize("NFKC", str(word)).casefold())
        for lang in ("zh", "en")
        for word in words.get(lang) or ()
    )


_CUSTOMER_TEXTS = {
    "Resolution": ("reply", "backstop"),
    "Cause": ("explanation",),
    "Symptom": ("checking", "backstop", "clarify", "calming", "goodwill", "notice"),
}


def _reply_rule_findings(node_type: str, where: str, data: Mapping[str, Any]) -> list[Finding]:
    """A customer text apologises once at most; a reply resting on nothing claims no finding."""
    rules = graph_schema()["reply_rules"]
    found: list[Finding] = []
    for field in _CUSTOMER_TEXTS.get(node_type, ()):
        for path, text in _texts(data.get(field), field):
            if count_words(text, rules["apologies"]) > 1:
                found.append(Finding(where, path, "apologises more than once: once is enough"))
    if node_type == "Resolution" and data.get("rests_on") == "nothing":
        for path, text in _texts(data.get("reply"), "reply"):
            if count_words(text, rules["claims"]):
                found.append(
                    Finding(
                        where,
                        path,
                        "claims a finding, but rests_on is nothing: "
                        "say rests_on: cause (sent only once the cause is shown) or drop the claim",
                    )
                )
    return found


def _condition_findings(where: str, field: str, source: str) -> list[Finding]:
    return [Finding(where, field, problem) for problem in _checks().condition(source)]


def _content_key(data: Any) -> str | None:
    try:
        return json.dumps(data, sort_keys=True, ensure_ascii=False, default=list)
    except (TypeError, ValueError):
        return None


MEMO_SIZE = 1 << 18
"""Records remembered by content: every node and edge of a 100k-node graph
(about 250k records). A smaller memo than the graph is worse than none: the
lint walks every record in turn, so an LRU evicts each before it comes back
(at 10k nodes an 8k memo made every gated edit re-validate all 25k records, 30 s)."""


@lru_cache(maxsize=MEMO_SIZE)
def _node_memo(node_type: str, key: str) -> tuple[Finding, ...]:
    return tuple(_validate_node(node_type, json.loads(key)))


@lru_cache(maxsize=MEMO_SIZE)
def _edge_memo(edge_type: str, source: str, target: str, key: str) -> tuple[Finding, ...]:
    return tuple(_validate_edge(edge_type, source, target, json.loads(key)))


def validate_node(node_type: str, data: Any) -> list[Finding]:
    """Findings for one node of ``node_type``; empty when the node is valid.

    Memoised by content: compiling every CEL condition and template of a
    graph takes over a second, and an edit changes only a few records, so
    the store and the lint gate re-check just those.
    """
    key = _content_key(data)
    if key is None:
        return _validate_node(node_type, data)
    return list(_node_memo(node_type, key))


def validate_edge(edge_type: str, source: str, target: str, data: Any) -> list[Finding]:
    """Findings for one edge's own fields (endpoints are checked by the store); memoised."""
    key = _content_key(data)
    if key is None:
        return _validate_edge(edge_type, source, target, data)
    return list(_edge_memo(edge_type, source, target, key))


def _validate_node(node_type: str, data: Any) -> list[Finding]:
    where = str(data.get("id", "?")) if isinstance(data, Mapping) else "?"
    if node_type not in graph_schema()["node_types"]:
        known = ", ".join(graph_schema()["node_types"])
        return [Finding(where, "type", f"unknown node type {node_type!r} (known: {known})")]
    found = _schema_findings("node_types", node_type, where, data)
    if isinstance(data, Mapping):
        found += _semantic_findings(node_type, where, data)
    return found


def _validate_edge(edge_type: str, source: str, target: str, data: Any) -> list[Finding]:
    where = f"{source} -> {target}"
    if edge_type not in graph_schema()["edge_types"]:
        known = ", ".join(graph_schema()["edge_types"])
        return [Finding(where, "type", f"unknown edge type {edge_type!r} (known: {known})")]
    found = _schema_findings("edge_types", edge_type, where, data)
    if isinstance(data, Mapping) and isinstance(data.get("when"), str):
        found += _condition_findings(where, "when", data["when"])
    if isinstance(data, Mapping):
        for path, text in _texts(data.get("meaning"), "meaning"):
            found += [Finding(where, path, why) for why in _checks().template(text)]
    return found
