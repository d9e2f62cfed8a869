"""CSE through the lab's own upload and object pages, in real Chromium (issue 4).

"CSE upload where the body that reached the server is not the plaintext, then the
browser decrypts the download." [S3EC] the object is encrypted before it leaves the
client; S3 stores the ciphertext as the body and the envelope as user metadata, and
sees only ciphertext.

The proof has three witnesses: the multipart body the browser sent (recorded by
Playwright as it left the page), the request the engine received (its stored trace),
and what storage keeps (every file under MEDIA_ROOT). The plaintext appears in none.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_kit import learner_context
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request, cse
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.sandboxes import (
    create_sandbox,
    open_engine,
    run_kms,
    run_s3,
)

pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = "class-notes"
# Recognisable bytes that cannot appear in ciphertext by chance.
PLAINTEXT = b"TOP-SECRET lesson 6 notes: " + os.urandom(2000) + b" :END-OF-SECRET"


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def sandbox(media: Path) -> Sandbox:
    box = create_sandbox("lab-learner", "CSE through the lab")
    created = run_s3(box, "bucket.create", S3Request(method="PUT", bucket=BUCKET))
    assert created.response.status == 200
    return box


@pytest.fixture
def kms_key(sandbox: Sandbox) -> str:
    key = run_kms(sandbox, "CreateKey", {"Description": "cse lab"})["KeyMetadata"]
    return str(key["Arn"])


@pytest.fixture
def sent() -> list[Request]:
    return []


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def learner_page(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    sent: list[Request],
    console_errors: list[str],
) -> Iterator[Page]:
    context = learner_context(browser, live_server, sandbox)
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            console_errors.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"pageerror: {error}"))

    def record(route: Route) -> None:
        # Routed, so Playwright keeps each POST body (multipart included) as it left the page.
        if route.request.method == "POST":
            sent.append(route.request)
        route.continue_()

    page.route("**/*", record)
    yield page
    context.close()
    assert console_errors == []


def upload_url(live_server: LiveServer, sandbox: Sandbox) -> str:
    return f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/upload/"


def choose_file(page: Page, tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    source.write_bytes(PLAINTEXT)
    page.locator("input[type=file][name=file]").set_input_files(str(source))
    page.get_by_label("CSE (encrypted in this browser)").check()


def the_upload(sent: list[Request], sandbox: Sandbox) -> bytes:
    posts = [r for r in sent if r.url.endswith(f"/buckets/{BUCKET}/upload/")]
    assert len(posts) == 1
    assert posts[0].headers.get("x-lab-cse") == "1"
    return posts[0].post_data_buffer or b""


# Where static/js/cse/page.js remembers a key kept in the browser (any page of the lab can read it).
REMEMBERED_KEY = "([s, b, k]) => localStorage.getItem('s3lab-cse:' + JSON.stringify([s, b, k]))"


def stored_files(media: Path) -> list[bytes]:
    return [path.read_bytes() for path in media.rglob("*") if path.is_file()]


def assert_plaintext_never_reached_the_server(body_sent: bytes, media: Path) -> TraceRecord:
    assert PLAINTEXT[:20] not in body_sent
    assert b"cse_meta" in body_sent
    trace = TraceRecord.objects.get(action="upload.cse")
    assert trace.status == 200
    # The request the engine received: the envelope as user metadata, no SSE header,
    # and no step that shows the plaintext's bytes.
    headers = {name.lower(): value for name, value in trace.request_headers}
    assert "x-amz-meta-x-amz-c" in headers or "x-amz-meta-x-amz-key-v2" in headers
    assert "x-amz-server-side-encryption" not in headers
    assert PLAINTEXT[:20].hex() not in json.dumps(trace.full_steps())
    files = stored_files(media)
    assert files, "the object's blob should be on disk"
    assert all(PLAINTEXT[:20] not in data for data in files)
    return trace


def stored_object(sandbox: Sandbox, key: str) -> tuple[bytes, dict[str, str]]:
    """The object as S3 returns it: the CSE ciphertext (S3's own layer removed) and its metadata."""
    response = open_engine(sandbox).s3(S3Request(method="GET", bucket=BUCKET, key=key))
    assert response.status == 200
    meta = {k: v for k, v in response.headers.items() if k.lower().startswith("x-amz-meta-")}
    return response.read(), meta


def decrypt_on_the_object_page(
    page: Page, live_server: LiveServer, sandbox: Sandbox, key: str
) -> bytes:
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/object/?key={key}")
    panel = page.locator("#cse-download")
    panel.get_by_role("button", name="Decrypt in the browser").click()
    save = panel.get_by_role("link", name="Save the decrypted file")
    expect(save).to_have_attribute("download", key)
    # Saved as a learner saves it: a click on the link (the policy allows no fetch of blob:).
    with page.expect_download() as saved:
        save.click()
    plain = Path(saved.value.path()).read_bytes()
    return plain


def test_cse_upload_with_a_browser_key_sends_only_ciphertext_and_the_object_page_decrypts_it(
    learner_page: Page,
    live_server: LiveServer,
    sandbox: Sandbox,
    sent: list[Request],
    media: Path,
    tmp_path: Path,
) -> None:
    page = learner_page
    page.goto(upload_url(live_server, sandbox))
    choose_file(page, tmp_path, "notes.bin")
    expect(page.locator("#cse-panel [data-cse-nojs]")).to_be_hidden()

    page.get_by_role("button", name="Upload (PutObject)").click()
    page.wait_for_url("**/traces/**")

    assert_plaintext_never_reached_the_server(the_upload(sent, sandbox), media)
    key_b64 = page.evaluate(REMEMBERED_KEY, [str(sandbox.pk), BUCKET, "notes.bin"])
    # The Python client decrypts what S3 stored with the key only the browser had.
    body, meta = stored_object(sandbox, "notes.bin")
    assert body != PLAINTEXT
    assert cse.decrypt(body, meta, cse.AESWrap(base64.b64decode(key_b64))) == PLAINTEXT
    # And the browser decrypts the download, with the key it remembered.
    assert decrypt_on_the_object_page(page, live_server, sandbox, "notes.bin") == PLAINTEXT


def test_cse_upload_with_a_kms_key_v2_asks_kms_for_the_data_key_only(
    learner_page: Page,
    live_server: LiveServer,
    sandbox: Sandbox,
    kms_key: str,
    sent: list[Request],
    media: Path,
    tmp_path: Path,
) -> None:
    page = learner_page
    page.goto(upload_url(live_server, sandbox))
    choose_file(page, tmp_path, "report.bin")
    page.get_by_label("AWS KMS (key picker)").check()
    page.locator("select[name=kms_key]").select_option(kms_key)
    page.get_by_label("V2").check()

    page.get_by_role("button", name="Upload (PutObject)").click()
    page.wait_for_url("**/traces/**")

    data_key_calls = [r for r in sent if r.url.endswith("/cse/data-key")]
    assert len(data_key_calls) == 1
    assert PLAINTEXT[:20] not in (data_key_calls[0].post_data_buffer or b"")
    assert_plaintext_never_reached_the_server(the_upload(sent, sandbox), media)
    body, meta = stored_object(sandbox, "report.bin")
    assert meta["x-amz-meta-x-amz-wrap-alg"] == "kms+context"
    assert cse.decrypt(body, meta, cse.KMSWrap(open_engine(sandbox), kms_key)) == PLAINTEXT
    assert decrypt_on_the_object_page(page, live_server, sandbox, "report.bin") == PLAINTEXT


def test_a_python_encrypted_object_uploaded_by_a_tool_decrypts_on_the_object_page(
    learner_page: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    # As if the learner had used the official client against the S3 endpoint: the
    # object page's browser decryption reads the same format.
    key = os.urandom(32)
    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(key))
    put = run_s3(
        sandbox,
        "upload",
        S3Request(method="PUT", bucket=BUCKET, key="from-python.bin", headers=meta, body=body),
    )
    assert put.response.status == 200
    page = learner_page
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/")
    page.evaluate(
        "([s, b, k, v]) => localStorage.setItem('s3lab-cse:' + JSON.stringify([s, b, k]), v)",
        [str(sandbox.pk), BUCKET, "from-python.bin", base64.b64encode(key).decode()],
    )

    assert decrypt_on_the_object_page(page, live_server, sandbox, "from-python.bin") == PLAINTEXT


def test_a_wrong_browser_key_on_the_object_page_says_it_cannot_decrypt(
    learner_page: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(os.urandom(32)))
    run_s3(
        sandbox,
        "upload",
        S3Request(method="PUT", bucket=BUCKET, key="k.bin", headers=meta, body=body),
    )
    page = learner_page
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/object/?key=k.bin")
    panel = page.locator("#cse-download")

    panel.get_by_label("Your key (base64)").fill(base64.b64encode(os.urandom(32)).decode())
    panel.get_by_role("button", name="Decrypt in the browser").click()

    expect(panel.get_by_role("status")).to_contain_text("could not be decrypted")
    expect(panel.get_by_role("link", name="Save the decrypted file")).to_have_count(0)


def test_in_japanese_the_browsers_words_come_from_the_javascript_catalogue(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox
) -> None:
    # static/js/cse/messages.js: gettext from web:jsi18n (djangojs.po), with AWS's term
    # for decryption, 復号. The catalogue is a classic script loaded before the modules.
    key = os.urandom(32)
    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(key))
    put = run_s3(
        sandbox,
        "upload",
        S3Request(method="PUT", bucket=BUCKET, key="ja.bin", headers=meta, body=body),
    )
    assert put.response.status == 200
    context = learner_context(
        browser, live_server, sandbox, locale="ja", extra_http_headers={"Accept-Language": "ja"}
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/object/?key=ja.bin")
        panel = page.locator("#cse-download")

        expect(panel.get_by_role("button", name="ブラウザーで復号")).to_be_visible()
        expect(panel.get_by_label("あなたのキー（Base64）")).to_be_visible()
        panel.get_by_label("あなたのキー（Base64）").fill(base64.b64encode(bytes(32)).decode())
        panel.get_by_role("button", name="ブラウザーで復号").click()
        expect(panel.get_by_role("status")).to_have_text(
            "復号できませんでした。オブジェクトが変更されたか、キーが違います。"
        )
    finally:
        context.close()
