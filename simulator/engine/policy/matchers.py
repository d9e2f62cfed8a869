"""Action and resource lists, compiled once at parse time and matched many times."""

from __future__ import annotations

from dataclasses import dataclass

from .wildcards import ContextKeys, Glob, Template, glob, has_wildcard, parse_template


@dataclass(frozen=True, slots=True)
class NameList:
    """The values of an Action/NotAction or Resource/NotResource element.

    Plain entries go into a set, wildcard entries become ``Glob``s (matched in linear
    time), and entries with policy variables (resources only) stay templates, filled per
    request.
    Actions compare case-insensitively, resources case-sensitively (IAM user guide,
    "IAM JSON policy elements: Action" and "Resource").
    """

    element: str  # "Action" | "NotAction" | "Resource" | "NotResource"
    raw: tuple[str, ...]
    ignore_case: bool
    everything: bool
    exact: frozenset[str]
    globs: tuple[Glob, ...]  # lower-cased when ignore_case
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
        for pattern in self.globs:
            if pattern.matches(probe):
                return True
        for template in self.templates:
            compiled = template.glob(keys, ignore_case=self.ignore_case)
            if compiled is not None and compiled.matches(probe):
                return True
        return False

    def which(self, value: str, keys: ContextKeys) -> tuple[str, ...]:
        """The entries, as written, that name ``value`` (for the explanation)."""
        probe = value.lower() if self.ignore_case else value
        found = []
        for entry in self.raw:
            template = parse_template(entry, variables=bool(self.templates))
            compiled = template.glob(keys, ignore_case=self.ignore_case)
            if compiled is not None and compiled.matches(probe):
                found.append(entry)
        return tuple(found)


def compile_names(
    element: str, values: tuple[str, ...], *, ignore_case: bool, variables: bool
) -> NameList:
    exact: set[str] = set()
    globs: list[Glob] = []
    templates: list[Template] = []
    for value in values:
        template = parse_template(value, variables=variables)
        if template.has_variables:
            templates.append(template)
        elif has_wildcard(value):
            # Case-insensitive lists keep their globs lower-cased and are probed lower-cased.
            globs.append(glob(value.lower() if ignore_case else value))
        else:
            exact.add(value.lower() if ignore_case else value)
    return NameList(
        element=element,
        raw=values,
        ignore_case=ignore_case,
        everything="*" in values,
        exact=frozenset(exact),
        globs=tuple(globs),
        templates=tuple(templates),
    )
