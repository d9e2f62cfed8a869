"""The Connect page in real Chromium: a learner makes an access key, sees its secret once
(htmx swaps it in; a reload shows it no more), copies set-up blocks with the Copy
buttons, deactivates and deletes a key with the keyboard; each screen passes axe-core at
1280 and 390 px in both languages (screenshots in screenshots/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, check_screen, learner_context, screen_page, watch
from playwright.sync_api import Browser, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web import sandboxes
from simulator.web.clients import keys
from simulator.web.models import Sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "connect-owner"
SECRET = re.compile(r"^[A-Za-z0-9+/]{40}$")


@pytest.fixture
def sandbox(settings: Settings) -> Sandbox:
    settings.RATELIMIT_ENABLE = False
    return sandboxes.create_sandbox(OWNER, "Real clients")


def test_a_key_is_made_its_secret_shown_once_and_copied_then_switched_off_and_deleted(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox
) -> None:
    context = learner_context(browser, live_server, sandbox)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/")
    page.get_by_role("link", name="Connect a client").click()
    page.wait_for_url(f"**/lab/{sandbox.pk}/connect/")
    expect(page.get_by_text("No access keys yet")).to_be_visible()

    page.get_by_label("User").select_option("bob")
    page.get_by_role("button", name="Create access key").click()
    shown = page.get_by_test_id("connect-secret")
    expect(shown).to_contain_text("This is the only time the secret access key can be viewed")
    secret = page.locator("#connect-secret").inner_text()
    assert SECRET.match(secret)
    (row,) = keys.keys_of(sandbox)
    assert keys.secret_for(row.access_key_id) == secret
    assert page.url.endswith(f"/lab/{sandbox.pk}/connect/")  # htmx: the address stays

    shown.get_by_role("button", name="Copy").click()
    expect(page.locator(".connect-copied")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.locator("[data-connect-copy='#setup-config']").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"[profile lab-{str(sandbox.pk).replace('-', '')[:8]}-bob]" in copied
    assert f"/s3/{sandbox.pk}/" in copied

    page.reload()
    expect(page.get_by_test_id("connect-keys")).to_contain_text(row.access_key_id)
    assert secret not in page.content()
    expect(page.get_by_test_id("connect-secret")).to_have_count(0)

    # Keyboard only: deactivate, then delete after the confirm.
    page.get_by_role("button", name=f"Deactivate {row.access_key_id}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("connect-keys")).to_contain_text("Inactive")
    assert keys.resolve(row.access_key_id) is None
    page.get_by_role("button", name=f"Delete {row.access_key_id}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Delete the access key"))).to_be_visible()
    page.get_by_role("button", name="Delete", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("No access keys yet")).to_be_visible()
    assert keys.keys_of(sandbox) == []
    assert errors == []
    context.close()


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_every_connect_screen_fits_speaks_and_passes_axe(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
    settings: Settings,
) -> None:
    settings.LAB_HTTPS_PORT = 8443
    settings.LAB_TLS_CERT = "/srv/lab/.venv/tls/lab-ca.pem"
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/connect/")
        check_screen(page, screenshot_dir, "connect-empty", viewport, language)

        page.goto(f"{live_server.url}/lab/{sandbox.pk}/connect/")
        page.locator(".connect-create button[type=submit]").click()
        expect(page.locator("#connect-secret")).to_be_visible()
        check_screen(page, screenshot_dir, "connect-created", viewport, language)

        (row,) = keys.keys_of(sandbox)
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/connect/")
        page.locator(f"form[action$='/{row.access_key_id}/delete/'] button").click()
        expect(page.locator("#confirm-question")).to_be_visible()
        check_screen(page, screenshot_dir, "connect-delete", viewport, language)
        assert errors == []
