"""Presenter mode's pages: a trace or a lesson one step at a time, in both languages;
the stage alone for htmx; the speaker window's notes; another learner's trace is a 404;
the share link for the class's phones made only on a POST."""

from __future__ import annotations

import base64
import hashlib
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from learners import client_of
from pytest_django.fixtures import Settings

from simulator import lessons
from simulator.engine import Engine, MemoryStore, S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.present import slides

OWNER = "presenter-one"
JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    return sandboxes.create_sandbox(OWNER, "Class demo", seed="present-tests")


@pytest.fixture
def put_trace(sandbox: Sandbox) -> TraceRecord:
    """A PUT with SSE-KMS: its trace has KMS steps, keys and encryption headers."""
    sandboxes.run_s3(sandbox, "test", S3Request("PUT", "class-bucket"))
    request = S3Request(
        "PUT",
        "class-bucket",
        "notes.txt",
        headers={"x-amz-server-side-encryption": "aws:kms"},
        body=b"hello class",
    )
    return sandboxes.run_s3(sandbox, "test", request).trace


def trace_url(record: TraceRecord, name: str = "web:present_trace") -> str:
    return reverse(name, args=[record.sandbox_id, record.pk])


def stage_of(body: str) -> str:
    match = re.search(r'<section id="stage".*?</section>', body, re.S)
    assert match, "no stage on the page"
    return match.group(0)


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


# --------------------------------------------------------------------------- a trace


def test_a_trace_is_presented_one_step_at_a_time(put_trace: TraceRecord) -> None:
    client = client_of(OWNER)
    total = len(put_trace.steps)
    first = client.get(trace_url(put_trace)).content.decode()
    assert f'data-step="1" data-total="{total}"' in first
    assert 'class="trace-svg"' in stage_of(first)  # the trace's own diagram
    assert "Step 1 of" in text_of(stage_of(first))
    third = client.get(trace_url(put_trace) + "?step=3").content.decode()
    assert 'data-step="3"' in third
    assert text_of(stage_of(first)) != text_of(stage_of(third))
    # Past the end is the last step; nonsense is the first.
    assert f'data-step="{total}"' in client.get(trace_url(put_trace) + "?step=999").content.decode()
    assert 'data-step="1"' in client.get(trace_url(put_trace) + "?step=x").content.decode()


def test_the_keys_leave_to_the_trace_at_the_same_step(put_trace: TraceRecord) -> None:
    body = client_of(OWNER).get(trace_url(put_trace) + "?step=4").content.decode()
    back = reverse("web:trace", args=[put_trace.sandbox_id, put_trace.pk]) + "?step=4#diagram"
    assert f'data-exit="{back}"' in body
    assert f'href="{back}"' in body  # the Leave link works without script


def test_htmx_gets_the_stage_alone(put_trace: TraceRecord) -> None:
    client = client_of(OWNER)
    whole = client.get(trace_url(put_trace) + "?step=2").content.decode()
    part = client.get(trace_url(put_trace) + "?step=2", **HX).content.decode()
    assert part.strip().startswith('<section id="stage"')
    assert "<html" not in part and "<dialog" not in part
    assert text_of(part) == text_of(stage_of(whole))


def test_the_trace_page_offers_presenter_mode_at_its_step(put_trace: TraceRecord) -> None:
    page = reverse("web:trace", args=[put_trace.sandbox_id, put_trace.pk])
    body = client_of(OWNER).get(page + "?step=5").content.decode()
    assert f'href="{trace_url(put_trace)}?step=5"' in body


def test_the_presenter_page_speaks_japanese(put_trace: TraceRecord) -> None:
    body = client_of(OWNER).get(trace_url(put_trace), **JA).content.decode()
    assert '<html lang="ja">' in body
    assert "発表者モード" in body and "ステップ 1 /" in body
    assert "Presenter keys" not in body and "Previous" not in body


def test_another_learner_cannot_present_someones_trace(put_trace: TraceRecord) -> None:
    sandboxes.create_sandbox("someone-else", "theirs")
    stranger = client_of("someone-else")
    for name in ("web:present_trace", "web:present_trace_speaker"):
        assert stranger.get(trace_url(put_trace, name)).status_code == 404
    assert stranger.post(trace_url(put_trace, "web:present_trace_share")).status_code == 404
    assert Client().get(trace_url(put_trace)).status_code == 404


