"""Share links: made by a sandbox's owner, opened by anyone, frozen, revocable.

Each test is a sentence about what a learner (or a stranger holding a link) notices.
The ``lab`` and ``stranger`` fixtures are the web tests' (tests/web/conftest.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from learners import client_of

from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.share import links
from simulator.web.share.models import SNAPSHOT_OWNER, ShareLink

SSE_S3 = {"x-amz-server-side-encryption": "AES256"}


@pytest.fixture
def shared_lab(lab: Any) -> Any:
    """The learner's sandbox with a bucket and one SSE-S3 object in it."""
    lab.s3("PUT", "photos")
    lab.s3("PUT", "photos", "cat.txt", headers=SSE_S3, body=b"meow")
    return lab


def upload_trace(sandbox: Sandbox) -> TraceRecord:
    return TraceRecord.objects.filter(sandbox=sandbox, key="cat.txt").latest("created")


# --------------------------------------------------------------------------- tokens


def test_a_token_is_short_enough_to_type_and_names_its_link(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    token = links.token_of(link)
    assert len(token) == 12
    assert re.fullmatch(r"[2-9a-z]{12}", token)
    assert link.url == f"/s/{token}/"
    assert links.link_id_of(token) == link.pk
    # Typed from a projector in capitals, it still opens.
    assert links.link_id_of(token.upper()) == link.pk


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "abc",
        "x" * 12,
        "0" * 12,  # not in the alphabet
        "a" * 200,
        "../../etc/pa",
        "<script>aaa>",
        "ａｂｃｄｅｆｇｈｊｋｍｎ",  # full-width letters
    ],
)
def test_a_forged_or_malformed_token_names_no_link(hostile: str) -> None:
    assert links.link_id_of(hostile) is None


def test_changing_one_character_of_a_token_breaks_its_signature(shared_lab: Any) -> None:
    token = links.token_of(links.share_sandbox(shared_lab.sandbox))
    for i in range(len(token)):
        other = "3" if token[i] != "3" else "4"
        assert links.link_id_of(token[:i] + other + token[i + 1 :]) is None


# --------------------------------------------------------------------------- the viewer


