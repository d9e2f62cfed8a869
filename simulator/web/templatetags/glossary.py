"""``{% load glossary %}``: links into the glossary from any template.

``{% glossary_url "kms-key" %}`` and ``{{ "kms-key"|glossary_url }}`` both give
``/glossary/#kms-key``; an unknown slug raises, so a misspelt link fails the page's tests.
"""

from __future__ import annotations

from django import template

from .. import glossary

register = template.Library()


@register.simple_tag(name="glossary_url")
def glossary_url_tag(term_slug: str) -> str:
    return glossary.url_for(term_slug)


@register.filter(name="glossary_url")
def glossary_url_filter(term_slug: str) -> str:
    return glossary.url_for(term_slug)
