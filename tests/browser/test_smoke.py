"""Smoke tests in real Chromium (headless) through Playwright.

Screenshots land in screenshots/ (gitignored) so a person can look at the pages at
desktop and phone widths, in both languages, light and dark, with reduced motion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from browser_kit import VIEWPORTS, sideways_scroll, watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """The shared watch, and here also any request that fails (a missing static file)."""
    errors = watch(page)
    page.on("requestfailed", lambda request: errors.append(f"requestfailed: {request.url}"))
    return errors


def test_home_page_renders_with_no_console_errors(
    page: Page, live_server: LiveServer, console_errors: list[str], screenshot_dir: Path
) -> None:
    response = page.goto(live_server.url + "/")

    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("See how S3 encrypts")
    expect(page.get_by_role("heading", name="SSE-KMS", exact=True)).to_be_visible()
    # htmx came from our own static files and initialised.
    assert page.evaluate("typeof window.htmx") == "object"
    # The stylesheet loaded: the page uses our design tokens.
    assert (
        page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--space-4').trim()"
        )
        == "1rem"
    )
    page.screenshot(path=screenshot_dir / "smoke-home.png", full_page=True)
    assert console_errors == []


def test_language_switcher_changes_and_remembers_the_language(
    page: Page, live_server: LiveServer, console_errors: list[str]
) -> None:
    page.goto(live_server.url + "/")

    page.get_by_role("button", name="日本語").click()

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        "アップロードのたびに考える 4 つの問い"
    )
    expect(page.get_by_role("button", name="日本語")).to_have_attribute("aria-pressed", "true")

    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        "Four questions behind every upload"
    )
    assert console_errors == []


def test_language_switcher_works_with_javascript_off(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")

        page.get_by_role("button", name="日本語").click()

        expect(page.locator("html")).to_have_attribute("lang", "ja")
        expect(page.get_by_role("heading", level=1)).to_contain_text("暗号化")
    finally:
        context.close()


def test_skip_link_appears_on_first_tab(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    skip.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_home_page_fits_every_screen(
    browser: Browser,
    live_server: LiveServer,
    screenshot_dir: Path,
    viewport: str,
    language: str,
    scheme: Literal["light", "dark"],
) -> None:
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale=language,
        extra_http_headers={"Accept-Language": language},
        color_scheme=scheme,
        reduced_motion="reduce",
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")

        expect(page.locator("html")).to_have_attribute("lang", language)
        # Nothing spills sideways: no horizontal scrolling on a phone.
        overflow = sideways_scroll(page)
        assert overflow <= 0
        page.screenshot(
            path=screenshot_dir / f"home-{viewport}-{language}-{scheme}.png", full_page=True
        )
        page.goto(live_server.url + "/no/such/page/")
        page.screenshot(path=screenshot_dir / f"404-{viewport}-{language}-{scheme}.png")
    finally:
        context.close()
