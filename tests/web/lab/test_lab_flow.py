"""The lab tells the truth about its own flow: errors once, empty states that say why,
traces that are findable and named, 404s that say what happened, labels in words."""

from __future__ import annotations

import re

from django.test import Client
from lab_builders import HX, make_bucket, new_kms_key, put, url

from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.models import Sandbox, TraceRecord


def _text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_a_failed_upload_shows_s3s_message_once(learner: tuple[Client, Sandbox]) -> None:
    """NoSuchBucket: the message appears once (beside the form), not also in the banner."""
    client, _sandbox = learner
    sandbox = _sandbox

    response = client.post(
        url("upload", sandbox, "no-such-bucket"),
        {"file": _file(), "mode": "default", "sender": "alice", "transport": "https"},
        **HX,
    )

    body = _text(response)
    assert "NoSuchBucket" in body
    assert body.count("The specified bucket does not exist") == 1


def _file() -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")


def test_a_failed_bucket_setting_shows_s3s_message_once(learner: tuple[Client, Sandbox]) -> None:
    """A policy S3 refuses (MalformedPolicy): its words beside the field, not twice."""
    client, sandbox = learner
    make_bucket(sandbox, "policy-once")

    response = client.post(
        url("bucket_policy", sandbox, "policy-once"),
        {"policy": '{"Version": "2012-10-17", "Statement": []}', "action": "save"},
        **HX,
    )

    body = _text(response)
    assert "MalformedPolicy" in body
    message = re.search(r"MalformedPolicy: ([^<]+)", body)
    assert message is not None
    assert body.count(message.group(1).strip()) == 1


def test_an_empty_buckets_reencrypt_card_says_why_and_what_to_do(
    learner: tuple[Client, Sandbox],
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "empty-one")

    body = _text(client.get(url("bucket", sandbox, "empty-one")))

    card = body[body.index('id="reencrypt"') :]
    card = card[: card.index("</section>")]
    assert "nothing to re-encrypt yet" in card
    assert f'href="{url("upload", sandbox, "empty-one")}"' in card

    client.cookies["django_language"] = "ja"
    body = _text(client.get(url("bucket", sandbox, "empty-one")))
    assert "再暗号化できるものはありません" in body


def test_every_save_on_the_bucket_page_keeps_its_confirmation_in_view(
    learner: tuple[Client, Sandbox],
) -> None:
    """Each htmx form of the bucket page scrolls to its own section after the swap."""
    client, sandbox = learner
    make_bucket(sandbox, "scrolled")
    put(sandbox, "scrolled", "a.txt", b"x")

    body = _text(client.get(url("bucket", sandbox, "scrolled")))

    swaps = re.findall(r'hx-post="[^"]+/(\w+)/" hx-target="#bucket-body" hx-swap="([^"]+)"', body)
    assert len(swaps) == 5
    for _action, swap in swaps:
        assert re.fullmatch(r"outerHTML show:#\w+:top", swap), swap


def test_the_kms_and_bucket_key_controls_say_when_they_apply(
    learner: tuple[Client, Sandbox],
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "switches")
    put(sandbox, "switches", "a.txt", b"x")

    body = _text(client.get(url("bucket", sandbox, "switches")))

    assert (
        'data-enabled-when="algorithm:SSE-KMS algorithm:DSSE-KMS"><label for="id_kms_key"' in body
    )
    assert 'data-enabled-when="algorithm:SSE-KMS"><input type="checkbox"' in body
    assert 'data-enabled-when="method:copy"' in body
    assert "js/lab-forms" in body


def test_connection_is_radio_buttons_on_every_page(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "radios")
    put(sandbox, "radios", "a.txt", b"x")

    for page in (
        url("upload", sandbox, "radios"),
        url("object", sandbox, "radios") + "?key=a.txt",
    ):
        body = _text(client.get(page))
        assert re.search(r'<input type="radio" name="transport" value="http"', body), page
        assert '<select name="transport"' not in body, page


