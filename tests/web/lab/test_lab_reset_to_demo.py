"""Reset to demo: a learner gets the first visit's demo content back, in the same sandbox,
built afresh with keys of its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from lab_builders import HX, learner_client, make_bucket, put, sandbox_of, url

from simulator.web import sandboxes
from simulator.web.demo import DEMO_SSEC_KEY
from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.lab.state import list_buckets
from simulator.web.models import Sandbox
from simulator.web.store import ORMStore

DEMO_BUCKETS = [
    "demo-policy",
    "demo-sse-kms",
    "demo-sse-kms-no-bucket-key",
    "demo-sse-s3",
    "demo-ssec",
]

# A plain form asks first; the confirmation page posts this back.
CONFIRMED = {"confirmed": "1"}


def _names(sandbox: Sandbox) -> list[str]:
    return sorted(b.name for b in list_buckets(sandbox))


def _blobs(sandbox: Sandbox) -> set[str]:
    return set(ORMStore(sandbox).blob_names())


def _template() -> Sandbox:
    return Sandbox.objects.get(owner=sandboxes.DEMO_OWNER, is_template=True)


@pytest.fixture
def with_demo(db: None) -> None:
    call_command("loaddemo", verbosity=0)


@pytest.fixture
def changed(db: None) -> tuple[Client, Sandbox]:
    """A learner whose first-visit demo has been emptied and then given own work."""
    client = learner_client(demo=True)
    sandbox = sandbox_of(client)
    sandboxes.reset_sandbox(sandbox)
    make_bucket(sandbox, "my-own-work")
    put(sandbox, "my-own-work", "notes.txt", b"mine")
    return client, sandbox


def test_reset_to_demo_brings_back_what_a_first_visit_gets(
    changed: tuple[Client, Sandbox], django_capture_on_commit_callbacks: Any
) -> None:
    client, sandbox = changed
    first_visit = sandbox_of(learner_client(demo=True))

    # The old blob files are removed once the work has committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("sandbox_restore_demo", sandbox), CONFIRMED)

    assert response.status_code == 302 and response["Location"] == "/lab/"
    assert _names(sandbox) == _names(first_visit) == DEMO_BUCKETS
    assert sandbox.traces.count() == first_visit.traces.count() > 0
    # The same objects, stored under blob ids (and keys) of its own.
    assert len(_blobs(sandbox)) == len(_blobs(first_visit)) > 0
    assert _blobs(sandbox).isdisjoint(_blobs(first_visit))


def test_the_sandbox_keeps_its_id_and_name_so_links_still_work(
    changed: tuple[Client, Sandbox],
) -> None:
    client, sandbox = changed
    client.post(url("sandbox_rename", sandbox), {"name": "Week 3 homework"})

    client.post(url("sandbox_restore_demo", sandbox), CONFIRMED)

    restored = Sandbox.objects.get(pk=sandbox.pk)
    assert restored.name == "Week 3 homework"
    assert Sandbox.objects.filter(owner=sandbox.owner).count() == 1
    assert client.get(url("bucket", restored, "demo-sse-kms")).status_code == 200


def test_the_restored_demo_opens_its_keys_and_objects(changed: tuple[Client, Sandbox]) -> None:
    """The new key material opens the new objects: SSE-S3, SSE-KMS and SSE-C reads succeed."""
    client, sandbox = changed

    client.post(url("sandbox_restore_demo", sandbox), CONFIRMED)
    sandbox.refresh_from_db()

    reads = [
        s3calls.object_request("GET", "demo-sse-s3", "hello.txt"),
        s3calls.object_request("GET", "demo-sse-kms", "invoice-0042.json"),
        s3calls.object_request("GET", "demo-ssec", "secret.txt", customer_key=DEMO_SSEC_KEY),
    ]
    for request in reads:
        assert run(sandbox, "test", request).response.status == 200, request.key


def test_the_learner_s_own_work_and_blobs_are_gone(
    changed: tuple[Client, Sandbox], django_capture_on_commit_callbacks: Any
) -> None:
    client, sandbox = changed
    own_blobs = _blobs(sandbox)
    assert own_blobs

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(url("sandbox_restore_demo", sandbox), CONFIRMED)
        # Nothing is removed before the commit.
        assert _blobs(sandbox) >= own_blobs
    assert callbacks

    assert "my-own-work" not in _names(sandbox)
    assert not sandbox.traces.filter(bucket="my-own-work").exists()
    assert _blobs(sandbox) & own_blobs == set()


def test_reset_to_demo_with_htmx_answers_with_the_list(changed: tuple[Client, Sandbox]) -> None:
    client, sandbox = changed

    response = client.post(url("sandbox_restore_demo", sandbox), **HX)

    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="sandbox-list"' in response.content
    assert _names(sandbox) == DEMO_BUCKETS


def test_the_button_asks_first_and_works_without_javascript(
    changed: tuple[Client, Sandbox],
) -> None:
    client, sandbox = changed

    page = client.get("/lab/").content.decode()

    action = url("sandbox_restore_demo", sandbox)
    form = page[page.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in page[page.rindex("<form", 0, page.index(action)) :]
    assert f'hx-post="{action}"' in form and "hx-confirm=" in form
    assert "csrfmiddlewaretoken" in form and "Reset to demo" in form


def test_an_empty_sandbox_can_be_given_the_demo_without_any_template(db: None) -> None:
    client = learner_client()
    sandbox = sandbox_of(client)
    assert _names(sandbox) == []

    client.post(url("sandbox_restore_demo", sandbox), CONFIRMED)

    assert not Sandbox.objects.filter(is_template=True).exists()
    assert _names(sandbox) == DEMO_BUCKETS


def test_another_learner_gets_404_and_nothing_changes(
    changed: tuple[Client, Sandbox], stranger: Client
) -> None:
    _, sandbox = changed
    traces = sandbox.traces.count()

    response = stranger.post(url("sandbox_restore_demo", sandbox))
    partial = stranger.post(url("sandbox_restore_demo", sandbox), **HX)

    assert response.status_code == partial.status_code == 404
    assert _names(sandbox) == ["my-own-work"] and sandbox.traces.count() == traces


def test_templates_cannot_be_reset_by_a_learner(with_demo: None) -> None:
    client = learner_client()
    template = _template()

    assert client.post(url("sandbox_restore_demo", template), CONFIRMED).status_code == 404
    assert _names(template) == DEMO_BUCKETS


def test_get_is_not_allowed(changed: tuple[Client, Sandbox]) -> None:
    client, sandbox = changed

    assert client.get(url("sandbox_restore_demo", sandbox)).status_code == 405
    assert _names(sandbox) == ["my-own-work"]


def test_a_post_without_the_csrf_token_is_refused(changed: tuple[Client, Sandbox]) -> None:
    client, sandbox = changed
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies  # the same learner, without a token

    response = strict.post(url("sandbox_restore_demo", sandbox), CONFIRMED)

    assert response.status_code == 403
    assert _names(sandbox) == ["my-own-work"]


def test_the_button_speaks_japanese(changed: tuple[Client, Sandbox]) -> None:
    client, _ = changed
    client.cookies["django_language"] = "ja"

    page = client.get("/lab/").content.decode()

    assert "デモに戻す" in page and "デモの状態に戻しますか" in page