def test_the_speaker_window_shows_the_next_step_the_keys_and_the_headers(
    put_trace: TraceRecord,
) -> None:
    client = client_of(OWNER)
    views = [text_of(stage_of(client.get(trace_url(put_trace) + f"?step={n}").content.decode()))
             for n in (1, 2)]  # fmt: skip
    assert views[0] != views[1]
    speaker = client.get(trace_url(put_trace, "web:present_trace_speaker") + "?step=1")
    notes = text_of(stage_of(speaker.content.decode()))
    assert "Now: step 1 of" in notes
    # The request asked for SSE-KMS: the speaker sees the header and what it means.
    assert "x-amz-server-side-encryption: aws:kms" in notes
    # A KMS step's keys: who holds which.
    kms_step = next(
        n for n, row in enumerate(put_trace.steps, 1) if row["kind"] == "kms.generate_data_key"
    )
    at_kms = client.get(trace_url(put_trace, "web:present_trace_speaker") + f"?step={kms_step}")
    assert "Who holds which key at this step" in at_kms.content.decode()
    last = client.get(
        trace_url(put_trace, "web:present_trace_speaker") + f"?step={len(put_trace.steps)}"
    )
    assert "This is the last step." in last.content.decode()
    part = client.get(trace_url(put_trace, "web:present_trace_speaker"), **HX).content.decode()
    assert part.strip().startswith('<section id="stage"') and "<html" not in part


def test_presenting_writes_nothing(put_trace: TraceRecord) -> None:
    client = client_of(OWNER)
    before = TraceRecord.objects.count()
    client.get(trace_url(put_trace))
    client.get(trace_url(put_trace, "web:present_trace_speaker"))
    assert TraceRecord.objects.count() == before


def test_the_share_link_is_made_on_a_post_only(put_trace: TraceRecord) -> None:
    client = client_of(OWNER)
    share = trace_url(put_trace, "web:present_trace_share")
    assert client.get(share).status_code == 405
    body = client.post(share).content.decode()
    link = re.search(r'data-testid="present-short-url">([^<]+)<', body)
    assert link, body
    assert link.group(1).startswith("http://testserver/")
    assert '<svg role="img"' in body and "present-qr-code" in body
    # Pressing Q again gives the same link; a student who opens it needs no session.
    again = client.post(share).content.decode()
    assert link.group(1) in again
    opened = Client().get(link.group(1).removeprefix("http://testserver"))
    assert opened.status_code == 200


def test_a_refused_share_link_says_why_in_the_qr_box(
    put_trace: TraceRecord, settings: Settings
) -> None:
    settings.LAB_SHARE = {"links_per_sandbox": 0}
    response = client_of(OWNER).post(trace_url(put_trace, "web:present_trace_share"))
    body = response.content.decode()
    assert response["X-Lab-Status"] == "409"
    assert "as many share links as it may keep" in body and "<svg" not in body
    ja = client_of(OWNER).post(trace_url(put_trace, "web:present_trace_share"), **JA)
    assert "共有リンクは上限に達しています" in ja.content.decode()


