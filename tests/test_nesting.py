"""The nesting guard every request body passes: it must flag exactly the bodies
with a non-empty container ``limit`` levels down, whatever their shape."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schema.problems import nesting_problem

from .conftest import example_count

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=3))
_BODIES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=40,
)


def _deepest(value: Any, depth: int = 0) -> int:
    """The depth of the deepest non-empty container (the body itself at 0), by the definition."""
    if not isinstance(value, dict | list) or not value:
        return -1
    items = value.values() if isinstance(value, dict) else value
    return max([depth, *(_deepest(item, depth + 1) for item in items)])


@settings(max_examples=example_count(300), deadline=None)
@given(body=st.dictionaries(st.text(max_size=2), _BODIES, max_size=3), limit=st.integers(1, 6))
def test_a_body_is_too_deep_exactly_when_a_container_sits_limit_levels_down(
    body: dict[str, Any], limit: int
) -> None:
    problem = nesting_problem(body, limit)
    assert (problem is not None) == (_deepest(body) >= limit)
    if problem is not None:
        assert problem.message == f"nested deeper than {limit} levels"
        assert problem.path.endswith("…")
