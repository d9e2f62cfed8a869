"""The policy decision matrix in real Chromium: it follows the draft as the learner types.

s3-facts §4: the course's policy denies every upload but AES256; requiring aws:kms flips
the AES256 and SSE-KMS rows; a draft S3 would refuse shows MalformedPolicy instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, check_screen, screen_page, watch
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.quiz import policies
from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.sandboxes import create_sandbox

BUCKET = "matrix-demo"


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    box = create_sandbox("matrix-browser", "Policy matrix in the browser")
    assert run(box, "test", s3calls.create_bucket(BUCKET)).response.status == 200
    return box


def _cell(page: Page, row: str, column: int) -> Locator:
    """Column 0..5: HTTPS alice, bob, anonymous, then HTTP alice, bob, anonymous."""
    return page.locator(f'#policy-matrix tr[data-row="{row}"] td').nth(column)


def test_the_matrix_follows_the_draft_as_it_is_typed(
    learner: Page, live_server: LiveServer, sandbox: Sandbox, screenshot_dir: Path
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/#policy")
    # On load, for the (empty) draft: no policy, alice may upload anything but SSE-C,
    # which a new bucket blocks.
    expect(_cell(learner, "none", 0)).to_have_attribute("data-decision", "Allow")
    expect(_cell(learner, "none", 0)).to_contain_text("Allow")
    expect(_cell(learner, "sse-c", 0)).to_contain_text("BlockedEncryptionTypes")
    traces = TraceRecord.objects.filter(sandbox=sandbox).count()

    editor = learner.get_by_label("Bucket policy (JSON)")
    editor.fill(policies.document("require-aes256", BUCKET))
    expect(_cell(learner, "none", 0)).to_have_attribute("data-decision", "ExplicitDeny")
    expect(_cell(learner, "none", 0)).to_contain_text("DenyUnEncryptedObjectUploads")
    expect(_cell(learner, "aes256", 0)).to_have_attribute("data-decision", "Allow")
    expect(_cell(learner, "kms-default", 0)).to_have_attribute("data-decision", "ExplicitDeny")
    learner.locator("#policy").screenshot(path=screenshot_dir / "policy-matrix-aes256.png")

    # An edit of one word: AES256 -> aws:kms.
    editor.fill(editor.input_value().replace('"AES256"', '"aws:kms"'))
    expect(_cell(learner, "kms-default", 0)).to_have_attribute("data-decision", "Allow")
    expect(_cell(learner, "aes256", 0)).to_have_attribute("data-decision", "ExplicitDeny")
    expect(_cell(learner, "aes256", 2)).to_have_attribute("data-decision", "ExplicitDeny")

    editor.fill('{"Version": "2012-10-17", "Statement": [')
    error = learner.get_by_test_id("policy-matrix-error")
    expect(error).to_contain_text("400 MalformedPolicy")
    expect(learner.locator("#policy-matrix table")).to_have_count(0)
    learner.locator("#policy").screenshot(path=screenshot_dir / "policy-matrix-malformed.png")

    # Trying drafts saved nothing and sent nothing.
    assert TraceRecord.objects.filter(sandbox=sandbox).count() == traces
    assert errors == []


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_the_matrix_passes_axe_and_fits_the_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        page.goto(
            f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/?preset=require-aes256#policy"
        )
        expect(_cell(page, "none", 0)).to_have_attribute("data-decision", "ExplicitDeny")
        header = page.locator("#policy-matrix th[scope=colgroup]").first
        expect(header).to_have_text("HTTPS")
        check_screen(page, screenshot_dir, "policy-matrix", viewport, language, part="#policy")
        assert errors == []
