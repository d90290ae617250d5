"""The shipped seed: contract ids present, lossless YAML round trip, lint finds planted faults."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.synthetic import replicate
from graph.lint import lint_content
from graph.model import Edge, GraphContent, Node
from graph.sqlite import SqliteStore
from schema import order_schema, taxonomy
from schema.validate import _edge_memo, _node_memo
from seed import default_seed_dir, dump_seed_dir, load_seed_dir

from .conftest import SHARED


def test_every_taxonomy_id_is_in_the_seed(seed_content: GraphContent) -> None:
    for kind, node_type in (("symptoms", "Symptom"), ("causes", "Cause")):
        for taxonomy_id in taxonomy()[kind]:
            assert seed_content.nodes[taxonomy_id].type == node_type


def test_shipped_contract_copies_match_shared() -> None:
    if not SHARED.exists():
        pytest.skip("../shared is not beside this checkout")
    shipped_tax = yaml.safe_load((SHARED / "contract" / "taxonomy.yaml").read_text("utf-8"))
    assert shipped_tax == taxonomy()
    contract = json.loads((SHARED / "contract" / "order.schema.json").read_text("utf-8"))
    assert contract == order_schema()


def test_seed_has_the_expected_size(seed_content: GraphContent) -> None:
    counts = seed_content.counts()
    assert counts["Symptom"] >= 14 and counts["Cause"] >= 33
    assert counts["Check"] >= 40 and counts["Resolution"] >= 30
    kinds = {n.data["kind"] for n in seed_content.nodes.values() if n.type == "System"}
    assert {"mail_queue", "payment_gateway", "supplier", "platform"} <= kinds


def test_seed_lints_clean(seed_content: GraphContent) -> None:
    assert [str(f) for f in lint_content(seed_content)] == []


def test_every_cause_has_a_check_a_resolution_and_a_symptom(seed_content: GraphContent) -> None:
    edges = seed_content.edges.values()
    for node_id, node in seed_content.nodes.items():
        if node.type != "Cause":
            continue
        assert any(e.type == "caused_by" and e.target == node_id for e in edges), node_id
        assert any(e.type == "tested_by" and e.source == node_id for e in edges), node_id
        assert any(e.type == "resolved_by" and e.source == node_id for e in edges), node_id


def _plain(directory: Path) -> dict[str, list[dict[str, object]]]:
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        nodes = yaml.safe_load(path.read_text("utf-8")) or []
        for node in nodes:
            for key, value in node.items():
                if (
                    isinstance(value, list)
                    and value
                    and all(isinstance(e, dict) and "to" in e for e in value)
                ):
                    node[key] = sorted(value, key=lambda e: str(e["to"]))
        out[path.name] = sorted(nodes, key=lambda n: n["id"])
    return out


@pytest.mark.slow
def test_yaml_round_trip_is_lossless(tmp_path: Path) -> None:
    content, problems = load_seed_dir(default_seed_dir())
    assert problems == []
    dump_seed_dir(content, tmp_path / "out")
    assert _plain(tmp_path / "out") == _plain(default_seed_dir())
    again, _ = load_seed_dir(tmp_path / "out")
    dump_seed_dir(again, tmp_path / "twice")
    for path in (tmp_path / "out").glob("*.yaml"):
        assert path.read_text("utf-8") == (tmp_path / "twice" / path.name).read_text("utf-8")


def _plant(content: GraphContent) -> GraphContent:
    """A copy of the seed with one of every fault lint must find."""
    broken = copy.deepcopy(content)
    broken.edges[("card_key_invalid", "ghost_cause")] = Edge(
        "caused_by", "card_key_invalid", "ghost_cause", {"prior": 0.1}
    )
    broken.nodes["lonely_symptom"] = Node(
        "Symptom",
        {
            **copy.deepcopy(dict(content.nodes["balance_incorrect"].data)),
            "id": "lonely_symptom",
            "phrases": {
                "zh": ["孤零零一", "孤零零二", "孤零零三", "孤零零四", "孤零零五", "余额不对"],
                "en": ["lonely one", "lonely two", "lonely three"],
            },
        },
    )
    broken.nodes["untested_cause"] = Node(
        "Cause",
        {**copy.deepcopy(dict(content.nodes["listing_error"].data)), "id": "untested_cause"},
    )
    broken.edges[("refund_not_received", "untested_cause")] = Edge(
        "caused_by", "refund_not_received", "untested_cause", {"prior": 0.1}
    )
    broken.nodes["orphan_check"] = Node(
        "Check",
        {
            **copy.deepcopy(dict(content.nodes["mail_queue_down"].data)),
            "id": "orphan_check",
            "fails_when": 'order.delivery.emial.status == "failed"',
        },
    )
    bad_cel = copy.deepcopy(dict(content.nodes["order_risk_held"].data))
    bad_cel["fails_when"] = "order.risk.status =="
    broken.nodes["order_risk_held"] = Node("Check", bad_cel)
    bad_template = copy.deepcopy(dict(content.nodes["guide_repay"].data))
    bad_template["reply"]["zh"] = "供货方 {{ supplier_name }} 出了问题"
    broken.nodes["guide_repay"] = Node("Resolution", bad_template)
    broken.nodes.pop("payment_declined")
    for key in [k for k in broken.edges if k[0] == "payment_declined"]:
        broken.edges.pop(key)
    return broken


def test_lint_finds_every_planted_fault(seed_content: GraphContent) -> None:
    found = {(f.where, f.what, f.why) for f in lint_content(_plant(seed_content))}
    lines = "\n".join(sorted(" | ".join(f) for f in found))

    def has(where: str, what: str, why_part: str) -> bool:
        return any(w == where and t == what and why_part in y for w, t, y in found)

    assert has("card_key_invalid -> ghost_cause", "target", "dangling edge"), lines
    assert has("lonely_symptom", "caused_by", "symptom without causes"), lines
    assert has("untested_cause", "tested_by", "cause without checks"), lines
    assert has("untested_cause", "resolved_by", "cause without resolutions"), lines
    assert has("orphan_check", "(node)", "unreachable"), lines
    assert has("orphan_check", "fails_when", "has no field 'emial'"), lines
    assert has("order_risk_held", "fails_when", "CEL does not compile"), lines
    assert has("guide_repay", "reply.zh", "unknown variable 'supplier_name'"), lines
    assert has("lonely_symptom", "phrases", "claimed by balance_incorrect, lonely_symptom"), lines
    assert has("balance_incorrect", "phrases", "claimed by"), lines
    assert has("payment_declined", "(node)", "contract taxonomy Cause is missing"), lines
    # edges pointing at the removed cause are dangling too
    assert has("payment_failed -> payment_declined", "target", "dangling edge"), lines


def test_loader_reports_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "symptoms.yaml").write_text("- id: a\n  title: [unclosed\n", "utf-8")
    (tmp_path / "causes.yaml").write_text("just: a mapping\n", "utf-8")
    (tmp_path / "checks.yaml").write_text("- title: no id\n", "utf-8")
    _, problems = load_seed_dir(tmp_path)
    text = [str(p) for p in problems]
    assert any(t.startswith("symptoms.yaml: (file): not valid YAML at line") for t in text)
    assert "causes.yaml: (file): must be a list of nodes" in text
    assert "checks.yaml[0]: id: each node needs a string id" in text
    assert "resolutions.yaml: (file): missing" in text


def test_a_guarded_edit_hands_its_lint_to_the_new_revision(store: SqliteStore) -> None:
    """The gate's findings of the draft are the new snapshot's: equal to linting it anew."""
    from graph.gate import guarded_apply, snapshot_findings
    from graph.model import ChangeSet, Operation
    from graph.snapshot import thaw

    def update(node_id: str, node_type: str, edit: Any) -> ChangeSet:
        data = thaw(store.snapshot().node(node_id))
        edit(data)
        return ChangeSet((Operation("update", "node", node_id, node=Node(node_type, data)),))

    # A finding already in the graph (written past the gate): a phrase two symptoms claim.
    claim = update("double_charge", "Symptom", lambda d: d["phrases"]["zh"].append("重复扣款了吗"))
    store.apply(claim, expected_revision=store.revision(), author="t")
    claim = update(
        "card_key_invalid", "Symptom", lambda d: d["phrases"]["zh"].append("重复扣款了吗")
    )
    store.apply(claim, expected_revision=store.revision(), author="t")
    assert lint_content(store.snapshot().content()), "the planted finding"

    retitle = update("region_lock", "Cause", lambda d: d["title"].update(en="Region lock!"))
    info = guarded_apply(store, retitle, expected_revision=store.revision(), author="t")
    snapshot = store.snapshot()
    assert snapshot.revision == info.revision
    handed = snapshot_findings(snapshot)
    assert handed is snapshot._derived["lint"] and handed
    assert handed == lint_content(snapshot.content())


def test_the_lint_memo_holds_a_graph_bigger_than_it_used_to(seed_content: GraphContent) -> None:
    """A second lint of an unchanged graph re-validates nothing, even past 8k records.

    The record memo was an 8192-entry LRU; lint walks every record in turn,
    so on a bigger graph each was evicted before it came back and every gated
    edit at 10k nodes re-validated all 25k records (30 s).
    """
    content = replicate(seed_content, 6_000)
    assert len(content.nodes) + len(content.edges) > 8192
    first = lint_content(content)
    misses = _node_memo.cache_info().misses + _edge_memo.cache_info().misses
    assert lint_content(content) == first
    assert _node_memo.cache_info().misses + _edge_memo.cache_info().misses == misses


def test_every_two_sibling_causes_are_told_apart_by_a_check(seed_content: GraphContent) -> None:
    """For each symptom, every pair of its causes has a check (not an escalation)
    whose fail chance differs by at least 0.3 between them: knowledge, not filler."""
    nodes = seed_content.nodes
    causes_of: dict[str, list[str]] = {}
    fails: dict[tuple[str, str], float] = {}
    for edge in seed_content.edges.values():
        if edge.type == "caused_by":
            causes_of.setdefault(edge.source, []).append(edge.target)
        if edge.type == "tested_by":
            fails[(edge.source, edge.target)] = float(edge.data["p_fail"])
    checks = {check for _, check in fails if not nodes[check].data.get("escalates_to")}
    blurred = []
    for symptom, causes in causes_of.items():
        for i, a in enumerate(causes):
            for b in causes[i + 1 :]:
                gaps = [
                    abs(
                        fails.get((a, c), nodes[c].data["p_fail_otherwise"])
                        - fails.get((b, c), nodes[c].data["p_fail_otherwise"])
                    )
                    for c in checks
                    if (a, c) in fails or (b, c) in fails
                ]
                if max(gaps, default=0.0) < 0.3:
                    blurred.append((symptom, a, b))
    assert blurred == []
