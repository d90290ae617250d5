"""The shipped card-shop knowledge graph and its YAML form.

A graph on disk is a directory of five files, one per node type
(``symptoms.yaml``, ``causes.yaml``, ``checks.yaml``, ``resolutions.yaml``,
``systems.yaml``). Each file is a list of nodes; a node's outgoing edges sit
under the edge type's name as ``{to: target, ...edge fields}``, because that is
how an author thinks ("this cause is tested by these checks"). Loading never
raises on bad input: it returns what it could read and a finding for the rest,
so ``kgdiag lint`` can report every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from graph.model import Edge, GraphContent, Node
from schema import graph_schema
from schema.validate import Finding

__all__ = ["default_seed_dir", "dump_seed_dir", "load_seed_dir"]


def default_seed_dir() -> Path:
    """The directory of the shipped seed graph (package data)."""
    return Path(str(resources.files(__name__)))


def _node_files() -> dict[str, str]:
    return {name: spec["file"] for name, spec in graph_schema()["node_types"].items()}


def _edge_types_from(node_type: str) -> list[str]:
    return [
        name for name, spec in graph_schema()["edge_types"].items() if spec["source"] == node_type
    ]


def _read_list(path: Path) -> tuple[list[Any], list[Finding]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], [Finding(path.name, "(file)", "missing")]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        return [], [Finding(path.name, "(file)", f"not valid YAML{line}: {err}")]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [Finding(path.name, "(file)", "must be a list of nodes")]
    return data, []


def _split_edges(
    node_type: str, raw: dict[str, Any], file: str, content: GraphContent
) -> list[Finding]:
    found: list[Finding] = []
    source = str(raw.get("id", "?"))
    for edge_type in _edge_types_from(node_type):
        entries = raw.pop(edge_type, None)
        if entries is None:
            continue
        if not isinstance(entries, list):
            found.append(Finding(f"{file}:{source}", edge_type, "must be a list of {to: id, ...}"))
            continue
        for index, entry in enumerate(entries):
            where = f"{file}:{source}"
            if not isinstance(entry, Mapping) or not isinstance(entry.get("to"), str):
                found.append(Finding(where, f"{edge_type}[{index}]", "needs 'to: <node id>'"))
                continue
            data = {k: v for k, v in entry.items() if k != "to"}
            edge = Edge(edge_type, source, entry["to"], data)
            if edge.key in content.edges:
                found.append(
                    Finding(where, f"{edge_type}[{index}]", f"duplicate edge to {entry['to']!r}")
                )
                continue
            content.edges[edge.key] = edge
    return found


def load_seed_dir(directory: Path) -> tuple[GraphContent, list[Finding]]:
    """Read a graph directory; returns the content and findings for what was unreadable."""
    content = GraphContent()
    found: list[Finding] = []
    for node_type, file in _node_files().items():
        items, problems = _read_list(directory / file)
        found += problems
        for index, raw in enumerate(items):
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                found.append(Finding(f"{file}[{index}]", "id", "each node needs a string id"))
                continue
            data = dict(raw)
            found += _split_edges(node_type, data, file, content)
            if data["id"] in content.nodes:
                found.append(Finding(f"{file}:{data['id']}", "id", "duplicate node id"))
                continue
            content.nodes[data["id"]] = Node(node_type, data)
    return content, found


def _ordered(data: Mapping[str, Any], order: list[str]) -> dict[str, Any]:
    """Fields in the schema's order, unknown ones last, for stable readable files."""
    known = {k: data[k] for k in order if k in data}
    return {**known, **{k: v for k, v in data.items() if k not in known}}


def dump_seed_dir(content: GraphContent, directory: Path) -> list[Path]:
    """Write ``content`` as a graph directory; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    schema = graph_schema()
    written: list[Path] = []
    for node_type, file in _node_files().items():
        order = list(schema["node_types"][node_type]["schema"]["properties"])
        out: list[dict[str, Any]] = []
        for node_id in sorted(n for n, node in content.nodes.items() if node.type == node_type):
            item = _ordered(content.nodes[node_id].data, order)
            for edge_type in _edge_types_from(node_type):
                edge_order = ["to", *schema["edge_types"][edge_type]["schema"]["properties"]]
                edges = sorted(
                    (
                        e
                        for e in content.edges.values()
                        if e.type == edge_type and e.source == node_id
                    ),
                    key=lambda e: e.target,
                )
                if edges:
                    item[edge_type] = [
                        _ordered({"to": e.target, **e.data}, edge_order) for e in edges
                    ]
            out.append(item)
        path = directory / file
        path.write_text(
            yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
        )
        written.append(path)
    return written
