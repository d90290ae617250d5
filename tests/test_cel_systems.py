"""A condition is given only the system statuses it can look up; its verdict
must be the one the whole status map gives, whatever the order and statuses."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostics.cel_systems import statuses_for, system_keys
from diagnostics.conditions import ConditionContext, compile_condition, evaluate, parse_time
from seed import default_seed_dir, load_seed_dir

NOW = parse_time("2026-11-20T12:00:00+08:00")


def _system_conditions() -> list[str]:
    content, _ = load_seed_dir(default_seed_dir())
    sources = [n.data.get("fails_when") for n in content.nodes.values()]
    sources += [e.data.get("when") for e in content.edges.values()]
    return sorted({s for s in sources if isinstance(s, str) and "systems" in s})


SOURCES = _system_conditions()
NAMES = ["sup-kx", "sup_kx", "wechat", "wechat_pay", "psn", "steam", "mail_queue", "nobody"]
STATUS = st.sampled_from(["up", "down", "degraded", "maintenance"])


def test_lookups_are_read_from_the_text() -> None:
    assert system_keys('systems[order.product.supplier] in ["down"]') == {
        ("order", "product", "supplier")
    }
    assert system_keys("systems['mail_queue'] == 'down'") == {("=", "mail_queue")}
    assert system_keys('order.status == "paid"') == frozenset()
    for other in ('"steam" in systems', "has(systems.steam)", 'systems[order.a + "x"] == "up"'):
        assert system_keys(other) is None, other
    assert statuses_for(
        frozenset({("order", "p"), ("=", "mail_queue")}),
        {"p": "psn"},
        {"psn": "down", "steam": "up", "mail_queue": "up"},
    ) == {"psn": "down", "mail_queue": "up"}


def test_the_seed_names_systems_by_literal_and_by_field() -> None:
    assert len(SOURCES) >= 4
    assert all(system_keys(source) is not None for source in SOURCES)


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, 1000),
    supplier=st.sampled_from(NAMES),
    platform=st.sampled_from(NAMES),
    gateway=st.sampled_from([*NAMES, 5]),
    statuses=st.dictionaries(st.sampled_from(NAMES), STATUS, max_size=8),
)
def test_a_restricted_status_map_gives_the_whole_maps_verdict(
    index: int, supplier: str, platform: str, gateway: Any, statuses: dict[str, str]
) -> None:
    cond = compile_condition(SOURCES[index % len(SOURCES)])
    whole = dataclasses.replace(cond, system_keys=None)
    order = {
        "product": {"supplier": supplier, "platform": platform},
        "payment": {"gateway": gateway},
    }
    restricted_context = ConditionContext.build(order, NOW, statuses)
    restricted_context.focus([cond])
    whole_context = ConditionContext.build(order, NOW, statuses)
    whole_context.focus([whole])
    assert evaluate(cond, restricted_context) == evaluate(whole, whole_context)
