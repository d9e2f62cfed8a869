"""The glossary (``/glossary/``): today's AWS terms in English and Japanese, the deck's
and older exam terms that mean them, and a link to AWS's documentation.

Lessons and traces link to an entry with ``url_for("kms-key")`` (or, in a template,
``{% load glossary %}{% glossary_url "kms-key" %}``); an unknown slug raises, so a
misspelt link fails its page's tests rather than pointing nowhere.
"""

from __future__ import annotations

from django.urls import reverse

from .data import Term, by_slug, terms

__all__ = ["Term", "by_slug", "terms", "url_for"]


def url_for(term_slug: str) -> str:
    """The address of one entry: ``/glossary/#<slug>``. Raises ``KeyError`` for a slug
    the glossary does not have."""
    if term_slug not in by_slug():
        raise KeyError(f"the glossary has no entry {term_slug!r}")
    return f"{reverse('web:glossary')}#{term_slug}"
