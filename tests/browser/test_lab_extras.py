"""Reset to demo, re-encrypting an SSE-C object, and the CSE size note, in real Chromium.

Journeys: the sandboxes page asks before it puts the demo back (and a "no" changes
nothing); the bucket page's re-encrypt form takes an SSE-C object's key, shows S3's 403
beside the field for a wrong one, and re-encrypts with the right one; the upload page
states the CSE limit. Screenshots at desktop and phone widths, both languages, land in
screenshots/.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Literal

import pytest
from browser_kit import VIEWPORTS, learner_context, screen_context, sideways_scroll, watch
from django.core.management import call_command
from playwright.sync_api import Browser, Dialog, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web import sandboxes
from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.lab.state import list_buckets
from simulator.web.models import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

KEY = base64.b64encode(bytes(range(32))).decode()
WRONG_KEY = base64.b64encode(bytes(32)).decode()
KEY_LABEL = "The object's SSE-C key (base64 of 32 bytes)"


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    """A learner's sandbox with their own work: a bucket holding an SSE-C object."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("loaddemo", verbosity=0)
    box = sandboxes.create_sandbox("extras-browser", "My experiments")
    assert run(box, "test", s3calls.create_bucket("vault")).response.status == 200
    body = s3calls.encryption_xml("AES256", blocked="NONE")
    assert run(box, "test", s3calls.put_bucket_encryption("vault", body)).response.status == 200
    secret = b"Only the holder of the key can read this.\n"
    headers = s3calls.sse_headers("SSE-C", customer_key=KEY)
    request = s3calls.put_object("vault", "secret.txt", secret, len(secret),
                                 content_type="text/plain", headers=headers)  # fmt: skip
    assert run(box, "test", request).response.status == 200
    return box


def _bucket_names(sandbox: Sandbox) -> list[str]:
    return sorted(b.name for b in list_buckets(sandbox))


