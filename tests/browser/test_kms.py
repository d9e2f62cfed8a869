"""The KMS console and audit log in real Chromium: htmx key actions, no console errors,
and screenshots at desktop and phone widths, in both languages, light and dark."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from browser_kit import VIEWPORTS, learner_context, screen_context, sideways_scroll, watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request
from simulator.web.models import Sandbox
from simulator.web.sandboxes import create_sandbox, run_kms, run_s3


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def sandbox(media: Path) -> Sandbox:
    box = create_sandbox("kms-browser", "KMS in the browser")
    key = run_kms(box, "CreateKey", {"Description": "Invoices 2026"})["KeyMetadata"]["KeyId"]
    run_kms(box, "CreateAlias", {"AliasName": "alias/invoices", "TargetKeyId": key})
    run_s3(box, "bucket.create", S3Request("PUT", "reports"))
    for name, headers in [
        ("q1.txt", {"x-amz-server-side-encryption": "aws:kms"}),
        (
            "q2.txt",
            {
                "x-amz-server-side-encryption": "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id": key,
            },
        ),
    ]:
        run_s3(box, "upload", S3Request("PUT", "reports", name, headers=headers, body=b"numbers"))
    return box


def key_id(sandbox: Sandbox) -> str:
    result = run_kms(sandbox, "DescribeKey", {"KeyId": "alias/invoices"})
    return str(result["KeyMetadata"]["KeyId"])


def test_disable_a_key_in_the_console_and_see_the_state_change(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/kms/")
    learner.get_by_role("link", name=key_id(sandbox)).click()

    panel = learner.get_by_test_id("key-panel")
    expect(panel.locator("[data-state]").first).to_have_attribute("data-state", "Enabled")
    url_before = learner.url

    learner.get_by_role("button", name="Disable key").click()

    # htmx swapped the panel in place: same page, new state, and the button to undo it.
    expect(panel.locator("[data-state]").first).to_have_attribute("data-state", "Disabled")
    expect(learner.get_by_role("status")).to_contain_text("The key is disabled.")
    expect(learner.get_by_role("button", name="Enable key")).to_be_visible()
    assert learner.url == url_before
    assert (
        run_kms(sandbox, "DescribeKey", {"KeyId": key_id(sandbox)})["KeyMetadata"]["KeyState"]
        == "Disabled"
    )
    assert errors == []


def test_malformed_policy_error_appears_beside_the_field(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/kms/{key_id(sandbox)}/")

    learner.get_by_label("Policy document (JSON)").fill('{"Statement": [')
    learner.get_by_role("button", name="Save key policy").click()

    alert = learner.locator("#policy-error")
    expect(alert).to_contain_text("MalformedPolicyDocumentException")
    expect(learner.get_by_label("Policy document (JSON)")).to_have_value('{"Statement": [')
    assert errors == []


def test_key_actions_work_without_javascript(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox
) -> None:
    context = learner_context(browser, live_server, sandbox, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/kms/{key_id(sandbox)}/")
        page.get_by_role("button", name="Disable key").click()
        expect(page.get_by_role("status")).to_contain_text("The key is disabled.")
        page.get_by_label("Waiting period (days, 7–30)").fill("3")
        page.get_by_role("button", name="Schedule key deletion").click()
        expect(page.locator("#deletion-error")).to_contain_text("between 7 and 30 days")
    finally:
        context.close()


def test_audit_filter_swaps_the_table(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/audit/")
    expect(learner.locator("[data-event]").first).to_be_visible()

    learner.get_by_label("Event name").select_option("GenerateDataKey")

    expect(learner.locator("[data-event]")).to_have_count(2)
    expect(learner.locator('[data-event="GenerateDataKey"]').first).to_contain_text(
        "via s3.amazonaws.com"
    )
    assert "event=GenerateDataKey" in learner.url
    learner.locator('[data-event="GenerateDataKey"] summary').first.click()
    expect(learner.locator('[data-event="GenerateDataKey"] pre').first).to_contain_text(
        '"invokedBy": "s3.amazonaws.com"'
    )
    assert errors == []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_kms_pages_fit_every_screen(
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
        for name, path in [
            ("kms", "kms/"),
            ("kms-key", f"kms/{key_id(sandbox)}/"),
            ("audit", "audit/"),
        ]:
            page.goto(f"{live_server.url}/lab/{sandbox.pk}/{path}")
            expect(page.locator("html")).to_have_attribute("lang", language)
            overflow = sideways_scroll(page)
            assert overflow <= 0, name
            page.screenshot(
                path=screenshot_dir / f"{name}-{viewport}-{language}-{scheme}.png", full_page=True
            )
        assert errors == []
    finally:
        context.close()


# For each row of the keys table: the tallest content among the cells in view, and among
# the cells scrolled out of view (to the right of the table's box).
ROW_HEIGHTS = """
(table) => {
  const box = table.parentElement.getBoundingClientRect();
  const height = (cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return range.getBoundingClientRect().height;
  };
  return [...table.tBodies[0].rows].map((row) => {
    const cells = [...row.cells];
    const inView = cells.filter((c) => c.getBoundingClientRect().left < box.right);
    const outOfView = cells.filter((c) => c.getBoundingClientRect().left >= box.right);
    return [Math.max(...inView.map(height)), Math.max(0, ...outOfView.map(height))];
  });
}
"""


@pytest.mark.parametrize("language", ["en", "ja"])
def test_on_a_phone_the_keys_rows_are_as_tall_as_the_columns_in_view(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, language: str
) -> None:
    """aws/s3's long description, scrolled out of view, does not stretch its row."""
    run_s3(sandbox, "upload", S3Request("PUT", "reports", "q3.txt", body=b"n", headers={
        "x-amz-server-side-encryption": "aws:kms"}))  # fmt: skip
    context = screen_context(browser, live_server, sandbox, VIEWPORTS["phone"], language, "light")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/kms/")
        rows = page.get_by_test_id("kms-keys").evaluate(ROW_HEIGHTS)
        assert len(rows) == 2
        for in_view, out_of_view in rows:
            assert out_of_view > 0  # the table does scroll sideways on a phone
            assert out_of_view <= in_view, (in_view, out_of_view)
    finally:
        context.close()


