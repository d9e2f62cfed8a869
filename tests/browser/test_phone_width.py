"""The lab on a phone (390 × 844, both languages), measured in real Chromium: the
navigation leaves the first screen to the page, a trace's diagram and its Next button fit
on one screen together, the trace page is not a long scroll, tables keep words whole, and
a hex dump that is wider than the screen says that it scrolls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_kit import VIEWPORTS, screen_context, sideways_scroll, watch
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer
from test_disk import sandbox  # noqa: F401 (the disk's notes bucket: kms.txt and ssec.txt)

from simulator.engine import S3Request
from simulator.web.models import Sandbox
from simulator.web.sandboxes import run_s3

pytestmark = pytest.mark.browser

PHONE = VIEWPORTS["phone"]
LANGUAGES = ["en", "ja"]
LONG_KEY = "reports/2026/quarterly-encryption-summary.pdf"


@dataclass
class Lab:
    sandbox: Sandbox
    traces: list[str]  # paths of a few traces: an SSE-KMS upload and two downloads


@pytest.fixture
def lab(sandbox: Sandbox) -> Lab:  # noqa: F811
    """The disk tests' sandbox, with an object under a long key name and three traces."""
    body = ("会議メモ: The quick brown fox jumps over the lazy dog. " * 8).encode()
    requests = [
        S3Request(
            "PUT", "notes", LONG_KEY, headers={"x-amz-server-side-encryption": "aws:kms"}, body=body
        ),
        S3Request("GET", "notes", LONG_KEY),
        S3Request("GET", "notes", "kms.txt"),
    ]
    traces = []
    for request in requests:
        outcome = run_s3(sandbox, "test", request)
        assert outcome.response.status == 200
        traces.append(f"/lab/{sandbox.pk}/traces/{outcome.trace.pk}/")
    return Lab(sandbox, traces)


def phone(browser: Browser, live_server: LiveServer, lab: Lab, language: str) -> BrowserContext:
    return screen_context(browser, live_server, lab.sandbox, PHONE, language, "light")