def test_the_reencrypt_result_names_its_fields_in_words(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "named")
    new_kms_key(sandbox, "alias/named")
    assert (
        put(sandbox, "named", "doc.txt", b"B" * 64, {"x-amz-server-side-encryption": "aws:kms"})
        == 200
    )

    response = client.post(
        url("reencrypt", sandbox, "named"),
        {"key": "doc.txt", "method": "update", "kms_key": "alias/named"},
        **HX,
    )

    body = _text(response)
    assert "KMS key (ARN)" in body
    for raw in ("kms_key_arn", "kms_blob", "wrapped_key", "root_key_version"):
        assert f">{raw}<" not in body


def test_the_kms_alias_links_to_its_key(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    key = new_kms_key(sandbox, "alias/linked")

    body = _text(client.get(url("kms", sandbox)))

    link = url("kms_key", sandbox, key["KeyId"])
    assert re.search(rf'<a href="{link}"[^>]*><code>alias/linked</code></a>', body)


def test_the_sandbox_actions_say_what_each_does(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner

    body = _text(client.get("/lab/"))

    for code, words in (
        ("empty", "removes its buckets, objects, keys and traces; the sandbox stays"),
        ("demo", "replaces what is in it with the demo"),
        ("delete", "removes the sandbox itself, for good"),
    ):
        described = f"does-{code}-{sandbox.pk}"
        assert f'aria-describedby="{described}"' in body
        assert re.search(
            rf'<li id="{described}">[^<]*{re.escape(words)}', body.replace("&#x27;", "'")
        )


def test_another_learners_trace_is_not_in_any_of_your_sandboxes(
    learner: tuple[Client, Sandbox], stranger: Client
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "private-bucket")
    trace = TraceRecord.objects.filter(sandbox=sandbox).first()
    assert trace is not None
    theirs = stranger.get(url("trace", sandbox, trace.pk))
    # The same words for a trace that never existed: nothing tells the two apart.
    never = client.get(url("trace", sandbox, "00000000-0000-4000-8000-000000000000"))

    for response in (theirs, never):
        assert response.status_code == 404
        body = _text(response)
        assert "This trace is not in any of your sandboxes" in body
        assert "It belongs to another sandbox" in body and "another browser" in body
        assert "Check the link" not in body
        assert "private-bucket" not in body

    stranger.cookies["django_language"] = "ja"
    japanese = _text(stranger.get(url("trace", sandbox, trace.pk)))
    assert "このトレースはあなたのどのサンドボックスにもありません" in japanese
    assert "別のサンドボックスのもの" in japanese and "private-bucket" not in japanese


def test_the_traces_list_names_each_operation_and_its_mode(
    learner: tuple[Client, Sandbox],
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "demo-ssec")
    body_xml = s3calls.encryption_xml("aws:kms")
    run(sandbox, "bucket.encryption", s3calls.put_bucket_encryption("demo-ssec", body_xml))
    put(sandbox, "demo-ssec", "a.txt", b"x")

    body = _text(client.get(url("traces", sandbox)))

    rows = re.findall(r'<th scope="row">(.*?)</th>', body, flags=re.S)
    text = [re.sub(r"<[^>]+>", " ", row) for row in rows]
    words = [" ".join(t.split()) for t in text]
    assert "PutObject SSE-KMS PUT /demo-ssec/a.txt" in words
    assert "PutBucketEncryption SSE-KMS PUT /demo-ssec?encryption" in words
    assert "CreateBucket PUT /demo-ssec" in words


def test_lessons_and_the_quiz_are_linked(client: Client) -> None:
    # The lessons exist now: "Lessons" is a link to the course map, without the
    # "coming soon" (準備中) tag it carried before.
    for language, lessons, soon in (("en", "Lessons", "coming soon"), ("ja", "レッスン", "準備中")):
        client.cookies["django_language"] = language
        body = _text(client.get("/"))
        nav = body[body.index('class="site-nav"') :]
        nav = nav[: nav.index("</nav>")]
        items = [i for i in re.findall(r"<li>(.*?)</li>", nav, flags=re.S) if lessons in i]
        assert len(items) == 1
        assert '<a href="/lessons/"' in items[0] and soon not in nav
        assert re.search(r'<a href="/quiz/"', nav)
