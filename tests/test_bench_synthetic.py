"""The benchmark's synthetic graphs keep the seed's shape around every symptom."""

from __future__ import annotations

from bench.synthetic import replicate
from graph.lint import lint_content
from graph.model import GraphContent, Node
from graph.snapshot import build_snapshot


def test_a_replicated_graph_has_the_seeds_neighbourhoods(seed_content: GraphContent) -> None:
    big = replicate(seed_content, 1000)
    corpora = {n for n, node in seed_content.nodes.items() if node.type == "Corpus"}
    others = len(seed_content.nodes) - len(corpora)
    copies = (len(big.nodes) - len(corpora)) // others
    assert len(big.nodes) >= 1000 and len(big.nodes) == copies * others + len(corpora)
    taught = sum(1 for e in seed_content.edges.values() if e.type == "teaches")
    assert len(big.edges) == copies * (len(seed_content.edges) - taught) + taught
    assert set(seed_content.nodes) <= set(big.nodes)  # copy 0 keeps the seed's ids
    snapshot = build_snapshot(1, big)
    for symptom in ("card_key_invalid", f"card_key_invalid__{copies - 1}"):
        causes = sorted(c.split("__")[0] for c, _ in snapshot.out_edges(symptom, "caused_by"))
        seed_causes = sorted(
            t for (s, t), e in seed_content.edges.items() if s == "card_key_invalid"
        )
        assert causes == seed_causes


def test_a_replicated_graph_passes_lint_like_the_seed(seed_content: GraphContent) -> None:
    """A graph the edit gate let grow has no findings; copies sharing the seed's
    phrases would have one per phrase per copy, and the writes bench would time those."""
    big = replicate(seed_content, 700)
    assert lint_content(seed_content) == []
    assert lint_content(big) == []


def test_only_the_systems_an_order_can_name_are_looked_up(seed_content: GraphContent) -> None:
    """The restricted status map answers every name a condition can ask exactly as the
    full one does, so the engine's answers cannot change, only its cost."""
    from diagnostics.systems import names_for, system_statuses
    from web.examples import examples

    snapshot = build_snapshot(1, replicate(seed_content, 2000))
    recorded = {"mail_queue": "down", "sup-kx": "maintenance"}
    for case in examples():
        order = case["request"].get("order", {})
        overrides = case["request"].get("systems", {})
        wanted = names_for(snapshot, order)
        full = system_statuses(snapshot, overrides, recorded)
        small = system_statuses(snapshot, overrides, recorded, wanted)
        assert {n: full.get(n) for n in wanted} == {n: small.get(n) for n in wanted}
        assert len(small) < len(full) / 10
    assert "mail_queue" in names_for(snapshot, {})  # a literal name in a condition


def test_systems_are_looked_up_by_the_fields_conditions_name_them_by(
    content: GraphContent,
) -> None:
    """Only the order fields conditions key ``systems`` by are read for names; a
    condition that names a system any other way makes every string of the order count."""
    from diagnostics.systems import names_for

    order = {"payment": {"gateway": "wechat"}, "customer": {"note": "steam"}}
    literal = {"mail_queue", "payment_monitor"}  # named as literals by seed conditions
    assert names_for(build_snapshot(1, content), order) == {"wechat", *literal}
    check = content.nodes["mail_queue_down"]
    data = {**check.data, "fails_when": 'systems.exists(name, name == "steam")'}
    content.nodes["mail_queue_down"] = Node(check.type, data)
    assert names_for(build_snapshot(2, content), order) >= {"wechat", "steam"}


def test_the_by_message_figure_times_messages_the_matcher_has_not_seen(
    seed_content: GraphContent,
) -> None:
    """Every timed message is one the warm-up did not send (a warm-up over the
    timed messages once made the figure time a memo)."""
    from unittest import mock

    from bench import run
    from web.examples import examples

    sent: list[str] = []
    real = run._diagnose_times

    def spy(
        snapshot: object, requests: list[dict[str, str]], *args: object, **kw: object
    ) -> object:
        sent.extend(r["message"] for r in requests)
        warm = kw.get("warm") or []
        assert not {r["message"] for r in requests} & {w["message"] for w in warm}  # type: ignore[attr-defined,index]
        return real(snapshot, requests, *args, **kw)  # type: ignore[arg-type]

    with mock.patch.object(run, "_diagnose_times", spy):
        samples = run.by_message_times(build_snapshot(1, seed_content), rounds=1)
    assert len(samples) == 2 * len(examples()) == len(set(sent))
