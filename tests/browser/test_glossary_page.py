"""The glossary in real Chromium: axe-core finds nothing serious at 1280 and 390 px in
either language, the page fits the screen, the search box filters as one types (and the
address keeps ?q=), and a link to /glossary/#kms-key lands on that entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, check_screen, screen_page, serious_axe_violations
from playwright.sync_api import Browser, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web.glossary import data
from simulator.web.models import Sandbox
from simulator.web.sandboxes import create_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    return create_sandbox("glossary-browser", "Glossary")


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_the_glossary_passes_axe_and_fits_the_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        page.goto(f"{live_server.url}/glossary/")
        entries = page.locator("[data-glossary-entry]")
        expect(entries).to_have_count(len(data.terms()))
        check_screen(page, screenshot_dir, "glossary", viewport, language)

        # Typing filters the list at once; the count says how many are left.
        page.goto(f"{live_server.url}/glossary/")
        page.get_by_role("searchbox").fill("cmk")
        expect(page.locator("[data-glossary-entry]:visible")).to_have_count(4)
        expect(page.locator("#kms-key")).to_be_visible()
        expect(page.locator("#decrypt")).to_be_hidden()
        expect(page.locator("[data-glossary-count]")).to_have_text(
            "4 件" if language == "ja" else "4 entries"
        )
        assert "q=cmk" in page.url
        page.get_by_role("searchbox").fill("複合")
        expect(page.locator("[data-glossary-entry]:visible")).to_have_count(1)
        expect(page.locator("#decrypt")).to_be_visible()
        page.get_by_role("searchbox").fill("")
        expect(page.locator("[data-glossary-entry]:visible")).to_have_count(len(data.terms()))
        assert serious_axe_violations(page) == [], ("filtered", language, viewport)

        # A followed link lands on its entry, below the header, and marks it.
        page.goto(f"{live_server.url}/glossary/#bucket-key")
        target = page.locator("#bucket-key")
        expect(target).to_be_in_viewport()
        assert page.evaluate("document.querySelector(':target')?.id") == "bucket-key"
        page.screenshot(path=screenshot_dir / f"glossary-target-{viewport}-{language}.png")
        assert errors == []


def test_the_search_works_with_javascript_off(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/glossary/")
        page.get_by_role("searchbox").fill("envelope")
        page.get_by_role("button", name="Find").click()
        page.wait_for_url("**/glossary/?q=envelope")
        expect(page.locator("#envelope-encryption")).to_be_visible()
        expect(page.locator("#sse-c")).to_be_hidden()
    finally:
        context.close()
