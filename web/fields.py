"""Which fields of a node the editor shows as form fields, and how a form maps back.

A senior edits words, not JSON: bilingual texts (titles, descriptions,
customer explanations, reply and finding templates), bilingual lists (the
phrases customers use, resolution steps, one per line), CEL conditions and
numbers. Everything else (enums, flags, lists of ids) is shown as it is and
kept unchanged. The mapping is generic over the schema's shapes, so a new
field of a known shape is editable without touching the pages.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schema import graph_schema

from .i18n import LABELS, page_lang

__all__ = [
    "CEL_FIELDS",
    "TEMPLATE_FIELDS",
    "FormField",
    "bad_numbers",
    "editable_fields",
    "field_help",
    "field_label",
    "form_to_data",
    "template_variables",
    "with_values",
]

CEL_FIELDS = frozenset({"fails_when", "fits_order", "when"})
"""The fields that hold a CEL condition (schema/graph.yaml)."""
TEMPLATE_FIELDS = frozenset({"explanation", "reply", "findings", "notice"})
"""The fields rendered as Jinja2 templates (schema/graph.yaml says "(template)")."""
LANGS = ("zh", "en")


@dataclass(frozen=True)
class FormField:
    """One editable field: ``path`` into the node, its ``kind`` and current values.

    ``values`` maps a language ("zh", "en") to its text, or "" to the one
    value of a CEL or number field. Lines of a list are joined by newlines.
    """

    path: tuple[str, ...]
    kind: str  # "text" | "lines" | "cel" | "number"
    values: Mapping[str, str]

    @property
    def name(self) -> str:
        return ".".join(self.path)

    def input_name(self, lang: str = "") -> str:
        return f"f.{self.name}.{lang}" if lang else f"f.{self.name}"

    def input_id(self, lang: str = "") -> str:
        """An HTML id for the input (labels and error texts point at it)."""
        return "f-" + self.name.replace(".", "-") + (f"-{lang}" if lang else "")

    @property
    def template(self) -> bool:
        """A reply-like text: the page lists the variables it may use."""
        return self.path[0] in TEMPLATE_FIELDS


def _bilingual(value: Any, item: type) -> bool:
    return (
        isinstance(value, Mapping)
        and bool(value)
        and set(value) <= set(LANGS)
        and all(isinstance(v, item) for v in value.values())
    )


def _walk(data: Mapping[str, Any], prefix: tuple[str, ...]) -> list[FormField]:
    found: list[FormField] = []
    for key, value in data.items():
        path = (*prefix, str(key))
        if key == "id" and not prefix:
            continue
        if _bilingual(value, str):
            found.append(FormField(path, "text", {lang: value.get(lang, "") for lang in LANGS}))
        elif _bilingual(value, list):
            lines = {lang: "\n".join(str(x) for x in value.get(lang, [])) for lang in LANGS}
            found.append(FormField(path, "lines", lines))
        elif key in CEL_FIELDS and isinstance(value, str):
            found.append(FormField(path, "cel", {"": value}))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found.append(FormField(path, "number", {"": f"{value:g}"}))
        elif isinstance(value, Mapping) and len(prefix) < 2:
            found += _walk(value, path)
    return found


FIRST = ("title", "description", "phrases", "explanation", "steps", "reply", "clarify")
"""The fields a senior edits most, shown first; the rest follow by name."""


def editable_fields(data: Mapping[str, Any]) -> list[FormField]:
    """The editable fields of a node's (or an edge's) data, most edited first."""

    def rank(field: FormField) -> tuple[int, str]:
        root = field.path[0]
        return (FIRST.index(root) if root in FIRST else len(FIRST), field.name)

    return sorted(_walk(data, ()), key=rank)


def _number(text: str) -> int | float | str:
    try:
        number = float(text)
    except ValueError:
        return text  # the schema names the field and says it must be a number
    return int(number) if number.is_integer() and "." not in text else number


def form_to_data(data: Mapping[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """``data`` with every editable field replaced by the form's value for it.

    A field missing from the form keeps its value; an emptied text stays
    empty, so the schema reports it rather than the editor guessing.
    """
    result = copy.deepcopy(dict(data))
    for field in editable_fields(data):
        parent: dict[str, Any] = result
        for key in field.path[:-1]:
            parent = parent[key]
        leaf = field.path[-1]
        if field.kind in ("text", "lines"):
            new = dict(parent[leaf])
            for lang in LANGS:
                raw = form.get(field.input_name(lang))
                if raw is None:
                    continue
                raw = raw.replace("\r\n", "\n")
                if field.kind == "text":
                    new[lang] = raw.strip()
                else:
                    new[lang] = [line.strip() for line in raw.split("\n") if line.strip()]
            parent[leaf] = new
        else:
            raw = form.get(field.input_name())
            if raw is not None:
                parent[leaf] = raw.strip() if field.kind == "cel" else _number(raw.strip())
    return result


def _at(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def with_values(fields: list[FormField], data: Mapping[str, Any]) -> list[FormField]:
    """The stored node's fields showing the draft's values.

    The fields come from the stored node, so a mistyped number (a string in
    the draft) keeps its number field, showing what was typed, instead of
    falling out of the form into the read-only part.
    """
    shown = []
    for field in fields:
        value = _at(data, field.path)
        if field.kind == "lines" and isinstance(value, Mapping):
            values = {lang: "\n".join(str(x) for x in value.get(lang, [])) for lang in LANGS}
        elif field.kind == "text" and isinstance(value, Mapping):
            values = {lang: str(value.get(lang, "")) for lang in LANGS}
        elif field.kind == "number" and isinstance(value, int | float):
            values = {"": f"{value:g}"}
        elif value is not None and not isinstance(value, Mapping | list):
            values = {"": str(value)}
        else:
            values = dict(field.values)
        shown.append(FormField(field.path, field.kind, values))
    return shown


def bad_numbers(fields: list[FormField], data: Mapping[str, Any]) -> dict[str, str]:
    """Number fields whose draft value is not a number: field name to what was typed."""
    return {
        field.name: str(value)
        for field in fields
        if field.kind == "number" and isinstance(value := _at(data, field.path), str)
    }


def _leaf(path: list[str]) -> str:
    return path[-2] if len(path) > 1 and path[-1] in LANGS else path[-1]


def field_label(name: str) -> str:
    """A field's human label in the page's language (``service_level.resolve_minutes``
    reads "服务时限 · 解决时限（分钟）"); an unknown key shows as itself."""
    lang = page_lang()
    parts = name.split(".")
    leaf = _leaf(parts)
    words = [LABELS.get(f"fl_{leaf}", {}).get(lang, leaf)]
    if parts[0] != leaf:
        words.insert(0, LABELS.get(f"fl_{parts[0]}", {}).get(lang, parts[0]))
    if parts[-1] in LANGS and len(parts) > 1:
        words.append(parts[-1])
    return " · ".join(words)


def field_help(name: str) -> str:
    """A field's help text in the page's language, or "" when it needs none."""
    parts = name.split(".")
    for key in (f"fh_{_leaf(parts)}", f"fh_{parts[0]}"):
        if key in LABELS:
            return LABELS[key][page_lang()]
    return ""


def template_variables() -> list[tuple[str, str]]:
    """The variables a template may use, with their meaning in the page's language
    (schema/graph.yaml's ``template_variables``, the same list lint checks)."""
    lang = page_lang()
    declared: Mapping[str, Mapping[str, str]] = graph_schema()["template_variables"]
    return [(name, str(texts.get(lang, ""))) for name, texts in declared.items()]
