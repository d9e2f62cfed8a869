"""The glossary page. It works without JavaScript: the search box is a GET form whose
``q`` the server answers with every entry, the ones that do not match ``hidden``;
``static/js/glossary.js`` filters the same list as one types."""

from __future__ import annotations

import unicodedata

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from .data import Term, terms

MAX_QUERY = 100


def normalise(text: str) -> str:
    """Text as the search compares it: full-width letters made half-width, case folded,
    spaces dropped (Japanese terms are written with and without a space before キー)."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def haystack(term: Term) -> str:
    """Everything an entry may be found by, in both languages."""
    parts = [
        term.slug,
        term.term.en,
        term.term.ja,
        *term.older_en,
        *term.older_ja,
        term.definition.en,
        term.definition.ja,
    ]
    return normalise(" ".join(parts))


def matches(term: Term, query: str) -> bool:
    needle = normalise(query)
    return not needle or needle in haystack(term)


@require_GET
def glossary(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    language = "ja" if (get_language() or "en").startswith("ja") else "en"
    other = "en" if language == "ja" else "ja"
    entries = [
        {
            "slug": term.slug,
            "term": term.term.get(language),
            "other_term": term.term.get(other),
            "older": term.older(language),
            "older_other": term.older(other),
            "definition": term.definition.get(language),
            "docs": term.docs_for(language),
            "search": haystack(term),
            "shown": matches(term, query),
        }
        for term in terms()
    ]
    return render(
        request,
        "web/glossary/glossary.html",
        {
            "entries": entries,
            "shown": sum(1 for entry in entries if entry["shown"]),
            "query": query,
            "total": len(terms()),
            "other_language": other,
        },
    )
