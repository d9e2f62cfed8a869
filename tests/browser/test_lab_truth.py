"""The lab tells the truth, in real Chromium: the upload panel's one-click sample file
(with JavaScript, through upload.js, and without), and the entropy bar's explanation."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_kit import watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web import sandboxes
from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.lab.views.upload_views import SAMPLE_NAME
from simulator.web.models import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    box = sandboxes.create_sandbox("truth-browser", "Samples")
    assert run(box, "test", s3calls.create_bucket("samples")).response.status == 200
    return box


def _sample_lands_on_its_trace(page: Page, live_server: LiveServer, sandbox: Sandbox) -> None:
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/samples/upload/")
    page.get_by_role("radio", name="SSE-S3").first.check()
    page.get_by_test_id("upload-sample").click()
    page.wait_for_url(f"**/lab/{sandbox.pk}/traces/**")
    expect(page.locator("main")).to_contain_text(f"/samples/{SAMPLE_NAME}")
    trace = sandbox.traces.order_by("-created").first()
    assert trace is not None and trace.key == SAMPLE_NAME and trace.status == 200
    sent = {k.lower(): v for k, v in trace.request_headers}
    assert sent["x-amz-server-side-encryption"] == "AES256"


def test_the_sample_file_goes_up_in_one_click(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    _sample_lands_on_its_trace(learner, live_server, sandbox)
    assert errors == []


def test_the_sample_file_goes_up_without_javascript(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox
) -> None:
    from browser_kit import learner_context

    context = learner_context(browser, live_server, sandbox, java_script_enabled=False)
    try:
        _sample_lands_on_its_trace(context.new_page(), live_server, sandbox)
    finally:
        context.close()


def test_the_sample_button_is_hidden_for_client_side_encryption(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/samples/upload/")
    expect(learner.get_by_test_id("upload-sample")).to_be_visible()
    learner.get_by_role("radio", name="CSE", exact=False).first.check()
    expect(learner.get_by_test_id("upload-sample")).to_be_hidden()
