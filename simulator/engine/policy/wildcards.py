"""Wildcards (``*`` and ``?``) and policy variables (``${aws:username}``), compiled once.

A policy string is turned into a ``Template`` when the policy is parsed. A template
without variables is compiled to its final form straight away (a plain string or a
regular expression), so evaluating it costs one comparison. A template with variables is
kept as segments and filled in from the request context at evaluation time.

Variable syntax follows the IAM user guide ("IAM policy elements: Variables and tags"):
``${key}``, ``${key, 'default'}`` (a doubled ``''`` is a quote inside the default), and the
escapes ``${*}``, ``${?}`` and ``${$}`` for a literal ``*``, ``?`` and ``$``. Variables are
only recognised in policies of Version ``2012-10-17``; in ``2008-10-17`` documents the text is
taken literally.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# What the request context looks like once normalised: lower-cased key names, each with one
# string or a tuple of strings (a multivalued key).
ContextKeys = Mapping[str, str | tuple[str, ...]]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'((?:[^']|'')*)'\s*$")


def glob_to_regex(text: str) -> str:
    """The regular-expression source of a glob in which ``*`` is any run and ``?`` one char."""
    out: list[str] = []
    for char in text:
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "".join(out)


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of a template: policy text, an escaped character, or a variable."""

    kind: str  # "text" (wildcards active) | "char" (a literal from ${*} ${?} ${$}) | "var"
    value: str  # the text, the character, or the lower-cased key name
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    """A policy string that may hold wildcards and policy variables."""

    raw: str
    segments: tuple[Segment, ...]

    @property
    def has_variables(self) -> bool:
        return any(s.kind != "text" for s in self.segments)

    def fill(self, keys: ContextKeys) -> tuple[list[tuple[bool, str]], tuple[str, ...]] | None:
        """The pieces as (wildcards active?, text), with the variables that were used.

        ``None`` when a variable has no value and no default: IAM then treats the element
        or condition value as one that matches nothing ("Policy variables with no value").
        A multivalued key cannot fill a variable either.
        """
        pieces: list[tuple[bool, str]] = []
        used: list[str] = []
        for seg in self.segments:
            if seg.kind == "text":
                pieces.append((True, seg.value))
            elif seg.kind == "char":
                pieces.append((False, seg.value))
            else:
                found = keys.get(seg.value)
                if isinstance(found, str):
                    pieces.append((False, found))
                    used.append(seg.value)
                elif seg.default is not None:
                    pieces.append((False, seg.default))
                else:
                    return None
        return pieces, tuple(used)

    def text(self, keys: ContextKeys) -> str | None:
        """The string with variables filled in, wildcards left as they are."""
        filled = self.fill(keys)
        if filled is None:
            return None
        return "".join(text for _, text in filled[0])

    def regex(self, keys: ContextKeys, flags: int = 0) -> re.Pattern[str] | None:
        """The glob, variables filled in, as a compiled expression (values never glob)."""
        filled = self.fill(keys)
        if filled is None:
            return None
        source = "".join(glob_to_regex(t) if wild else re.escape(t) for wild, t in filled[0])
        return re.compile(source, flags | re.DOTALL)


def parse_template(raw: str, *, variables: bool) -> Template:
    """Split ``raw`` into text, escapes and variables (none when ``variables`` is False)."""
    if not variables or "${" not in raw:
        return Template(raw, (Segment("text", raw),))
    segments: list[Segment] = []
    pos = 0
    for match in _VARIABLE.finditer(raw):
        if match.start() > pos:
            segments.append(Segment("text", raw[pos : match.start()]))
        body = match.group(1)
        if body in ("*", "?", "$"):
            segments.append(Segment("char", body))
        else:
            default = _DEFAULT.match(body)
            if default:
                segments.append(
                    Segment("var", default.group(1).lower(), default.group(2).replace("''", "'"))
                )
            elif body.strip() and " " not in body.strip():
                segments.append(Segment("var", body.strip().lower()))
            else:
                # Not a variable IAM would recognise: the characters stay as policy text.
                segments.append(Segment("text", match.group(0)))
        pos = match.end()
    if pos < len(raw):
        segments.append(Segment("text", raw[pos:]))
    return Template(raw, tuple(segments))
