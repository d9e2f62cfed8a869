"""A class from start to results, through the views: start, join, ask, answer, reveal,
end, results and CSV; each page in both languages, full and as its htmx partial."""

from __future__ import annotations

import csv
import io

import pytest
from class_kit import answer, join, start_class
from django.test import Client

from simulator.quiz import loader
from simulator.web.classroom import codes, service
from simulator.web.classroom.models import ClassAnswer, ClassQuestion, Classroom, Student
from simulator.web.models import Sandbox
from simulator.web.quiz.present import parts

pytestmark = pytest.mark.django_db

BANK = "sse-s3-001"


def keyed(ref: str) -> str:
    return sorted(loader.bank().questions[ref].keyed)[0]


def wrong(ref: str) -> str:
    question = loader.bank().questions[ref]
    return next(o.id for o in question.options if not o.correct)


def test_a_teacher_starts_a_class_with_a_secret_link_kept_only_as_its_hash() -> None:
    teacher = start_class()
    classroom = Classroom.objects.get(code=teacher.code)
    secret = teacher.link.split("/")[3]
    assert classroom.secret_hash == codes.secret_hash(secret)
    assert secret not in classroom.secret_hash
    assert classroom.state == "open" and classroom.scenario_slug == "lesson-sse-s3"
    assert codes.looks_like_code(classroom.code)
    page = teacher.page()
    assert classroom.code in page
    assert "<svg" in page and "Scan to join the class" in page  # the QR code of /join/<code>


def test_a_start_without_a_title_or_a_known_scenario_is_refused_and_makes_nothing() -> None:
    client = Client()
    assert client.post("/class/", {"title": "", "scenario": "lesson-sse-s3"}).status_code == 400
    assert client.post("/class/", {"title": "x", "scenario": "no-such"}).status_code == 400
    assert Classroom.objects.count() == 0


def test_a_student_joins_with_a_nickname_into_a_sandbox_built_from_the_scenario() -> None:
    teacher = start_class()
    student = join(teacher.code, "Ada")
    row = Student.objects.get(nickname="Ada")
    assert row.sandbox is not None
    assert Sandbox.objects.filter(pk=row.sandbox.pk, owner=row.learner).exists()
    page = student.get(f"/class/{teacher.code}/").content.decode()
    assert "Waiting for the first question" in page
    assert "Ada" in teacher.page()
    # Joining again from the same browser keeps the one student.
    assert student.get(f"/join/{teacher.code}").status_code == 302
    join(teacher.code, "Ada again", student)
    assert Student.objects.count() == 1


def test_the_join_form_takes_a_code_typed_in_lower_case_with_a_dash() -> None:
    teacher = start_class()
    code = teacher.code.lower()
    response = Client().post("/join/", {"code": f"{code[:3]}-{code[3:]}"})
    assert response.status_code == 302
    assert response["Location"] == f"/join/{teacher.code}"


def test_a_wrong_code_is_told_plainly() -> None:
    response = Client().post("/join/", {"code": "QQQQQQ"})
    assert response.status_code == 404
    assert "No open class has this code" in response.content.decode()


def test_a_bank_question_is_graded_by_the_quiz_and_revealed_with_its_explanation() -> None:
    teacher = start_class()
    ann, bob = join(teacher.code, "Ann"), join(teacher.code, "Bob")
    teacher.ask("bank", BANK)
    question = ClassQuestion.objects.get()
    # Before the reveal: the student sees the question, never which answer is right.
    page = ann.get(f"/class/{teacher.code}/").content.decode()
    explanation = next(
        text
        for is_code, text in parts(loader.bank().questions[BANK].explanation("en"))
        if not is_code
    ).strip()
    assert "Question 1" in page and "Correct" not in page and explanation not in page
    assert answer(ann, teacher.code, question.pk, wrong(BANK)) == 302
    assert answer(ann, teacher.code, question.pk, keyed(BANK)) == 302  # changed
    assert answer(bob, teacher.code, question.pk, wrong(BANK)) == 302
    assert ClassAnswer.objects.count() == 2
    tally = service.tally(question)
    assert tally.answered == 2 and tally.counts[keyed(BANK)] == 1
    assert "2 of 2 have answered" in teacher.page()
    teacher.reveal(question.pk)
    ann_page = ann.get(f"/class/{teacher.code}/").content.decode()
    bob_page = bob.get(f"/class/{teacher.code}/").content.decode()
    assert "Right!" in ann_page and "Not this time." in bob_page
    assert explanation in ann_page and 'data-testid="explanation"' in ann_page
    # After the reveal, answers are closed.
    assert answer(bob, teacher.code, question.pk, keyed(BANK)) == 400
    assert ClassAnswer.objects.get(student__nickname="Bob").correct is False