def navigation_height(page: Page) -> float:
    """The height of the page's navigation bars together: the site header, the sandbox's
    sections and a trace's "on this page"."""
    return float(
        page.evaluate(
            """() => [...document.querySelectorAll('.site-header, .sandbox-nav, .trace-toc')]
                 .reduce((sum, e) => sum + e.getBoundingClientRect().height, 0)"""
        )
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_navigation_leaves_most_of_the_first_screen_to_the_page(
    browser: Browser, live_server: LiveServer, lab: Lab, language: str, screenshot_dir: Path
) -> None:
    """All the navigation bars of a page take under 30 % of a phone's screen (the three
    of a trace took 35-37 %, and with the trace's title the first screen showed nothing
    else). A bar too long for the row scrolls sideways, and every link stays reachable."""
    box = lab.sandbox.pk
    pages = {
        "home": "/",
        "lab": "/lab/",
        "sandbox": f"/lab/{box}/",
        "trace": lab.traces[0],
        "disk": f"/lab/{box}/disk/",
        "kms": f"/lab/{box}/kms/",
    }
    context = phone(browser, live_server, lab, language)
    try:
        page = context.new_page()
        errors = watch(page)
        heights = {}
        for name, path in pages.items():
            page.goto(live_server.url + path)
            heights[name] = navigation_height(page)
            assert sideways_scroll(page) <= 0, name
        page.goto(live_server.url + lab.traces[0])
        page.screenshot(path=screenshot_dir / f"phone-nav-{language}.png")

        for link in page.locator(".site-nav a, .sandbox-nav ul a, .trace-toc a").all():
            link.scroll_into_view_if_needed()
            expect(link).to_be_in_viewport()
        assert errors == []
    finally:
        context.close()

    assert {name: h for name, h in heights.items() if h >= 0.3 * PHONE["height"]} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_trace_diagram_and_next_fit_on_one_screen(
    browser: Browser, live_server: LiveServer, lab: Lab, language: str, screenshot_dir: Path
) -> None:
    """At every step of the traces, opened at its diagram (the Next link's own target),
    the whole diagram and the Next button are on the screen together (the step's text
    made the panel up to 1,700 px tall, with Next at its bottom)."""
    context = phone(browser, live_server, lab, language)
    apart = {}
    try:
        page = context.new_page()
        for path in lab.traces:
            page.goto(live_server.url + path)
            total = int(page.locator("#step-panel").get_attribute("data-total") or 0)
            assert total > 3
            for step in range(1, total + 1):
                page.goto(f"{live_server.url}{path}?step={step}#diagram")
                boxes = page.evaluate(
                    """() => ['.trace-svg', '#trace-next'].map((s) => {
                         const r = document.querySelector(s).getBoundingClientRect();
                         return [r.top, r.bottom]; })"""
                )
                if not all(top >= 0 and bottom <= PHONE["height"] for top, bottom in boxes):
                    apart[f"{path} step {step}"] = boxes
        page.goto(f"{live_server.url}{lab.traces[0]}?step=3#diagram")
        page.screenshot(path=screenshot_dir / f"phone-trace-panel-{language}.png")
        # Next still works from there, and the next step's diagram and Next are in view.
        page.locator("#trace-next").click()
        expect(page.locator("#step-panel")).to_have_attribute("data-step", "4")
        expect(page.locator("#trace-next")).to_be_in_viewport()
    finally:
        context.close()

    assert apart == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_trace_page_is_a_few_screens_long_on_a_phone(
    browser: Browser, live_server: LiveServer, lab: Lab, language: str, screenshot_dir: Path
) -> None:
    """A trace is at most five phone screens long (it was 8,500-11,000 px): its long parts
    fold away under their headings, one tap or one link away."""
    context = phone(browser, live_server, lab, language)
    lengths = {}
    try:
        page = context.new_page()
        for path in lab.traces:
            page.goto(live_server.url + path)
            lengths[path] = page.evaluate("document.documentElement.scrollHeight")
        page.goto(f"{live_server.url}{lab.traces[0]}?step=3")
        page.screenshot(path=screenshot_dir / f"phone-trace-{language}.png", full_page=True)
        step = page.locator("#step-3")
        expect(step).to_be_hidden()
        # A link to a step in the folded list opens the fold and shows the step.
        page.locator("#step-panel .trace-now__more a").first.click()
        expect(step).to_be_in_viewport()
        # A tap on a fold's "Show" line opens it.
        wire = page.locator("#wire")
        expect(wire.locator("pre").first).to_be_hidden()
        wire.locator("summary").click()
        expect(wire.locator("pre").first).to_be_visible()
    finally:
        context.close()

    assert {p: n for p, n in lengths.items() if n > 5 * PHONE["height"]} == {}


def test_trace_page_keeps_every_part_open_on_a_wide_screen(
    browser: Browser, live_server: LiveServer, lab: Lab
) -> None:
    context = screen_context(browser, live_server, lab.sandbox, VIEWPORTS["desktop"], "en", "light")
    try:
        page = context.new_page()
        page.goto(live_server.url + lab.traces[0])
        expect(page.locator("#step-3")).to_be_visible()
        expect(page.locator("#wire pre").first).to_be_visible()
        expect(page.locator("#policy .trace-decision").first).to_be_visible()
        expect(page.locator(".trace-fold > summary").first).to_be_hidden()
    finally:
        context.close()


def words_broken_in_tables(page: Page) -> list[str]:
    """Table cells whose text wraps inside a word: for each text node in a table, a line
    break that falls between two letters of the same word (a break at a space, a slash, a
    hyphen, or between Japanese phrases is fine)."""
    return list(
        page.evaluate(
            r"""() => {
      const broken = [];
      const walker = document.createTreeWalker(
        document.querySelector('main'), NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const cell = node.parentElement.closest('td, th');
        if (!cell || node.parentElement.closest('code, .lab-mono, [translate="no"]')) continue;
        const text = node.textContent;
        let top = null;
        for (let i = 0; i < text.length; i++) {
          range.setStart(node, i); range.setEnd(node, i + 1);
          const rect = range.getClientRects()[0];
          if (!rect || rect.width === 0) continue;
          if (top !== null && rect.top > top + 2) {
            // A new line starts at character i.
            const before = text[i - 1] || ' ', at = text[i];
            const latin = /[A-Za-z0-9]/;
            if (latin.test(before) && latin.test(at)) broken.push(text.trim().slice(0, 60));
            const kana = /[\u30a0-\u30ff]/;
            if (kana.test(before) && kana.test(at)) broken.push(text.trim().slice(0, 60));
          }
          top = rect.top;
        }
      }
      return broken;
    }"""
        )
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_tables_keep_words_and_key_names_whole(
    browser: Browser, live_server: LiveServer, lab: Lab, language: str, screenshot_dir: Path
) -> None:
    box = lab.sandbox.pk
    context = phone(browser, live_server, lab, language)
    broken = {}
    try:
        page = context.new_page()
        for name, path in [
            ("disk", f"/lab/{box}/disk/"),
            ("kms", f"/lab/{box}/kms/"),
            ("trace", f"{lab.traces[0]}?step=3"),
            ("traces", f"/lab/{box}/traces/"),
            ("audit", f"/lab/{box}/audit/"),
        ]:
            page.goto(live_server.url + path)
            broken[name] = words_broken_in_tables(page)
            assert sideways_scroll(page) <= 0, name
        page.goto(f"{live_server.url}/lab/{box}/disk/")
        page.screenshot(path=screenshot_dir / f"phone-disk-{language}.png", full_page=True)
        key_link = page.get_by_role("link", name=LONG_KEY)
        lines = key_link.evaluate("(e) => e.getClientRects().length")
        # The table is wider than the phone: it scrolls in its box, and says so.
        table_box = page.locator(".lab-table-wrap").filter(has=page.get_by_test_id("disk-objects"))
        assert table_box.evaluate("(e) => e.scrollWidth > e.clientWidth")
        expect(table_box.locator(".scroll-hint")).to_be_visible()
        page.set_viewport_size(VIEWPORTS["desktop"])
        expect(table_box.locator(".scroll-hint")).to_be_hidden()  # it fits: no hint
    finally:
        context.close()

    assert {name: cells for name, cells in broken.items() if cells} == {}
    assert lines == 1  # the key name reads as one piece (its table scrolls sideways instead)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hex_dump_wider_than_the_screen_says_it_scrolls(
    browser: Browser, live_server: LiveServer, lab: Lab, language: str, screenshot_dir: Path
) -> None:
    context = phone(browser, live_server, lab, language)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/lab/{lab.sandbox.pk}/disk/?bucket=notes&key=ssec.txt")
        dump = page.get_by_test_id("hex-ciphertext")
        expect(dump).to_be_visible()
        assert dump.evaluate("(e) => e.scrollWidth > e.clientWidth")  # it is clipped
        hint = dump.locator(".scroll-hint")
        expect(hint).to_be_visible()
        # The region says so to a screen reader too, and keyboard users can scroll it.
        assert dump.get_attribute("aria-describedby") == hint.get_attribute("id")
        assert dump.get_attribute("tabindex") == "0"
        dump.screenshot(path=screenshot_dir / f"phone-hexdump-{language}.png")
        # Scrolled to its end, the dump's last column comes into view.
        dump.evaluate("(e) => { e.scrollLeft = e.scrollWidth; }")
        assert dump.evaluate("(e) => e.scrollLeft + e.clientWidth >= e.scrollWidth - 1")
        page.set_viewport_size(VIEWPORTS["desktop"])
        if not dump.evaluate("(e) => e.scrollWidth > e.clientWidth"):
            expect(hint).to_be_hidden()  # nothing to scroll: no hint
    finally:
        context.close()
