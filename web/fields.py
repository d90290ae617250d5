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

__all__ = ["CEL_FIELDS", "FormField", "editable_fields", "form_to_data"]

CEL_FIELDS = frozenset({"fails_when", "fits_order", "when"})
"""The fields that hold a CEL condition (schema/graph.yaml)."""
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
