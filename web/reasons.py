"""The engine's CEL, template and schema reasons in the page's language.

Names and code stay as written; only the sentence around them is translated,
and a reason of an unknown shape is shown as the engine wrote it.
"""

from __future__ import annotations

import re

from .i18n import t

__all__ = ["say"]

_WHY: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^(?P<where>\S+) has no field (?P<field>'[^']+')"
            r"(?: \(did you mean (?P<hint>\S+)\?\))?$"
        ),
        "why_no_field",
    ),
    (
        re.compile(r"^unknown variable (?P<name>'[^']+') \(use one of (?P<known>[^)]*)\)$"),
        "why_unknown_variable",
    ),
    (re.compile(r"^unknown variable (?P<name>'[^']+')$"), "why_unknown_template_variable"),
    (re.compile(r"^a matches\(\) pattern must be a string literal"), "why_computed_pattern"),
    (re.compile(r"^condition nested deeper than (?P<n>\d+) levels$"), "why_condition_depth"),
    (re.compile(r"^unknown function (?P<name>'[^']+')$"), "why_unknown_function"),
    (re.compile(r"^unreachable: no symptom leads to this (?P<type>\w+)$"), "why_unreachable"),
    (re.compile(r"^symptom without causes: nothing to diagnose$"), "why_no_causes"),
    (re.compile(r"^cause without checks: cannot be told apart$"), "why_no_checks"),
    (re.compile(r"^cause without resolutions: agent is stuck$"), "why_no_resolutions"),
    (
        re.compile(r"^template syntax error on line (?P<line>\d+): (?P<detail>.*)$", re.S),
        "why_template_syntax",
    ),
    (re.compile(r"^attribute (?P<name>'[^']+') is not allowed$"), "why_attribute"),
    (re.compile(r"^filter (?P<name>'[^']+') is not allowed$"), "why_filter"),
    (re.compile(r"^(?P<what>[a-z]+) is not allowed in a template$"), "why_construct"),
    (re.compile(r"^CEL does not compile: (?P<detail>.*)$", re.S), "why_not_compile"),
    (re.compile(r"^(?P<where>\S+) is not a list$"), "why_not_list"),
    (re.compile(r"^required field is missing$"), "why_required"),
)
"""The engine's CEL and schema reasons the editor says in the page's language; any
other reason is shown as the engine wrote it (names and code stay untranslated)."""


def say(why: str) -> str:
    """``why`` in the page's language where its shape is known."""
    for pattern, key in _WHY:
        if match := pattern.match(why):
            parts = {k: v or "" for k, v in match.groupdict().items()}
            text = t(key).format(**parts)
            return text + (
                t("why_did_you_mean").format(hint=parts["hint"]) if parts.get("hint") else ""
            )
    return why
