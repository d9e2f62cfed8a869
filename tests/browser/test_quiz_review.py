"""Review, history and exports in real Chromium (issue 10: "review of a missed question;
the Japanese versions; Anki and CSV exports opened and checked").

A question missed in practice comes back in review: the review page shows it with the
key and every option's why, "Review the due questions" asks it like practice, and the
answer moves its FSRS card's due time. The history page's export links download a CSV
(read back with ``csv``) and Anki decks (opened as the zip and SQLite they are). axe-core
finds no serious or critical violation on the review and history pages, in English and
Japanese, at desktop and phone widths.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import genanki
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
from simulator.web.models import QuizAnswer, QuizAttempt, ReviewCard, Sandbox
from simulator.web.quiz.present import parts
from simulator.web.sandboxes import create_sandbox

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = "quiz-review-browser"


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_ENABLE = False
    return create_sandbox(OWNER, "Quiz review in the browser")


def single(n: int = 0) -> Question:
    return [q for q in loader.bank().by_domain["sse-kms"] if q.type == "single"][n]


def practice_of(*questions: Question) -> QuizAttempt:
    return QuizAttempt.objects.create(
        learner=OWNER,
        mode="practice",
        config={"domains": [], "difficulty": None, "count": len(questions), "minutes": None},
        refs=[q.ref for q in questions],
        seed=5,
    )


def miss(page: Page, base: str, question: Question, check_label: str) -> None:
    """Answer the practice question wrongly with the real form."""
    attempt = practice_of(question)
    page.goto(f"{base}/quiz/{attempt.pk}/1/")
    wrong = next(o for o in question.options if not o.correct)
    page.locator(f'input[name="choice"][value="{wrong.id}"]').check()
    page.get_by_role("button", name=check_label).click()
    expect(page.locator("[data-quiz-verdict]")).to_be_visible()


def deck_notes(data: bytes) -> list[tuple[str, list[str]]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(archive.read("collection.anki2"))
        rows = connection.execute("SELECT guid, flds FROM notes").fetchall()
    finally:
        connection.close()
    return [(guid, fields.split("\x1f")) for guid, fields in rows]


def download(page: Page, click: Any) -> tuple[str, bytes]:
    with page.expect_download() as info:
        click()
    found = info.value
    path = found.path()
    return found.suggested_filename, Path(path).read_bytes()


def test_a_missed_question_comes_back_in_review_and_is_rescheduled(
    learner: Page, live_server: LiveServer, screenshot_dir: Path
) -> None:
    errors = watch(learner)
    question = single(0)
    miss(learner, live_server.url, question, "Check my answer")
    card = ReviewCard.objects.get(learner=OWNER, ref=question.ref)
    assert card.lapses == 1

    learner.goto(f"{live_server.url}/quiz/")
    learner.get_by_test_id("quiz-review-link").click()
    expect(learner).to_have_url(re.compile(r"/quiz/review/$"))
    expect(learner.get_by_test_id("due-count")).to_have_text("1 question is due now.")
    missed = learner.get_by_test_id("missed-answer")
    expect(missed).to_have_count(1)
    expect(missed).to_contain_text("You chose this")
    expect(missed).to_contain_text("Correct answer")
    # Why every option is right or wrong.
    expect(missed.locator(".quiz-why")).to_have_count(len(question.options))
    assert serious_axe_violations(learner) == []
    learner.screenshot(path=screenshot_dir / "quiz-review-missed.png", full_page=True)

    learner.get_by_role("button", name=re.compile("Review the due questions")).click()
    expect(learner).to_have_url(re.compile(r"/quiz/[0-9a-f-]{36}/1/$"))
    expect(learner.locator(".quiz-crumbs")).to_contain_text("Review")
    right = next(o for o in question.options if o.correct)
    learner.locator(f'input[name="choice"][value="{right.id}"]').check()
    learner.get_by_role("button", name="Check my answer").click()
    expect(learner.locator("[data-quiz-verdict]")).to_contain_text("Correct.")
    session = QuizAttempt.objects.get(learner=OWNER, mode="review")
    answer = QuizAnswer.objects.get(attempt=session)
    card.refresh_from_db()
    assert answer.correct and answer.answered_at is not None and card.due > answer.answered_at

    learner.goto(f"{live_server.url}/quiz/review/")
    expect(learner.get_by_test_id("due-count")).to_have_text("0 questions are due now.")
    expect(learner.get_by_test_id("next-due")).to_have_text(
        card.due.strftime("%Y-%m-%d %H:%M") + " UTC"
    )
    assert errors == []


def test_the_history_page_downloads_the_csv_and_the_anki_decks(
    learner: Page, live_server: LiveServer, screenshot_dir: Path
) -> None:
    errors = watch(learner)
    missed_question, other = single(1), single(2)
    miss(learner, live_server.url, missed_question, "Check my answer")
    learner.goto(f"{live_server.url}/quiz/")
    learner.get_by_test_id("quiz-history-link").click()
    expect(learner).to_have_url(re.compile(r"/quiz/history/$"))
    expect(learner.get_by_test_id("attempts").locator("tbody tr")).to_have_count(1)
    expect(learner.get_by_test_id("domain-progress")).to_contain_text("SSE-KMS")
    assert serious_axe_violations(learner) == []
    learner.screenshot(path=screenshot_dir / "quiz-history.png", full_page=True)

    name, data = download(learner, lambda: learner.get_by_test_id("export-csv").click())
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["question"], r["domain"], r["correct"], r["mode"]) for r in rows] == [
        (missed_question.ref, "sse-kms", "false", "practice")
    ]

    name, data = download(learner, lambda: learner.get_by_test_id("export-missed").click())
    assert name == "s3-encryption-lab-missed-en.apkg"
    [(guid, fields)] = deck_notes(data)
    assert guid == genanki.guid_for(missed_question.ref, "en") and fields[0] == missed_question.ref

    learner.get_by_label("A domain's questions, as an Anki deck").select_option("sse-kms")
    name, data = download(learner, lambda: learner.get_by_test_id("export-domain").click())
    assert name == "s3-encryption-lab-sse-kms-en.apkg"
    refs = [fields[0] for _, fields in deck_notes(data)]
    assert refs == [q.ref for q in loader.bank().by_domain["sse-kms"]] and other.ref in refs
    assert errors == []


def test_the_japanese_review_and_deck(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox
) -> None:
    context = learner_context(
        browser, live_server, sandbox, locale="ja", extra_http_headers={"Accept-Language": "ja"}
    )
    try:
        page = context.new_page()
        errors = watch(page)
        question = single(3)
        miss(page, live_server.url, question, "解答を確認")
        page.goto(f"{live_server.url}/quiz/review/")
        expect(page.get_by_role("heading", name="復習の期限が来た問題")).to_be_visible()
        expect(page.get_by_test_id("due-count")).to_have_text("いま復習の期限が来ている問題：1 問")
        # Its first words that are not code (a page and a card put code in <code>).
        stem = next(piece for code, piece in parts(question.stem("ja")) if not code)[:20]
        expect(page.get_by_test_id("missed-answer")).to_contain_text(stem)
        name, data = download(page, lambda: page.get_by_test_id("export-missed").click())
        assert name == "s3-encryption-lab-missed-ja.apkg"
        [(guid, fields)] = deck_notes(data)
        assert guid == genanki.guid_for(question.ref, "ja")
        assert stem in fields[1] and "正解：" in fields[2] and "AWS ドキュメント" in fields[2]
        assert "The correct answer" not in fields[2]
        page.get_by_role("button", name=re.compile("期限が来た問題を復習する")).click()
        expect(page.locator(".quiz-crumbs")).to_contain_text("復習")
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
def test_review_and_history_pass_axe_and_fit_the_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    order = next(q for q in loader.bank().questions.values() if q.type == "order")
    done = QuizAttempt.objects.create(
        learner=OWNER, mode="exam", config={}, refs=[single(0).ref, order.ref, single(1).ref], seed=3,
        submitted=timezone.now(),
    )  # fmt: skip
    wrong = next(o.id for o in single(0).options if not o.correct)
    QuizAnswer.objects.create(attempt=done, position=0, ref=done.refs[0], chosen=[wrong], correct=False, seconds=40,
                              answered_at=timezone.now())  # fmt: skip
    QuizAnswer.objects.create(attempt=done, position=1, ref=order.ref, chosen=list(reversed(order.order)),
                              correct=False, flagged=True, seconds=70, answered_at=timezone.now())  # fmt: skip
    ReviewCard.objects.create(
        learner=OWNER, ref=done.refs[0], card="{}", due=timezone.now() + timedelta(days=2), lapses=1
    )
    ReviewCard.objects.create(
        learner=OWNER, ref=order.ref, card="{}", due=timezone.now() - timedelta(hours=1), lapses=2
    )
    context = screen_context(browser, live_server, sandbox, VIEWPORTS[viewport], language, "light")
    try:
        page = context.new_page()
        errors = watch(page)
        for name in ("review", "history"):
            page.goto(f"{live_server.url}/quiz/{name}/")
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert serious_axe_violations(page) == [], (name, language, viewport)
            assert sideways_scroll(page) <= 0, (name, language, viewport)
            page.screenshot(
                path=screenshot_dir / f"quiz-{name}-{viewport}-{language}.png", full_page=True
            )
        assert errors == []
    finally:
        context.close()
