"""The owner's Share buttons, the viewer's stepping, "Copy into my sandbox", and the
clean-up of revoked and expired links."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from learners import client_of

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.share import links
from simulator.web.share.models import SNAPSHOT_OWNER, ShareLink
from simulator.web.store import ORMStore

SSE_S3 = {"x-amz-server-side-encryption": "AES256"}
HTMX_PANEL = {"hx-request": "true", "hx-target": "step-panel"}


@pytest.fixture
def shared_lab(lab: Any) -> Any:
    lab.s3("PUT", "photos")
    lab.s3("PUT", "photos", "cat.txt", headers=SSE_S3, body=b"meow")
    return lab


def upload_trace(sandbox: Sandbox) -> TraceRecord:
    return TraceRecord.objects.filter(sandbox=sandbox, key="cat.txt").latest("created")


def share_form_of(html: str, kind: str) -> bool:
    return bool(re.search(r'<input type="hidden" name="kind" value="' + kind + '">', html))


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_trace_the_disk_view_and_the_sandbox_page_each_have_a_share_button(
    shared_lab: Any, language: str
) -> None:
    client = shared_lab.client
    client.cookies["django_language"] = language
    trace = upload_trace(shared_lab.sandbox)
    label = {"en": "Share this trace", "ja": "このトレースを共有"}[language]
    page = client.get(shared_lab.url("trace", trace.pk)).content.decode()
    assert share_form_of(page, "trace") and label in page
    assert f'name="trace" value="{trace.pk}"' in page
    disk = client.get(shared_lab.url("disk") + "?bucket=photos&key=cat.txt").content.decode()
    assert share_form_of(disk, "object")
    assert 'name="key" value="cat.txt"' in disk
    home = client.get(shared_lab.url("sandbox")).content.decode()
    assert share_form_of(home, "sandbox")


def test_the_share_button_makes_a_link_that_opens_the_same_trace(shared_lab: Any) -> None:
    trace = upload_trace(shared_lab.sandbox)
    made = shared_lab.client.post(
        shared_lab.url("share_make"),
        {"kind": "trace", "trace": str(trace.pk)},
        headers={"hx-request": "true"},
    )
    path = re.search(r'value="http://testserver(/s/[2-9a-z]{12}/)"', made.content.decode())
    assert path is not None
    shown = Client().get(path.group(1)).content.decode()
    assert trace.method in shown and "/photos/cat.txt" in shown


def test_a_viewer_steps_through_a_shared_trace_with_htmx_and_without(shared_lab: Any) -> None:
    link = links.share_trace(shared_lab.sandbox, upload_trace(shared_lab.sandbox).pk)
    client = Client()
    full = client.get(link.url + "?step=2")
    assert full.status_code == 200
    assert 'data-step="2"' in full.content.decode()
    partial = client.get(link.url + "?step=3", headers=HTMX_PANEL)
    assert partial.status_code == 200
    text = partial.content.decode()
    assert text.lstrip().startswith('<div id="step-panel"')
    assert 'data-step="3"' in text
    # Stepping is not opening: only the full page counts as a view.
    assert links.views_of(link) == 1


def test_the_viewers_trace_page_is_not_the_owners_cached_page(shared_lab: Any) -> None:
    """The owner's trace page caches parts that link into the owner's sandbox; the shared
    page never shows them, even after the owner's page was rendered and cached."""
    trace = upload_trace(shared_lab.sandbox)
    assert shared_lab.client.get(shared_lab.url("trace", trace.pk)).status_code == 200
    link = links.share_trace(shared_lab.sandbox, trace.pk)
    text = Client().get(link.url).content.decode()
    assert not re.search(r"/lab/[0-9a-f-]{36}/", text)


