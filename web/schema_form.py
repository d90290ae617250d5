"""Form fields for a node or link type, read from its JSON Schema in schema/graph.yaml.

The create form and the link rows are built from the schema, not written by
hand, so a field another change adds to a node or edge type (a new Symptom
text, a new link weight) shows in the forms without touching the pages. Each
shape the schema uses has one kind of input: bilingual texts (two text areas),
bilingual lists (one line each), CEL conditions, numbers with their range,
choices, yes/no, lists of choices, lists of ids; anything else (a list of
objects) falls back to a YAML box for that one field.

Numbers are checked here, with the range read from the schema, so the error
at the field is in the page's language; the gate checks everything again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from schema import graph_schema

from .fields import CEL_FIELDS, TEMPLATE_FIELDS
from .i18n import t

__all__ = [
    "SchemaField",
    "edge_fields",
    "form_values",
    "node_fields",
    "read_form",
    "stored_values",
]

LANGS = ("zh", "en")
MAX_DEPTH = 2
"""Nested objects (service_level, findings.pass) are walked this deep."""


@dataclass(frozen=True)
class SchemaField:
    """One input of a schema-built form.

    ``kind`` is text | lines | cel | number | choice | yesno | multi | ids |
    string | yaml; ``path`` leads into the record's data.
    """

    path: tuple[str, ...]
    kind: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    above: bool = False  # exclusive minimum
    integer: bool = False
    choices: tuple[str, ...] = ()
    pattern: str = ""

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def template(self) -> bool:
        """A reply-like text: the page lists its variables and previews it."""
        return self.path[0] in TEMPLATE_FIELDS or self.path[0] == "meaning"

    def input_name(self, prefix: str, lang: str = "") -> str:
        return f"{prefix}.{self.name}" + (f".{lang}" if lang else "")

    def input_id(self, prefix: str, lang: str = "") -> str:
        base = f"{prefix}-{self.name}".replace(".", "-").replace("_", "-")
        return base + (f"-{lang}" if lang else "")

    def range_text(self) -> str:
        """The range in the page's language ("0 < x ≤ 1"), or ""."""
        if self.minimum is None and self.maximum is None:
            return ""
        low = "" if self.minimum is None else f"{self.minimum:g} {'<' if self.above else '≤'} "
        high = "" if self.maximum is None else f" ≤ {self.maximum:g}"
        return t("range_is").format(range=f"{low}x{high}")


