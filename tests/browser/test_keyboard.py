"""The lab with the keyboard alone, in real Chromium (issue 4: "Keyboard-usable
throughout, visible focus, colour never the only signal, phone and desktop layouts,
respects reduced motion").

The journeys use Tab, Shift+Tab, Enter, Space and the arrow keys only: no clicks. Every
element the keyboard lands on on the way must show a focus ring (WCAG 2.4.7 Focus
Visible): its computed outline or box-shadow is not ``none``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = "keyboard-learner"
TRACE_URL = re.compile(r"/lab/[0-9a-f-]{36}/traces/[0-9a-f-]{36}/(\?step=\d+)?$")
MAX_TABS = 80

# What the focused element looks like: a description, and whether a ring shows.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "")
    .replace(/\\s+/g, " ").trim().slice(0, 40);
  const box = el.getBoundingClientRect();
  const shown = box.width > 2 && box.height > 2 && style.visibility !== "hidden"
    && style.opacity !== "0" && !el.closest("[aria-hidden='true']");
  return {ring: outline || shadow, shown, what: `${el.tagName.toLowerCase()} "${name}"`};
}"""

# Status badges and state markers: each must say what it means in text (or in a text
# alternative), never by its colour alone.
SIGNALS = ", ".join(
    [
        ".badge",
        ".lab-result__status",
        ".trace-check",
        "[class*='--ok']",
        "[class*='--bad']",
        "[class*='--error']",
        "[class*='--failed']",
    ]
)
UNSPOKEN_SIGNALS = """(selector) => {
  const spoken = (el) => {
    if (el.getAttribute("aria-label") || el.getAttribute("title")) return true;
    // Text that is not only check marks, crosses or arrows.
    const text = (el.innerText || el.textContent || "").replace(/[\\s✓✕✗×→←·•]/g, "");
    return text.length > 0;
  };
  const shown = [...document.querySelectorAll(selector)].filter((el) => el.getClientRects().length);
  return {
    count: shown.length,
    unspoken: shown.filter((el) => !spoken(el)).map((el) => el.outerHTML.slice(0, 120)),
  };
}"""


