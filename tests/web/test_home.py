"""The home page: what the lab is, in English and Japanese, and the language switch.

Django's test client is enough here; tests/browser checks the same in real Chromium.
"""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

MODE_NAMES = ["SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C", "CSE"]


def page_text(response: HttpResponseBase) -> str:
    assert isinstance(response, HttpResponse)
    return response.content.decode()


def test_home_page_explains_the_lab_in_english_by_default(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    html = page_text(response)
    assert '<html lang="en">' in html
    assert "See how S3 encrypts your data" in html
    for question in (
        "Where is the data encrypted?",
        "Who holds the key?",
        "What do the request and response headers say?",
        "Does the bucket policy allow it?",
    ):
        assert question in html
    for mode in MODE_NAMES:
        assert f">{mode}</h3>" in html


def test_home_page_shows_the_header_each_mode_sends(client: Client) -> None:
    html = page_text(client.get("/"))

    # s3-facts §1: the x-amz-server-side-encryption values, and SSE-C's own trio.
    assert "x-amz-server-side-encryption: AES256" in html
    assert "x-amz-server-side-encryption: aws:kms" in html
    assert "x-amz-server-side-encryption: aws:kms:dsse" in html
    assert "x-amz-server-side-encryption-customer-key-MD5" in html


def test_home_page_follows_the_browser_language(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")

    html = page_text(response)
    assert '<html lang="ja">' in html
    assert "データはどこで暗号化されますか？" in html
    assert "キーを持っているのは誰ですか？" in html
    assert "Where is the data encrypted?" not in html
    # Mode names and header lines are the same in every language.
    for mode in MODE_NAMES:
        assert f">{mode}</h3>" in html
    assert "x-amz-server-side-encryption: AES256" in html


def test_language_switcher_is_a_plain_form_that_works_without_javascript(
    client: Client,
) -> None:
    html = page_text(client.get("/"))

    form = re.search(
        r'<form class="lang-switch" action="([^"]+)" method="post">(.*?)</form>', html, re.S
    )
    assert form is not None
    assert form.group(1) == reverse("set_language") == "/i18n/setlang/"
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    assert 'name="next" value="/"' in form.group(2)
    assert 'name="language" value="en"' in form.group(2)
    assert 'name="language" value="ja"' in form.group(2)
    assert 'aria-pressed="true"' in form.group(2)


def test_chosen_language_is_remembered_over_the_browser_language(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "ja", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies["django_language"].value == "ja"

    # The cookie wins over an English Accept-Language on later visits.
    html = page_text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="ja">' in html
    assert "アップロードのたびに考える 4 つの問い" in html

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = page_text(client.get("/", HTTP_ACCEPT_LANGUAGE="ja"))
    assert '<html lang="en">' in html
    assert "Four questions behind every upload" in html


def test_language_switch_refuses_to_redirect_off_site(client: Client) -> None:
    response = client.post(
        reverse("set_language"), {"language": "ja", "next": "https://example.com/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_home_page_only_answers_get(client: Client) -> None:
    assert client.post("/").status_code == 405


def test_htmx_is_served_from_our_static_files_with_the_csrf_header(client: Client) -> None:
    html = page_text(client.get("/"))

    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any(src.startswith("/static/django_htmx/htmx") for src in scripts)
    assert all(src.startswith("/static/") for src in scripts)
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]+\"\}'>", html)


def test_page_has_a_skip_link_to_the_main_content(client: Client) -> None:
    html = page_text(client.get("/"))

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html


def test_security_headers_are_sent(client: Client) -> None:
    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "This page does not exist"), ("ja", "このページは存在しません")],
)
def test_missing_page_is_a_friendly_404_without_internals(
    client: Client, settings: Settings, language: str, heading: str
) -> None:
    assert settings.DEBUG is False

    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 404
    html = page_text(response)
    assert heading in html
    assert 'href="/"' in html
    for leak in (
        "Traceback",
        "URLconf",
        "simulator.urls",
        "Using the URLconf",
        "Page not found at",
    ):
        assert leak not in html
