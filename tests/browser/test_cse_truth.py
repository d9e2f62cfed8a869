"""Client-side encryption tells the truth in the browser (issue 11).

- A KMS wrap never defaults to aws/s3: an AWS managed key can be used only by the AWS
  service it belongs to (KMS Developer Guide, "AWS managed keys"; s3-facts §5), so the
  lab's KMS refuses a client's GenerateDataKey with it. The upload picks the learner's
  customer managed key, or offers to create one.
- The CSE workbench is styled with the lab's design system and has no serious axe
  violation, in both languages, at desktop and phone widths.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import VIEWPORTS, learner_context, serious_axe_violations, sideways_scroll, watch
from playwright.sync_api import Browser, Page, Request, expect
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request
from simulator.web.models import Sandbox
from simulator.web.sandboxes import create_sandbox, run_kms, run_s3

pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = "cse-truth"


@pytest.fixture
def sandbox() -> Sandbox:
    box = create_sandbox("cse-truth-learner", "CSE truth")
    assert (
        run_s3(box, "bucket.create", S3Request(method="PUT", bucket=BUCKET)).response.status == 200
    )
    return box


def open_upload(page: Page, live_server: LiveServer, sandbox: Sandbox, tmp_path: Path) -> None:
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/upload/")
    source = tmp_path / "notes.txt"
    source.write_bytes(b"lesson notes")
    page.locator("input[type=file][name=file]").set_input_files(str(source))
    page.locator('input[name="mode"][value="CSE"]').check()
    page.locator('input[name="cse_wrap"][value="kms"]').check()


def data_key_requests(page: Page) -> list[Request]:
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/cse/data-key") else None)
    return sent


def test_a_kms_wrap_picks_the_customer_managed_key_not_aws_s3(
    learner: Page, live_server: LiveServer, sandbox: Sandbox, tmp_path: Path
) -> None:
    arn = str(run_kms(sandbox, "CreateKey", {"Description": "mine"})["KeyMetadata"]["Arn"])
    errors = watch(learner)
    calls = data_key_requests(learner)
    open_upload(learner, live_server, sandbox, tmp_path)

    select = learner.locator("select[name=kms_key]")
    expect(select).to_have_value(arn)
    note = learner.locator("[data-cse-kms-note]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("a customer managed key")
    expect(note).to_contain_text("aws/s3 can be used only by the AWS service it belongs to")

    learner.get_by_role("button", name="Upload (PutObject)").click()
    learner.wait_for_url("**/traces/**")
    assert len(calls) == 1
    assert json.loads(calls[0].post_data or "{}")["KeyId"] == arn
    assert errors == []


@pytest.mark.parametrize("language", ["en", "ja"])
def test_without_a_customer_managed_key_the_learner_is_offered_to_create_one(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, tmp_path: Path, language: str
) -> None:
    context = learner_context(
        browser, live_server, sandbox, locale=language,
        extra_http_headers={"Accept-Language": language},
    )  # fmt: skip
    try:
        page = context.new_page()
        errors = watch(page)
        calls = data_key_requests(page)
        open_upload(page, live_server, sandbox, tmp_path)
        note = page.locator("[data-cse-kms-note]")
        expect(note).to_be_visible()
        create = note.get_by_role("link")
        expect(create).to_have_attribute("href", f"/lab/{sandbox.pk}/kms/#create-title")
        if language == "en":
            expect(note).to_contain_text("needs a customer managed key")
        else:
            expect(note).to_contain_text("カスタマーマネージドキーが必要です")
            expect(note).to_contain_text("AWS マネージドキー")

        page.locator("#upload-form button[type=submit]:not([name=sample])").click()
        expect(page.locator("#cse-panel")).to_contain_text(
            "needs a customer managed key" if language == "en" else "カスタマーマネージドキーが必要"
        )
        assert calls == []
        create.click()
        page.wait_for_url("**/kms/**")
        expect(page.locator("#create-title")).to_be_visible()
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_workbench_is_styled_and_accessible(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Any,
    tmp_path: Path,
    language: str,
    viewport: str,
) -> None:
    run_kms(sandbox, "CreateKey", {"Description": "mine"})
    context = learner_context(
        browser, live_server, sandbox, viewport=VIEWPORTS[viewport], locale=language,
        extra_http_headers={"Accept-Language": language}, reduced_motion="reduce",
    )  # fmt: skip
    try:
        page = context.new_page()
        errors = watch(page)
        # Reached from the upload page's CSE panel, as a learner finds it.
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/buckets/{BUCKET}/upload/")
        page.locator('input[name="mode"][value="CSE"]').check()
        page.locator("#cse-panel").locator(f'a[href="/lab/{sandbox.pk}/cse/"]').click()
        page.wait_for_url("**/cse/")
        form = page.locator("#cse-workbench")
        # The design system's card: its own surface and padding, not the browser's defaults.
        assert form.evaluate("f => parseFloat(getComputedStyle(f).paddingTop)") > 8
        assert page.locator("#cse-file").evaluate("i => getComputedStyle(i).display") == "block"
        source = tmp_path / "note.txt"
        source.write_bytes(b"a note for the workbench")
        page.set_input_files("#cse-file", str(source))
        form.locator("button[type=submit]").click()
        expect(page.locator("#cse-result")).to_be_visible()
        assert sideways_scroll(page) <= 0
        page.screenshot(
            path=screenshot_dir / f"cse-workbench-styled-{viewport}-{language}.png", full_page=True
        )
        assert serious_axe_violations(page) == []
        assert errors == []
    finally:
        context.close()


@pytest.fixture
def learner(browser: Browser, live_server: LiveServer, sandbox: Sandbox) -> Iterator[Page]:
    context = learner_context(browser, live_server, sandbox)
    yield context.new_page()
    context.close()
