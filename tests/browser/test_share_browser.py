"""Share links in real Chromium: the owner shares a trace, a stranger opens the link in a
fresh context (no session, no cookies), steps through it and copies it into a sandbox
of their own; every shared page and the owner's list pass axe-core at 1280 and 390 px
in both languages (screenshots in screenshots/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, check_screen, learner_context, screen_page, watch
from playwright.sync_api import Browser, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.share import links

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "share-owner"


@pytest.fixture
def sandbox(settings: Settings) -> Sandbox:
    settings.RATELIMIT_ENABLE = False
    box = sandboxes.create_sandbox(OWNER, "Class demo")
    sandboxes.run_s3(box, "test", S3Request("PUT", "class-bucket"))
    request = S3Request(
        "PUT",
        "class-bucket",
        "cat.jpg",
        headers={"x-amz-server-side-encryption": "aws:kms"},
        body=b"\xff\xd8\xff\xe0 a small photo of a cat",
    )
    sandboxes.run_s3(box, "test", request)
    return box


def upload(sandbox: Sandbox) -> TraceRecord:
    return TraceRecord.objects.filter(sandbox=sandbox, key="cat.jpg").latest("created")


def test_a_stranger_opens_a_shared_trace_and_copies_it_into_a_sandbox_of_their_own(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, screenshot_dir: Path
) -> None:
    owner = learner_context(browser, live_server, sandbox)
    page = owner.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/traces/{upload(sandbox).pk}/")
    page.get_by_role("button", name="Share this trace").click()
    box = page.locator(".share-made__url")
    expect(box).to_be_visible()
    url = box.input_value()
    assert re.fullmatch(re.escape(live_server.url) + r"/s/[2-9a-z]{12}/", url)
    expect(page.get_by_role("button", name="Copy link").first).to_be_visible()
    page.locator(".trace-head").screenshot(path=screenshot_dir / "share-made-desktop-en.png")
    owner.close()

    stranger = browser.new_context()
    assert stranger.cookies() == []
    view = stranger.new_page()
    errors += watch(view)
    view.goto(url)
    expect(view.get_by_role("heading", level=1)).to_contain_text("/class-bucket/cat.jpg")
    assert str(sandbox.pk) not in view.content()
    expect(view.locator("#step-panel")).to_have_attribute("data-step", "1")
    view.get_by_role("link", name="Next").click()
    expect(view.locator("#step-panel")).to_have_attribute("data-step", "2")
    view.get_by_role("button", name="Copy into my sandbox").click()
    view.wait_for_url(re.compile(r"/lab/[0-9a-f-]{36}/$"))
    copy_id = view.url.rstrip("/").split("/")[-1]
    assert copy_id != str(sandbox.pk)
    expect(view.get_by_role("link", name="class-bucket")).to_be_visible()
    copy = Sandbox.objects.get(pk=copy_id)
    assert copy.owner != OWNER and copy.key_salt != sandbox.key_salt
    stranger.close()
    assert errors == []


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_shared_pages_and_the_owners_list_fit_and_pass_axe(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    viewport: str,
    language: str,
    screenshot_dir: Path,
) -> None:
    trace = links.share_trace(sandbox, upload(sandbox).pk)
    whole = links.share_sandbox(sandbox)
    thing = links.share_object(sandbox, "class-bucket", "cat.jpg")
    base = live_server.url
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        page.context.clear_cookies()  # a stranger: no session, no cookies
        for name, path in [
            ("share-trace", trace.url),
            ("share-sandbox", whole.url),
            ("share-object", thing.url),
            ("share-gone", "/s/abcdefghjkmn/"),
        ]:
            page.goto(base + path)
            check_screen(page, screenshot_dir, name, viewport, language)
            if name == "share-gone":  # the 404 itself is the one console error expected
                assert [e for e in errors if "404" not in e] == []
                errors.clear()
        assert errors == []
    with screen_page(browser, live_server, sandbox, viewport, language) as (owner, errors):
        owner.goto(f"{base}/lab/{sandbox.pk}/shared/?made={trace.pk}")
        expect(owner.locator(".share-links")).to_be_visible()
        check_screen(owner, screenshot_dir, "share-list", viewport, language)
    assert errors == []
