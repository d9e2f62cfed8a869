"""The same file in every mode, in real Chromium: run it with the sample file, read the
columns aligned, see a difference marked, open a trace from a cell; the modes table; axe
and the screen width at desktop and phone sizes in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, check_screen, screen_page, serious_axe_violations, watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web.compare import runs
from simulator.web.models import Sandbox
from simulator.web.sandboxes import create_sandbox

pytestmark = pytest.mark.browser


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    return create_sandbox("compare-browser", "Compare in the browser")


def test_sample_file_in_every_mode_side_by_side(
    learner: Page, live_server: LiveServer, sandbox: Sandbox, screenshot_dir: Path
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/")
    learner.get_by_role("navigation", name="Sandbox").get_by_role(
        "link", name="Compare the modes"
    ).click()
    learner.get_by_role("button", name="Use the sample file").click()

    expect(learner).to_have_url(re.compile(rf"/lab/{sandbox.pk}/compare/runs/compare-1/$"))
    steps = learner.get_by_test_id("compare-steps")
    # One column per mode, each with its full trace.
    expect(steps.locator("thead th[data-mode]")).to_have_count(len(runs.MODES))
    expect(steps.get_by_role("link", name=re.compile("^Full trace"))).to_have_count(len(runs.MODES))
    # The key steps differ from SSE-S3 in the SSE-KMS column: KMS made the data key.
    keys = steps.locator('tr[data-row="keys"] td[data-mode="sse-kms"]')
    expect(keys).to_have_class(re.compile("compare-cell--differs"))
    expect(keys).to_contain_text("KMS generates a data key")
    where = learner.get_by_test_id("compare-differences").locator(
        'tr[data-row="where"] td[data-mode="cse"]'
    )
    expect(where).to_contain_text("in the client")
    expect(where).to_have_class(re.compile("compare-cell--differs"))
    learner.screenshot(path=screenshot_dir / "compare-run-desktop-en.png", full_page=True)

    link = keys.get_by_role("link", name="KMS generates a data key")
    step = link.get_attribute("data-step")
    link.click()
    expect(learner).to_have_url(re.compile(r"/traces/[0-9a-f-]{36}/\?step=\d+#step-panel$"))
    # The trace opens on that very step.
    panel = learner.locator("#step-panel")
    expect(panel).to_have_attribute("data-step", str(step))
    expect(panel).to_contain_text("KMS generates a data key")
    assert errors == []


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_compare_pages_fit_and_pass_axe(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        # Before any run: the modes table asks for one, with the button.
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/compare/modes/")
        expect(page.get_by_test_id("compare-modes-empty")).to_be_visible()
        assert serious_axe_violations(page) == []
        page.get_by_test_id("compare-modes-empty").locator("button").click()
        expect(page).to_have_url(re.compile(r"/compare/runs/compare-1/$"))
        if viewport == "phone":
            # One mode at a time: the tabs, and only the chosen column's cells.
            expect(page.locator(".compare-tabs")).to_be_visible()
            expect(page.locator('td[data-mode="sse-s3"]').first).to_be_hidden()
            expect(page.locator('td[data-mode="sse-kms"]').first).to_be_visible()
            page.locator(".compare-tabs a").last.click()
            expect(page.locator('td[data-mode="cse"]').first).to_be_visible()
            expect(page.locator('td[data-mode="sse-kms"]').first).to_be_hidden()
        check_screen(page, screenshot_dir, "compare-run", viewport, language)
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/compare/modes/")
        expect(page.get_by_test_id("compare-modes").locator("tbody tr")).to_have_count(5)
        check_screen(page, screenshot_dir, "compare-modes", viewport, language)
        assert errors == []
