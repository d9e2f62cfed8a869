"""The disk inspector in real Chromium: reading the plaintext through htmx, SSE-C keys that
never come back, and screenshots at desktop and phone widths, both languages, light and dark."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Literal

import pytest
from browser_kit import VIEWPORTS, screen_context, sideways_scroll, watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request
from simulator.web.models import Sandbox
from simulator.web.sandboxes import create_sandbox, run_kms, run_s3

TEXT = "会議メモ: The quick brown fox jumps over the lazy dog. " * 6
KEY = bytes(range(32))
KEY_B64 = base64.b64encode(KEY).decode()
UNBLOCK_SSEC = (
    b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
    b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
    b"<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes>"
    b"</Rule></ServerSideEncryptionConfiguration>"
)


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    box = create_sandbox("disk-browser", "Disk in the browser")
    run_s3(box, "bucket.create", S3Request("PUT", "notes"))
    run_s3(
        box,
        "bucket.encryption",
        S3Request("PUT", "notes", query={"encryption": ""}, body=UNBLOCK_SSEC),
    )
    key = run_kms(box, "CreateKey", {"Description": "notes"})["KeyMetadata"]["KeyId"]
    body = TEXT.encode()
    kms = {
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": key,
    }
    ssec = {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": KEY_B64,
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
            hashlib.md5(KEY).digest()
        ).decode(),
    }
    for name, headers in [("kms.txt", kms), ("ssec.txt", ssec)]:
        outcome = run_s3(box, "upload", S3Request("PUT", "notes", name, headers=headers, body=body))
        assert outcome.response.status == 200
    return box


def test_plaintext_appears_only_after_an_allowed_get(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/disk/")
    learner.get_by_role("link", name="kms.txt").click()
    expect(learner.get_by_test_id("hex-ciphertext")).to_be_visible()
    expect(learner.locator("main")).not_to_contain_text("quick brown fox")

    learner.get_by_role("button", name="GetObject").click()

    expect(learner.get_by_test_id("plaintext-text")).to_contain_text(
        "会議メモ: The quick brown fox"
    )
    expect(learner.get_by_test_id("entropy-plain")).to_be_visible()
    assert errors == []


def test_sse_c_key_is_sent_once_and_never_shown(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/disk/?bucket=notes&key=ssec.txt")
    expect(learner.get_by_test_id("ssec-hmac")).to_be_visible()

    learner.get_by_role("button", name="GetObject").click()
    expect(learner.get_by_test_id("read-result")).to_contain_text("InvalidRequest")

    learner.get_by_label("Your SSE-C key (base64 of 32 bytes)").fill(KEY_B64)
    learner.get_by_role("button", name="GetObject").click()
    expect(learner.get_by_test_id("plaintext-text")).to_contain_text("quick brown fox")
    assert KEY_B64 not in learner.content()
    assert learner.get_by_label("Your SSE-C key (base64 of 32 bytes)").input_value() == ""
    assert errors == []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_disk_pages_fit_every_screen(
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
        for name, query in [("disk", ""), ("disk-kms", "?bucket=notes&key=kms.txt")]:
            page.goto(f"{live_server.url}/lab/{sandbox.pk}/disk/{query}")
            expect(page.locator("html")).to_have_attribute("lang", language)
            if query:
                page.locator("#plaintext-panel button[type=submit]").click()
                expect(page.get_by_test_id("plaintext-text")).to_be_visible()
            overflow = sideways_scroll(page)
            assert overflow <= 0, name
            page.screenshot(
                path=screenshot_dir / f"{name}-{viewport}-{language}-{scheme}.png", full_page=True
            )
        assert errors == []
    finally:
        context.close()
