"""The glossary: every entry in both languages, stable anchors, AWS documentation links,
the deck's and older exam terms mapped to today's, a search that works without
JavaScript, and links from the site's footer and the trace's key legend."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client

from simulator.web import glossary
from simulator.web.glossary import data

ENTRY = re.compile(r'<div class="glossary-entry" id="([a-z0-9-]+)"[^>]*?( hidden)?>')


def page(client: Client, language: str, query: str = "") -> str:
    url = "/glossary/" + (f"?q={query}" if query else "")
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.content.decode()


def shown(html: str) -> list[str]:
    return [slug for slug, hidden in ENTRY.findall(html) if not hidden]


def raw_terms() -> list[dict[str, Any]]:
    with data.TERMS_FILE.open("rb") as handle:
        return list(tomllib.load(handle)["terms"])


def test_every_entry_speaks_both_languages() -> None:
    for term in data.terms():
        for language in data.LANGUAGES:
            assert term.term.get(language).strip(), (term.slug, language)
            assert term.definition.get(language).strip(), (term.slug, language)
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", term.definition.ja), term.slug
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", term.definition.en), term.slug
        # One to three sentences, in our own words.
        assert 1 <= term.definition.en.count(". ") + 1 <= 3, term.slug
        assert 1 <= term.definition.ja.count("。") <= 3, term.slug


def test_anchors_are_unique_and_well_formed() -> None:
    slugs = [term["slug"] for term in raw_terms()]
    assert len(slugs) == len(set(slugs))
    assert all(data.SLUG.fullmatch(slug) for slug in slugs)
    assert len(slugs) >= 25


def test_every_link_is_aws_documentation_in_the_readers_language() -> None:
    for term in data.terms():
        assert term.docs.startswith("https://docs.aws.amazon.com/"), term.slug
        assert "/ja_jp/" not in term.docs
        assert term.docs_for("en") == term.docs
        assert term.docs_for("ja").startswith("https://docs.aws.amazon.com/ja_jp/"), term.slug


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        ({"slug": "kms-key", "term": {"en": "KMS key"}}, "needs non-empty en and ja"),
        ({"slug": "Bad Slug"}, "bad slug"),
        (
            {
                "slug": "x",
                "term": {"en": "x", "ja": "x"},
                "definition": {"en": "x", "ja": "x"},
                "docs": "http://example.com/",
            },
            "docs must be",
        ),
    ],
)
def test_a_broken_entry_is_refused(broken: dict[str, Any], why: str) -> None:
    with pytest.raises(data.GlossaryError, match=why):
        data.parse({"terms": [broken]})


def test_a_slug_used_twice_is_refused() -> None:
    entry = raw_terms()[0]
    with pytest.raises(data.GlossaryError, match="appears twice"):
        data.parse({"terms": [entry, entry]})


@pytest.mark.parametrize(
    ("older", "today"),
    [
        # The course deck and older exams: CMK is now a KMS key (or a customer managed key).
        ("customer master key (CMK)", "kms-key"),
        ("カスタマーマスターキー (CMK)", "kms-key"),
        ("customer managed CMK", "customer-managed-key"),
        # SSE-S3's "master key" is S3's root key; in KMS terms マスターキー is a KMS key.
        ("master key", "root-key"),
        ("マスターキー", "root-key"),
        ("マスターキー", "kms-key"),
        # The deck writes 複合 where 復号 (decrypt) is meant.
        ("複合", "decrypt"),
        ("ユニークキー", "data-key"),
        ("カスタマー管理キー", "customer-managed-key"),
    ],
)
def test_older_terms_map_to_todays(older: str, today: str) -> None:
    term = data.by_slug()[today]
    assert any(o.startswith(older) for o in (*term.older_en, *term.older_ja))


def test_todays_japanese_terms_are_awss() -> None:
    ja = {term.slug: term.term.ja for term in data.terms()}
    assert ja["kms-key"] == "KMS キー"
    assert ja["customer-managed-key"] == "カスタマーマネージドキー"
    assert ja["aws-managed-key"] == "AWS マネージドキー"
    assert ja["disabled-kms-key"] == "無効化された KMS キー"
    assert ja["decrypt"] == "復号"
    assert ja["encryption-context"] == "暗号化コンテキスト"
    assert ja["bucket-key"] == "S3 バケットキー"
    assert ja["root-key"].startswith("ルートキー")


def test_url_for_gives_a_stable_anchor_and_refuses_an_unknown_slug() -> None:
    assert glossary.url_for("kms-key") == "/glossary/#kms-key"
    with pytest.raises(KeyError):
        glossary.url_for("customer-master-key")


def test_the_template_tag_and_filter_link_an_entry() -> None:
    rendered = Template(
        '{% load glossary %}{% glossary_url "bucket-key" %} {{ slug|glossary_url }}'
    ).render(Context({"slug": "sse-c"}))
    assert rendered == "/glossary/#bucket-key /glossary/#sse-c"
    with pytest.raises(KeyError):
        Template('{% load glossary %}{% glossary_url "no-such-term" %}').render(Context())


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_page_lists_every_entry_with_its_anchor(client: Client, language: str) -> None:
    html = page(client, language)
    assert shown(html) == [term.slug for term in data.terms()]
    for term in data.terms():
        assert (
            term.term.get(language) in html
            or term.term.get(language).replace("'", "&#x27;") in html
        )
        assert f'href="{term.docs_for(language)}"' in html
    if language == "ja":
        assert "<h1>用語集</h1>" in html
        assert "以前の用語・講座資料の用語：" in html
    else:
        assert "<h1>Glossary</h1>" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("en", "cmk", {"kms-key", "customer-managed-key", "aws-managed-key", "sse-kms"}),
        ("ja", "複合", {"decrypt"}),
        # Full-width letters and a missing space find the same entry.
        ("ja", "ＫＭＳキー", None),
        ("en", "bucket key", {"bucket-key"}),
    ],
)
def test_the_search_works_without_javascript(
    client: Client, language: str, query: str, expected: set[str] | None
) -> None:
    found = shown(page(client, language, query))
    if expected is None:
        assert "kms-key" in found and "decrypt" not in found
    else:
        assert expected <= set(found)
        assert len(found) < len(data.terms())


@pytest.mark.django_db
def test_a_search_with_no_match_says_so(client: Client) -> None:
    html = page(client, "en", "zzzz")
    assert shown(html) == []
    assert "No entry matches." in html
    assert 'href="/glossary/"' in html  # "Show all … entries"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_footer_links_the_glossary(client: Client, language: str) -> None:
    html = client.get("/", headers={"Accept-Language": language}).content.decode()
    label = "用語集" if language == "ja" else "Glossary"
    assert re.search(r'<a href="/glossary/">' + label, html)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_trace_key_legend_links_the_glossary(lab: Any, language: str) -> None:
    outcome = lab.s3(
        "PUT", "legend", "a.txt", headers={"x-amz-server-side-encryption": "aws:kms"}, body=b"hi"
    )
    assert outcome.response.status in {200, 404}  # the bucket may not exist: a trace either way
    html = lab.client.get(
        lab.url("trace", outcome.trace.pk), headers={"Accept-Language": language}
    ).content.decode()
    legend = html[html.index('class="trace-legend"') :]
    legend = legend[: legend.index("</figcaption>")]
    links = re.findall(r'<a href="(/glossary/#[a-z0-9-]+)">', legend)
    assert links == [
        "/glossary/#data-key",
        "/glossary/#wrapped-key",
        "/glossary/#sse-c",
        "/glossary/#kms-key",
    ]
    assert all(link.split("#")[1] in data.by_slug() for link in links)
