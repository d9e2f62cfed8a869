"""The lab's flow in real Chromium: what a learner sees after each thing they do.

A failed upload keeps the chosen file and says S3's words once; a Save on the bucket
page leaves its confirmation on screen; a server error on any htmx form is said, in
both languages; a download leaves a link to its trace; the KMS key and Bucket Key are
off while SSE-S3 is chosen. Screenshots of the changed pages land in screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_kit import VIEWPORTS, screen_context, serious_axe_violations, watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web import sandboxes
from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.models import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
POLICY = """{"Version": "2012-10-17", "Statement": [{"Sid": "DenyHttp", "Effect": "Deny",
  "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::flow/*",
  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"""
TRACE_URL = re.compile(r"/lab/[0-9a-f-]{36}/traces/[0-9a-f-]{36}/$")


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    """A learner's sandbox: a bucket with a few objects, and an empty bucket."""
    settings.MEDIA_ROOT = tmp_path / "media"
    box = sandboxes.create_sandbox("flow-browser", "Flow")
    for name in ("flow", "empty-bucket"):
        assert run(box, "test", s3calls.create_bucket(name)).response.status == 200
    for n in range(6):
        body = f"object {n}\n".encode()
        request = s3calls.put_object("flow", f"file-{n}.txt", body, len(body),
                                     content_type="text/plain", headers={})  # fmt: skip
        assert run(box, "test", request).response.status == 200
    return box


def _bucket(live_server: LiveServer, sandbox: Sandbox, name: str = "flow") -> str:
    return f"{live_server.url}/lab/{sandbox.pk}/buckets/{name}/"


def _in_view(page: Page, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(selector) => {
              const box = document.querySelector(selector).getBoundingClientRect();
              return box.top >= 0 && box.bottom <= window.innerHeight;
            }""",
            selector,
        )
    )


def test_a_failed_upload_keeps_the_file_and_says_s3s_words_once(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    """A new bucket blocks SSE-C (since April 2026): an SSE-C upload gets S3's refusal."""
    errors = watch(learner)
    learner.goto(_bucket(live_server, sandbox) + "upload/")
    learner.get_by_label("File", exact=True).set_input_files(
        {"name": "keep-me.txt", "mimeType": "text/plain", "buffer": b"hello"}
    )
    learner.get_by_label("SSE-C (your own key)").check()
    learner.get_by_role("button", name="Upload (PutObject)").click()

    expect(learner.get_by_text("S3 said no")).to_be_visible()
    message = learner.locator(".errorlist li").first.inner_text()
    assert learner.get_by_text(message.split(": ", 1)[-1][:40]).count() == 1
    assert learner.locator('input[type="file"]').evaluate("i => i.files.length") == 1
    expect(learner.locator("[data-file-name]")).to_contain_text("keep-me.txt")
    # The learner fixes the mode and sends the same file at once.
    learner.get_by_label("SSE-S3", exact=True).check()
    learner.get_by_role("button", name="Upload (PutObject)").click()
    learner.wait_for_url(TRACE_URL)
    assert errors == []


def test_every_save_on_the_bucket_page_keeps_its_confirmation_in_view(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    learner.set_viewport_size(VIEWPORTS["phone"])
    learner.goto(_bucket(live_server, sandbox))
    for section, button in (
        ("#encryption", "Save (PutBucketEncryption)"),
        ("#ssec", "Save (PutBucketEncryption)"),
        ("#policy", "Save (PutBucketPolicy)"),
    ):
        if section == "#policy":
            learner.locator("#policy textarea").fill(POLICY)
        learner.locator(section).get_by_role("button", name=button).click()
        result = f"{section} .lab-result"
        expect(learner.locator(result)).to_be_visible()
        learner.wait_for_timeout(300)  # htmx's show: runs after the swap settles
        assert _in_view(learner, result), section


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "The server could not answer this request (HTTP 500)"),
     ("ja", "サーバーがこのリクエストに応答できませんでした（HTTP 500）")],
)  # fmt: skip
def test_an_htmx_form_that_gets_a_server_error_says_so(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, language: str, words: str
) -> None:
    context = screen_context(browser, live_server, sandbox, VIEWPORTS["desktop"], language, "light")
    page = context.new_page()
    page.route("**/encryption/", lambda route: route.fulfill(status=500, body="boom"))
    page.goto(_bucket(live_server, sandbox))

    page.locator("#encryption button[type=submit]").first.click()

    alert = page.locator("#encryption .request-error")
    expect(alert).to_have_text(re.compile(re.escape(words)))
    assert alert.get_attribute("role") == "alert"
    # The next answer that comes through clears it.
    page.unroute("**/encryption/")
    page.locator("#encryption button[type=submit]").first.click()
    expect(page.locator("#encryption .lab-result--ok")).to_be_visible()
    expect(page.locator(".request-error")).to_have_count(0)
    context.close()


def test_a_server_error_on_upload_says_so_and_keeps_the_form(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    learner.goto(_bucket(live_server, sandbox) + "upload/")
    learner.route("**/upload/", lambda route: route.fulfill(status=500, body="<html>boom</html>")
                  if route.request.method == "POST" else route.continue_())  # fmt: skip
    learner.get_by_label("File", exact=True).set_input_files(
        {"name": "a.txt", "mimeType": "text/plain", "buffer": b"a"}
    )
    learner.get_by_role("button", name="Upload (PutObject)").click()

    expect(learner.locator(".request-error")).to_contain_text("HTTP 500")
    expect(learner.get_by_role("button", name="Upload (PutObject)")).to_be_enabled()
    assert learner.locator('input[type="file"]').evaluate("i => i.files.length") == 1


def test_a_download_leaves_a_link_to_its_trace(
    learner: Page, live_server: LiveServer, sandbox: Sandbox, tmp_path: Path
) -> None:
    errors = watch(learner)
    learner.goto(_bucket(live_server, sandbox) + "object/?key=file-2.txt")

    with learner.expect_download() as info:
        learner.get_by_role("button", name="Download (GET)").click()

    saved = tmp_path / "got.txt"
    info.value.save_as(saved)
    assert saved.read_bytes() == b"object 2\n"
    assert info.value.suggested_filename == "file-2.txt"
    link = learner.get_by_role("link", name="See the trace of this GetObject")
    expect(link).to_be_visible()
    link.click()
    learner.wait_for_url(TRACE_URL)
    expect(learner.get_by_text("GetObject").first).to_be_visible()
    assert errors == []


def test_kms_controls_are_off_while_sse_s3_is_chosen(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    learner.goto(_bucket(live_server, sandbox))
    encryption = learner.locator("#encryption")
    kms_key = encryption.get_by_label("KMS key")
    bucket_key = encryption.get_by_label("Use an S3 Bucket Key")

    encryption.get_by_label("SSE-S3 (keys managed by S3)").check()
    expect(kms_key).to_be_disabled()
    expect(bucket_key).to_be_disabled()
    encryption.get_by_label("SSE-KMS (keys in AWS KMS)").check()
    expect(kms_key).to_be_enabled()
    expect(bucket_key).to_be_enabled()
    encryption.get_by_label("DSSE-KMS (two layers, KMS)").check()
    expect(kms_key).to_be_enabled()
    expect(bucket_key).to_be_disabled()

    reencrypt = learner.locator("#reencrypt")
    reencrypt.get_by_label("New encryption").select_option("SSE-S3")
    expect(reencrypt.get_by_label("KMS key")).to_be_disabled()
    reencrypt.get_by_label("UpdateObjectEncryption (re-wraps the key only)").check()
    expect(reencrypt.get_by_label("New encryption")).to_be_disabled()
    expect(reencrypt.get_by_label("KMS key")).to_be_enabled()


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_screenshots_of_the_changed_pages(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    language: str,
    width: str,
) -> None:
    context = screen_context(browser, live_server, sandbox, VIEWPORTS[width], language, "light")
    page = context.new_page()
    SHOTS.mkdir(exist_ok=True)
    tag = f"{width}-{language}"

    page.goto(_bucket(live_server, sandbox, "empty-bucket"))
    page.locator("#reencrypt").scroll_into_view_if_needed()
    page.locator("#reencrypt").screenshot(path=str(SHOTS / f"flow-reencrypt-empty-{tag}.png"))
    assert serious_axe_violations(page) == []

    page.goto(_bucket(live_server, sandbox))
    page.locator("#encryption").screenshot(path=str(SHOTS / f"flow-encryption-{tag}.png"))
    page.route("**/ssec/", lambda route: route.fulfill(status=500, body="boom"))
    page.locator("#ssec button[type=submit]").click()
    expect(page.locator("#ssec .request-error")).to_be_visible()
    page.locator("#ssec").screenshot(path=str(SHOTS / f"flow-server-error-{tag}.png"))

    page.goto(_bucket(live_server, sandbox) + "object/?key=file-1.txt")
    with page.expect_download():
        page.locator("button[data-download]").click()
    expect(page.locator("[data-download-done]")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"flow-download-{tag}.png"), full_page=True)
    assert serious_axe_violations(page) == []

    page.goto(f"{live_server.url}/lab/{sandbox.pk}/traces/")
    page.screenshot(path=str(SHOTS / f"flow-traces-{tag}.png"))
    page.goto(f"{live_server.url}/lab/")
    page.screenshot(path=str(SHOTS / f"flow-sandboxes-{tag}.png"), full_page=True)
    assert serious_axe_violations(page) == []
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/traces/00000000-0000-4000-8000-000000000000/")
    page.screenshot(path=str(SHOTS / f"flow-trace-404-{tag}.png"))
    context.close()
