"""``kgdiag lint``: every reason a graph would mislead an agent, one line each.

Schema errors come from the validator; this module adds what only the whole
graph shows: dangling edges, symptoms without causes, causes without checks
or resolutions, nodes no symptom leads to, one phrase claimed by two
symptoms, resolutions that require checks that do not exist, and contract
taxonomy ids that are missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from schema import graph_schema, taxonomy
from schema.validate import Finding, validate_edge, validate_node

from .integrity import endpoint_findings
from .model import GraphContent

__all__ = ["lint_content", "normalise_phrase"]

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_phrase(text: str) -> str:
    """Fold a phrase for duplicate detection: width, case, spaces, punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).casefold())


class _Labeller:
    def __init__(self, content: GraphContent, with_files: bool) -> None:
        files = {name: spec["file"] for name, spec in graph_schema()["node_types"].items()}
        self.prefix = {
            node_id: f"{files.get(node.type, '?')}:" if with_files else ""
            for node_id, node in content.nodes.items()
        }

    def __call__(self, finding: Finding) -> Finding:
        head = finding.where.split(" -> ")[0]
        return Finding(self.prefix.get(head, "") + finding.where, finding.what, finding.why)


def _schema_findings(content: GraphContent) -> Iterable[Finding]:
    for node in content.nodes.values():
        yield from validate_node(node.type, node.data)
    for edge in content.edges.values():
        yield from validate_edge(edge.type, edge.source, edge.target, edge.data)


def _edge_findings(content: GraphContent) -> Iterable[Finding]:
    for edge in content.edges.values():
        yield from endpoint_findings(edge, content.nodes.get)