def test_a_predict_question_is_graded_by_what_the_engine_did() -> None:
    teacher = start_class()
    ann = join(teacher.code, "Ann")
    teacher.ask("predict", "sse-s3")
    question = ClassQuestion.objects.get()
    # Fact (s3-facts.md, SSE-S3): an upload with x-amz-server-side-encryption: AES256 is
    # stored encrypted under an S3-managed key; the key is the engine's run, not a table.
    assert question.correct, "the engine's run matched a choice"
    assert answer(ann, teacher.code, question.pk, question.correct[0]) == 302
    assert ClassAnswer.objects.get().correct is True


def test_asking_the_next_question_closes_the_last_and_only_the_current_takes_answers() -> None:
    teacher = start_class()
    ann = join(teacher.code, "Ann")
    teacher.ask("bank", BANK)
    first = ClassQuestion.objects.get()
    teacher.ask("bank", "sse-kms-001")
    first.refresh_from_db()
    assert first.revealed
    assert answer(ann, teacher.code, first.pk, keyed(BANK)) == 400
    assert ClassAnswer.objects.count() == 0


def test_the_live_partials_answer_204_while_nothing_changed() -> None:
    teacher = start_class()
    ann = join(teacher.code, "Ann")
    teacher.ask("bank", BANK)
    hx = {"HTTP_HX_REQUEST": "true"}
    first = teacher.client.get(teacher.link + "live/", **hx)
    assert first.status_code == 200 and 'id="live"' in first.content.decode()
    version = first.content.decode().split('data-version="')[1].split('"')[0]
    assert teacher.client.get(teacher.link + "live/", {"v": version}, **hx).status_code == 204
    question = ClassQuestion.objects.get()
    answer(ann, teacher.code, question.pk, keyed(BANK))
    changed = teacher.client.get(teacher.link + "live/", {"v": version}, **hx)
    assert changed.status_code == 200 and "1 of 1 have answered" in changed.content.decode()
    # Without htmx, the live URL sends the browser to the whole page.
    assert teacher.client.get(teacher.link + "live/").status_code == 302
    student_live = ann.get(f"/class/{teacher.code}/live/", **hx)
    assert student_live.status_code == 200 and 'id="student-live"' in student_live.content.decode()
    # An htmx answer gets the partial back.
    partial = ann.post(
        f"/class/{teacher.code}/answer/", {"question": question.pk, "choice": wrong(BANK)}, **hx
    )
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert "Your answer: " in partial.content.decode()


def test_ending_the_class_closes_joins_and_answers_and_shows_the_results() -> None:
    teacher = start_class()
    ann = join(teacher.code, "Ann")
    teacher.ask("bank", BANK)
    question = ClassQuestion.objects.get()
    answer(ann, teacher.code, question.pk, keyed(BANK))
    response = teacher.client.post(teacher.link + "end/")
    assert response.status_code == 302 and response["Location"].endswith("/results/")
    classroom = Classroom.objects.get()
    assert classroom.state == "ended" and classroom.ended_at is not None
    assert Client().post(f"/join/{teacher.code}", {"nickname": "Late"}).status_code == 404
    assert answer(ann, teacher.code, question.pk, wrong(BANK)) == 400
    results = teacher.client.get(teacher.link + "results/").content.decode()
    assert "1 student took part." in results and "1 (100 %)" in results
    assert "The class has ended" in ann.get(f"/class/{teacher.code}/").content.decode()


def test_the_csv_has_one_row_per_answer_and_defuses_a_formula_nickname() -> None:
    teacher = start_class()
    evil = join(teacher.code, '=HYPERLINK("x","y")')
    plain = join(teacher.code, "Ann, the 2nd")
    teacher.ask("bank", BANK)
    question = ClassQuestion.objects.get()
    answer(evil, teacher.code, question.pk, keyed(BANK))
    answer(plain, teacher.code, question.pk, wrong(BANK))
    response = teacher.client.get(teacher.link + "results.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["question", "kind", "ref", "domain", "nickname"]
    assert [r[4] for r in rows[1:]] == ['\'=HYPERLINK("x","y")', "Ann, the 2nd"]
    assert [r[7] for r in rows[1:]] == ["yes", "no"]
    assert {r[3] for r in rows[1:]} == {"sse-s3"}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_class_page_answers_in_both_languages(language: str) -> None:
    teacher = start_class()
    ann = join(teacher.code, "Ann")
    teacher.ask("bank", BANK)
    cookies = {"django_language": language}
    for client in (teacher.client, ann, Client()):
        client.cookies.load(cookies)
    pages = [
        (Client(), "/class/"),
        (Client(), "/join/"),
        (Client(), f"/join/{teacher.code}"),
        (teacher.client, teacher.link),
        (teacher.client, teacher.link + "results/"),
        (ann, f"/class/{teacher.code}/"),
    ]
    for client, url in pages:
        client.cookies.load(cookies)
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode(), url