def test_the_trail_records_data_events_once_switched_on(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    """CloudTrail: S3 object calls are data events, off on a new trail; the page's button
    switches them on (PutEventSelectors) and the next GetObject is in the log."""
    errors = watch(learner)
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/audit/")
    expect(learner.get_by_test_id("trail-state")).to_contain_text("Off")
    expect(learner.locator('[data-event="PutObject"]')).to_have_count(0)
    expect(learner.locator('[data-event="GenerateDataKey"]').first).to_be_visible()

    learner.get_by_role("button", name="Turn data events on").click()
    expect(learner.get_by_test_id("trail-state")).to_contain_text("On")
    expect(learner.locator('[data-event="PutEventSelectors"]')).to_have_count(1)

    run_s3(sandbox, "object.get", S3Request("GET", "reports", "q1.txt"))
    learner.reload()
    expect(learner.locator("[data-event]").first).to_have_attribute("data-event", "GetObject")
    expect(learner.locator('[data-event="GetObject"]')).to_contain_text("data event")
    assert errors == []


def test_console_reads_show_only_when_asked_for(
    learner: Page, live_server: LiveServer, sandbox: Sandbox
) -> None:
    from simulator.web.lab import state

    errors = watch(learner)
    assert state.key_arn(sandbox, "alias/invoices")
    learner.goto(f"{live_server.url}/lab/{sandbox.pk}/audit/")
    expect(learner.locator('[data-event="DescribeKey"]')).to_have_count(0)

    learner.get_by_label("Show console reads (1)").check()

    expect(learner.locator('[data-event="DescribeKey"]')).to_have_count(1)
    expect(learner.locator('[data-event="DescribeKey"]')).to_contain_text("console read")
    assert "console=1" in learner.url
    assert errors == []