def test_an_sse_c_key_is_never_on_a_presenter_page(sandbox: Sandbox) -> None:
    """design §5: no SSE-C key is ever kept or shown; presenter mode shows the stored trace."""
    key = bytes(range(32))
    key_b64 = base64.b64encode(key).decode()
    unblock = (
        b'<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
        b"</ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>NONE"
        b"</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    )
    md5 = base64.b64encode(hashlib.md5(unblock).digest()).decode()
    sandboxes.run_s3(sandbox, "test", S3Request("PUT", "ssec-bucket"))
    sandboxes.run_s3(sandbox, "test", S3Request("PUT", "ssec-bucket", query={"encryption": ""},
                     body=unblock, headers={"Content-MD5": md5}))  # fmt: skip
    prefix = "x-amz-server-side-encryption-customer-"
    headers = {
        prefix + "algorithm": "AES256",
        prefix + "key": key_b64,
        prefix + "key-MD5": base64.b64encode(hashlib.md5(key).digest()).decode(),
    }
    request = S3Request("PUT", "ssec-bucket", "diary.txt", headers=headers, body=b"my diary")
    record = sandboxes.run_s3(sandbox, "test", request).trace
    assert record.status == 200
    client = client_of(OWNER)
    shown = ""
    for n in range(1, len(record.steps) + 1):
        for name in ("web:present_trace", "web:present_trace_speaker"):
            body = client.get(trace_url(record, name) + f"?step={n}").content.decode()
            assert key_b64 not in body and key.hex() not in body, (name, n)
            shown += body
    # The speaker's notes do show the SSE-C headers, with the key's placeholder.
    assert f"{prefix}key: " in html.unescape(shown)


# --------------------------------------------------------------------------- a lesson


def lesson_url(slug: str, name: str = "web:present_lesson") -> str:
    return reverse(name, args=[slug])


def with_try_it() -> lessons.Lesson:
    return next(lesson for lesson in lessons.course() if lesson.try_it is not None)


@pytest.mark.django_db
def test_a_lesson_is_its_paragraphs_then_predict_then_the_outcome() -> None:
    lesson = with_try_it()
    client = Client()
    paragraphs = len(lesson.body)
    total = paragraphs + 2
    first = client.get(lesson_url(lesson.slug)).content.decode()
    assert f'data-step="1" data-total="{total}"' in first
    assert "lesson-diagram__svg" in stage_of(first)
    predict = stage_of(client.get(lesson_url(lesson.slug) + f"?step={total - 1}").content.decode())
    assert "Predict first" in predict and "is-held" not in predict
    outcome = stage_of(client.get(lesson_url(lesson.slug) + f"?step={total}").content.decode())
    assert outcome.count("is-held") == 1


@pytest.mark.django_db
def test_the_outcome_is_the_engines_answer() -> None:
    lesson = with_try_it()
    assert lesson.try_it is not None
    result = lessons.run_try_it(lesson, Engine(store=MemoryStore(), seed=7), "t")
    (held,) = result.correct
    letter = "ABCD"[[c.id for c in lesson.try_it.prediction.choices].index(held)]
    deck = slides.deck(lesson, "en")
    assert [c.letter for c in deck.choices if c.held] == [letter]
    total = deck.total
    outcome = stage_of(Client().get(lesson_url(lesson.slug) + f"?step={total}").content.decode())
    held_item = re.search(r'<li class="present-choice is-held">(.*?)</li>', outcome, re.S)
    assert held_item and f">{letter}<" in held_item.group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("lesson", lessons.course(), ids=lambda lesson: lesson.slug)
def test_every_lesson_presents_in_both_languages(lesson: lessons.Lesson) -> None:
    client = Client()
    for headers, words in (({}, "Presenter keys"), (JA, "発表者のキー")):
        response = client.get(lesson_url(lesson.slug), **headers)  # type: ignore[arg-type]
        assert response.status_code == 200
        assert words in response.content.decode()
        speaker = client.get(lesson_url(lesson.slug, "web:present_lesson_speaker"), **headers)  # type: ignore[arg-type]
        assert speaker.status_code == 200


@pytest.mark.django_db
def test_a_lesson_qr_code_opens_the_lesson_itself() -> None:
    lesson = with_try_it()
    body = Client().get(lesson_url(lesson.slug)).content.decode()
    expected = f"http://testserver{reverse('web:lesson', args=[lesson.slug])}"
    assert f'data-testid="present-short-url">{expected}<' in body
    assert 'class="present-qr-code"' in body


@pytest.mark.django_db
def test_the_lesson_speaker_window_knows_the_answer_before_the_class() -> None:
    lesson = with_try_it()
    deck = slides.deck(lesson, "en")
    predict = Client().get(
        lesson_url(lesson.slug, "web:present_lesson_speaker") + f"?step={deck.total - 1}"
    )
    (held,) = [c.letter for c in deck.choices if c.held]
    assert re.search(rf"The engine's answer:\s*<strong>{held}</strong>", predict.content.decode())


@pytest.mark.django_db
def test_an_unknown_lesson_is_a_404() -> None:
    assert Client().get("/lessons/no-such-lesson/present/").status_code == 404


@pytest.mark.django_db
def test_the_lesson_page_offers_presenter_mode() -> None:
    lesson = with_try_it()
    body = Client().get(reverse("web:lesson", args=[lesson.slug])).content.decode()
    assert f'href="{lesson_url(lesson.slug)}"' in body
