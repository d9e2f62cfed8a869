"""The trace page in real Chromium: stepping by keys and buttons, JavaScript off, reduced
motion, no console errors, and screenshots of a success and a failure in both languages.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from browser_kit import VIEWPORTS, sideways_scroll
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox

OWNER = "browser-learner"
UNBLOCK_SSE_C = (
    b'<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
    b"</ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>NONE"
    b"</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
)


def ssec(key: bytes) -> dict[str, str]:
    prefix = "x-amz-server-side-encryption-customer-"
    return {
        prefix + "algorithm": "AES256",
        prefix + "key": base64.b64encode(key).decode(),
        prefix + "key-MD5": base64.b64encode(hashlib.md5(key).digest()).decode(),
    }


@dataclass
class Lab:
    sandbox: Sandbox
    kms_upload: str  # trace URLs
    wrong_key: str
    traces: str
    session_key: str
    delete_many: str  # DeleteObjects of 12 keys: 12 decisions that read the same


@pytest.fixture
def lab(live_server: LiveServer) -> Lab:
    box = sandboxes.create_sandbox(OWNER, "Browser traces", seed="browser")

    def run(method: str, key: str = "", **kwargs: object) -> str:
        request = S3Request(method=method, bucket="photos", key=key, **kwargs)  # type: ignore[arg-type]
        trace = sandboxes.run_s3(box, "test", request).trace
        return f"{live_server.url}/lab/{box.pk}/traces/{trace.pk}/"

    run("PUT")
    md5 = base64.b64encode(hashlib.md5(UNBLOCK_SSE_C).digest()).decode()
    run("PUT", query={"encryption": ""}, body=UNBLOCK_SSE_C, headers={"Content-MD5": md5})
    kms = run("PUT", "cat.jpg", headers={"x-amz-server-side-encryption": "aws:kms"},
              body=b"\xff\xd8\xff\xe0 a small photo of a cat")  # fmt: skip
    run("PUT", "secret.txt", headers=ssec(bytes(range(32))), body=b"my diary")
    wrong = run("GET", "secret.txt", headers=ssec(bytes(range(1, 33))))
    names = "".join(f"<Object><Key>old/{i:02d}.log</Key></Object>" for i in range(12))
    document = f"<Delete>{names}</Delete>".encode()
    md5 = base64.b64encode(hashlib.md5(document).digest()).decode()
    many = run("POST", query={"delete": ""}, body=document, headers={"Content-MD5": md5})
    session = SessionStore()
    session[sandboxes.SESSION_KEY] = OWNER
    session.save()
    assert session.session_key is not None
    return Lab(
        box, kms, wrong, f"{live_server.url}/lab/{box.pk}/traces/", session.session_key, many
    )


def sign_in(context: BrowserContext, lab: Lab, url: str) -> None:
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": lab.session_key, "url": url}]
    )


def step_count(page: Page) -> Page:
    return page


def test_arrow_keys_and_buttons_step_through_the_trace(
    page: Page, lab: Lab, console_errors: list[str]
) -> None:
    sign_in(page.context, lab, lab.kms_upload)
    page.goto(lab.kms_upload)
    count = page.locator(".trace-now__count")
    total = int(page.locator("#step-panel").get_attribute("data-total") or "0")
    assert total > 5
    expect(count).to_have_text(f"Step 1 of {total}")

    page.keyboard.press("ArrowRight")
    expect(count).to_have_text(f"Step 2 of {total}")
    expect(page.locator("#step-2")).to_have_attribute("aria-current", "step")
    expect(page.locator("#step-1")).not_to_have_attribute("aria-current", "step")
    assert "step=2" in page.url

    page.get_by_role("link", name="Next").click()
    expect(count).to_have_text(f"Step 3 of {total}")
    page.get_by_role("link", name="Previous").click()
    expect(count).to_have_text(f"Step 2 of {total}")

    page.keyboard.press("End")
    expect(count).to_have_text(f"Step {total} of {total}")
    expect(page.locator("#trace-next")).to_have_attribute("aria-disabled", "true")
    page.keyboard.press("Home")
    expect(count).to_have_text(f"Step 1 of {total}")

    # The KMS step is in the diagram: the KMS lane is current and holds the key reference.
    kms_step = page.locator(".trace-step", has_text="KMS generates a data key").get_attribute(
        "data-step"
    )
    page.locator(f"#step-{kms_step} .trace-step__num").click()
    expect(count).to_have_text(f"Step {kms_step} of {total}")
    expect(page.locator(".trace-lane.is-current")).to_have_attribute("data-actor", "kms")
    expect(page.locator("#trace-live")).to_contain_text("KMS")
    expect(page.locator(".trace-wire .headers").first).to_contain_text(
        "x-amz-server-side-encryption: aws:kms"
    )
    assert console_errors == []


def test_play_walks_the_steps_and_pauses(page: Page, lab: Lab, console_errors: list[str]) -> None:
    sign_in(page.context, lab, lab.kms_upload)
    page.goto(lab.kms_upload)
    play = page.locator("#trace-play")
    expect(play).to_be_visible()
    play.click()
    expect(play).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".trace-now__count")).to_contain_text("Step 2 of", timeout=5000)
    page.locator("#trace-play").click()
    expect(page.locator("#trace-play")).to_have_attribute("aria-pressed", "false")
    assert console_errors == []


def test_the_list_and_the_steps_work_with_javascript_off(browser: Browser, lab: Lab) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        sign_in(context, lab, lab.traces)
        page = context.new_page()
        page.goto(lab.traces)
        expect(page.get_by_role("heading", level=1)).to_have_text("Requests and their traces")
        page.get_by_role("link", name="GET /photos/secret.txt").click()
        expect(page.locator(".lab-error")).to_contain_text("403 AccessDenied")
        expect(page.locator(".trace-now__count")).to_contain_text("Step 1 of")
        page.get_by_role("link", name="Next").click()
        expect(page.locator(".trace-now__count")).to_contain_text("Step 2 of")
        expect(page.locator("#step-2")).to_have_attribute("aria-current", "step")
        # The Play button needs JavaScript, so it stays hidden.
        expect(page.locator("#trace-play")).to_be_hidden()
    finally:
        context.close()


def test_reduced_motion_changes_state_without_travelling(browser: Browser, lab: Lab) -> None:
    context = browser.new_context(reduced_motion="reduce")
    try:
        sign_in(context, lab, lab.kms_upload)
        page = context.new_page()
        page.goto(lab.kms_upload)
        page.keyboard.press("ArrowRight")
        expect(page.locator(".trace-now__count")).to_contain_text("Step 2 of")
        page.keyboard.press("ArrowRight")
        expect(page.locator(".trace-now__count")).to_contain_text("Step 3 of")
        travelling = (
            "document.getAnimations().filter(a => a.effect && a.effect.target"
            " && a.effect.target.closest('.trace-svg')).length"
        )
        assert page.evaluate(travelling) == 0
    finally:
        context.close()


def test_the_packet_travels_with_motion_allowed(page: Page, lab: Lab) -> None:
    sign_in(page.context, lab, lab.kms_upload)
    page.add_init_script(
        "window.__travelled = [];"
        "const animate = Element.prototype.animate;"
        "Element.prototype.animate = function (...args) {"
        " window.__travelled.push(this.getAttribute('class')); return animate.apply(this, args); };"
    )
    page.goto(lab.kms_upload)
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches") is False
    page.keyboard.press("ArrowRight")
    expect(page.locator(".trace-now__count")).to_contain_text("Step 2 of")
    page.wait_for_function("window.__travelled.length > 0")
    travelled = page.evaluate("window.__travelled")
    assert any("trace-packet" in (name or "") for name in travelled), travelled


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_trace_pages_fit_every_screen(
    browser: Browser,
    lab: Lab,
    screenshot_dir: Path,
    viewport: str,
    language: str,
    scheme: Literal["light", "dark"],
) -> None:
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale=language,
        extra_http_headers={"Accept-Language": language},
        color_scheme=scheme,
        reduced_motion="reduce",
    )
    try:
        sign_in(context, lab, lab.traces)
        page = context.new_page()
        for name, url in (
            ("kms", lab.kms_upload + "?step=5"),
            ("wrongkey", lab.wrong_key + "?step=5"),
            ("list", lab.traces),
            ("delete-many", lab.delete_many + "?all=1#policy"),
        ):
            page.goto(url)
            expect(page.locator("html")).to_have_attribute("lang", language)
            overflow = sideways_scroll(page)
            assert overflow <= 0, name
            page.screenshot(
                path=screenshot_dir / f"trace-{name}-{viewport}-{language}-{scheme}.png",
                full_page=True,
            )
            if name == "delete-many":
                page.locator("#policy").screenshot(
                    path=screenshot_dir / f"trace-{name}-policy-{viewport}-{language}-{scheme}.png"
                )
    finally:
        context.close()


def test_a_later_decision_link_lands_on_its_line_under_the_first(
    browser: Browser, lab: Lab
) -> None:
    context = browser.new_context(reduced_motion="reduce")
    try:
        sign_in(context, lab, lab.traces)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(lab.delete_many + "?all=1")
        decisions = page.locator("#policy .trace-decision")
        expect(decisions).to_have_count(1)
        expect(decisions.locator(".trace-same__intro")).to_have_text(
            "11 later steps were decided exactly the same way, each for its own resource:"
        )
        # The last key's step links to its line, which names its own object.
        last = page.locator(".trace-step", has_text="The policy decision").last
        last.get_by_role("link", name="The policy decision").click()
        target = page.locator(".trace-same__list li:target")
        expect(target).to_have_count(1)
        expect(target).to_contain_text("arn:aws:s3:::photos/old/11.log")
        expect(target).to_be_in_viewport()
        assert errors == []
    finally:
        context.close()
