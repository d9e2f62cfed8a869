"""The quiz in real Chromium: practice with its explanation and trace, a timed exam of 5
questions (flag, navigator, submission, per-domain results), the Japanese pages, and
axe-core on every quiz page in both languages at desktop and phone widths."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from browser_kit import (
    VIEWPORTS,
    learner_context,
    screen_context,
    serious_axe_violations,
    sideways_scroll,
    watch,
)
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.quiz import loader
from simulator.quiz.model import Question
from simulator.web.models import QuizAnswer, QuizAttempt, Sandbox, TraceRecord
from simulator.web.sandboxes import create_sandbox

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = "quiz-browser"


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_ENABLE = False
    return create_sandbox(OWNER, "Quiz in the browser")


def first(kind: str, check: str | None) -> Question:
    return next(q for q in loader.bank().questions.values() if q.type == kind and q.check == check)


def attempt_of(
    *questions: Question, mode: str = "practice", seconds: int | None = None
) -> QuizAttempt:
    return QuizAttempt.objects.create(
        learner=OWNER,
        mode=mode,
        config={"domains": [], "difficulty": None, "count": len(questions), "minutes": None},
        refs=[q.ref for q in questions],
        seed=99,
        deadline=timezone.now() + timedelta(seconds=seconds) if seconds else None,
    )


def answer_any(page: Page) -> None:
    """Answer whatever question is shown, by keyboard: 1 (and 2, 3 for "choose N"); an
    ordering question's places are already filled in by the script."""
    question = page.locator("[data-quiz-question]")
    question.locator("h1").focus()
    checkboxes = question.locator('input[type="checkbox"][name="choice"]').count()
    if checkboxes:
        legend = question.locator("legend").inner_text()
        wanted = int(re.search(r"\d", legend).group(0))  # type: ignore[union-attr]
        for key in "123"[:wanted]:
            page.keyboard.press(key)
    elif question.locator('input[type="radio"]').count():
        page.keyboard.press("1")


