"""Templates that only print variables are rendered by substitution: it must
print exactly what Jinja prints, for every template the graph and the
language file hold, whatever the variables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostics.language import language_data
from diagnostics.templates import _by_jinja, _substitute, _substitution, allowed_variables
from seed import default_seed_dir, load_seed_dir


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _templates() -> list[str]:
    content, _ = load_seed_dir(default_seed_dir())
    found = set(_strings(dict(language_data())))
    for node in content.nodes.values():
        found |= set(_strings(node.data))
    for edge in content.edges.values():
        found |= set(_strings(edge.data))
    return sorted(text for text in found if "{{" in text or "{%" in text)


TEMPLATES = _templates()
NAMES = sorted(allowed_variables())
VALUES = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.integers(-10, 10_000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)


def test_most_templates_of_the_seed_take_the_fast_path() -> None:
    fast = [text for text in TEMPLATES if _substitution(text) is not None]
    assert len(TEMPLATES) > 40
    assert len(fast) >= len(TEMPLATES) * 0.8, (len(fast), len(TEMPLATES))
    assert _substitution("{% if region %}{{ region }}{% endif %}") is None
    assert _substitution("{{ region | upper }}") is None


@settings(max_examples=200, deadline=None)
@given(
    index=st.integers(0, 10_000),
    variables=st.dictionaries(st.sampled_from([*NAMES, "supplier"]), VALUES, max_size=12),
)
def test_substitution_prints_what_jinja_prints(index: int, variables: dict[str, Any]) -> None:
    fast = [text for text in TEMPLATES if _substitution(text) is not None]
    text = fast[index % len(fast)]
    pieces = _substitution(text)
    assert pieces is not None
    assert _substitute(pieces, variables) == _by_jinja(text, variables)
