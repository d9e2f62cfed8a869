"""The class in real Chromium: a teacher and three students in separate browser contexts
start, join, answer, watch the live chart change, reveal and export; the teacher's page
says "Reconnecting…" through a network blip and recovers; every class page passes axe
at 1280 and 390 px in both languages."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, VIEWPORTS, check_screen, learner_context, watch
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.quiz import loader
from simulator.web.classroom import service
from simulator.web.classroom.models import ClassQuestion, Classroom
from simulator.web.models import Sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BANK = "sse-s3-001"


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def context(browser: Browser, language: str = "en", viewport: str = "desktop") -> BrowserContext:
    return browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale=language,
        extra_http_headers={"Accept-Language": language},
        reduced_motion="reduce",
    )


def chart_count(page: Page, choice: str) -> int:
    return int(
        page.locator(f'.class-chart__row[data-choice="{choice}"]').get_attribute("data-count") or -1
    )


def test_a_teacher_and_three_students_run_a_class(
    browser: Browser, live_server: LiveServer, screenshot_dir: Path
) -> None:
    teacher_context = context(browser)
    students_contexts = [context(browser, viewport="phone") for _ in range(3)]
    try:
        teacher = teacher_context.new_page()
        errors = watch(teacher)
        teacher.goto(f"{live_server.url}/")
        teacher.get_by_role("link", name="Teach a class").first.click()
        teacher.get_by_label("Title of the class").fill("Encryption at rest")
        teacher.get_by_label("Scenario every student starts from").select_option("lesson-sse-s3")
        teacher.get_by_role("button", name="Start the class").click()
        link = teacher.get_by_test_id("teacher-link").input_value()
        assert re.fullmatch(rf"{live_server.url}/class/t/[A-Za-z0-9_-]{{40,}}/", link)
        teacher.get_by_role("link", name="Open the class dashboard").click()
        code = teacher.get_by_test_id("join-code").inner_text()
        expect(teacher.get_by_role("img", name="Scan to join the class")).to_be_visible()

        students = []
        for n, student_context in enumerate(students_contexts):
            student = student_context.new_page()
            errors += watch(student)
            student.goto(f"{live_server.url}/join/")
            student.get_by_label("The class's join code").fill(code.lower())
            student.get_by_role("button", name="Next").click()
            student.get_by_label("Your nickname").fill(f"Student <{n}>")
            student.get_by_role("button", name="Join the class").click()
            expect(student.get_by_text("Waiting for the first question")).to_be_visible()
            students.append(student)
        expect(teacher.get_by_test_id("student-count")).to_have_text("3 students have joined")
        expect(teacher.locator(".class-nicknames li")).to_have_text(
            ["Student <0>", "Student <1>", "Student <2>"]
        )

        # Ask a bank question: pick its domain, then the question.
        teacher.get_by_label("Domain").select_option("sse-s3")
        teacher.get_by_role("button", name="Show its questions").click()
        teacher.locator(f'button[data-ref="{BANK}"]').click()
        expect(teacher.get_by_test_id("teacher-question")).to_be_visible()
        question = loader.bank().questions[BANK]
        right = sorted(question.keyed)[0]
        wrong = next(o.id for o in question.options if not o.correct)
        # The students' pages show it by themselves (polling), with no answer marked.
        for student in students:
            expect(student.get_by_test_id("student-question")).to_be_visible(timeout=6000)
            expect(student.get_by_text("Correct")).to_have_count(0)
        # Each tap moves the teacher's live bars within 2 s (polling every second).
        # The first answers with the keyboard: the choices are buttons, Enter sends one.
        students[0].locator(f'button[data-choice="{right}"]').focus()
        students[0].keyboard.press("Enter")
        expect(students[0].get_by_test_id("my-answer")).to_be_visible()
        expect(teacher.locator(f'.class-chart__row[data-choice="{right}"]')).to_have_attribute(
            "data-count", "1", timeout=2500
        )
        students[1].locator(f'button[data-choice="{wrong}"]').click()
        students[2].locator(f'button[data-choice="{wrong}"]').click()
        expect(teacher.locator(f'.class-chart__row[data-choice="{wrong}"]')).to_have_attribute(
            "data-count", "2", timeout=2500
        )
        expect(teacher.get_by_test_id("answered")).to_have_text("3 of 3 have answered")
        # A student changes their mind before the reveal.
        students[2].locator(f'button[data-choice="{right}"]').click()
        expect(teacher.locator(f'.class-chart__row[data-choice="{right}"]')).to_have_attribute(
            "data-count", "2", timeout=2500
        )
        check_screen(teacher, screenshot_dir, "class-teacher-live", "desktop", "en")
        check_screen(students[0], screenshot_dir, "class-student-question", "phone", "en")

        # A network blip: the teacher's page says so calmly, then recovers.
        before = len(errors)
        teacher.route("**/live/**", lambda route: route.abort())
        expect(teacher.locator("#class-reconnecting")).to_be_visible(timeout=4000)
        teacher.unroute("**/live/**")
        expect(teacher.locator("#class-reconnecting")).to_be_hidden(timeout=4000)
        # The blip's own console lines (htmx's and the failed loads) are expected.
        blip = errors[before:]
        del errors[before:]
        assert all("htmx:" in e or "ERR_FAILED" in e for e in blip), blip

        teacher.get_by_test_id("reveal").click()
        expect(teacher.locator(".class-chart__row--correct")).to_have_count(1)
        expect(students[0].get_by_test_id("verdict")).to_contain_text("Right!", timeout=6000)
        expect(students[1].get_by_test_id("verdict")).to_contain_text(
            "Not this time.", timeout=6000
        )
        expect(students[1].get_by_test_id("explanation")).to_be_visible()
        check_screen(students[1], screenshot_dir, "class-student-revealed", "phone", "en")

        teacher.get_by_test_id("end-class").click()
        teacher.wait_for_url("**/results/")
        with teacher.expect_download() as download:
            teacher.get_by_test_id("csv").click()
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        assert [(r[4], r[7]) for r in rows[1:]] == [
            ("Student <0>", "yes"),
            ("Student <1>", "no"),
            ("Student <2>", "yes"),
        ]
        expect(students[0].get_by_text("The class has ended")).to_be_visible(timeout=6000)
        assert errors == []
    finally:
        teacher_context.close()
        for student_context in students_contexts:
            student_context.close()


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_every_class_page_passes_axe_and_fits_the_screen(
    browser: Browser,
    live_server: LiveServer,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    classroom, secret = service.start_class("Encryption <at rest>", scenario_slug="lesson-sse-s3")
    student = service.join(classroom, "class-axe-student", "Ann", 300)
    service.join(classroom, "class-axe-other", "ボブ", 300)
    teacher = context(browser, language, viewport)
    assert student.sandbox_id is not None
    box = Sandbox.objects.get(pk=student.sandbox_id)
    phone = learner_context(
        browser,
        live_server,
        box,
        viewport=VIEWPORTS[viewport],
        locale=language,
        extra_http_headers={"Accept-Language": language},
        reduced_motion="reduce",
    )
    try:
        page = teacher.new_page()
        errors = watch(page)
        for name, url in (
            ("class-start", "/class/"),
            ("class-join", "/join/"),
            ("class-nickname", f"/join/{classroom.code}"),
        ):
            page.goto(live_server.url + url)
            check_screen(page, screenshot_dir, name, viewport, language)
        mine = phone.new_page()
        errors += watch(mine)
        mine.goto(f"{live_server.url}/class/{classroom.code}/")
        check_screen(mine, screenshot_dir, "class-student-waiting", viewport, language)

        asked = service.ask_bank(classroom, BANK)
        service.answer(student, asked.pk, sorted(loader.bank().questions[BANK].keyed)[0])
        page.goto(f"{live_server.url}/class/t/{secret}/?domain=sse-s3")
        check_screen(page, screenshot_dir, "class-teacher", viewport, language)
        mine.goto(f"{live_server.url}/class/{classroom.code}/")
        check_screen(mine, screenshot_dir, "class-student-answered", viewport, language)

        service.reveal(classroom, asked.pk)
        predict = service.ask_predict(classroom, "sse-kms")
        service.reveal(classroom, predict.pk)
        mine.goto(f"{live_server.url}/class/{classroom.code}/")
        check_screen(mine, screenshot_dir, "class-student-predict-revealed", viewport, language)
        page.goto(f"{live_server.url}/class/t/{secret}/")
        check_screen(page, screenshot_dir, "class-teacher-revealed", viewport, language)

        service.end_class(Classroom.objects.get(pk=classroom.pk))
        page.goto(f"{live_server.url}/class/t/{secret}/results/")
        check_screen(page, screenshot_dir, "class-results", viewport, language)
        assert ClassQuestion.objects.filter(classroom=classroom).count() == 2
        assert errors == []
    finally:
        teacher.close()
        phone.close()
