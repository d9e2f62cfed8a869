"""Break it in real Chromium: predict, break, see the verdict, open the failing trace."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pytest
from browser_kit import VIEWPORTS, screen_context, sideways_scroll, watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web.models import Sandbox, TraceRecord
from simulator.web.sandboxes import create_sandbox


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    return create_sandbox("break-browser", "Break it in the browser")


def test_predict_then_break_reveals_the_verdict_and_the_trace(
    learner: Page, live_server: LiveServer, sandbox: Sandbox, screenshot_dir: Path
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/break/")
    card = learner.locator("#case-wrong-ssec-key")
    expect(card).not_to_contain_text("Expected answer")

    card.get_by_role("group", name="What will S3 answer?").get_by_label(
        "400 InvalidRequest"
    ).check()
    card.get_by_role("button", name="Break it: Wrong SSE-C key").click()

    expect(learner).to_have_url(re.compile(r"/break/\?.*#case-wrong-ssec-key$"))
    verdict = learner.get_by_test_id("break-verdict")
    expect(verdict).to_contain_text("Not this time.")
    expect(verdict.get_by_test_id("break-answer")).to_have_text("403 AccessDenied")
    expect(verdict).to_contain_text("Expected answer")
    learner.screenshot(path=screenshot_dir / "breakit-verdict-wrong-ssec-key.png", full_page=True)

    verdict.get_by_role("link", name="See the trace").click()
    expect(learner).to_have_url(re.compile(rf"/lab/{sandbox.pk}/traces/[0-9a-f-]{{36}}/$"))
    trace = TraceRecord.objects.get(pk=learner.url.rstrip("/").rsplit("/", 1)[1])
    assert (trace.status, trace.error_code, trace.method) == (403, "AccessDenied", "GET")
    expect(learner.locator("main")).to_contain_text("AccessDenied")
    assert errors == []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_breakit_page_fits_every_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
    scheme: Literal["light", "dark"],
) -> None:
    context = screen_context(browser, live_server, sandbox, VIEWPORTS[viewport], language, scheme)
    try:
        page = context.new_page()
        errors = watch(page)
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/break/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        overflow = sideways_scroll(page)
        assert overflow <= 0
        page.screenshot(
            path=screenshot_dir / f"breakit-{viewport}-{language}-{scheme}.png", full_page=True
        )
        assert errors == []
    finally:
        context.close()
