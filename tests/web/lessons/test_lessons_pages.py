"""The lessons' pages: the course map and every lesson in both languages, progress kept
per learner, Try it run in the learner's sandbox "Course" and judged by the engine,
re-runs, Check yourself graded as the quiz grades, and hostile input refused.

Which prediction is right is never written here: ``lesson_kit.engine_says`` asks the
engine, as the page does.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from learners import client_of
from lesson_kit import answer_form, buckets_of, course_sandbox_of, engine_says, with_try_it
from pytest_django.fixtures import Settings

from simulator import lessons
from simulator.engine import S3Request, readmodel
from simulator.quiz import exam
from simulator.web import glossary, sandboxes
from simulator.web.lessons import present
from simulator.web.lessons.models import LessonProgress
from simulator.web.models import Record, Sandbox, TraceRecord

LEARNER = "lesson-learner"
EN: dict[str, str] = {}
JA = {"Accept-Language": "ja"}
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client(db: None) -> Client:
    return client_of(LEARNER)


def text_of(response: Any) -> str:
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def url(slug: str, name: str = "lesson", *args: object) -> str:
    return reverse(f"web:{name}", args=[slug, *args])


# --------------------------------------------------------------------------- the map


def test_the_map_lists_every_lesson_in_order_in_both_languages(client: Client) -> None:
    course = lessons.course()
    for language, headers in (("en", EN), ("ja", JA)):
        response = client.get("/lessons/", headers=headers)
        assert response.status_code == 200
        body = response.content.decode()
        titles = [
            html.unescape(t)
            for t in re.findall(r'<a href="/lessons/[^"]+/">.*?</span>([^<]+)</a>', body)
        ]
        assert titles == [lesson.title(language) for lesson in course]
        for lesson in course:
            # Its summary, `code` shown as code and never with its backticks.
            shown = "".join(
                f"<code>{html.escape(piece)}</code>" if code else html.escape(piece)
                for code, piece in present.text(lesson.summary, language)
            )
            assert shown in body.replace("<wbr>", "")  # a long name's break points
        assert "`" not in text_of(response)
        # A new learner: lesson 1 is current, the rest next; one clear Start.
        states = re.findall(r'data-state="(\w+)"', body)
        assert states == ["current"] + ["next"] * (len(course) - 1)
        go = re.search(
            r'<a class="button" href="([^"]+)" data-testid="lessons-go">([^<]+)</a>', body
        )
        assert go is not None and go.group(1) == url(course[0].slug)
        assert go.group(2) == ("Start" if language == "en" else "始める")


def test_the_header_links_the_lessons(client: Client) -> None:
    body = client.get("/lessons/").content.decode()
    nav = body[body.index('class="site-nav"') : body.index("</nav>")]
    assert '<a href="/lessons/" aria-current="page">Lessons</a>' in nav


# --------------------------------------------------------------------------- a lesson


@pytest.mark.parametrize("lesson", lessons.course(), ids=lambda lesson: lesson.slug)
def test_every_lesson_page_in_both_languages(client: Client, lesson: lessons.Lesson) -> None:
    total = len(lessons.course())
    before, after = lessons.neighbours(lesson.slug)
    for language, headers, count in (
        ("en", EN, f"Lesson {lesson.number} of {total}"),
        ("ja", JA, f"レッスン {lesson.number} / {total}"),
    ):
        response = client.get(url(lesson.slug), headers=headers)
        assert response.status_code == 200
        body = response.content.decode()
        words = text_of(response)
        assert f'lang="{language}"' in body
        assert lesson.title(language) in words and count in words
        # The idea, its diagram (an image with a caption and the same words as a list).
        assert re.sub(r"`", "", lesson.body[0](language))[:20] in words
        assert 'role="img"' in body and "<figcaption" in body and 'id="diagram-steps"' in body
        # Try it: the prediction as radio buttons and one "Run it"; Check yourself.
        if lesson.try_it is not None:
            part = body[body.index('<section id="try-it"') :]
            part = part[: part.index("</section>")]
            assert part.count('type="radio" name="choice"') == len(lesson.try_it.prediction.choices)
            assert f'action="{url(lesson.slug, "lesson_try")}"' in body
        for n in range(1, len(lesson.check) + 1):
            assert f'action="{url(lesson.slug, "lesson_check", n)}"' in body
        for doc in lesson.docs:
            assert f'href="{doc}"' in body
        # Its terms link to their glossary entries, named in the page's language.
        assert lesson.terms
        for slug in lesson.terms:
            name = glossary.by_slug()[slug].term.get(language)
            assert f'<a href="/glossary/#{slug}">{html.escape(name)}</a>' in body
        if before is not None:
            assert f'href="{url(before.slug)}" rel="prev"' in body
        if after is not None:
            assert f'href="{url(after.slug)}" rel="next"' in body


def test_a_page_view_writes_nothing(client: Client) -> None:
    client.get("/lessons/")
    client.get(url(lessons.course()[0].slug))
    assert LessonProgress.objects.count() == 0 and Sandbox.objects.count() == 0


# --------------------------------------------------------------------------- Try it


def run(
    client: Client, lesson: lessons.Lesson, choice: str, headers: dict[str, str] | None = None
) -> Any:
    return client.post(url(lesson.slug, "lesson_try"), {"choice": choice}, headers=headers)


def test_try_it_runs_in_the_course_sandbox_and_the_engine_judges_the_prediction(
    client: Client,
) -> None:
    lesson = with_try_it()[0]
    right, wrong = engine_says(lesson)

    response = run(client, lesson, right)

    assert response.status_code == 302
    assert response["Location"].endswith("#try-it-result")
    row = LessonProgress.objects.get(learner=LEARNER, slug=lesson.slug)
    assert row.predicted == right and row.prediction_right is True and row.tried_at
    box = course_sandbox_of(LEARNER)
    made = [b for b in buckets_of(box) if b.startswith(row.run["prefix"] + "-")]
    assert made and sorted(made) == sorted(row.run["buckets"])
    # One kept trace per request sent; the last one is the one predicted about.
    assert len(row.run["responses"]) == len(lesson.try_it.requests)
    page = client.get(url(lesson.slug))
    words = text_of(page)
    assert "Your prediction was right." in words
    last = row.run["responses"][-1]
    trace_url = reverse("web:trace", args=[box.pk, last["trace"]])
    assert f'href="{trace_url}" data-testid="lesson-trace"' in page.content.decode()
    trace = client.get(trace_url)
    assert trace.status_code == 200
    assert TraceRecord.objects.get(pk=last["trace"]).status == last["status"]

    run(client, lesson, wrong)
    row.refresh_from_db()
    assert row.predicted == wrong and row.prediction_right is False
    assert "Not what the engine did." in text_of(client.get(url(lesson.slug)))
    assert "エンジンの結果とは違いました。" in text_of(client.get(url(lesson.slug), headers=JA))


def test_every_try_it_runs_from_the_page_and_is_judged(client: Client) -> None:
    for lesson in with_try_it():
        right, _ = engine_says(lesson)
        response = run(client, lesson, right, HX)
        assert response.status_code == 200, lesson.slug
        part = response.content.decode()
        # htmx gets the Try it part only, with the verdict and the trace link.
        assert part.lstrip().startswith('<section id="try-it"'), lesson.slug
        assert "Your prediction was right." in part and 'data-testid="lesson-trace"' in part
    assert Sandbox.objects.filter(owner=LEARNER, name="Course").count() == 1


def test_a_rerun_makes_new_buckets_and_deletes_only_the_previous_runs(client: Client) -> None:
    lesson = with_try_it()[0]
    right, _ = engine_says(lesson)
    run(client, lesson, right)
    box = course_sandbox_of(LEARNER)
    # The learner's own bucket in the same sandbox, and another lesson's run.
    sandboxes.run_s3(box, "test", S3Request("PUT", "my-own-bucket"))
    other = with_try_it()[1]
    run(client, other, engine_says(other)[0])
    other_buckets = LessonProgress.objects.get(learner=LEARNER, slug=other.slug).run["buckets"]
    first = LessonProgress.objects.get(learner=LEARNER, slug=lesson.slug).run
    first_traces = [r["trace"] for r in first["responses"]]

    assert run(client, lesson, right).status_code == 302

    second = LessonProgress.objects.get(learner=LEARNER, slug=lesson.slug).run
    assert second["prefix"] != first["prefix"]
    names = buckets_of(box)
    assert not set(first["buckets"]) & set(names)  # the previous run's buckets are gone
    assert set(second["buckets"]) <= set(names)
    assert "my-own-bucket" in names and set(other_buckets) <= set(names)
    # The earlier run's traces stay in the sandbox's list of requests.
    assert TraceRecord.objects.filter(pk__in=first_traces).count() == len(first_traces)
    assert "Your prediction was right." in text_of(client.get(url(lesson.slug)))


def test_a_rerun_retires_the_previous_runs_kms_keys_as_kms_does(client: Client) -> None:
    # s3-facts §5: a KMS key is never deleted at once; ScheduleKeyDeletion waits 7 to 30
    # days, and a key pending deletion is not billed. The rerun deletes the earlier run's
    # alias and schedules its key with the shortest window; the new run has its own key.
    lesson = lessons.lesson("sse-kms")
    right, _ = engine_says(lesson)
    run(client, lesson, right)
    box = course_sandbox_of(LEARNER)
    first = LessonProgress.objects.get(learner=LEARNER, slug=lesson.slug).run
    assert first["aliases"], "the SSE-KMS lesson makes a key of its own"
    engine = sandboxes.open_engine(box)
    first_keys = {a.name: a.target_key_id for a in readmodel.kms_aliases(engine)}
    old_key = first_keys[first["aliases"][0]]

    assert run(client, lesson, right).status_code == 302

    second = LessonProgress.objects.get(learner=LEARNER, slug=lesson.slug).run
    engine = sandboxes.open_engine(box)
    names = {a.name for a in readmodel.kms_aliases(engine)}
    assert not set(first["aliases"]) & names
    assert set(second["aliases"]) <= names
    state = engine.kms("DescribeKey", {"KeyId": old_key})["KeyMetadata"]
    assert state["KeyState"] == "PendingDeletion"
    assert "DeletionDate" in state
    text = text_of(client.get(url(lesson.slug)))
    assert "schedules its KMS keys for deletion after 7 days" in text


def test_another_learners_sandbox_is_never_touched(client: Client) -> None:
    stranger = sandboxes.create_sandbox("someone-else", "Course")
    sandboxes.run_s3(stranger, "test", S3Request("PUT", "theirs"))
    mine = sandboxes.create_sandbox(LEARNER, "Mine")
    sandboxes.run_s3(mine, "test", S3Request("PUT", "mine"))
    before = {
        box: sorted(Record.objects.filter(sandbox=box).values_list("kind", "rid", "data"))
        for box in (stranger, mine)
    }
    for lesson in with_try_it()[:3]:
        run(client, lesson, engine_says(lesson)[0])
        run(client, lesson, engine_says(lesson)[1])

    for box, records in before.items():
        assert (
            sorted(Record.objects.filter(sandbox=box).values_list("kind", "rid", "data")) == records
        )
    assert Sandbox.objects.filter(owner=LEARNER, name="Course").count() == 1
    # The stranger sees none of the learner's progress, and cannot open its traces.
    stranger_client = client_of("someone-else")
    body = stranger_client.get("/lessons/").content.decode()
    assert 'data-state="done"' not in body and ">Start<" in body
    trace = LessonProgress.objects.filter(learner=LEARNER).first()
    assert trace is not None
    box, trace_id = trace.run["sandbox"], trace.run["responses"][-1]["trace"]
    assert stranger_client.get(reverse("web:trace", args=[box, trace_id])).status_code == 404
    assert "Your prediction" not in text_of(stranger_client.get(url(trace.slug)))


def test_the_sandbox_cap_is_said_clearly_and_nothing_is_made(
    client: Client, settings: Settings
) -> None:
    for n in range(sandboxes.MAX_SANDBOXES):
        sandboxes.create_sandbox(LEARNER, f"Box {n}")
    lesson = with_try_it()[0]

    response = run(client, lesson, engine_says(lesson)[0])

    assert response.status_code == 409
    assert "the most one learner may have" in text_of(response)
    assert not Sandbox.objects.filter(owner=LEARNER, name="Course").exists()
    assert not LessonProgress.objects.exists()


# --------------------------------------------------------------------------- hostile input


def test_an_unknown_lesson_is_the_labs_404_page(client: Client) -> None:
    for path in ("/lessons/no-such-lesson/", "/lessons/no-such-lesson/try/"):
        response = client.get(path) if path.count("/") == 3 else client.post(path, {"choice": "a"})
        assert response.status_code == 404
        assert b"S3 Encryption Lab" in response.content


def test_a_bad_or_missing_choice_is_a_400_with_a_message_and_runs_nothing(client: Client) -> None:
    lesson = with_try_it()[0]
    for choice, words in (
        ("zz", "That is not one of this step's answers"),
        ("", "Choose one of the answers first"),
    ):
        response = run(client, lesson, choice)
        assert response.status_code == 400
        assert words in text_of(response)
        part = run(client, lesson, choice, HX)
        assert part.status_code == 200 and part["X-Lab-Status"] == "400"
        assert 'data-testid="try-error"' in part.content.decode()
    assert not Sandbox.objects.exists() and not LessonProgress.objects.exists()
    assert client.get(url(lesson.slug, "lesson_try")).status_code == 405


def test_a_lesson_without_try_it_refuses_a_run(client: Client) -> None:
    summary = next(lesson for lesson in lessons.course() if lesson.try_it is None)
    assert run(client, summary, "a").status_code == 404


# --------------------------------------------------------------------------- Check yourself


def test_check_yourself_is_graded_as_the_quiz_grades_and_finishes_the_lesson(
    client: Client,
) -> None:
    lesson = with_try_it()[0]
    run(client, lesson, engine_says(lesson)[1])
    for n, ref in enumerate(lesson.check, start=1):
        right = n % 2 == 1
        response = client.post(url(lesson.slug, "lesson_check", n), answer_form(ref, right))
        assert response.status_code == 302
        assert response["Location"].endswith(f"#check-{n}")
        row = LessonProgress.objects.get(learner=LEARNER, slug=lesson.slug)
        assert row.checks[ref]["correct"] is right
    row = LessonProgress.objects.get(learner=LEARNER, slug=lesson.slug)
    assert row.checked_at is not None and row.done_at is not None
    page = text_of(client.get(url(lesson.slug)))
    assert "Correct." in page and "Not quite." in page
    # The quiz's explanation of the first question is shown once it is answered.
    first = exam.resolve(lesson.check[0])
    assert re.sub(r"`", "", first.explanation("en"))[:20] in page
    assert "You have finished this lesson." in page
    # On the map: done, and the next lesson is current; Continue goes there.
    body = client.get("/lessons/").content.decode()
    states = re.findall(r'data-state="(\w+)"', body)
    index = [lesson_.slug for lesson_ in lessons.course()].index(lesson.slug)
    assert states[index] == "done"
    assert ">Continue<" in body


def test_a_check_answer_with_htmx_returns_the_section(client: Client) -> None:
    lesson = lessons.course()[0]
    ref = lesson.check[0]
    part = client.post(url(lesson.slug, "lesson_check", 1), answer_form(ref, True), headers=HX)
    assert part.status_code == 200
    body = part.content.decode()
    assert body.lstrip().startswith('<section id="check-yourself"')
    assert "data-check-verdict" in body and "<html" not in body


def test_a_bad_check_answer_is_a_400_and_an_unknown_question_a_404(client: Client) -> None:
    lesson = lessons.course()[0]
    for data, words in (
        ({"choice": ["zz"]}, "That answer is not one this question allows"),
        ({}, "Choose an answer first."),
    ):
        response = client.post(url(lesson.slug, "lesson_check", 1), data)
        assert response.status_code == 400
        assert words in text_of(response)
    assert client.post(url(lesson.slug, "lesson_check", 99), {"choice": "a"}).status_code == 404
    assert not LessonProgress.objects.exists()


# --------------------------------------------------------------------------- elsewhere


def test_the_home_and_sandboxes_pages_offer_the_course_until_the_learner_begins(
    client: Client,
) -> None:
    first = lessons.course()[0]
    for page in ("/", "/lab/"):
        body = text_of(client.get(page))
        assert "New here? Start the course" in body
        assert f"Lesson 1: {first.title('en')}" in body
        assert "初めての方は、コースから始めましょう" in text_of(client.get(page, headers=JA))
    client.post(url(first.slug, "lesson_check", 1), answer_form(first.check[0], True))
    for page in ("/", "/lab/"):
        assert "New here? Start the course" not in text_of(client.get(page))


def test_the_quizs_lesson_links_open_the_lessons() -> None:
    from simulator.quiz import loader
    from simulator.web.quiz.present import see_link

    linked = [q for q in loader.bank().questions.values() if q.see.startswith("lesson:")]
    assert linked
    for question in linked:
        assert see_link(question, "en")["url"] == url(question.see.removeprefix("lesson:"))


def test_japanese_lesson_pages_have_no_stray_spaces(client: Client) -> None:
    from test_translations import stray_spaces_in_page

    pages = ["/lessons/", "/"]
    for lesson in lessons.course():
        if lesson.try_it is not None:
            run(client, lesson, engine_says(lesson)[0])
        client.post(url(lesson.slug, "lesson_check", 1), answer_form(lesson.check[0], False))
        pages.append(url(lesson.slug))
    found = {
        page: spaces
        for page in pages
        if (spaces := stray_spaces_in_page(client.get(page, headers=JA).content.decode()))
    }
    assert found == {}
