"""The sandboxes page: a sandbox without signing up, several per learner, each private."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from lab_builders import HX, learner_client, make_bucket, sandbox_of, url

from simulator.web import sandboxes
from simulator.web.lab.state import list_buckets
from simulator.web.models import Sandbox

# A plain form asks first; the confirmation page posts this back.
CONFIRMED = {"confirmed": "1"}


@pytest.mark.django_db
def test_a_first_visit_creates_nothing_and_offers_the_demo() -> None:
    client = Client()

    response = client.get("/lab/")

    assert response.status_code == 200
    assert b"Open the demo sandbox" in response.content
    assert not Sandbox.objects.exists()
    # No learner id either: looking writes no session (the test client's own
    # ``client.session`` would make one, so the cookie and the table are asked).
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists() and "sessionid" not in response.cookies


@pytest.mark.django_db
def test_a_crawler_without_cookies_creates_nothing() -> None:
    for _ in range(5):
        assert Client().get("/lab/").status_code == 200
    from django.contrib.sessions.models import Session

    assert not Sandbox.objects.exists() and not Session.objects.exists()


@pytest.mark.django_db
def test_the_start_button_makes_the_demo_sandbox_and_lands_in_it() -> None:
    client = Client()
    client.get("/lab/")

    response = client.post("/lab/start/")

    sandbox = sandbox_of(client)
    assert response.status_code == 302
    assert response["Location"] == url("sandbox", sandbox)
    assert not sandbox.is_template and not sandbox.seed
    names = [b.name for b in list_buckets(sandbox)]
    assert {
        "demo-sse-s3",
        "demo-sse-kms",
        "demo-sse-kms-no-bucket-key",
        "demo-ssec",
        "demo-policy",
    } <= set(names)
    assert sandbox.name == "Demo: S3 encryption at rest"


@pytest.mark.django_db
def test_pressing_start_again_opens_the_same_sandbox() -> None:
    client = learner_client(demo=True)
    first = sandbox_of(client)

    response = client.post("/lab/start/")

    assert response["Location"] == url("sandbox", first)
    assert Sandbox.objects.filter(owner=first.owner).count() == 1


@pytest.mark.django_db
def test_a_first_visit_in_japanese_names_the_demo_in_japanese() -> None:
    client = Client()
    client.cookies["django_language"] = "ja"
    assert client.post("/lab/start/").status_code == 302
    assert sandbox_of(client).name == "デモ：S3 の保管時の暗号化"


def test_sandboxes_page_lists_them_full_page_and_partial(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner

    full = client.get("/lab/")
    partial = client.get("/lab/", **HX)

    assert full.status_code == 200 and partial.status_code == 200
    assert b"<html" in full.content and b"<html" not in partial.content
    assert b'id="sandbox-list"' in partial.content
    assert sandbox.name.encode() in full.content


def test_create_rename_reset_delete(learner: tuple[Client, Sandbox]) -> None:
    client, first = learner

    response = client.post("/lab/new/", {"name": "Second <b>one</b>", "content": "empty"})
    second = Sandbox.objects.get(owner=first.owner, name="Second <b>one</b>")
    assert response.status_code == 302 and response["Location"] == url("sandbox", second)
    # The name is shown escaped.
    page = client.get("/lab/").content.decode()
    assert "Second &lt;b&gt;one&lt;/b&gt;" in page and "Second <b>one</b>" not in page

    assert client.post(url("sandbox_rename", second), {"name": "Renamed"}).status_code == 302
    second.refresh_from_db()
    assert second.name == "Renamed"

    make_bucket(second, "to-forget")
    assert client.post(url("sandbox_reset", second), CONFIRMED).status_code == 302
    assert list_buckets(second) == [] and second.traces.count() == 0

    assert client.post(url("sandbox_delete", second), **HX).status_code == 200
    assert not Sandbox.objects.filter(pk=second.pk).exists()


def test_rename_to_nothing_says_why(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner

    response = client.post(url("sandbox_rename", sandbox), {"name": "   "})

    assert response.status_code == 400
    sandbox.refresh_from_db()
    assert sandbox.name


def test_a_learner_keeps_at_most_the_cap(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    for number in range(sandboxes.MAX_SANDBOXES - 1):
        sandboxes.create_sandbox(sandbox.owner, f"extra {number}")

    response = client.post("/lab/new/", {"name": "one too many"})

    assert response.status_code == 400
    assert b"Delete one first" in response.content
    assert Sandbox.objects.filter(owner=sandbox.owner).count() == sandboxes.MAX_SANDBOXES


def test_deleting_every_sandbox_does_not_bring_one_back(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    client.post(url("sandbox_delete", sandbox), CONFIRMED)

    response = client.get("/lab/")

    assert response.status_code == 200
    assert b"Open the demo sandbox" in response.content


def test_templates_are_nobody_s_sandbox(db: None) -> None:
    call_command("loaddemo", verbosity=0)
    template = Sandbox.objects.get(is_template=True)
    client = learner_client()

    assert client.get(url("sandbox", template)).status_code == 404
    assert client.post(url("sandbox_delete", template), CONFIRMED).status_code == 404
    assert Sandbox.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize(
    ("name", "question", "button"),
    [
        ("sandbox_reset", "Empty this sandbox?", "Empty"),
        ("sandbox_restore_demo", "Put the demo back in this sandbox?", "Reset to demo"),
        ("sandbox_delete", "Delete this sandbox for good?", "Delete"),
    ],
)
def test_without_javascript_a_destructive_button_asks_first(
    learner: tuple[Client, Sandbox], name: str, question: str, button: str
) -> None:
    # htmx asks with hx-confirm; a plain form gets a page with the same question.
    client, sandbox = learner
    make_bucket(sandbox, "keep-me")
    response = client.post(url(name, sandbox))
    assert response.status_code == 200
    page = response.content.decode()
    assert question in page and sandbox.name in page
    assert f'action="{url(name, sandbox)}"' in page
    assert '<input type="hidden" name="confirmed" value="1">' in page
    assert "csrfmiddlewaretoken" in page
    assert f">{button}</button>" in page and 'href="/lab/">Cancel</a>' in page
    # Asking changed nothing.
    assert Sandbox.objects.filter(pk=sandbox.pk).exists()
    assert [b.name for b in list_buckets(sandbox)] == ["keep-me"]


def test_the_question_is_asked_in_japanese(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    client.cookies["django_language"] = "ja"
    page = client.post(url("sandbox_delete", sandbox)).content.decode()
    assert '<html lang="ja"' in page and "キャンセル" in page
    assert "Delete this sandbox for good?" not in page
    assert Sandbox.objects.filter(pk=sandbox.pk).exists()


def test_another_learner_is_not_even_asked(
    learner: tuple[Client, Sandbox], stranger: Client
) -> None:
    _client, sandbox = learner
    for name in ("sandbox_reset", "sandbox_restore_demo", "sandbox_delete"):
        assert stranger.post(url(name, sandbox)).status_code == 404
    assert Sandbox.objects.filter(pk=sandbox.pk).exists()