def test_a_stranger_with_no_session_opens_a_shared_trace(shared_lab: Any) -> None:
    trace = upload_trace(shared_lab.sandbox)
    link = links.share_trace(shared_lab.sandbox, trace.pk)
    response = Client().get(link.url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "/photos/cat.txt" in text
    assert "x-amz-server-side-encryption" in text
    assert response["X-Robots-Tag"].startswith("noindex")
    # Nothing of the owner: no sandbox id, no link into the lab's sandboxes, no owner id.
    assert str(shared_lab.sandbox.pk) not in text
    assert "/lab/" + str(shared_lab.sandbox.pk) not in text
    assert not re.search(r'href="/lab/[0-9a-f-]{36}', text)
    assert "learner-one" not in text
    assert only_allowed_forms(text)


def test_a_shared_page_sets_no_cookie_and_writes_no_session(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    client = Client()
    response = client.get(link.url)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert only_allowed_forms(response.content.decode())


def only_allowed_forms(text: str) -> bool:
    """A shared page's only forms: the language switcher and "Copy into my sandbox"."""
    actions = re.findall(r'<form[^>]*action="([^"]*)"', text)
    return len(actions) == text.count("<form") and all(
        a == "/i18n/setlang/" or re.fullmatch(r"/s/[2-9a-z]{12}/copy/", a) for a in actions
    )


def test_a_shared_object_shows_its_ciphertext_not_its_plaintext(shared_lab: Any) -> None:
    link = links.share_object(shared_lab.sandbox, "photos", "cat.txt")
    response = Client().get(link.url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "cat.txt" in text
    assert "SSE-S3" in text
    assert "meow" not in text
    assert only_allowed_forms(text)


def test_a_shared_sandbox_lists_its_buckets_objects_and_requests(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    client = Client()
    page = client.get(link.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "photos" in text and "cat.txt" in text
    # Its object and its traces open under the same link, from the snapshot.
    object_url = re.search(r'href="(/s/[^"]+/objects/\?[^"]+)"', text)
    trace_url = re.search(r'href="(/s/[^"]+/traces/[0-9a-f-]{36}/)"', text)
    assert object_url and trace_url
    assert client.get(object_url.group(1).replace("&amp;", "&")).status_code == 200
    assert client.get(trace_url.group(1)).status_code == 200


def test_a_trace_link_opens_no_other_trace_of_its_snapshot(shared_lab: Any) -> None:
    link = links.share_trace(shared_lab.sandbox, upload_trace(shared_lab.sandbox).pk)
    assert link.trace_id is not None
    other = TraceRecord.objects.filter(sandbox=link.snapshot).exclude(pk=link.trace_id).first()
    assert other is not None
    token = links.token_of(link)
    client = Client()
    assert client.get(reverse("web:share_trace", args=[token, other.pk])).status_code == 404
    url = reverse("web:share_object", args=[token]) + "?bucket=photos&key=cat.txt"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("language", ["en", "ja"])
def test_an_unknown_token_is_a_calm_404_in_the_visitors_language(db: None, language: str) -> None:
    response = Client(headers={"accept-language": language}).get("/s/abcdefghjkmn/")
    assert response.status_code == 404
    text = response.content.decode()
    if language == "ja":
        assert "共有リンク" in text
    else:
        assert "This shared link does not open" in text
    assert "Traceback" not in text


# --------------------------------------------------------------------------- frozen and isolated


def test_the_snapshot_does_not_follow_the_owners_later_changes(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    shared_lab.s3("PUT", "photos", "dog.txt", headers=SSE_S3, body=b"woof")
    shared_lab.s3("DELETE", "photos", "cat.txt")
    text = Client().get(link.url).content.decode()
    assert "cat.txt" in text
    assert "dog.txt" not in text


def test_sharing_the_same_unchanged_thing_again_reuses_its_link(shared_lab: Any) -> None:
    first = links.share_sandbox(shared_lab.sandbox)
    assert links.share_sandbox(shared_lab.sandbox).pk == first.pk
    shared_lab.s3("PUT", "photos", "dog.txt", headers=SSE_S3, body=b"woof")
    assert links.share_sandbox(shared_lab.sandbox).pk != first.pk


def test_a_snapshot_belongs_to_no_learner(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    assert link.snapshot.owner == SNAPSHOT_OWNER
    assert link.snapshot.is_template
    assert link.snapshot.pk != shared_lab.sandbox.pk
    # The owner's list of sandboxes does not grow.
    assert list(Sandbox.objects.filter(owner="learner-one")) == [shared_lab.sandbox]


def test_a_share_link_never_opens_the_owners_sandbox_for_its_viewer(
    shared_lab: Any, stranger: Client
) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    assert stranger.get(link.url).status_code == 200
    # Holding a link gives the stranger nothing in the owner's sandbox, nor in the snapshot.
    for sandbox in (shared_lab.sandbox, link.snapshot):
        assert stranger.get(reverse("web:sandbox", args=[sandbox.pk])).status_code == 404
        assert stranger.get(reverse("web:traces", args=[sandbox.pk])).status_code == 404
        assert stranger.get(reverse("web:share_list", args=[sandbox.pk])).status_code == 404


# --------------------------------------------------------------------------- revoking


def test_a_revoked_link_stops_working_at_once(shared_lab: Any) -> None:
    link = links.share_trace(shared_lab.sandbox, upload_trace(shared_lab.sandbox).pk)
    client = Client()
    assert client.get(link.url).status_code == 200  # rendered and cached once
    response = shared_lab.client.post(
        reverse("web:share_revoke", args=[shared_lab.sandbox.pk, link.pk])
    )
    assert response.status_code == 302
    assert client.get(link.url).status_code == 404
    assert (
        client.get(
            link.url + "?step=2", headers={"hx-request": "true", "hx-target": "step-panel"}
        ).status_code
        == 404
    )


def test_only_the_owner_revokes(shared_lab: Any, stranger: Client) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    url = reverse("web:share_revoke", args=[shared_lab.sandbox.pk, link.pk])
    assert stranger.post(url).status_code == 404
    assert Client().get(link.url).status_code == 200


def test_an_expired_link_does_not_open(shared_lab: Any) -> None:
    from django.utils import timezone

    link = links.share_sandbox(shared_lab.sandbox)
    ShareLink.objects.filter(pk=link.pk).update(expires=timezone.now())
    assert Client().get(link.url).status_code == 404


# --------------------------------------------------------------------------- the owner's side


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_owner_shares_a_trace_from_its_page_and_sees_the_link(
    shared_lab: Any, language: str
) -> None:
    trace = upload_trace(shared_lab.sandbox)
    url = reverse("web:share_make", args=[shared_lab.sandbox.pk])
    client = shared_lab.client
    client.cookies["django_language"] = language
    made = client.post(
        url, {"kind": "trace", "trace": str(trace.pk)}, headers={"hx-request": "true"}
    )
    assert made.status_code == 200
    found = re.search(r'value="http://testserver(/s/[2-9a-z]{12}/)"', made.content.decode())
    assert found
    assert Client().get(found.group(1)).status_code == 200
    # Without htmx: the list of shared links, with the new one marked.
    listed = client.post(url, {"kind": "trace", "trace": str(trace.pk)}, follow=True)
    assert listed.status_code == 200
    assert found.group(1) in listed.content.decode()
    assert ("共有リンク" if language == "ja" else "Shared links") in listed.content.decode()


def test_sharing_what_is_not_there_is_refused(shared_lab: Any) -> None:
    url = reverse("web:share_make", args=[shared_lab.sandbox.pk])
    client = shared_lab.client
    assert client.post(url, {"kind": "trace", "trace": "not-a-uuid"}).status_code == 404
    assert (
        client.post(url, {"kind": "object", "bucket": "photos", "key": "nope"}).status_code == 404
    )
    assert client.post(url, {"kind": "nonsense"}).status_code == 404
    assert not ShareLink.objects.exists()


def test_a_stranger_cannot_share_someone_elses_sandbox(shared_lab: Any, stranger: Client) -> None:
    url = reverse("web:share_make", args=[shared_lab.sandbox.pk])
    assert stranger.post(url, {"kind": "sandbox"}).status_code == 404
    assert not ShareLink.objects.exists()


def test_links_per_sandbox_are_bounded(shared_lab: Any, settings: Any) -> None:
    settings.LAB_SHARE = {"links_per_sandbox": 2}
    links.share_sandbox(shared_lab.sandbox)
    links.share_object(shared_lab.sandbox, "photos", "cat.txt")
    with pytest.raises(links.ShareRefused) as refused:
        links.share_trace(shared_lab.sandbox, upload_trace(shared_lab.sandbox).pk)
    assert refused.value.reason == "links_per_sandbox"
    response = shared_lab.client.post(
        reverse("web:share_make", args=[shared_lab.sandbox.pk]),
        {"kind": "trace", "trace": str(upload_trace(shared_lab.sandbox).pk)},
    )
    assert response.status_code == 400
    assert "the most it keeps" in response.content.decode()


def test_a_large_sandbox_is_not_copied_for_sharing(shared_lab: Any, settings: Any) -> None:
    settings.LAB_SHARE = {"snapshot_bytes": 3}
    with pytest.raises(links.ShareRefused) as refused:
        links.share_sandbox(shared_lab.sandbox)
    assert refused.value.reason == "too_large"
    assert Sandbox.objects.filter(owner=SNAPSHOT_OWNER).count() == 0


def test_snapshots_per_learner_are_bounded(shared_lab: Any, settings: Any) -> None:
    settings.LAB_SHARE = {"snapshots_per_learner": 1}
    links.share_sandbox(shared_lab.sandbox)
    other = sandboxes.create_sandbox("learner-one", "Second")
    with pytest.raises(links.ShareRefused) as refused:
        links.share_sandbox(other)
    assert refused.value.reason == "snapshots_per_learner"


def test_the_owner_sees_how_often_a_link_was_opened(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    for _ in range(3):
        Client().get(link.url)
    assert links.views_of(link) == 3
    page = shared_lab.client.get(reverse("web:share_list", args=[shared_lab.sandbox.pk]))
    assert "3 times" in page.content.decode()


def test_deleting_the_owners_sandbox_keeps_the_link_working(shared_lab: Any) -> None:
    link = links.share_sandbox(shared_lab.sandbox)
    sandboxes.delete_sandbox(shared_lab.sandbox)
    assert Client().get(link.url).status_code == 200


def test_a_learner_without_a_session_cannot_list_links(shared_lab: Any) -> None:
    assert Client().get(reverse("web:share_list", args=[shared_lab.sandbox.pk])).status_code == 404
    assert (
        client_of("learner-one")
        .get(reverse("web:share_list", args=[shared_lab.sandbox.pk]))
        .status_code
        == 200
    )
