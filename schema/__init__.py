"""The graph schema (node and edge types) and the contract files it ships with.

The YAML and JSON files beside this module are package data, so a plain
``pip install .`` carries them; everything reads them through this module.
"""

from __future__ import annotations

import json
import zoneinfo
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "EDGE_TYPES",
    "NODE_TYPES",
    "api_body_schemas",
    "diagnose_request_schema",
    "graph_schema",
    "order_schema",
    "shop_rows_schema",
    "taxonomy",
]


def _read_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@cache
def graph_schema() -> dict[str, Any]:
    """The node and edge types of ``graph.yaml``, parsed once per process."""
    data: dict[str, Any] = yaml.safe_load(_read_text("graph.yaml"))
    return data


@cache
def order_schema() -> dict[str, Any]:
    """The order facts schema of the outside contract (``order.schema.json``)."""
    data: dict[str, Any] = json.loads(_read_text("order.schema.json"))
    return data


@cache
def diagnose_request_schema() -> dict[str, Any]:
    """The diagnose request body, with the contract's order schema inlined."""
    data: dict[str, Any] = yaml.safe_load(_read_text("diagnose_request.yaml"))
    order = dict(order_schema())
    order.pop("$schema", None)
    order.pop("$id", None)
    data["properties"]["order"] = order
    # The zones this server knows (tzdata ships with kgdiag), so the schema, not
    # a later lookup, refuses "Mars/Olympus".
    data["properties"]["shop_timezone"]["enum"] = sorted(zoneinfo.available_timezones())
    rows = shop_rows_schema()
    data["$defs"] = dict(rows["$defs"])
    for rule, source in zip(data["allOf"], ("dujiaoka", "acg_faka"), strict=False):
        rule["then"]["properties"]["order_row"] = rows[source]
    return data


@cache
def api_body_schemas() -> dict[str, dict[str, Any]]:
    """Every request body of the API by name, each a self-contained JSON Schema.

    ``DiagnoseRequest`` is the contract's; the rest come from ``api_bodies.yaml``.
    """
    data: dict[str, Any] = yaml.safe_load(_read_text("api_bodies.yaml"))
    defs = data.pop("$defs")
    bodies = {name: {**schema, "$defs": defs} for name, schema in data.items()}
    return {"DiagnoseRequest": diagnose_request_schema(), **bodies}


@cache
def shop_rows_schema() -> dict[str, Any]:
    """The order rows of dujiaoka and acg-faka as their tables hold them."""
    data: dict[str, Any] = yaml.safe_load(_read_text("shop_rows.yaml"))
    return data


@cache
def taxonomy() -> dict[str, Any]:
    """The contract's canonical symptom and cause ids (``taxonomy.yaml``)."""
    data: dict[str, Any] = yaml.safe_load(_read_text("taxonomy.yaml"))
    return data


NODE_TYPES: tuple[str, ...] = tuple(graph_schema()["node_types"])
EDGE_TYPES: tuple[str, ...] = tuple(graph_schema()["edge_types"])
