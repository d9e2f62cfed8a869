"""Abuse: guessing join codes is useless while a school behind one address gets in;
nicknames are plain text, bounded and unique; a student sees nothing of other students'
answers, nothing before the reveal and nothing of another class; a teacher secret opens
its own class only."""

from __future__ import annotations

from typing import Any

import pytest
from class_kit import answer, join, start_class
from django.test import Client

from simulator.quiz import loader
from simulator.web.classroom import codes, limits
from simulator.web.classroom.models import ClassAnswer, ClassQuestion, Classroom, Student
from simulator.web.ratelimits import parse_rate

pytestmark = pytest.mark.django_db

BANK = "sse-s3-001"
SCHOOL = "203.0.113.7"


def keyed(ref: str = BANK) -> str:
    return sorted(loader.bank().questions[ref].keyed)[0]


# --------------------------------------------------------------------------- join codes


def test_one_browser_guessing_codes_is_stopped_after_its_tries() -> None:
    client = Client()
    # 20 tries in a 10-minute window; a window may end during the test (django-ratelimit's
    # windows are fixed), so a refusal comes by the 41st try at the latest.
    statuses: list[int] = []
    while 429 not in statuses and len(statuses) < 41:
        statuses.append(client.post("/join/", {"code": f"QQQQ{len(statuses):02d}"}).status_code)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {404}
    assert 21 <= len(statuses) <= 41
    refused = client.post("/join/", {"code": "QQQQQQ"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Too many tries to join from here" in refused.content.decode()


def test_an_address_guessing_codes_with_fresh_cookies_is_stopped(settings: Any) -> None:
    settings.LAB_CLASS_JOIN_LIMITS = {"address_misses": "5/h"}
    teacher = start_class()
    for n in range(5):
        assert (
            Client().post("/join/", {"code": f"QQQQ{n:02d}"}, REMOTE_ADDR=SCHOOL).status_code == 404
        )
    # The sixth try from that address is refused, even with the right code.
    assert Client().post("/join/", {"code": teacher.code}, REMOTE_ADDR=SCHOOL).status_code == 429
    # Another address is not affected.
    assert Client().post("/join/", {"code": teacher.code}).status_code == 302


def test_two_hundred_students_behind_one_school_address_all_get_in() -> None:
    teacher = start_class()
    for n in range(200):
        client = Client()
        # Some mistype the code first, as a class does.
        if n % 3 == 0:
            assert client.post("/join/", {"code": "QQQQQQ"}, REMOTE_ADDR=SCHOOL).status_code == 404
        response = client.post("/join/", {"code": teacher.code.lower()}, REMOTE_ADDR=SCHOOL)
        assert response.status_code == 302, n


def test_the_join_limits_explain_their_numbers() -> None:
    # 300 misses an hour against 25**6 codes: with 50 live classes, over 10,000 hours.
    per_hour, seconds = parse_rate(limits.DEFAULTS["address_misses"])
    space = len(codes.ALPHABET) ** 6
    assert seconds == 3600
    assert space / (50 * per_hour) > 10_000
    assert set(codes.ALPHABET).isdisjoint(set("0O1IL2Z5S8B"))


def test_a_class_is_full_at_its_limit(settings: Any) -> None:
    settings.LAB_CLASS_MAX_STUDENTS = 2
    teacher = start_class()
    join(teacher.code, "Ann")
    join(teacher.code, "Bob")
    refused = Client().post(f"/join/{teacher.code}", {"nickname": "Cy"})
    assert refused.status_code == 400 and "This class is full." in refused.content.decode()
    assert Student.objects.count() == 2


# --------------------------------------------------------------------------- nicknames


def test_a_nickname_is_plain_text_everywhere() -> None:
    teacher = start_class()
    nasty = "<img src=x onerror=1>"
    student = join(teacher.code, nasty)
    for page in (teacher.page(), student.get(f"/class/{teacher.code}/").content.decode()):
        assert nasty not in page
        assert "&lt;img src=x onerror=1&gt;" in page


@pytest.mark.parametrize(
    ("nickname", "why"),
    [
        ("", "Enter a nickname."),
        ("   ", "Enter a nickname."),
        ("x" * 25, "A nickname has at most 24 characters."),
    ],
)
def test_a_nickname_must_be_present_and_short(nickname: str, why: str) -> None:
    teacher = start_class()
    response = Client().post(f"/join/{teacher.code}", {"nickname": nickname})
    assert response.status_code == 400 and why in response.content.decode()
    assert Student.objects.count() == 0


def test_a_nickname_is_unique_in_a_class_whatever_its_case_or_width() -> None:
    teacher = start_class()
    join(teacher.code, "Ann")
    for same in ("ann", "ＡＮＮ", " Ann "):
        response = Client().post(f"/join/{teacher.code}", {"nickname": same})
        assert response.status_code == 400
        assert "already has that nickname" in response.content.decode()
    # Another class may have its own Ann.
    join(start_class().code, "Ann")
    assert Student.objects.filter(nickname="Ann").count() == 2


def test_control_characters_are_dropped_from_a_nickname() -> None:
    assert codes.clean_nickname("A\u200bn\x07n\n  B") == ("Ann B", "ann b")


# --------------------------------------------------------------------------- what a student sees


def test_a_student_never_sees_other_students_answers_or_names() -> None:
    teacher = start_class()
    ann, bob = join(teacher.code, "Ann"), join(teacher.code, "Bobby")
    teacher.ask("bank", BANK)
    question = ClassQuestion.objects.get()
    answer(ann, teacher.code, question.pk, keyed())
    for url in (f"/class/{teacher.code}/", f"/class/{teacher.code}/live/"):
        page = bob.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert (
            "Ann" not in page and "have answered" not in page and "class-chart__count" not in page
        )
    teacher.reveal(question.pk)
    page = bob.get(f"/class/{teacher.code}/").content.decode()
    assert "Ann" not in page and "have answered" not in page


def test_a_student_never_sees_or_answers_another_class() -> None:
    mine, other = start_class("Mine"), start_class("Other")
    ann = join(mine.code, "Ann")
    other.ask("bank", BANK)
    theirs = ClassQuestion.objects.get()
    # The other class's page sends Ann to its join form, never its question.
    response = ann.get(f"/class/{other.code}/")
    assert response.status_code == 302 and response["Location"] == f"/join/{other.code}"
    assert ann.get(f"/class/{other.code}/live/", HTTP_HX_REQUEST="true").status_code == 302
    # Answering the other class's question through her own class is refused.
    assert answer(ann, mine.code, theirs.pk, keyed()) == 400
    assert answer(ann, other.code, theirs.pk, keyed()) == 302  # a redirect to join, no answer
    assert ClassAnswer.objects.count() == 0


def test_a_stranger_without_a_session_sees_no_class_page() -> None:
    teacher = start_class()
    stranger = Client()
    assert stranger.get(f"/class/{teacher.code}/")["Location"] == f"/join/{teacher.code}"
    assert stranger.get("/class/QQQQQQ/").status_code == 404


def test_a_teacher_secret_opens_its_own_class_only() -> None:
    first, second = start_class("First"), start_class("Second")
    second.ask("bank", BANK)
    theirs = ClassQuestion.objects.get()
    # The first class's secret cannot reveal the second's question.
    response = first.client.post(first.link + "reveal/", {"question": theirs.pk})
    assert "error=unknown-question" in response["Location"]
    theirs.refresh_from_db()
    assert not theirs.revealed
    # A made-up secret is a 404 everywhere.
    for suffix in ("", "live/", "results/", "results.csv"):
        assert Client().get(f"/class/t/{codes.new_secret()}/{suffix}").status_code == 404
    assert Client().post(f"/class/t/{codes.new_secret()}/end/").status_code == 404


def test_an_ended_class_code_that_comes_back_sends_its_old_students_to_join_the_new() -> None:
    old = start_class("Old")
    ann = join(old.code, "Ann")
    assert old.client.post(old.link + "end/").status_code == 302
    new = start_class("New")
    # The code is free again once its class has ended (unique among live classes only).
    Classroom.objects.filter(code=new.code).update(code=old.code)
    response = ann.get(f"/class/{old.code}/")
    assert response.status_code == 302 and response["Location"] == f"/join/{old.code}"
    join(old.code, "Ann", ann)
    assert "Waiting for the first question" in ann.get(f"/class/{old.code}/").content.decode()
