"""The scenario pages: the library, a scenario link, importing, exporting; both languages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from learners import client_of

from simulator.engine import readmodel
from simulator.scenarios import library, load
from simulator.web import sandboxes
from simulator.web.models import Record, Sandbox

pytestmark = pytest.mark.django_db

GOOD = {
    "format": "s3-encryption-lab/scenario",
    "version": 1,
    "title": "Imported by a test",
    "buckets": [{"name": "imported"}],
    "objects": [{"bucket": "imported", "key": "a.txt", "content": {"text": "hello"}}],
}


@pytest.mark.parametrize(("language", "heading"), [("en", "Scenarios"), ("ja", "シナリオ")])
def test_the_library_lists_every_entry_in_the_learners_language(
    language: str, heading: str
) -> None:
    response = Client().get(reverse("web:scenarios"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"<h1>{heading}</h1>" in text
    for item in library():
        assert reverse("web:scenario", args=[item.slug]) in text
        assert item.title(language) in text


def test_a_page_view_writes_nothing() -> None:
    client = Client()
    slug = library()[0].slug
    for url in (
        reverse("web:scenarios"),
        reverse("web:scenario", args=[slug]),
        reverse("web:scenario_import"),
    ):
        assert client.get(url).status_code == 200
    assert not Sandbox.objects.exists()
    assert "sessionid" not in client.cookies


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_scenario_link_says_what_it_builds_and_builds_it_on_post(language: str) -> None:
    client = Client()
    url = reverse("web:scenario", args=["deny-unencrypted-uploads"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "policy-demo" in page and "PutObject" in page
    response = client.post(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    sandbox = Sandbox.objects.get()
    assert response["Location"] == reverse("web:sandbox", args=[sandbox.pk])
    assert readmodel.bucket_names(sandboxes.open_engine(sandbox)) == ["policy-demo"]
    # The new sandbox is the visitor's own: their session has its owner.
    assert client.get(response["Location"]).status_code == 200


def test_an_unknown_scenario_is_404() -> None:
    assert Client().get(reverse("web:scenario", args=["no-such-thing"])).status_code == 404


def test_a_reproducible_sandbox_says_so_on_its_pages() -> None:
    client = Client()
    client.post(reverse("web:scenario", args=["classroom-identical-bytes"]))
    sandbox = Sandbox.objects.get()
    assert sandbox.seed
    for url in (
        reverse("web:sandbox", args=[sandbox.pk]),
        reverse("web:bucket", args=[sandbox.pk, "class-sse-kms"]),
    ):
        assert "Reproducible mode." in client.get(url).content.decode()
    other = Client()
    other.post(reverse("web:scenario", args=["sse-kms-bucket-key"]))
    plain = Sandbox.objects.exclude(pk=sandbox.pk).get()
    assert (
        "Reproducible mode."
        not in other.get(reverse("web:sandbox", args=[plain.pk])).content.decode()
    )


def test_importing_pasted_json_builds_a_sandbox() -> None:
    client = Client()
    response = client.post(reverse("web:scenario_import"), {"text": json.dumps(GOOD)})
    assert response.status_code == 302
    sandbox = Sandbox.objects.get()
    assert sandbox.name == "Imported by a test"
    assert readmodel.object_at_rest(sandboxes.open_engine(sandbox), "imported", "a.txt") is not None


def test_importing_an_uploaded_file_builds_a_sandbox() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.scenario.json", json.dumps(GOOD).encode(), "application/json")
    response = Client().post(reverse("web:scenario_import"), {"file": upload})
    assert response.status_code == 302
    assert Sandbox.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "S3 does not allow this bucket name"),
        ("ja", "このバケット名は S3 で使用できません"),
    ],
)
def test_a_bad_file_names_the_field_in_both_languages_and_creates_nothing(
    language: str, sentence: str
) -> None:
    bad = {**GOOD, "buckets": [{"name": "Bad_Name"}]}
    response = Client().post(
        reverse("web:scenario_import"), {"text": json.dumps(bad)}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "buckets[0].name" in text
    assert sentence in text
    assert not Sandbox.objects.exists() and not Record.objects.exists()


def test_a_file_whose_setup_fails_names_the_step_and_creates_nothing() -> None:
    bad = {**GOOD, "buckets": [{"name": "imported", "policy": {"Statement": "nope"}}]}
    response = Client().post(reverse("web:scenario_import"), {"text": json.dumps(bad)})
    assert response.status_code == 400
    assert "buckets[0].policy" in response.content.decode()
    assert "PutBucketPolicy" in response.content.decode()
    assert not Sandbox.objects.exists()


def test_an_empty_import_is_a_clear_error() -> None:
    response = Client().post(reverse("web:scenario_import"), {"text": ""})
    assert response.status_code == 400
    assert "Choose a scenario file" in response.content.decode()


def test_the_sandbox_quota_is_said_and_nothing_is_made() -> None:
    client = client_of("busy")
    for n in range(sandboxes.MAX_SANDBOXES):
        sandboxes.create_sandbox("busy", f"box {n}")
    response = client.post(reverse("web:scenario", args=["deny-plain-http"]))
    assert response.status_code == 409
    assert "the most one learner may" in response.content.decode()
    assert Sandbox.objects.filter(owner="busy").count() == sandboxes.MAX_SANDBOXES


def test_export_downloads_the_sandbox_as_a_scenario_that_loads() -> None:
    client = Client()
    client.post(reverse("web:scenario", args=["classroom-identical-bytes"]))
    sandbox = Sandbox.objects.get()
    page = client.get(reverse("web:sandbox", args=[sandbox.pk])).content.decode()
    url = reverse("web:scenario_export", args=[sandbox.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.scenario.json"')
    document = json.loads(response.content)
    scenario = load(document)
    assert scenario.seed == sandbox.seed
    assert {b.name for b in scenario.buckets} == {"class-sse-s3", "class-sse-kms"}
    assert not Sandbox.objects.exclude(pk=sandbox.pk).exists()  # exporting wrote nothing


def test_export_is_only_for_the_owner() -> None:
    sandbox = sandboxes.create_sandbox("owner", "mine")
    assert (
        client_of("stranger").get(reverse("web:scenario_export", args=[sandbox.pk])).status_code
        == 404
    )


def test_a_sandbox_over_the_formats_limits_is_refused_with_a_reason(settings: Any) -> None:
    settings.LAB_QUOTAS = {**settings.LAB_QUOTAS, "objects": 1}
    client = Client()
    client.post(reverse("web:scenario", args=["classroom-identical-bytes"]))
    sandbox = Sandbox.objects.get()
    response = client.get(reverse("web:scenario_export", args=[sandbox.pk]))
    assert response.status_code == 409
    assert "more than 1 items" in response.content.decode()
