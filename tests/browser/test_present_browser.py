"""Presenter mode in real Chromium: the keyboard journey (a clicker's PageUp/PageDown
too) at 1280×720 and at 150 % zoom with the diagram, the step's words and the controls
on one screen at every step; B blanks; Esc leaves; the speaker window follows and leads;
Q shows the QR code; axe-core in both languages at 1280 and 390 px, light and dark."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import learner_context, serious_axe_violations, sideways_scroll, watch
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer
from test_csp import RECORD_VIOLATIONS, VIOLATIONS

from simulator import lessons
from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "presenter"
# 1280×720 zoomed to 150 % is 853×480 CSS pixels, each drawn with 1.5 device pixels.
PROJECTOR = {"viewport": {"width": 1280, "height": 720}}
ZOOMED = {"viewport": {"width": 853, "height": 480}, "device_scale_factor": 1.5}
PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.RATELIMIT_ENABLE = False
    return sandboxes.create_sandbox(OWNER, "Class demo", seed="present-browser")


@pytest.fixture
def trace_path(sandbox: Sandbox) -> str:
    """A PUT with SSE-KMS: request, TLS, policy, KMS, encryption, disk, response."""
    sandboxes.run_s3(sandbox, "test", S3Request("PUT", "class-bucket"))
    request = S3Request(
        "PUT",
        "class-bucket",
        "cat.jpg",
        headers={"x-amz-server-side-encryption": "aws:kms"},
        body=b"\xff\xd8\xff\xe0 a small photo of a cat",
    )
    record = sandboxes.run_s3(sandbox, "test", request).trace
    return f"/lab/{sandbox.pk}/traces/{record.pk}/"


def lesson_with_try_it() -> lessons.Lesson:
    return next(lesson for lesson in lessons.course() if lesson.try_it is not None)


@pytest.fixture
def open_context(browser: Browser, live_server: LiveServer, sandbox: Sandbox) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def make(language: str = "en", scheme: str = "light", **options: Any) -> BrowserContext:
        context = learner_context(
            browser,
            live_server,
            sandbox,
            locale=language,
            extra_http_headers={"Accept-Language": language},
            color_scheme=scheme,
            reduced_motion="reduce",
            **options,
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def step_of(page: Page) -> int:
    return int(page.locator("#stage").get_attribute("data-step") or "0")


def expect_step(page: Page, n: int) -> None:
    expect(page.locator("#stage")).to_have_attribute("data-step", str(n))


def assert_one_screen(page: Page, where: object) -> None:
    """The diagram, the step's words and the controls are all inside the window, and the
    page does not scroll at all."""
    height = page.evaluate("window.innerHeight")
    width = page.evaluate("window.innerWidth")
    scroll = page.evaluate(
        "document.documentElement.scrollHeight - document.documentElement.clientHeight"
    )
    assert scroll <= 0, (where, "the page scrolls", scroll)
    assert sideways_scroll(page) <= 0, where
    parts = {
        "diagram": "#stage .present-figure svg",
        "words": "#stage .present-text",
        "controls": "#stage .present-controls",
    }
    for name, selector in parts.items():
        if name == "diagram" and not page.locator(selector).count():
            continue  # a lesson's question has no diagram
        box = page.locator(selector).first.bounding_box()
        assert box is not None, (where, name)
        assert box["height"] > 20 and box["width"] > 20, (where, name, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5, (where, name, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (where, name, box)
    # The words are not clipped inside their own box either.
    clipped = page.evaluate(
        "(() => { const t = document.querySelector('#stage .present-text');"
        " return t.scrollHeight - t.clientHeight; })()"
    )
    assert clipped <= 1, (where, "the step's words are cut off", clipped)


def walk_every_step(page: Page, where: str) -> int:
    total = int(page.locator("#stage").get_attribute("data-total") or "0")
    assert total > 1
    for n in range(1, total + 1):
        expect_step(page, n)
        assert_one_screen(page, (where, n))
        page.keyboard.press("Space")
    expect_step(page, total)  # Space at the end stays there
    return total


@pytest.mark.parametrize(
    ("screen", "options"),
    [("1280x720", PROJECTOR), ("150-percent", ZOOMED)],
    ids=["1280x720", "150%"],
)
def test_the_keyboard_journey(
    open_context: Any,
    live_server: LiveServer,
    trace_path: str,
    screenshot_dir: Path,
    screen: str,
    options: dict[str, Any],
) -> None:
    page = open_context(**options).new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}{trace_path}?step=2")
    # From the trace page by keyboard: its Present button, at the trace's own step.
    present = page.locator('[data-testid="trace-present"]')
    present.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/present/\?step=2$"))
    expect_step(page, 2)
    total = int(page.locator("#stage").get_attribute("data-total") or "0")
    assert total >= 7

    # One step per key press, whichever key a presenter or a clicker sends.
    journey = [("Space", 3), ("ArrowRight", 4), ("ArrowDown", 5), ("PageDown", 6),
               ("ArrowLeft", 5), ("ArrowUp", 4), ("PageUp", 3), ("End", total),
               ("PageDown", total), ("Home", 1), ("PageUp", 1)]  # fmt: skip
    for key, expected in journey:
        page.keyboard.press(key)
        expect_step(page, expected)
        # The first key asked for full screen (the page works the same without it).
        assert page.evaluate("document.fullscreenElement === document.documentElement")
        expect(page.locator(".present-count")).to_have_text(f"Step {expected} of {total}")
        assert page.url.endswith(f"?step={expected}")
    expect(page.locator("#present-live")).to_contain_text(f"Step 1 of {total}")
    assert_one_screen(page, screen)
    page.screenshot(path=screenshot_dir / f"present-trace-{screen}-en.png")

    # The controls work by keyboard too: Tab to Next, Enter (focus stays on Next).
    page.locator("#present-next").focus()
    page.keyboard.press("Enter")
    expect_step(page, 2)
    expect(page.locator("#present-next")).to_be_focused()

    # B blanks the screen and brings it back; a clicker's press brings it back unmoved.
    page.keyboard.press("b")
    blank = page.locator('[data-testid="present-blank"]')
    expect(blank).to_be_visible()
    box = blank.bounding_box()
    size = options["viewport"]
    assert box == {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}
    page.keyboard.press("b")
    expect(blank).to_be_hidden()
    page.keyboard.press(".")
    expect(blank).to_be_visible()
    page.keyboard.press("PageDown")
    expect(blank).to_be_hidden()
    expect_step(page, 2)

    # ? lists the keys; Esc closes the list, and a second Esc leaves, back to the trace.
    page.keyboard.press("?")
    expect(page.locator("#present-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#present-help")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/present/\?step=2$"))
    page.evaluate("document.fullscreenElement && document.exitFullscreen()")
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(rf"{re.escape(trace_path)}\?step=2#diagram$"))
    assert errors == []


@pytest.mark.parametrize("kind", ["trace", "lesson"])
def test_every_step_fits_one_screen_at_150_percent(
    open_context: Any, live_server: LiveServer, trace_path: str, kind: str, screenshot_dir: Path
) -> None:
    page = open_context(**ZOOMED).new_page()
    errors = watch(page)
    path = trace_path if kind == "trace" else f"/lessons/{lesson_with_try_it().slug}/"
    page.goto(f"{live_server.url}{path}present/")
    assert page.evaluate("window.devicePixelRatio") == 1.5
    try:
        walk_every_step(page, f"{kind} at 150 %")
    finally:
        page.screenshot(path=screenshot_dir / f"present-{kind}-150-percent-last-en.png")
    page.keyboard.press("Home")
    expect_step(page, 1)
    page.screenshot(path=screenshot_dir / f"present-{kind}-150-percent-en.png")
    assert errors == []


def test_every_lesson_fits_one_screen_at_150_percent_in_japanese(
    open_context: Any, live_server: LiveServer
) -> None:
    page = open_context("ja", **ZOOMED).new_page()
    for lesson in lessons.course():
        page.goto(f"{live_server.url}/lessons/{lesson.slug}/present/")
        walk_every_step(page, lesson.slug)


def test_the_speaker_window_follows_and_leads(
    open_context: Any, live_server: LiveServer, trace_path: str, screenshot_dir: Path
) -> None:
    context = open_context(**PROJECTOR)
    page = context.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}{trace_path}present/")
    with context.expect_page() as opened:
        page.keyboard.press("s")
    speaker = opened.value
    speaker_errors = watch(speaker)
    speaker.wait_for_load_state()
    expect(speaker).to_have_url(re.compile(r"/present/speaker/\?step=1$"))
    total = int(page.locator("#stage").get_attribute("data-total") or "0")
    now = speaker.locator(".present-speaker__now .present-count")
    expect(now).to_have_text(f"Now: step 1 of {total}")
    expect(speaker.locator(".present-speaker__next")).not_to_contain_text("last step")
    expect(speaker.locator("#present-timer")).to_have_text(re.compile(r"^\d+:\d\d$"))

    # The presenter moves: the speaker window follows.
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    expect(now).to_have_text(f"Now: step 3 of {total}")
    # The speaker moves: the presenter page follows.
    speaker.keyboard.press("ArrowRight")
    expect_step(page, 4)
    expect(now).to_have_text(f"Now: step 4 of {total}")
    speaker.keyboard.press("End")
    expect_step(page, total)
    expect(speaker.locator(".present-speaker__next")).to_contain_text("This is the last step.")
    # Its notes: the step's words, the headers that matter.
    expect(speaker.locator("#stage")).to_contain_text("x-amz-server-side-encryption: aws:kms")
    speaker.screenshot(path=screenshot_dir / "present-speaker-1280x720-en.png", full_page=True)
    assert errors == [] and speaker_errors == []


def test_q_shows_the_share_link_of_a_trace_as_a_qr_code(
    open_context: Any, live_server: LiveServer, trace_path: str, screenshot_dir: Path
) -> None:
    page = open_context(**PROJECTOR).new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}{trace_path}present/")
    page.keyboard.press("q")
    dialog = page.locator("#present-qr")
    expect(dialog).to_be_visible()
    short = dialog.locator('[data-testid="present-short-url"]')
    expect(short).to_have_text(re.compile(rf"^{re.escape(live_server.url)}/s/\w{{12}}/$"))
    code = dialog.locator("svg.present-qr-code")
    expect(code).to_be_visible()
    box = code.bounding_box()
    assert box is not None and box["width"] >= 200 and box["y"] + box["height"] <= 720
    page.screenshot(path=screenshot_dir / "present-trace-qr-1280x720-en.png")
    link = short.inner_text()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("q")  # the same link again, without a second request
    expect(short).to_have_text(link)
    page.keyboard.press("Escape")
    # A student's phone, with no session, opens it.
    phone = open_context(**PHONE)
    phone.clear_cookies()
    student = phone.new_page()
    response = student.goto(link)
    assert response is not None and response.status == 200
    assert errors == []


def test_q_shows_the_lesson_itself_as_a_qr_code(open_context: Any, live_server: LiveServer) -> None:
    page = open_context(**PROJECTOR).new_page()
    slug = lesson_with_try_it().slug
    page.goto(f"{live_server.url}/lessons/{slug}/present/")
    page.keyboard.press("q")
    short = page.locator('#present-qr [data-testid="present-short-url"]')
    expect(short).to_have_text(f"{live_server.url}/lessons/{slug}/")
    expect(page.locator("#present-qr svg.present-qr-code")).to_be_visible()


SCREENS = [("desktop", PROJECTOR), ("phone", PHONE)]


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(("screen", "options"), SCREENS, ids=[s for s, _ in SCREENS])
@pytest.mark.parametrize("kind", ["trace", "lesson"])
def test_axe_finds_nothing_serious_on_the_presenter_pages(
    open_context: Any,
    live_server: LiveServer,
    trace_path: str,
    kind: str,
    screen: str,
    options: dict[str, Any],
    language: str,
    screenshot_dir: Path,
) -> None:
    page = open_context(language, **options).new_page()
    errors = watch(page)
    path = trace_path if kind == "trace" else f"/lessons/{lesson_with_try_it().slug}/"
    page.goto(f"{live_server.url}{path}present/?step=3")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert sideways_scroll(page) <= 0
    name = f"present-{kind}-{screen}-{language}"
    page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)
    assert serious_axe_violations(page) == [], name
    # The projector theme's other half (T), then the keys and the QR code.
    page.reload()
    page.keyboard.press("t")
    expect(page.locator("[data-present]")).to_have_attribute("data-theme", "dark")
    page.screenshot(path=screenshot_dir / f"{name}-dark.png", full_page=True)
    assert serious_axe_violations(page) == [], (name, "dark")
    page.reload()
    page.keyboard.press("q")
    expect(page.locator('#present-qr [data-testid="present-short-url"]')).to_be_visible()
    assert serious_axe_violations(page) == [], (name, "QR")
    page.reload()
    page.keyboard.press("?")
    expect(page.locator("#present-help")).to_be_visible()
    page.screenshot(path=screenshot_dir / f"{name}-keys.png")
    assert serious_axe_violations(page) == [], (name, "keys")
    speaker = f"{live_server.url}{path}present/speaker/?step=3"
    page.goto(speaker)
    page.screenshot(path=screenshot_dir / f"{name}-speaker.png", full_page=True)
    assert serious_axe_violations(page) == [], (name, "speaker")
    assert errors == []


def test_presenter_mode_keeps_the_content_security_policy(
    open_context: Any, live_server: LiveServer, trace_path: str
) -> None:
    """No inline script or style anywhere in presenter mode: the pages, a swapped step, the
    blank screen, the theme, the QR code fetched on Q, the speaker window."""
    context = open_context(**PROJECTOR)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    slug = lesson_with_try_it().slug
    for name, path in {
        "trace": f"{trace_path}present/",
        "lesson": f"/lessons/{slug}/present/",
    }.items():
        page.goto(f"{live_server.url}{path}")
        for key in ("Space", "b", "b", "t", "q"):
            page.keyboard.press(key)
        expect(page.locator('#present-qr [data-testid="present-short-url"]')).to_be_visible()
        page.keyboard.press("Escape")
        expect_step(page, 2)
        with context.expect_page() as opened:
            page.keyboard.press("s")
        speaker = opened.value
        speaker.wait_for_load_state("load")
        page.keyboard.press("Space")
        expect(speaker.locator("#stage")).to_have_attribute("data-step", "3")
        for where, tab in ((name, page), (f"{name} speaker", speaker)):
            if errors := list(tab.evaluate(VIOLATIONS)):
                found[where] = errors
        speaker.close()
    assert found == {}


def test_a_lesson_from_its_page_to_the_outcome_and_back_by_keyboard(
    open_context: Any, live_server: LiveServer
) -> None:
    lesson = lesson_with_try_it()
    page = open_context(**PROJECTOR).new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/lessons/{lesson.slug}/")
    page.locator('[data-testid="lesson-present"]').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/lessons/{lesson.slug}/present/$"))
    expect(page.locator("#stage .lesson-diagram__svg")).to_be_visible()
    for _ in lesson.body:
        page.keyboard.press("PageDown")
    # The question, with nothing given away; then what the engine did.
    expect(page.locator("#stage h2")).to_have_text("Predict first")
    expect(page.locator("#stage .present-choice.is-held")).to_have_count(0)
    page.keyboard.press("PageDown")
    expect(page.locator("#stage h2")).to_have_text("What the engine did")
    expect(page.locator("#stage .present-choice.is-held")).to_have_count(1)
    page.evaluate("document.fullscreenElement && document.exitFullscreen()")
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{live_server.url}/lessons/{lesson.slug}/")
    assert errors == []