def _out(content: GraphContent, edge_type: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for edge in content.edges.values():
        if edge.type == edge_type and edge.target in content.nodes:
            out[edge.source].append(edge.target)
    return out


def _coverage_findings(content: GraphContent) -> Iterable[Finding]:
    causes_of = _out(content, "caused_by")
    checks_of = _out(content, "tested_by")
    fixes_of = _out(content, "resolved_by")
    systems_of = _out(content, "depends_on")
    reached: set[str] = set()
    for node_id, node in sorted(content.nodes.items()):
        if node.type == "Symptom":
            if not causes_of.get(node_id):
                yield Finding(node_id, "caused_by", "symptom without causes: nothing to diagnose")
            reached.update(causes_of.get(node_id, []))
    for node_id, node in sorted(content.nodes.items()):
        if node.type == "Cause":
            if not checks_of.get(node_id):
                yield Finding(node_id, "tested_by", "cause without checks: cannot be told apart")
            if not fixes_of.get(node_id):
                yield Finding(node_id, "resolved_by", "cause without resolutions: agent is stuck")
    leads = {
        c
        for cause in reached
        for c in (checks_of.get(cause, []) + fixes_of.get(cause, []) + systems_of.get(cause, []))
    }
    reached |= leads
    for node_id, node in sorted(content.nodes.items()):
        if node.type not in ("Symptom", "Corpus") and node_id not in reached:
            yield Finding(node_id, "(node)", f"unreachable: no symptom leads to this {node.type}")


def _phrase_findings(content: GraphContent) -> Iterable[Finding]:
    owners: dict[str, set[str]] = defaultdict(set)
    for node_id, node in content.nodes.items():
        phrases = node.data.get("phrases") if node.type == "Symptom" else None
        if not isinstance(phrases, dict):
            continue
        for lang in ("zh", "en"):
            for phrase in phrases.get(lang) or []:
                if isinstance(phrase, str) and normalise_phrase(phrase):
                    owners[normalise_phrase(phrase)].add(node_id)
    for phrase, ids in sorted(owners.items()):
        if len(ids) > 1:
            names = ", ".join(sorted(ids))
            for node_id in sorted(ids):
                yield Finding(node_id, "phrases", f"phrase {phrase!r} is claimed by {names}")


def _corpus_findings(content: GraphContent) -> Iterable[Finding]:
    """A corpus teaches one symptom or is out of scope; no message is claimed twice."""
    teaches = _out(content, "teaches")
    owners: dict[str, list[str]] = defaultdict(list)
    for node_id, node in sorted(content.nodes.items()):
        if node.type != "Corpus":
            continue
        targets = teaches.get(node_id, [])
        if node.data.get("out_of_scope") and targets:
            yield Finding(node_id, "teaches", "an out-of-scope corpus teaches no symptom")
        if not node.data.get("out_of_scope") and len(targets) != 1:
            yield Finding(node_id, "teaches", "a corpus teaches exactly one symptom")
        for item in node.data.get("utterances") or []:
            text = item.get("text") if isinstance(item, dict) else None
            if isinstance(text, str) and normalise_phrase(text):
                owners[normalise_phrase(text)].append(node_id)
    for text, ids in sorted(owners.items()):
        if len(ids) > 1:
            names = ", ".join(sorted(set(ids)))
            for node_id in sorted(set(ids)):
                yield Finding(node_id, "utterances", f"{text!r} is held {len(ids)} times ({names})")


def _reference_findings(content: GraphContent) -> Iterable[Finding]:
    for node_id, node in sorted(content.nodes.items()):
        required = node.data.get("requires_checks") if node.type == "Resolution" else None
        for index, entry in enumerate(required or []):
            check_id = entry.get("check") if isinstance(entry, dict) else entry
            target = content.nodes.get(str(check_id))
            if target is None or target.type != "Check":
                yield Finding(node_id, f"requires_checks[{index}]", f"no check {check_id!r}")
        backstop = node.data.get("backstop")
        if node.type == "Resolution" and isinstance(backstop, dict):
            named, field = backstop.get("resolution"), "backstop.resolution"
        else:
            named, field = node.data.get("backstop_resolution"), "backstop_resolution"
        if named is not None:
            target = content.nodes.get(str(named))
            if target is None or target.type != "Resolution":
                yield Finding(node_id, field, f"no resolution {named!r}")


def _truth_findings(content: GraphContent) -> Iterable[Finding]:
    """What keeps replies true: a cause is shown by its own checks, never by an
    escalation; money and irreversible steps wait for a check and a senior."""
    tested = _out(content, "tested_by")
    for node_id, node in sorted(content.nodes.items()):
        if node.type == "Cause":
            for index, check in enumerate(node.data.get("shown_by") or []):
                target = content.nodes.get(str(check))
                if str(check) not in tested.get(node_id, []):
                    yield Finding(
                        node_id,
                        f"shown_by[{index}]",
                        f"{check!r} is not one of its tested_by checks",
                    )
                elif target is not None and target.data.get("escalates_to"):
                    yield Finding(
                        node_id,
                        f"shown_by[{index}]",
                        f"{check!r} is an escalation: it hands the case on and shows nothing",
                    )
        if node.type == "Resolution":
            guarded = node.data.get("moves_money") or node.data.get("irreversible")
            if guarded and not node.data.get("requires_checks"):
                yield Finding(
                    node_id,
                    "requires_checks",
                    "moves money or cannot be undone, but no check must come first",
                )
            if node.data.get("moves_money") and node.data.get("min_role", "agent") == "agent":
                yield Finding(node_id, "min_role", "moves money: needs a senior, not an agent")


def _taxonomy_findings(content: GraphContent) -> Iterable[Finding]:
    for kind, node_type in (("symptoms", "Symptom"), ("causes", "Cause")):
        for taxonomy_id in taxonomy()[kind]:
            node = content.nodes.get(taxonomy_id)
            if node is None or node.type != node_type:
                yield Finding(
                    taxonomy_id,
                    "(node)",
                    f"contract taxonomy {node_type} is missing from the graph",
                )


def lint_content(
    content: GraphContent, *, with_files: bool = False, check_taxonomy: bool = True
) -> list[Finding]:
    """Every finding for ``content``, sorted and without repeats."""
    found = [
        *_schema_findings(content),
        *_edge_findings(content),
        *_coverage_findings(content),
        *_phrase_findings(content),
        *_reference_findings(content),
        *_truth_findings(content),
        *_corpus_findings(content),
    ]
    if check_taxonomy:
        found += _taxonomy_findings(content)
    label = _Labeller(content, with_files)
    return sorted({label(f) for f in found})
