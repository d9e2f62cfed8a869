"""Helpers shared by browser tests: a learner's browser context, a console watcher, and
the checks every page gets at each screen size in each language (``EVERY_SCREEN``,
``screen_page``, ``check_screen``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from simulator.web.models import Sandbox
from simulator.web.sandboxes import SESSION_KEY

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
LANGUAGES = ("en", "ja")
# Each of VIEWPORTS in each language, for a test's parameters ``viewport`` and ``language``:
# @pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN). (A mark made here
# would be an untyped decorator to mypy: tests import this module by its bare name.)
EVERY_SCREEN = [(viewport, language) for viewport in VIEWPORTS for language in LANGUAGES]


def learner_context(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, **options: object
) -> BrowserContext:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    session = SessionStore()
    session[SESSION_KEY] = sandbox.owner
    session.create()
    context.add_cookies(
        [{"name": "sessionid", "value": session.session_key or "", "url": live_server.url}]
    )
    return context


def watch(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            errors.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    return errors


def sideways_scroll(page: Page) -> int:
    """How many pixels the page scrolls sideways: 0 when it fits the screen's width."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def screen_context(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    viewport: ViewportSize,
    language: str,
    scheme: Literal["light", "dark"],
) -> BrowserContext:
    """A learner's context at one screen size, language and colour scheme, motion reduced."""
    return learner_context(
        browser,
        live_server,
        sandbox,
        viewport=viewport,
        locale=language,
        extra_http_headers={"Accept-Language": language},
        color_scheme=scheme,
        reduced_motion="reduce",
    )


@contextmanager
def screen_page(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    viewport: str,
    language: str,
    scheme: Literal["light", "dark"] = "light",
) -> Iterator[tuple[Page, list[str]]]:
    """A learner's page at one of ``VIEWPORTS`` in one language, with its console errors
    (``watch``); the context is closed afterwards."""
    context = screen_context(browser, live_server, sandbox, VIEWPORTS[viewport], language, scheme)
    try:
        page = context.new_page()
        yield page, watch(page)
    finally:
        context.close()


def start_lab(page: Page, base: str, *, demo: bool = True) -> None:
    """A first visit: open the lab and press "Open the demo sandbox", as a new learner does
    (or, without ``demo``, create an empty sandbox with the "New sandbox" form)."""
    page.goto(base + "/lab/")
    if demo:
        # "Open the demo sandbox", in whichever language the page speaks.
        page.locator('form[action$="/lab/start/"] button[type="submit"]').click()
    else:
        page.get_by_label("Name").fill("My sandbox")
        page.get_by_label("an empty account").check()
        page.get_by_role("button", name="Create sandbox").click()
    page.wait_for_url(lambda url: url.rstrip("/").count("/") >= 4 and "/lab/" in url)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# axe's defaults plus two rules it leaves off: WCAG 2.2's target size (24px, phones)
# and "label in name" (a visible label is part of the accessible name).
AXE_RUN = """async () => await axe.run(document, {
  resultTypes: ["violations"],
  rules: {"target-size": {enabled: true}, "label-content-name-mismatch": {enabled: true}},
})"""


def serious_axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now: each rule's id
    and the first few elements it names. axe is evaluated through the DevTools protocol
    (the Content-Security-Policy refuses an injected inline script, as it should). It
    leaves marks that htmx would carry into a later swap: check a page last."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate(AXE_RUN)
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def check_screen(
    page: Page,
    shots: Path,
    name: str,
    viewport: str,
    language: str,
    *,
    part: str | None = None,
) -> None:
    """The checks a page gets at each screen size and language, on the page as it is now.

    It speaks ``language`` (``<html lang>``), fits the screen's width (no sideways
    scroll), and axe-core finds nothing serious or critical on it. Its screenshot,
    ``<shots>/<name>-<viewport>-<language>.png``, is taken before axe runs (a failing
    page still leaves one to look at): of the element ``part`` alone when given, else of
    the full page. axe leaves marks that htmx would carry into a later swap (see
    ``serious_axe_violations``): check a page after its last swap.
    """
    where = (name, viewport, language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert sideways_scroll(page) <= 0, where
    shot = shots / f"{name}-{viewport}-{language}.png"
    if part is None:
        page.screenshot(path=shot, full_page=True)
    else:
        page.locator(part).screenshot(path=shot)
    assert serious_axe_violations(page) == [], where
