"""The glossary's entries, read once from ``terms.toml`` (the data lives as data).

Each entry pairs today's term, as AWS's own English and Japanese documentation write it,
with the deck's and older exam terms that mean it, a short definition in our own words
and a page of AWS's documentation.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TERMS_FILE = Path(__file__).with_name("terms.toml")
LANGUAGES = ("en", "ja")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DOCS_PREFIX = "https://docs.aws.amazon.com/"


@dataclass(frozen=True)
class Text:
    """One piece of text in both languages."""

    en: str
    ja: str

    def get(self, language: str) -> str:
        return self.ja if language == "ja" else self.en


@dataclass(frozen=True)
class Term:
    slug: str
    term: Text
    older_en: tuple[str, ...]
    older_ja: tuple[str, ...]
    definition: Text
    docs: str

    def older(self, language: str) -> tuple[str, ...]:
        return self.older_ja if language == "ja" else self.older_en

    def docs_for(self, language: str) -> str:
        """The AWS documentation page in the reader's language (AWS serves Japanese
        pages under ``/ja_jp/``)."""
        if language == "ja":
            return DOCS_PREFIX + "ja_jp/" + self.docs.removeprefix(DOCS_PREFIX)
        return self.docs


class GlossaryError(ValueError):
    """``terms.toml`` breaks its FORMAT."""


def _text(raw: dict[str, object], field: str, slug: str) -> Text:
    value = raw.get(field)
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
    ):
        raise GlossaryError(f"{slug}: {field} needs non-empty en and ja")
    return Text(en=value["en"], ja=value["ja"])


def parse(data: dict[str, object]) -> tuple[Term, ...]:
    """The entries of a parsed ``terms.toml``, checked against its FORMAT."""
    raw_terms = data.get("terms")
    if not isinstance(raw_terms, list) or not raw_terms:
        raise GlossaryError("terms.toml has no [[terms]]")
    terms: list[Term] = []
    seen: set[str] = set()
    for raw in raw_terms:
        slug = raw.get("slug", "")
        if not isinstance(slug, str) or not SLUG.fullmatch(slug):
            raise GlossaryError(f"bad slug {slug!r}")
        if slug in seen:
            raise GlossaryError(f"slug {slug!r} appears twice")
        seen.add(slug)
        term, definition = _text(raw, "term", slug), _text(raw, "definition", slug)
        older = raw.get("older", {})
        older_en, older_ja = older.get("en", []), older.get("ja", [])
        if not all(isinstance(o, str) for o in [*older_en, *older_ja]):
            raise GlossaryError(f"{slug}: older terms are strings")
        docs = raw.get("docs", "")
        if not isinstance(docs, str) or not docs.startswith(DOCS_PREFIX):
            raise GlossaryError(f"{slug}: docs must be a page under {DOCS_PREFIX}")
        terms.append(
            Term(
                slug=slug,
                term=term,
                older_en=tuple(older_en),
                older_ja=tuple(older_ja),
                definition=definition,
                docs=docs,
            )
        )
    return tuple(terms)


@cache
def terms() -> tuple[Term, ...]:
    """Every entry, in the page's order."""
    with TERMS_FILE.open("rb") as handle:
        return parse(tomllib.load(handle))


@cache
def by_slug() -> dict[str, Term]:
    return {term.slug: term for term in terms()}
