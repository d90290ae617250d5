"""The worked example cases shipped with the pages (``examples.yaml``).

They are the contract's examples, copied so an installed kgdiag can fill the
console with a realistic order and train new staff without ``shared/``.
Only the request is shown to agents; the expected symptom and cause are
the answer key of practice mode.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["example", "examples"]


@cache
def examples() -> tuple[dict[str, Any], ...]:
    """Every example case, in file order."""
    text = resources.files(__package__).joinpath("examples.yaml").read_text(encoding="utf-8")
    return tuple(yaml.safe_load(text))


def example(case_id: str) -> dict[str, Any] | None:
    """The example ``case_id`` (a fresh copy, safe to change), or None."""
    for case in examples():
        if case["id"] == case_id:
            found: dict[str, Any] = yaml.safe_load(yaml.safe_dump(case))
            return found
    return None