def test_practice_answer_by_keyboard_shows_the_verdict_and_next_goes_on(
    learner: Page, live_server: LiveServer, screenshot_dir: Path
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/quiz/")
    learner.get_by_label("SSE-C").check()
    learner.locator("#practice-count").fill("2")
    learner.get_by_role("button", name="Start practice").click()
    expect(learner).to_have_url(re.compile(r"/quiz/[0-9a-f-]{36}/1/$"))

    answer_any(learner)
    learner.keyboard.press("Enter")

    verdict = learner.locator("[data-quiz-verdict]")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text(re.compile("Correct.|Not quite."))
    expect(learner.locator("[data-quiz-verdict]")).to_be_focused()
    expect(learner.locator("[data-quiz-announce]")).to_contain_text(re.compile("Correct|Not quite"))
    expect(learner.get_by_role("heading", name="Explanation")).to_be_visible()
    assert QuizAnswer.objects.get().correct is not None
    learner.screenshot(path=screenshot_dir / "quiz-practice-verdict.png", full_page=True)

    learner.keyboard.press("n")
    expect(learner).to_have_url(re.compile(r"/quiz/[0-9a-f-]{36}/2/$"))
    assert errors == []


def test_see_it_happen_links_the_chosen_and_the_correct_requests_traces(
    learner: Page, live_server: LiveServer, screenshot_dir: Path
) -> None:
    question = first("single", "succeeds")
    attempt = attempt_of(question)
    wrong = next(o for o in question.options if not o.correct)
    learner.goto(f"{live_server.url}/quiz/{attempt.pk}/1/")

    learner.locator(f'input[name="choice"][value="{wrong.id}"]').check()
    learner.get_by_role("button", name="Check my answer").click()
    expect(learner.locator("[data-quiz-verdict]")).to_contain_text("Not quite.")
    learner.get_by_role("button", name="See it happen").click()

    links = learner.get_by_test_id("see-trace")
    expect(links).to_have_count(2)
    expect(learner.locator(".quiz-traces")).to_contain_text("Your answer")
    expect(learner.locator(".quiz-traces")).to_contain_text("A correct answer")
    learner.locator("#see").screenshot(path=screenshot_dir / "quiz-see-it-happen.png")
    assert serious_axe_violations(learner) == []
    links.first.click()
    expect(learner).to_have_url(re.compile(r"/lab/[0-9a-f-]{36}/traces/[0-9a-f-]{36}/$"))
    trace = TraceRecord.objects.get(pk=learner.url.rstrip("/").rsplit("/", 1)[1])
    assert trace.status >= 300  # the wrong option's request, refused as the engine keyed it


def test_a_timed_exam_of_five_with_a_flag_the_navigator_and_per_domain_results(
    learner: Page, live_server: LiveServer, screenshot_dir: Path
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/quiz/")
    learner.locator("#exam-count").fill("5")
    learner.locator("#exam-minutes").fill("10")
    learner.get_by_role("button", name="Start the exam").click()
    expect(learner).to_have_url(re.compile(r"/quiz/[0-9a-f-]{36}/1/$"))
    expect(learner.locator("[data-quiz-clock]")).to_have_text(re.compile(r"^(09:5\d|10:00)$"))

    answer_any(learner)
    learner.get_by_label("Flag for review").check()
    learner.get_by_role("button", name="Save and next").click()
    expect(learner.get_by_role("heading", name="Question 2 of 5")).to_be_visible()
    # The navigator: question 1 answered and flagged; jump to 4.
    expect(learner.get_by_role("button", name="Question 1, answered, flagged")).to_be_visible()
    learner.get_by_role("button", name="Question 4, not answered").click()
    expect(learner.get_by_role("heading", name="Question 4 of 5")).to_be_visible()
    expect(learner).to_have_url(re.compile(r"/4/$"))
    expect(learner).to_have_title(re.compile(r"^Question 4 of 5 · Quiz · "))
    expect(learner.get_by_role("heading", name="Question 4 of 5")).to_be_focused()
    answer_any(learner)
    # No feedback before submission.
    assert learner.locator("[data-quiz-verdict]").count() == 0
    learner.get_by_role("button", name="Finish and submit the exam").click()
    # Three unanswered and one flagged: the exam asks before it closes for good.
    confirm = learner.get_by_test_id("quiz-confirm")
    expect(confirm).to_be_visible()
    expect(confirm.locator("dd")).to_have_text(["3", "1"])
    # (axe and the screenshot after the last swap: what they leave on the page, htmx
    # would carry over; "Submit now" navigates to the results.)
    assert serious_axe_violations(learner) == []
    learner.screenshot(path=screenshot_dir / "quiz-exam-question.png", full_page=True)
    confirm.get_by_role("button", name="Submit now").click()

    expect(learner).to_have_url(re.compile(r"/quiz/[0-9a-f-]{36}/results/$"))
    attempt = QuizAttempt.objects.get()
    assert attempt.submitted is not None
    answers = {a.position: a for a in attempt.answers.all()}
    assert answers[0].flagged and answers[3].chosen
    table = learner.get_by_test_id("domain-scores")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() >= 1
    expect(learner.locator(".quiz-chart__row").first).to_be_visible()
    expect(learner.get_by_test_id("answers").locator("tbody tr")).to_have_count(5)
    expect(learner.locator("main")).to_contain_text("The pass mark is 72")
    assert serious_axe_violations(learner) == []
    learner.screenshot(path=screenshot_dir / "quiz-exam-results.png", full_page=True)
    assert errors == []


def test_the_timer_speaks_once_at_ten_minutes_left(learner: Page, live_server: LiveServer) -> None:
    question = first("single", None)
    attempt = attempt_of(question, question, mode="exam", seconds=602)
    learner.goto(f"{live_server.url}/quiz/{attempt.pk}/1/")

    announce = learner.locator("[data-quiz-announce]")
    expect(announce).to_have_text("", timeout=500)
    expect(announce).to_have_text("10 minutes left in the exam.", timeout=6000)
    # The clock itself is not a live region: it does not chatter.
    clock = learner.locator("[data-quiz-clock]")
    assert clock.get_attribute("aria-live") is None
    assert learner.locator(".quiz-timer").get_attribute("aria-live") is None


def test_an_ordering_question_by_move_buttons(learner: Page, live_server: LiveServer) -> None:
    question = first("order", None)
    attempt = attempt_of(question)
    learner.goto(f"{live_server.url}/quiz/{attempt.pk}/1/")

    # Put the steps in their order with the buttons only: raise each into its place.
    def shown() -> list[str]:
        return list(
            learner.locator(".quiz-order__item").evaluate_all(
                "items => items.map(i => i.dataset.option)"
            )
        )

    for n, option_id in enumerate(question.order):
        while shown().index(option_id) > n:
            learner.locator(f'.quiz-order__item[data-option="{option_id}"]').get_by_role(
                "button", name="Move up"
            ).click()
    assert shown() == list(question.order)
    learner.get_by_role("button", name="Check my answer").click()

    expect(learner.locator("[data-quiz-verdict]")).to_contain_text("Correct.")
    assert QuizAnswer.objects.get().chosen == list(question.order)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_quiz_page_passes_axe_and_fits_the_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    multiple = next(q for q in loader.bank().questions.values() if q.type == "multiple")
    practice = attempt_of(multiple, first("order", None))
    exam_attempt = attempt_of(first("single", None), multiple, mode="exam", seconds=1800)
    done = attempt_of(first("single", None), multiple, mode="exam", seconds=1800)
    QuizAnswer.objects.create(
        attempt=done,
        position=0,
        ref=done.refs[0],
        chosen=["a"],
        correct=False,
        flagged=True,
        seconds=12,
    )
    QuizAttempt.objects.filter(pk=done.pk).update(submitted=timezone.now())
    answered = attempt_of(first("single", "outcome"))
    context = screen_context(browser, live_server, sandbox, VIEWPORTS[viewport], language, "light")
    pages = {
        "home": "/quiz/",
        "practice": f"/quiz/{practice.pk}/1/",
        "order": f"/quiz/{practice.pk}/2/",
        "exam": f"/quiz/{exam_attempt.pk}/2/",
        "results": f"/quiz/{done.pk}/results/",
        "submitted": f"/quiz/{done.pk}/1/",
    }
    try:
        page = context.new_page()
        errors = watch(page)
        for name, path in pages.items():
            page.goto(live_server.url + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert serious_axe_violations(page) == [], (name, language, viewport)
            assert sideways_scroll(page) <= 0, (name, language, viewport)
            page.screenshot(
                path=screenshot_dir / f"quiz-{name}-{viewport}-{language}.png", full_page=True
            )
        # A practice question answered, with its verdict and explanation.
        page.goto(f"{live_server.url}/quiz/{answered.pk}/1/")
        page.locator('input[name="choice"]').first.check()
        page.locator("[data-quiz-form] button[type=submit]").first.click()
        expect(page.locator("[data-quiz-verdict]")).to_be_visible()
        if language == "ja":
            expect(page.locator("[data-quiz-verdict]")).to_contain_text(
                re.compile("正解です|不正解です")
            )
        assert serious_axe_violations(page) == [], ("verdict", language, viewport)
        page.screenshot(
            path=screenshot_dir / f"quiz-verdict-{viewport}-{language}.png", full_page=True
        )
        assert errors == []
    finally:
        context.close()


def test_the_japanese_exam_journey(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox
) -> None:
    context = learner_context(
        browser, live_server, sandbox, locale="ja", extra_http_headers={"Accept-Language": "ja"}
    )
    try:
        page = context.new_page()
        errors = watch(page)
        page.goto(f"{live_server.url}/quiz/")
        page.locator("#exam-count").fill("2")
        page.get_by_role("button", name="試験を開始").click()
        expect(page.get_by_role("heading", name="問題 1 / 2")).to_be_visible()
        expect(page.locator(".quiz-timer")).to_contain_text("残り時間")
        answer_any(page)
        page.get_by_role("button", name="保存して次へ").click()
        expect(page.get_by_role("heading", name="問題 2 / 2")).to_be_visible()
        page.get_by_role("button", name="終了して試験を提出").click()
        # Question 2 is unanswered: the exam asks first, in Japanese.
        confirm = page.get_by_test_id("quiz-confirm")
        expect(confirm.get_by_role("heading", name="試験を提出しますか。")).to_be_visible()
        expect(confirm).to_contain_text("未回答の問題は不正解として採点されます。")
        confirm.get_by_role("button", name="提出する").click()
        expect(page.get_by_role("heading", name="ドメイン別のスコア")).to_be_visible()
        expect(page.locator("main")).to_contain_text("合格ラインは 72")
        assert errors == []
    finally:
        context.close()