def test_reset_to_demo_asks_first_and_a_no_changes_nothing(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    learner.goto(live_server.url + "/lab/")
    asked: list[str] = []

    def say_no(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    learner.once("dialog", say_no)
    learner.get_by_role("button", name="Reset to demo").click()
    expect(learner.get_by_role("button", name="Reset to demo")).to_be_visible()
    assert asked and "demo" in asked[0]
    assert _bucket_names(sandbox) == ["vault"]

    learner.once("dialog", lambda dialog: dialog.accept())
    with learner.expect_response(lambda r: "reset-to-demo" in r.url) as answer:
        learner.get_by_role("button", name="Reset to demo").click()
    assert answer.value.status == 200  # htmx: the list comes back in place
    expect(learner.get_by_role("link", name="My experiments").first).to_be_visible()
    assert "demo-ssec" in _bucket_names(sandbox) and "vault" not in _bucket_names(sandbox)

    learner.get_by_role("link", name="Open").click()
    expect(learner.get_by_role("link", name="demo-sse-kms", exact=True)).to_be_visible()
    assert f"/lab/{sandbox.pk}/" in learner.url
    assert errors == []


@pytest.mark.parametrize("language", ["en", "ja"])
def test_with_javascript_off_delete_asks_on_a_page_of_its_own(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, screenshot_dir: Path,
    language: str,
) -> None:  # fmt: skip
    context = learner_context(
        browser, live_server, sandbox, java_script_enabled=False, locale=language,
        extra_http_headers={"Accept-Language": language},
    )  # fmt: skip
    try:
        page = context.new_page()
        page.goto(live_server.url + "/lab/")
        delete = "削除" if language == "ja" else "Delete"
        cancel = "キャンセル" if language == "ja" else "Cancel"
        page.get_by_role("button", name=delete, exact=True).click()
        expect(page.locator("h2#confirm-question")).to_be_visible()
        page.screenshot(path=screenshot_dir / f"lab-confirm-delete-{language}.png", full_page=True)
        page.get_by_role("link", name=cancel).click()
        assert page.url.endswith("/lab/")
        assert Sandbox.objects.filter(pk=sandbox.pk).exists()

        page.get_by_role("button", name=delete, exact=True).click()
        page.locator("#confirm-question ~ form").get_by_role("button", name=delete).click()
        assert page.url.endswith("/lab/")
        assert not Sandbox.objects.filter(pk=sandbox.pk).exists()
    finally:
        context.close()


def test_an_ssec_object_is_re_encrypted_by_a_copy_with_its_key(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/vault/#reencrypt")
    learner.get_by_label("New encryption").select_option("SSE-S3")

    learner.get_by_label(KEY_LABEL).fill(WRONG_KEY)
    learner.get_by_role("button", name="Re-encrypt and compare the bytes").click()
    field_error = learner.locator("#id_reencrypt_source_customer_key_error")
    expect(field_error).to_contain_text("AccessDenied")
    expect(field_error).to_contain_text("This is not the key the object was uploaded with")
    expect(learner.get_by_label(KEY_LABEL)).to_have_value(WRONG_KEY)

    learner.get_by_label(KEY_LABEL).fill(KEY)
    learner.get_by_role("button", name="Re-encrypt and compare the bytes").click()
    expect(learner.locator(".lab-diff")).to_contain_text("SSE-C → SSE-S3")
    expect(learner.locator("#id_reencrypt_source_customer_key_error")).to_have_count(0)
    assert errors == []


def test_the_upload_page_states_the_cse_limit(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/vault/upload/")
    limit = learner.locator("[data-dropzone] p", has_text="a CSE file can be at most")

    # Only when it applies: with CSE chosen, not for the server-side modes.
    expect(limit).to_be_hidden()
    learner.locator('input[name="mode"][value="CSE"]').check()
    expect(limit).to_be_visible()
    expect(limit).to_contain_text("a CSE file can be at most 104,857,584 bytes")
    learner.locator('input[name="mode"][value="SSE-S3"]').check()
    expect(limit).to_be_hidden()
    assert errors == []


def test_a_file_at_the_limit_is_flagged_only_when_it_would_be_encrypted_here(
    learner: Page, live_server: LiveServer, sandbox: Sandbox, settings: Settings
) -> None:
    # At exactly the limit the file fits as it is, but not with the CSE tag after it.
    settings.LAB_MAX_UPLOAD_BYTES = 1000
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/vault/upload/")
    learner.locator('input[type="file"]').set_input_files(
        {"name": "exact.bin", "mimeType": "application/octet-stream", "buffer": bytes(1000)}
    )
    name = learner.locator("[data-file-name]")
    expect(name).to_have_text("exact.bin · 1,000 B")
    learner.locator('input[name="mode"][value="CSE"]').check()
    expect(name).to_contain_text("a CSE file can be at most 984 bytes")
    expect(name).to_have_class(re.compile(r"lab-drop__name--warn"))
    learner.locator('input[name="mode"][value="SSE-S3"]').check()
    expect(name).to_have_text("exact.bin · 1,000 B")
    assert errors == []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_new_parts_fit_every_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    scheme: Literal["light"] = "light"
    context = screen_context(browser, live_server, sandbox, VIEWPORTS[viewport], language, scheme)
    try:
        page = context.new_page()
        errors = watch(page)
        pages = [
            ("sandboxes", "/lab/", None),
            ("reencrypt-ssec", f"/lab/{sandbox.pk}/buckets/vault/", "#reencrypt"),
            ("upload-cse-limit", f"/lab/{sandbox.pk}/buckets/vault/upload/", "[data-dropzone]"),
        ]
        for name, path, part in pages:
            page.goto(live_server.url + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            if name == "reencrypt-ssec":
                page.locator("#id_reencrypt_source_customer_key").fill(WRONG_KEY)
                page.locator("#reencrypt button[type=submit]").click()
                expect(page.locator("#id_reencrypt_source_customer_key_error")).to_be_visible()
            overflow = sideways_scroll(page)
            assert overflow <= 0, name
            shot = screenshot_dir / f"lab-extras-{name}-{viewport}-{language}.png"
            if part is None:
                page.screenshot(path=shot, full_page=True)
            else:
                page.locator(part).screenshot(path=shot)
        assert errors == []
    finally:
        context.close()