def test_revoked_and_expired_links_go_with_their_snapshots_at_cleanup(shared_lab: Any) -> None:
    revoked = links.share_sandbox(shared_lab.sandbox)
    shared_lab.s3("PUT", "photos", "dog.txt", headers=SSE_S3, body=b"woof")
    expired = links.share_object(shared_lab.sandbox, "photos", "dog.txt")
    shared_lab.s3("PUT", "photos", "bird.txt", headers=SSE_S3, body=b"tweet")
    kept = links.share_sandbox(shared_lab.sandbox)
    links.revoke(revoked)
    ShareLink.objects.filter(pk=expired.pk).update(expires=timezone.now())
    gone_blobs = list(ORMStore(revoked.snapshot).blob_names())
    assert gone_blobs

    out = StringIO()
    call_command("cleanup", "--dry-run", stdout=out)
    assert "would remove 2 snapshots of revoked or expired share links" in out.getvalue()
    assert ShareLink.objects.count() == 3

    out = StringIO()
    call_command("cleanup", stdout=out)
    assert "removed 2 snapshots of revoked or expired share links" in out.getvalue()
    assert list(ShareLink.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(Sandbox.objects.filter(owner=SNAPSHOT_OWNER)) == [kept.snapshot]
    assert Client().get(kept.url).status_code == 200
    # The owner's sandbox itself is untouched.
    assert Sandbox.objects.filter(pk=shared_lab.sandbox.pk).exists()


def test_a_snapshot_read_by_a_live_link_stays_when_another_link_to_it_is_revoked(
    shared_lab: Any,
) -> None:
    whole = links.share_sandbox(shared_lab.sandbox)
    one = links.share_object(shared_lab.sandbox, "photos", "cat.txt")
    links.revoke(whole)
    call_command("cleanup", stdout=StringIO())
    assert Client().get(one.url).status_code == 200


def test_idle_clean_up_never_removes_a_live_snapshot(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    Sandbox.objects.filter(pk=link.snapshot.pk).update(updated=timezone.now().replace(year=2000))
    call_command("cleanup", stdout=StringIO())
    assert Client().get(link.url).status_code == 200


def test_copy_into_my_sandbox_gives_a_new_sandbox_with_new_keys(shared_lab: Any) -> None:
    kms_key = shared_lab.new_key("shared key")
    shared_lab.s3(
        "PUT",
        "photos",
        "secret.txt",
        headers={
            "x-amz-server-side-encryption": "aws:kms",
            "x-amz-server-side-encryption-aws-kms-key-id": kms_key,
        },
        body=b"hush",
    )
    link = links.share_sandbox(shared_lab.sandbox)
    viewer = Client()
    page = viewer.get(link.url).content.decode()
    assert "/copy/" in page
    response = viewer.post(reverse("web:share_copy", args=[links.token_of(link)]))
    assert response.status_code == 302
    copy_id = response["Location"].split("/")[2]
    copy = Sandbox.objects.get(pk=copy_id)
    assert copy.owner not in {shared_lab.sandbox.owner, SNAPSHOT_OWNER}
    assert not copy.is_template
    # New key material: a salt of its own, so nothing the owner's keys wrap opens here.
    assert copy.key_salt not in {shared_lab.sandbox.key_salt, link.snapshot.key_salt}
    # The viewer now owns it and reads the object back through S3.
    home = viewer.get(reverse("web:sandbox", args=[copy.pk]))
    assert home.status_code == 200 and "photos" in home.content.decode()
    got = sandboxes.run_s3(copy, "test", S3Request("GET", "photos", "secret.txt"))
    assert got.response.status == 200
    body = got.response.body
    assert (body if isinstance(body, bytes) else body.read()) == b"hush"


def test_a_viewer_with_the_most_sandboxes_gets_no_copy_and_is_told_why(shared_lab: Any) -> None:
    link = links.share_trace(shared_lab.sandbox, upload_trace(shared_lab.sandbox).pk)
    viewer = client_of("learner-three")
    for i in range(sandboxes.MAX_SANDBOXES):
        sandboxes.create_sandbox("learner-three", f"Mine {i}")
    response = viewer.post(reverse("web:share_copy", args=[links.token_of(link)]))
    assert response.status_code == 400
    assert f"You already keep {sandboxes.MAX_SANDBOXES} sandboxes" in response.content.decode()
    assert Sandbox.objects.filter(owner="learner-three").count() == sandboxes.MAX_SANDBOXES


def test_copying_a_revoked_link_makes_nothing(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    links.revoke(link)
    before = Sandbox.objects.count()
    response = Client().post(reverse("web:share_copy", args=[links.token_of(link)]))
    assert response.status_code == 404
    assert Sandbox.objects.count() == before


@pytest.mark.parametrize(
    "path",
    [
        "/s/{t}/",
        "/s/{t}/objects/?bucket=photos&key=cat.txt",
        "/s/{t}/traces/00000000-0000-0000-0000-000000000000/",
    ],
)
@pytest.mark.parametrize(
    "token",
    ["aaaaaaaaaaaa", "AAAA", "%00%00", "..%2f..%2f", "a" * 500, "ｓｈａｒｅ", "'%20or%201=1--"],
)
def test_hostile_tokens_get_the_calm_404_on_every_shared_page(
    db: None, path: str, token: str
) -> None:
    response = Client().get(path.format(t=token))
    assert response.status_code in (400, 404)
    assert "Traceback" not in response.content.decode()


def test_the_owners_list_names_the_request_each_trace_link_shows(shared_lab: Any) -> None:
    links.share_trace(shared_lab.sandbox, upload_trace(shared_lab.sandbox).pk)
    page = shared_lab.client.get(shared_lab.url("share_list")).content.decode()
    assert "PUT /photos/cat.txt" in page
