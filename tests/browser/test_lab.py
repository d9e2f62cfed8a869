"""The lab core in real Chromium: sandbox, bucket, uploads, downloads, languages.

Journeys of issue 4: create a bucket → SSE-KMS upload → the trace → download gives the
same bytes; SSE-C upload then a wrong-key download gives 403; switch to Japanese; no
console errors anywhere. Screenshots of every lab page land in screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pytest
from browser_kit import VIEWPORTS, sideways_scroll, start_lab
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web.models import Sandbox, TraceRecord

pytestmark = pytest.mark.django_db(transaction=True)

TRACE_URL = re.compile(r"/lab/[0-9a-f-]{36}/traces/[0-9a-f-]{36}/$")


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _new_bucket(page: Page, live_server: LiveServer, name: str) -> None:
    start_lab(page, live_server.url, demo=False)
    expect(page.get_by_role("heading", level=1, name="Buckets")).to_be_visible()
    page.get_by_label("Bucket name").fill(name)
    page.get_by_role("button", name="Create bucket").click()
    # htmx swapped the list: the new bucket is in it, with a link to its trace.
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="See the trace of this request")).to_be_visible()
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def test_sse_kms_upload_lands_on_its_trace_and_downloads_the_same_bytes(
    page: Page, live_server: LiveServer, console_errors: list[str], tmp_path: Path
) -> None:
    data = bytes(range(256)) * 64 + "日本語のファイル".encode()
    _new_bucket(page, live_server, "journey-bucket")

    page.get_by_role("link", name="Upload a file").first.click()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "report.bin", "mimeType": "application/octet-stream", "buffer": data}
    )
    page.get_by_label("SSE-KMS", exact=True).check()
    expect(page.get_by_label("KMS key")).to_be_visible()
    expect(page.get_by_label("Your SSE-C key (base64 of 32 bytes)")).to_be_hidden()
    page.get_by_role("button", name="Upload (PutObject)").click()

    page.wait_for_url(TRACE_URL)
    trace = TraceRecord.objects.get(key="report.bin")
    headers = dict(trace.response_headers)
    assert headers["x-amz-server-side-encryption"] == "aws:kms"
    assert any(step["kind"] == "kms.generate_data_key" for step in trace.steps)

    sandbox = trace.sandbox
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/journey-bucket/object/?key=report.bin")
    expect(page.get_by_text("aws:kms").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download (GET)").click()
    saved = tmp_path / "downloaded.bin"
    info.value.save_as(saved)
    assert saved.read_bytes() == data
    assert console_errors == []


def test_sse_c_upload_then_a_wrong_key_download_is_403(
    page: Page, live_server: LiveServer, console_errors: list[str]
) -> None:
    _new_bucket(page, live_server, "ssec-journey")
    page.get_by_label("Allowed").check()
    page.locator("#ssec").get_by_role("button", name="Save (PutBucketEncryption)").click()
    expect(page.locator("#ssec").get_by_text("Done")).to_be_visible()

    page.get_by_role("link", name="Upload a file").first.click()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "secret.txt", "mimeType": "text/plain", "buffer": b"only with the key"}
    )
    page.get_by_label("SSE-C (your own key)").check()
    key_field = page.get_by_label("Your SSE-C key (base64 of 32 bytes)")
    expect(key_field).to_be_visible()
    first_key = key_field.input_value()
    page.get_by_role("button", name="Generate a new key").click()
    key = key_field.input_value()
    assert key and key != first_key
    page.get_by_role("button", name="Upload (PutObject)").click()
    page.wait_for_url(TRACE_URL)

    sandbox = Sandbox.objects.get(traces__key="secret.txt", traces__method="PUT")
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/ssec-journey/object/?key=secret.txt")
    expect(page.get_by_text("This object was stored with SSE-C.")).to_be_visible()
    wrong = "d3Jvbmd3cm9uZ3dyb25nd3Jvbmd3cm9uZ3dyb25nMTI="
    page.get_by_label("SSE-C key (base64)").fill(wrong)
    page.get_by_role("button", name="Download (GET)").click()

    expect(page.get_by_text("AccessDenied").first).to_be_visible()
    expect(page.get_by_text("must provide the correct secret key").first).to_be_visible()
    trace_link = page.get_by_role("link", name="See the trace of this request")
    expect(trace_link).to_be_visible()
    denied = TraceRecord.objects.filter(key="secret.txt", method="GET").get()
    assert (denied.status, denied.error_code) == (403, "AccessDenied")
    assert key not in str(denied.request_headers) and wrong not in str(denied.full_steps())
    assert console_errors == []


def test_lab_pages_switch_to_japanese(
    page: Page, live_server: LiveServer, console_errors: list[str]
) -> None:
    start_lab(page, live_server.url)
    page.get_by_role("link", name="All sandboxes").click()

    page.get_by_role("button", name="日本語").click()

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("あなたのサンドボックス")
    page.get_by_role("link", name="開く").first.click()
    expect(page.get_by_role("heading", level=2, name="バケットを作成")).to_be_visible()
    assert console_errors == []


def test_upload_form_works_with_javascript_off(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        start_lab(page, live_server.url, demo=False)
        page.get_by_label("Bucket name").fill("no-js-bucket")
        page.get_by_role("button", name="Create bucket").click()
        expect(page.get_by_role("heading", level=1, name="no-js-bucket")).to_be_visible()
        page.get_by_role("link", name="Upload a file").first.click()
        expect(page.get_by_text("With JavaScript off it is not available")).to_be_visible()
        page.get_by_label("File", exact=True).set_input_files(
            {"name": "plain.txt", "mimeType": "text/plain", "buffer": b"no script"}
        )
        page.get_by_role("button", name="Upload (PutObject)").click()
        page.wait_for_url(TRACE_URL)
        assert TraceRecord.objects.get(key="plain.txt").status == 200
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_lab_pages_fit_every_screen(
    browser: Browser,
    live_server: LiveServer,
    screenshot_dir: Path,
    viewport: str,
    language: str,
    scheme: Literal["light", "dark"],
) -> None:
    call_command("loaddemo", verbosity=0)
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale=language,
        extra_http_headers={"Accept-Language": language},
        color_scheme=scheme,
        reduced_motion="reduce",
    )
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        start_lab(page, live_server.url)
        base = page.url.rstrip("/")
        pages = {
            "sandbox": base + "/",
            "sandboxes": live_server.url + "/lab/",
            "bucket": base + "/buckets/demo-sse-kms/",
            "upload": base + "/buckets/demo-sse-kms/upload/",
            "object": base + "/buckets/demo-ssec/object/?key=secret.txt",
        }
        for name, address in pages.items():
            page.goto(address)
            expect(page.locator("html")).to_have_attribute("lang", language)
            overflow = sideways_scroll(page)
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
            page.screenshot(
                path=screenshot_dir / f"lab-{name}-{viewport}-{language}-{scheme}.png",
                full_page=True,
            )
        assert errors == []
    finally:
        context.close()
