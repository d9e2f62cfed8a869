"""A crash shows the learner a calm 500 page, never a stack trace."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from pytest_django.fixtures import Settings

from simulator.web.views import server_error


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internal detail: /srv/keys/root.key")


# This module doubles as the URLconf for the tests below.
urlpatterns = [
    path("boom/", explode),
    path("", include("simulator.urls")),
]
handler500 = server_error


@pytest.fixture
def crash_client(settings: Settings) -> Client:
    settings.ROOT_URLCONF = __name__
    # Like a real browser: the server's error page, not the exception, reaches us.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Something went wrong on our side"), ("ja", "こちら側で問題が発生しました")],
)
def test_server_error_page_hides_the_exception(
    crash_client: Client, language: str, heading: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = crash_client.get("/boom/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 500
    html = response.content.decode()
    assert heading in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html
    assert "RuntimeError" not in html
    # ...but the operator's log has it.
    assert "secret internal detail" in caplog.text


def test_server_error_falls_back_to_plain_html_if_templates_break(
    crash_client: Client, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": False,
        }
    ]

    response = crash_client.get("/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "secret internal detail" not in html