def _resolve(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = spec.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: Mapping[str, Any] = graph_schema()["$defs"][ref.rsplit("/", 1)[1]]
        return {**resolved, **{k: v for k, v in spec.items() if k != "$ref"}}
    return spec


def _bilingual(spec: Mapping[str, Any], item: str) -> bool:
    props = spec.get("properties")
    if not isinstance(props, Mapping) or set(props) != set(LANGS):
        return False
    return all(_resolve(p).get("type") == item for p in props.values())


def _classify(name: str, spec: Mapping[str, Any], required: bool) -> SchemaField | None:
    path = tuple(name.split("."))
    spec = _resolve(spec)
    kind = spec.get("type")
    if _bilingual(spec, "string"):
        return SchemaField(path, "text", required)
    if _bilingual(spec, "array"):
        return SchemaField(path, "lines", required)
    if "enum" in spec:
        return SchemaField(path, "choice", required, choices=tuple(map(str, spec["enum"])))
    if kind in ("number", "integer"):
        low = spec.get("exclusiveMinimum", spec.get("minimum"))
        return SchemaField(
            path,
            "number",
            required,
            minimum=low,
            maximum=spec.get("maximum"),
            above="exclusiveMinimum" in spec,
            integer=kind == "integer",
        )
    if kind == "boolean":
        return SchemaField(path, "yesno", required)
    if kind == "string":
        cel = path[-1] in CEL_FIELDS
        return SchemaField(
            path, "cel" if cel else "string", required, pattern=spec.get("pattern", "")
        )
    if kind == "array" and isinstance(spec.get("items"), Mapping):
        items = _resolve(spec["items"])
        if "enum" in items:
            return SchemaField(path, "multi", required, choices=tuple(map(str, items["enum"])))
        if items.get("type") == "string":
            return SchemaField(path, "ids", required, pattern=items.get("pattern", ""))
    return SchemaField(path, "yaml", required)


def _walk(schema: Mapping[str, Any], prefix: str, depth: int) -> list[SchemaField]:
    found: list[SchemaField] = []
    required = set(schema.get("required", ()))
    for key, raw in schema.get("properties", {}).items():
        name = f"{prefix}.{key}" if prefix else str(key)
        spec = _resolve(raw)
        nested = spec.get("type") == "object" and isinstance(spec.get("properties"), Mapping)
        if nested and set(spec["properties"]) != set(LANGS) and depth < MAX_DEPTH:
            found += _walk(spec, name, depth + 1)
        elif (field := _classify(name, raw, key in required)) is not None:
            found.append(field)
    return found


def node_fields(node_type: str) -> list[SchemaField]:
    """The create form's fields for ``node_type``, id first, in the schema's order."""
    return _walk(graph_schema()["node_types"][node_type]["schema"], "", 0)


def edge_fields(edge_type: str) -> list[SchemaField]:
    """The fields of a link of ``edge_type`` (prior, p_fail and meaning, rank and when)."""
    return _walk(graph_schema()["edge_types"][edge_type]["schema"], "", 0)


def _at(data: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _shown(field: SchemaField, value: Any) -> Any:
    """A stored value as its input shows it (a list for the multi checkboxes)."""
    if value is None:
        return [] if field.kind == "multi" else ""
    if field.kind == "multi":
        return [str(v) for v in value] if isinstance(value, list) else []
    if field.kind == "ids":
        return "\n".join(map(str, value)) if isinstance(value, list) else str(value)
    if field.kind == "number" and isinstance(value, int | float):
        return f"{value:g}"
    if field.kind == "yesno":
        return "true" if value is True else "false" if value is False else ""
    if field.kind == "yaml":
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).strip()
    return str(value)


def stored_values(
    fields: Sequence[SchemaField], data: Mapping[str, Any], prefix: str
) -> dict[str, Any]:
    """Input name to what its input shows for the stored ``data``."""
    values: dict[str, Any] = {}
    for field in fields:
        value = _at(data, field.path)
        if field.kind in ("text", "lines"):
            for lang in LANGS:
                text = value.get(lang) if isinstance(value, Mapping) else None
                shown = "\n".join(map(str, text)) if isinstance(text, list) else text
                values[field.input_name(prefix, lang)] = shown or ""
        else:
            values[field.input_name(prefix)] = _shown(field, value)
    return values


def form_values(fields: Sequence[SchemaField], form: Any, prefix: str) -> dict[str, Any]:
    """Input name to what was typed, so a refused form shows the draft as it was."""
    values: dict[str, Any] = {}
    for field in fields:
        if field.kind in ("text", "lines"):
            for lang in LANGS:
                values[field.input_name(prefix, lang)] = form.get(
                    field.input_name(prefix, lang), ""
                )
        elif field.kind == "multi":
            values[field.input_name(prefix)] = form.getlist(field.input_name(prefix))
        else:
            values[field.input_name(prefix)] = form.get(field.input_name(prefix), "")
    return values


def _number(field: SchemaField, raw: str) -> tuple[Any, str]:
    try:
        number = float(raw)
    except ValueError:
        return raw, t("not_a_number").format(value=raw[:40])
    if number != number:  # nan
        return raw, t("not_a_number").format(value=raw[:40])
    low, high = field.minimum, field.maximum
    if abs(number) == float("inf") and low is None and high is None:
        return raw, t("not_a_number").format(value=raw[:40])
    if (low is not None and (number <= low if field.above else number < low)) or (
        high is not None and number > high
    ):
        return raw, t("out_of_range").format(value=raw[:40], range=field.range_text())
    if field.integer and not number.is_integer():
        return raw, t("not_whole").format(value=raw[:40])
    return (int(number) if number.is_integer() and field.integer else number), ""


def _value(field: SchemaField, form: Any, prefix: str) -> tuple[Any, str]:
    """The field's value from the form (None when left empty) and a problem, or ""."""
    if field.kind in ("text", "lines"):
        texts = {lang: str(form.get(field.input_name(prefix, lang), "")).strip() for lang in LANGS}
        if not any(texts.values()):
            return None, ""
        if field.kind == "lines":
            return {
                k: [x.strip() for x in v.splitlines() if x.strip()] for k, v in texts.items()
            }, ""
        return texts, ""
    if field.kind == "multi":
        picked = [v for v in form.getlist(field.input_name(prefix)) if v in field.choices]
        return (picked or None), ""
    raw = str(form.get(field.input_name(prefix), "")).strip()
    if not raw:
        return None, ""
    if field.kind == "number":
        return _number(field, raw)
    if field.kind == "yesno":
        return raw == "true", ""
    if field.kind == "ids":
        return [x.strip() for x in raw.replace(",", "\n").splitlines() if x.strip()], ""
    if field.kind == "yaml":
        try:
            return yaml.safe_load(raw), ""
        except (yaml.YAMLError, ValueError, RecursionError):
            return raw, t("not_yaml")
    return raw, ""


def read_form(
    fields: Sequence[SchemaField], form: Any, prefix: str
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The record's data from the form, and problems by field name.

    A field left empty is left out (a required one is then named by the
    schema); a nested object with nothing filled in is left out too.
    """
    data: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for field in fields:
        value, problem = _value(field, form, prefix)
        if problem:
            problems[field.name] = [problem]
        if value is None:
            continue
        parent = data
        for key in field.path[:-1]:
            parent = parent.setdefault(key, {})
        parent[field.path[-1]] = value
    return data, problems
