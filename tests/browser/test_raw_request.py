"""The raw request editor in real Chromium: lowercase aes256 gets AWS's error (s3-facts §2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, check_screen, screen_page, serious_axe_violations, watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.sandboxes import create_sandbox

BUCKET = "raw-demo"


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    box = create_sandbox("raw-browser", "Raw requests in the browser")
    assert run(box, "test", s3calls.create_bucket(BUCKET)).response.status == 200
    return box


def test_lowercase_aes256_gets_aws_invalid_argument(
    learner: Page, live_server: LiveServer, sandbox: Sandbox, screenshot_dir: Path
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/")
    learner.get_by_role("link", name="Raw request editor").click()
    learner.get_by_role("link", name="lowercase aes256").click()
    headers = learner.get_by_label("Request headers (one Name: value per line)")
    expect(headers).to_have_value("x-amz-server-side-encryption: aes256")

    learner.get_by_role("button", name="Send the request").click()

    answer = learner.get_by_test_id("raw-answer")
    expect(answer).to_contain_text("HTTP 400 InvalidArgument")
    expect(learner.get_by_test_id("raw-message")).to_have_text(
        "The encryption method specified is not supported"
    )
    learner.screenshot(path=screenshot_dir / "raw-request-aes256.png", full_page=True)
    answer.get_by_role("link", name="See the trace of this request").click()
    expect(learner).to_have_url(re.compile(rf"/lab/{sandbox.pk}/traces/[0-9a-f-]{{36}}/$"))
    trace = TraceRecord.objects.get(pk=learner.url.rstrip("/").rsplit("/", 1)[1])
    assert (trace.action, trace.status, trace.error_code) == ("raw.request", 400, "InvalidArgument")
    assert errors == []


def test_a_header_that_cannot_be_sent_is_a_form_error(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/raw/")
    learner.get_by_label("Request headers (one Name: value per line)").fill("x amz: 1")
    learner.get_by_role("button", name="Send the request").click()
    expect(learner.get_by_role("alert")).to_contain_text("Nothing was sent")
    expect(learner.locator("main")).to_contain_text("no spaces")
    assert not TraceRecord.objects.filter(sandbox=sandbox, action="raw.request").exists()


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_the_editor_and_its_answer_pass_axe_and_fit_the_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        page.goto(
            f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/raw/?example=ssec-over-http"
        )
        assert serious_axe_violations(page) == []
        page.locator('#raw-body button[type="submit"]').click()
        expect(page.get_by_test_id("raw-answer")).to_contain_text("HTTP 400 InvalidRequest")
        check_screen(page, screenshot_dir, "raw-request", viewport, language)
        assert errors == []
