"""Action and resource lists, compiled once at parse time and matched many times."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .wildcards import ContextKeys, Template, glob_to_regex, has_wildcard, parse_template


@dataclass(frozen=True, slots=True)
class NameList:
    """The values of an Action/NotAction or Resource/NotResource element.

    Plain entries go into a set, wildcard entries into one combined expression, and
    entries with policy variables (resources only) stay templates, filled per request.
    Actions compare case-insensitively, resources case-sensitively (IAM user guide,
    "IAM JSON policy elements: Action" and "Resource").
    """

    element: str  # "Action" | "NotAction" | "Resource" | "NotResource"
    raw: tuple[str, ...]
    ignore_case: bool
    everything: bool
    exact: frozenset[str]
    pattern: re.Pattern[str] | None
    templates: tuple[Template, ...]

    @property
    def negated(self) -> bool:
        return self.element.startswith("Not")

    def matches(self, value: str, keys: ContextKeys) -> bool:
        """Whether any entry names ``value``."""
        if self.everything:
            return True
        probe = value.lower() if self.ignore_case else value
        if probe in self.exact:
            return True
        if self.pattern is not None and self.pattern.fullmatch(probe):
            return True
        for template in self.templates:
            compiled = template.regex(keys)
            if compiled is not None and compiled.fullmatch(value):
                return True
        return False

    def which(self, value: str, keys: ContextKeys) -> tuple[str, ...]:
        """The entries, as written, that name ``value`` (for the explanation)."""
        flags = re.IGNORECASE if self.ignore_case else 0
        found = []
        for entry in self.raw:
            template = parse_template(entry, variables=bool(self.templates))
            compiled = template.regex(keys, flags)
            if compiled is not None and compiled.fullmatch(value):
                found.append(entry)
        return tuple(found)


def compile_names(
    element: str, values: tuple[str, ...], *, ignore_case: bool, variables: bool
) -> NameList:
    exact: set[str] = set()
    globs: list[str] = []
    templates: list[Template] = []
    for value in values:
        template = parse_template(value, variables=variables)
        if template.has_variables:
            templates.append(template)
        elif has_wildcard(value):
            globs.append(glob_to_regex(value.lower() if ignore_case else value))
        else:
            exact.add(value.lower() if ignore_case else value)
    pattern = None
    if globs:
        # Case-insensitive lists are stored lower-cased and probed lower-cased, so the
        # expression itself needs no IGNORECASE flag (which would slow every match).
        pattern = re.compile("|".join(f"(?:{g})" for g in globs), re.DOTALL)
    return NameList(
        element=element,
        raw=values,
        ignore_case=ignore_case,
        everything="*" in values,
        exact=frozenset(exact),
        pattern=pattern,
        templates=tuple(templates),
    )