class Keyboard:
    """Moves the focus with Tab and Shift+Tab and checks every focus ring on the way."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.visited: list[str] = []
        self.without_ring: list[str] = []
        self.hidden: list[str] = []  # focusable, yet invisible or hidden from screen readers

    def _note(self) -> None:
        state = self.page.evaluate(FOCUS_STATE)
        if state is None:
            return
        self.visited.append(state["what"])
        if not state["ring"]:
            self.without_ring.append(f"{self.page.url}: {state['what']}")
        if not state["shown"]:
            self.hidden.append(f"{self.page.url}: {state['what']}")

    def tab_to(self, target: Locator, backwards: bool = False) -> None:
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(MAX_TABS):
            self.page.keyboard.press(key)
            self._note()
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{MAX_TABS} presses of {key} never reached {target}")

    def tab_through(self, limit: int = 400) -> int:
        """Tab from the top of the page until the focus leaves it; the number of stops."""
        for stops in range(limit):
            self.page.keyboard.press("Tab")
            before = len(self.visited)
            self._note()
            if len(self.visited) == before:
                return stops
        raise AssertionError(f"{self.page.url}: the focus never left the page in {limit} stops")


@pytest.fixture
def demo(live_server: LiveServer, settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("loaddemo", verbosity=0)
    template = Sandbox.objects.get(owner=sandboxes.DEMO_OWNER, is_template=True)
    return sandboxes.clone_sandbox(template, OWNER, "Keyboard")


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, demo: Sandbox) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, reduced_motion="reduce", locale="en"
    )
    session = SessionStore()
    session[sandboxes.SESSION_KEY] = OWNER
    session.save()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key or "",
                "url": live_server.url,
            }
        ]
    )
    yield context.new_page()
    context.close()


def test_a_learner_builds_uploads_and_steps_through_a_trace_by_keyboard(
    page: Page, live_server: LiveServer, demo: Sandbox, console_errors: list[str]
) -> None:
    keys = Keyboard(page)
    page.goto(f"{live_server.url}/lab/{demo.pk}/")

    # The skip link is the first stop and moves the focus past the header.
    keys.tab_to(page.locator(".skip-link"))
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    # Create a bucket: type its name, Enter submits; htmx swaps the list in.
    keys.tab_to(page.get_by_label("Bucket name"))
    page.keyboard.type("keyboard-bucket")
    page.keyboard.press("Enter")
    new_bucket = page.get_by_role("link", name="keyboard-bucket", exact=True)
    expect(new_bucket).to_be_visible()
    # Shift+Tab goes back up the swapped list to the new bucket's link.
    keys.tab_to(new_bucket, backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="keyboard-bucket")).to_be_visible()

    # Upload with SSE-S3: the file input takes the file once focused; arrows pick the mode.
    keys.tab_to(page.get_by_role("link", name="Upload a file").first)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    file_input = page.get_by_label("File", exact=True)
    keys.tab_to(file_input)
    file_input.set_input_files(
        {"name": "keys.txt", "mimeType": "text/plain", "buffer": b"typed, not clicked"}
    )
    no_header = page.get_by_label("No header (the bucket default applies)")
    keys.tab_to(no_header)
    page.keyboard.press("ArrowDown")
    sse_s3 = page.get_by_label("SSE-S3", exact=True)
    expect(sse_s3).to_be_checked()
    expect(sse_s3).to_be_focused()
    keys.tab_to(page.get_by_role("button", name="Upload (PutObject)"))
    page.keyboard.press("Enter")
    page.wait_for_url(TRACE_URL)
    put = TraceRecord.objects.get(sandbox=demo, key="keys.txt", method="PUT")
    assert ("x-amz-server-side-encryption", "AES256") in [tuple(h) for h in put.request_headers]

    # Step through the trace with → and ←; with reduced motion nothing animates.
    count = page.locator(".trace-now__count")
    expect(count).to_contain_text("Step 1 of")
    page.keyboard.press("ArrowRight")
    expect(count).to_contain_text("Step 2 of")
    page.keyboard.press("ArrowRight")
    expect(count).to_contain_text("Step 3 of")
    page.keyboard.press("ArrowLeft")
    expect(count).to_contain_text("Step 2 of")
    # Checked at once: with motion allowed the packet would be travelling now.
    running = page.evaluate(
        "document.getAnimations().filter(a => a.playState !== 'finished')"
        ".map(a => (a.effect && a.effect.target ? a.effect.target.getAttribute('class') : '')"
        " + ' ' + (a.animationName || a.transitionProperty || ''))"
    )
    assert running == [], f"animations with prefers-reduced-motion: reduce: {running}"
    # Next and Previous are links: Enter follows them too.
    keys.tab_to(page.locator("#trace-next"))
    page.keyboard.press("Enter")
    expect(count).to_contain_text("Step 3 of")

    assert keys.without_ring == [], f"focus without a visible ring: {keys.without_ring}"
    assert keys.hidden == [], f"focus on something hidden: {keys.hidden}"
    assert len(keys.visited) > 20
    assert console_errors == []


def test_a_kms_key_is_opened_and_disabled_by_keyboard(
    page: Page, live_server: LiveServer, demo: Sandbox, console_errors: list[str]
) -> None:
    keys = Keyboard(page)
    key_id = sandboxes.run_kms(demo, "DescribeKey", {"KeyId": "alias/lab-demo"})["KeyMetadata"][
        "KeyId"
    ]
    page.goto(f"{live_server.url}/lab/{demo.pk}/kms/")
    keys.tab_to(page.get_by_role("link", name=key_id))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    panel = page.get_by_test_id("key-panel")
    expect(panel.locator("[data-state]").first).to_have_attribute("data-state", "Enabled")

    keys.tab_to(page.get_by_role("button", name="Disable key"))
    page.keyboard.press("Space")
    expect(panel.locator("[data-state]").first).to_have_attribute("data-state", "Disabled")
    expect(page.get_by_role("status")).to_contain_text("The key is disabled.")
    # The state is said in words, not only by the badge's colour.
    expect(panel.locator("[data-state]").first).to_have_text("Disabled")
    assert (
        sandboxes.run_kms(demo, "DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"]
        == "Disabled"
    )
    # The swapped panel keeps working from the keyboard: enable it again.
    keys.tab_to(page.get_by_role("button", name="Enable key"))
    page.keyboard.press("Enter")
    expect(panel.locator("[data-state]").first).to_have_attribute("data-state", "Enabled")

    assert keys.without_ring == [], f"focus without a visible ring: {keys.without_ring}"
    assert keys.hidden == [], f"focus on something hidden: {keys.hidden}"
    assert console_errors == []


def test_the_language_switch_works_by_keyboard(
    page: Page, live_server: LiveServer, demo: Sandbox, console_errors: list[str]
) -> None:
    keys = Keyboard(page)
    page.goto(f"{live_server.url}/lab/{demo.pk}/")
    keys.tab_to(page.get_by_role("button", name="日本語"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("バケット")
    keys.tab_to(page.get_by_role("button", name="English"))
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert keys.without_ring == [], f"focus without a visible ring: {keys.without_ring}"
    assert keys.hidden == [], f"focus on something hidden: {keys.hidden}"
    assert console_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_every_link_and_control_shows_its_focus(
    page: Page, live_server: LiveServer, demo: Sandbox, width: int
) -> None:
    """Tab through whole pages, on a desktop and a phone: every stop is visible and shows
    a ring, and the focus never gets stuck."""
    page.set_viewport_size({"width": width, "height": 900})
    denied = TraceRecord.objects.get(sandbox=demo, key="without-header.txt", method="PUT")
    keys = Keyboard(page)
    for path in [
        "buckets/demo-sse-kms/",
        "buckets/demo-ssec/upload/",
        f"traces/{denied.pk}/",
        "disk/?bucket=demo-sse-kms&key=invoice-0042.json",
        "audit/",
        "break/",
        "cse/",
    ]:
        page.goto(f"{live_server.url}/lab/{demo.pk}/{path}")
        stops = keys.tab_through()
        assert stops > 5, f"{path}: only {stops} stops"
    assert keys.without_ring == [], f"focus without a visible ring: {keys.without_ring}"
    assert keys.hidden == [], f"focus on something hidden: {keys.hidden}"


def test_status_is_never_told_by_colour_alone(
    page: Page, live_server: LiveServer, demo: Sandbox
) -> None:
    denied = TraceRecord.objects.get(sandbox=demo, key="without-header.txt", method="PUT")
    kms_put = TraceRecord.objects.get(sandbox=demo, key="invoice-0042.json", method="PUT")
    unspoken: dict[str, list[str]] = {}
    seen = 0
    for path in [
        "buckets/demo-sse-kms/",
        "buckets/demo-policy/",
        "buckets/demo-ssec/object/?key=secret.txt",
        "traces/",
        f"traces/{denied.pk}/",
        f"traces/{kms_put.pk}/",
        "kms/",
        "audit/",
        "disk/",
        "disk/?bucket=demo-sse-kms&key=invoice-0042.json",
    ]:
        page.goto(f"{live_server.url}/lab/{demo.pk}/{path}")
        found = page.evaluate(UNSPOKEN_SIGNALS, SIGNALS)
        seen += found["count"]
        if found["unspoken"]:
            unspoken[path] = found["unspoken"]
    assert unspoken == {}
    assert seen > 30, f"only {seen} status markers found: has the markup changed?"
    # The trace diagram's key icons have a text alternative each.
    page.goto(f"{live_server.url}/lab/{demo.pk}/traces/{kms_put.pk}/?step=3")
    chips = page.locator(".trace-chip")
    for index in range(chips.count()):
        assert chips.nth(index).locator("title").inner_text().strip()
    expect(page.locator(".trace-svg")).to_have_attribute("role", "img")
