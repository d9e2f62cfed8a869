"""The lab obeys its own Content-Security-Policy in real Chromium (issue 8, "Secrets and
headers": a strict CSP, ``script-src 'self'``, no inline scripts or styles).

Every main page is opened in English and Japanese with a listener for
``securitypolicyviolation`` installed before any of the page's own scripts run; a page
that carried an inline ``<script>``, an ``onclick=``, a ``style="…"`` attribute or a
``<style>`` block (htmx 2 adds one for its indicators unless told not to) would fire
one. A few htmx swaps are made too, since swapped-in HTML is held to the same policy.
Screenshots of two pages at desktop and phone widths land in ``screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_kit import VIEWPORTS
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web import demo, sandboxes
from simulator.web.models import TraceRecord

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = "csp-learner"
# Runs before any script of the page: every violation the browser reports is kept.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
    ` at ${event.sourceFile}:${event.lineNumber} (${event.sample})`
  );
});
"""
# The browser queues the event; give it a turn of the event loop before reading.
VIOLATIONS = """() => new Promise((done) =>
  setTimeout(() => done(window.__cspViolations || ["the listener was not installed"]), 50))"""


@dataclass(frozen=True)
class Lab:
    base: str
    sandbox: str  # /lab/<id>/
    trace: str
    session_key: str


@pytest.fixture
def lab(live_server: LiveServer, settings: Settings, tmp_path: Path) -> Lab:
    settings.MEDIA_ROOT = tmp_path / "media"
    box = demo.create_demo_sandbox(OWNER, "CSP")
    trace = TraceRecord.objects.filter(sandbox=box, method="PUT").first()
    assert trace is not None
    session = SessionStore()
    session[sandboxes.SESSION_KEY] = OWNER
    session.save()
    assert session.session_key is not None
    sandbox = f"/lab/{box.pk}/"
    return Lab(live_server.url, sandbox, f"{sandbox}traces/{trace.pk}/", session.session_key)


@pytest.fixture(params=["en", "ja"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page_in(browser: Browser, lab: Lab, language: str) -> Iterator[Page]:
    context = browser.new_context(
        viewport=VIEWPORTS["desktop"],
        locale=language,
        extra_http_headers={"Accept-Language": language},
        reduced_motion="reduce",
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": lab.session_key, "url": lab.base}]
    )
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    yield page
    context.close()


def main_pages(lab: Lab) -> dict[str, str]:
    s = lab.sandbox
    return {
        "home": "/",
        "sandboxes": "/lab/",
        "sandbox": s,
        "bucket (SSE-KMS)": s + "buckets/demo-sse-kms/",
        "bucket (policy)": s + "buckets/demo-policy/",
        "upload": s + "buckets/demo-ssec/upload/",
        "object (SSE-KMS)": s + "buckets/demo-sse-kms/object/?key=invoice-0042.json",
        "object (SSE-C)": s + "buckets/demo-ssec/object/?key=secret.txt",
        "traces": s + "traces/",
        "trace": lab.trace,
        "trace (every step)": lab.trace + "?all=1",
        "kms": s + "kms/",
        "audit": s + "audit/",
        "disk": s + "disk/?bucket=demo-sse-kms&key=invoice-0042.json",
        "break it": s + "break/",
        "cse workbench": s + "cse/",
    }


def violations(page: Page) -> list[str]:
    page.wait_for_load_state("load")
    return list(page.evaluate(VIOLATIONS))


def test_no_page_breaks_the_content_security_policy(page_in: Page, lab: Lab, language: str) -> None:
    page = page_in
    found: dict[str, list[str]] = {}
    for name, path in main_pages(lab).items():
        response = page.goto(lab.base + path)
        assert response is not None and response.status == 200, name
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (name, policy)
        expect(page.locator("html")).to_have_attribute("lang", language)
        # htmx loaded from our static files and is running: its scripts were not blocked.
        assert page.evaluate("typeof window.htmx") == "object", name
        if errors := violations(page):
            found[name] = errors

    # htmx swaps: the HEAD partial of an object, the trace's step panel, the audit filter.
    page.goto(lab.base + lab.sandbox + "buckets/demo-sse-kms/object/?key=invoice-0042.json")
    page.locator("#object-body button[hx-post]").click()
    expect(page.locator("#headers-title")).to_be_visible()
    if errors := violations(page):
        found["object, after HEAD (htmx)"] = errors
    page.goto(lab.base + lab.trace)
    count = page.locator(".trace-now__count")
    before = count.inner_text()
    page.keyboard.press("ArrowRight")
    expect(count).not_to_have_text(before)
    page.wait_for_load_state("networkidle")
    if errors := violations(page):
        found["trace, step after → (htmx)"] = errors
    page.goto(lab.base + lab.sandbox + "buckets/demo-ssec/upload/")
    page.locator("input[name=mode][value=SSE-C]").check()
    expect(page.locator("[name=customer_key]")).to_be_visible()
    if errors := violations(page):
        found["upload, SSE-C chosen"] = errors

    assert found == {}

    # The listener does see a violation: an inline <style> added now is refused.
    page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>p{}</style>')")
    assert any("style-src" in line for line in violations(page))


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_screenshots_of_two_pages_under_the_policy(
    page_in: Page, lab: Lab, language: str, viewport: str, screenshot_dir: Path
) -> None:
    page = page_in
    page.set_viewport_size(VIEWPORTS[viewport])
    shots = {
        "bucket": lab.sandbox + "buckets/demo-sse-kms/",
        "object-ssec": lab.sandbox + "buckets/demo-ssec/object/?key=secret.txt",
    }
    for name, path in shots.items():
        page.goto(lab.base + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(
            path=screenshot_dir / f"csp-{name}-{viewport}-{language}.png", full_page=True
        )
        assert violations(page) == [], name
