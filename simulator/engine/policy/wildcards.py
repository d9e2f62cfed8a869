"""Wildcards (``*`` and ``?``) and policy variables (``${aws:username}``), compiled once.

A policy string is turned into a ``Template`` when the policy is parsed. A template
without variables is compiled to its final form straight away (a plain string or a
``Glob``), so evaluating it costs one comparison. A template with variables is
kept as segments and filled in from the request context at evaluation time. Globs are
matched by ``Glob``, in time linear in the value for each piece of the glob, never by
regular expressions.

Variable syntax follows the IAM user guide ("IAM policy elements: Variables and tags"):
``${key}``, ``${key, 'default'}`` (a doubled ``''`` is a quote inside the default), and the
escapes ``${*}``, ``${?}`` and ``${$}`` for a literal ``*``, ``?`` and ``$``. Variables are
only recognised in policies of Version ``2012-10-17``; in ``2008-10-17`` documents the text is
taken literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# What the request context looks like once normalised: lower-cased key names, each with one
# string or a tuple of strings (a multivalued key).
ContextKeys = Mapping[str, str | tuple[str, ...]]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'((?:[^']|'')*)'\s*$")


# A piece of a glob between two stars, as tokens: literal text, or ``None`` for a ``?``
# (any one character).
_Tokens = list[str | None]


@dataclass(frozen=True, slots=True)
class _Piece:
    """A run of a glob without ``*``: literal characters and ``?``."""

    length: int
    text: str | None  # the whole piece when it holds no ``?`` (compared in one call)
    runs: tuple[tuple[int, str], ...]  # (offset, literal run) between the ``?``s

    @classmethod
    def of(cls, tokens: _Tokens) -> _Piece:
        runs: list[tuple[int, str]] = []
        run: list[str] = []
        start = offset = 0
        for token in tokens:
            if token is None:
                if run:
                    runs.append((start, "".join(run)))
                    run = []
                offset += 1
            else:
                if not run:
                    start = offset
                run.append(token)
                offset += len(token)
        if run:
            runs.append((start, "".join(run)))
        whole = runs[0][1] if len(runs) == 1 and len(runs[0][1]) == offset else None
        return cls(offset, "" if offset == 0 else whole, tuple(runs))

    def at(self, value: str, index: int) -> bool:
        """Whether the piece matches ``value`` at ``index`` (which leaves room for it)."""
        if self.text is not None:
            return value.startswith(self.text, index)
        return all(value.startswith(run, index + offset) for offset, run in self.runs)

    def find(self, value: str, start: int, end: int) -> int:
        """The leftmost index in ``[start, end - length]`` where the piece matches, or -1."""
        last = end - self.length
        if last < start:
            return -1
        if self.text is not None:
            return value.find(self.text, start, end)
        if not self.runs:
            return start
        offset, run = self.runs[0]
        stop = last + offset + len(run)
        found = value.find(run, start + offset, stop)
        while found >= 0:
            if self.at(value, found - offset):
                return found - offset
            found = value.find(run, found + 1, stop)
        return -1


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled glob (``*`` any run, ``?`` any one character), matched in linear time.

    Python's ``re`` backtracks, so a glob turned into ``.*`` pieces takes exponential time
    on adversarial input (thirty ``*a`` pieces against a 200-character key do not finish)
    while holding the GIL. Here the glob is cut at its stars: the first piece must match at
    the start, the last at the end, and every piece between is placed at its leftmost match
    after the one before. Placing middle pieces leftmost never loses a match, so no piece is
    ever retried: each match costs at most O(len(value) * len(glob)), and usually one
    ``str.find`` per piece.
    """

    head: _Piece
    middle: tuple[_Piece, ...]
    tail: _Piece | None  # None when the glob has no star: the head is the whole value

    def matches(self, value: str) -> bool:
        """Whether the whole of ``value`` matches."""
        head, tail = self.head, self.tail
        if tail is None:
            return len(value) == head.length and head.at(value, 0)
        end = len(value) - tail.length
        if end < head.length or not head.at(value, 0) or not tail.at(value, end):
            return False
        position = head.length
        for piece in self.middle:
            found = piece.find(value, position, end)
            if found < 0:
                return False
            position = found + piece.length
        return True


def compile_glob(pieces: Iterable[tuple[bool, str]]) -> Glob:
    """A glob from (wildcards active?, text) pieces; inactive text is taken literally."""
    parts: list[_Tokens] = [[]]
    for wild, text in pieces:
        if not wild:
            parts[-1].append(text)
            continue
        for index, chunk in enumerate(text.split("*")):
            if index:
                parts.append([])
            for place, run in enumerate(chunk.split("?")):
                if place:
                    parts[-1].append(None)
                if run:
                    parts[-1].append(run)
    if len(parts) == 1:
        return Glob(_Piece.of(parts[0]), (), None)
    middle = tuple(_Piece.of(items) for items in parts[1:-1] if items)
    return Glob(_Piece.of(parts[0]), middle, _Piece.of(parts[-1]))


def glob(text: str) -> Glob:
    """The glob of a policy string in which ``*`` is any run and ``?`` one character."""
    return compile_glob(((True, text),))


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

    def glob(self, keys: ContextKeys, *, ignore_case: bool = False) -> Glob | None:
        """The glob, variables filled in (their values never act as wildcards).

        With ``ignore_case`` the glob is lower-cased; the caller lower-cases the value.
        """
        filled = self.fill(keys)
        if filled is None:
            return None
        pieces = filled[0]
        if ignore_case:
            pieces = [(wild, text.lower()) for wild, text in pieces]
        return compile_glob(pieces)


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
