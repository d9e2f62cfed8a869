"""The lessons in real Chromium: every lesson in both languages (predict, Run it, the
verdict, the trace it opens, Check yourself answered), and axe-core with the screen's
width on the course map and a lesson page at 1280 and 390 px in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, check_screen, screen_page
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator import lessons
from simulator.web.lessons.models import LessonProgress
from simulator.web.models import Sandbox
from simulator.web.sandboxes import create_sandbox

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = "lessons-browser"
VERDICT = {"en": re.compile("Your prediction was right.|Not what the engine did."),
           "ja": re.compile("予想どおりでした。|エンジンの結果とは違いました。")}  # fmt: skip
CHECKED = {"en": re.compile("Correct.|Not quite."), "ja": re.compile("正解です|不正解です")}
DONE = {"en": "You have finished this lesson.", "ja": "このレッスンは完了です。"}


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_ENABLE = False
    return create_sandbox(OWNER, "Lessons in the browser")


def answer_check(page: Page, question: int) -> None:
    """Answer one Check yourself question as a learner would: the first option (the first
    few for "choose N"), or the places 1..N for an ordering question."""
    card = page.locator(f'[data-check="{question}"]')
    selects = card.locator("select")
    if selects.count():
        for n in range(selects.count()):
            selects.nth(n).select_option(str(n + 1))
    else:
        legend = card.locator("legend").inner_text()
        wanted = re.search(r"\d", legend)
        boxes = card.locator('input[name="choice"]')
        for n in range(int(wanted.group(0)) if wanted and "checkbox" in card.inner_html() else 1):
            boxes.nth(n).check()
    card.locator('[data-testid="check-answer"]').click()


def go_through(page: Page, base: str, lesson: lessons.Lesson, language: str, shots: Path) -> None:
    page.goto(f"{base}/lessons/{lesson.slug}/")
    expect(page.locator("h1")).to_contain_text(lesson.title(language))
    if lesson.try_it is not None:
        # Predict by keyboard: focus the first choice, move to the second with an arrow key.
        first = page.locator('#try-it input[name="choice"]').first
        first.focus()
        page.keyboard.press("ArrowDown")
        expect(page.locator('#try-it input[name="choice"]').nth(1)).to_be_checked()
        page.locator('[data-testid="lesson-run"]').click()
        verdict = page.locator("[data-lesson-verdict]")
        expect(verdict).to_contain_text(VERDICT[language])
        expect(verdict).to_be_focused()
        row = LessonProgress.objects.get(slug=lesson.slug, learner=f"{OWNER}-{language}")
        assert row.predicted == "b" and row.prediction_right is not None
        page.screenshot(
            path=shots / f"lesson-{lesson.number:02d}-try-{language}.png", full_page=True
        )
        page.locator('[data-testid="lesson-trace"]').click()
        expect(page).to_have_url(re.compile(r"/lab/[0-9a-f-]{36}/traces/[0-9a-f-]{36}/"))
        expect(page.locator("h1")).to_be_visible()
        page.go_back()
    for n in range(1, len(lesson.check) + 1):
        answer_check(page, n)
        card = page.locator(f'[data-check="{n}"]')
        expect(card.locator("[data-check-verdict]")).to_contain_text(CHECKED[language])
    expect(page.locator('[data-testid="lesson-done"]')).to_contain_text(DONE[language])


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_lesson_from_prediction_to_check_yourself(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    language: str,
) -> None:
    learner = create_sandbox(f"{OWNER}-{language}", "My own")
    with screen_page(browser, live_server, learner, "desktop", language) as (page, errors):
        page.goto(f"{live_server.url}/")
        page.locator(".lessons-offer a.button").click()
        expect(page).to_have_url(f"{live_server.url}/lessons/{lessons.course()[0].slug}/")
        for lesson in lessons.course():
            go_through(page, live_server.url, lesson, language, screenshot_dir)
        page.goto(f"{live_server.url}/lessons/")
        states = page.locator("[data-state]")
        expect(states).to_have_count(len(lessons.course()))
        assert set(states.evaluate_all("els => els.map(e => e.dataset.state)")) == {"done"}
        page.screenshot(path=screenshot_dir / f"lessons-map-done-{language}.png", full_page=True)
        # The learner's own sandbox is as it was; the course ran in "Course".
        assert Sandbox.objects.filter(owner=learner.owner, name="Course").count() == 1
        assert not learner.records.exists()
        assert errors == []


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_the_map_and_a_lesson_pass_axe_and_fit_the_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    lesson = next(lesson for lesson in lessons.course() if lesson.try_it is not None)
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        for name, path in (("map", "/lessons/"), ("lesson", f"/lessons/{lesson.slug}/")):
            page.goto(live_server.url + path)
            check_screen(page, screenshot_dir, f"lessons-{name}", viewport, language)
        # After a run and one answer: the verdicts, the requests and the explanation.
        page.locator('#try-it input[name="choice"]').first.check()
        page.locator('[data-testid="lesson-run"]').click()
        expect(page.locator("[data-lesson-verdict]")).to_contain_text(VERDICT[language])
        answer_check(page, 1)
        expect(page.locator('[data-check="1"] [data-check-verdict]')).to_be_visible()
        check_screen(page, screenshot_dir, "lessons-ran", viewport, language)
        # The diagram stays readable: its smallest words are drawn at 11 px or more.
        size = page.locator(".lesson-diagram__note").first.evaluate(
            """e => {
              const svg = e.ownerSVGElement;
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              return parseFloat(getComputedStyle(e).fontSize) * scale;
            }"""
        )
        assert size >= 11, size
        assert errors == []
