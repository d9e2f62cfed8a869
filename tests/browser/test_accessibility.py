"""axe-core on every page of the lab, in real Chromium (issue 4: "axe-core reports no
serious or critical violation on any page"; "no console errors anywhere").

Every page is opened with real data (the demo sandbox, cloned for a learner) in English
and Japanese, at desktop and phone widths; axe-core (pinned in package.json, installed by
``npm ci``) is injected and run once in the light and once in the dark colour scheme.
The states htmx swaps in are checked too: the trace's step panel after →, the audit
log after a filter, the KMS key panel after an action, the upload form with SSE-C
chosen. Each page must also log no console error and, on a phone, not scroll sideways.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_kit import VIEWPORTS, sideways_scroll
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request, cse
from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
OWNER = "a11y-learner"
# Chromium reports the 404 page's own status as a console error; that one is expected.
EXPECTED_404 = "the server responded with a status of 404"
# axe's defaults plus two rules it leaves off: WCAG 2.2's target size (24px, phones)
# and "label in name" (a visible label is part of the accessible name).
AXE_RUN = """async () => await axe.run(document, {
  resultTypes: ["violations"],
  rules: {"target-size": {enabled: true}, "label-content-name-mismatch": {enabled: true}},
})"""
DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}"""


@dataclass(frozen=True)
class Lab:
    base: str  # the live server's address
    sandbox: str  # /lab/<id>/
    kms_trace: str
    denied_trace: str
    key_id: str
    delete_trace: str


@pytest.fixture
def lab(live_server: LiveServer, settings: Settings, tmp_path: Path) -> Lab:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("loaddemo", verbosity=0)
    template = Sandbox.objects.get(owner=sandboxes.DEMO_OWNER, is_template=True)
    box = sandboxes.clone_sandbox(template, OWNER, "Accessibility")
    traces = TraceRecord.objects.filter(sandbox=box, method="PUT")
    kms_trace = traces.get(key="invoice-0042.json")
    denied_trace = traces.get(key="without-header.txt")
    key = sandboxes.run_kms(box, "DescribeKey", {"KeyId": "alias/lab-demo"})
    # An object encrypted on the client (the demo has none): its page decrypts in the browser.
    body, meta = cse.encrypt(b"client-side", cse.AESWrap(bytes(range(32))))
    put = S3Request("PUT", "demo-sse-s3", "client-side.bin", headers=meta, body=body)
    assert sandboxes.run_s3(box, "upload", put).response.status == 200
    # A DeleteObjects of many keys: its repeated decisions are listed under the first.
    names = "".join(f"<Object><Key>old/{i:02d}.log</Key></Object>" for i in range(12))
    document = f"<Delete>{names}</Delete>".encode()
    md5 = base64.b64encode(hashlib.md5(document).digest()).decode()
    delete = S3Request("POST", "demo-sse-s3", query={"delete": ""}, body=document,
                       headers={"Content-MD5": md5})  # fmt: skip
    many = sandboxes.run_s3(box, "objects.delete", delete)
    assert many.response.status == 200
    sandbox = f"/lab/{box.pk}/"
    return Lab(
        base=live_server.url,
        sandbox=sandbox,
        kms_trace=f"{sandbox}traces/{kms_trace.pk}/",
        denied_trace=f"{sandbox}traces/{denied_trace.pk}/",
        key_id=str(key["KeyMetadata"]["KeyId"]),
        delete_trace=f"{sandbox}traces/{many.trace.pk}/",
    )


def learner_session() -> str:
    session = SessionStore()
    session[sandboxes.SESSION_KEY] = OWNER
    session.save()
    assert session.session_key is not None
    return session.session_key


class Watcher:
    """Console errors and page errors, collected per page."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def take(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: the page's Content-Security-Policy
        # refuses an injected inline <script> (add_script_tag), as it should.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate(AXE_RUN)
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {json.dumps(node['target'])} {summary[:300]}")
    return "\n".join(lines)


class Checker:
    """Runs every check on the page as it is now, and collects the failures."""

    def __init__(self, page: Page, viewport: str) -> None:
        self.page = page
        self.viewport = viewport
        self.watcher = Watcher(page)
        self.failures: list[str] = []

    def check(self, name: str, expected_errors: str = "") -> None:
        page = self.page
        page.wait_for_load_state("load")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            found = axe_violations(page)
            if found:
                self.failures.append(f"[{name}, {scheme}] axe:\n{describe(found)}")
        page.emulate_media(color_scheme="light")
        # Two elements with one id: a label or an aria reference finds the wrong one.
        duplicates = page.evaluate(DUPLICATE_IDS)
        if duplicates:
            self.failures.append(f"[{name}] duplicate ids: {duplicates}")
        if self.viewport == "phone":
            overflow = sideways_scroll(page)
            if overflow > 0:
                self.failures.append(f"[{name}] scrolls sideways by {overflow}px at 390px")
        errors = [e for e in self.watcher.take() if not expected_errors or expected_errors not in e]
        if errors:
            self.failures.append(f"[{name}] console: {errors}")

    def visit(self, name: str, address: str, expected_errors: str = "") -> None:
        self.page.goto(address)
        self.check(name, expected_errors)


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["en", "ja"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def checker(browser: Browser, lab: Lab, viewport: str, language: str) -> Iterator[Checker]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (scripts/test.sh does).")
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": learner_session(), "url": lab.base}]
    )
    page = context.new_page()
    yield Checker(page, viewport)
    context.close()


def static_pages(lab: Lab) -> dict[str, str]:
    s = lab.sandbox
    return {
        "home": "/",
        "sandboxes": "/lab/",
        "sandbox": s,
        "bucket (SSE-KMS)": s + "buckets/demo-sse-kms/",
        "bucket (policy)": s + "buckets/demo-policy/",
        "object (SSE-KMS)": s + "buckets/demo-sse-kms/object/?key=invoice-0042.json",
        "object (SSE-C)": s + "buckets/demo-ssec/object/?key=secret.txt",
        "traces": s + "traces/",
        "trace (denied)": lab.denied_trace,
        "trace (DeleteObjects, every step)": lab.delete_trace + "?all=1",
        "kms": s + "kms/",
        "audit": s + "audit/",
        "disk": s + "disk/",
        "disk (object)": s + "disk/?bucket=demo-sse-kms&key=invoice-0042.json",
        "break it": s + "break/",
        "cse workbench": s + "cse/",
    }


def test_axe_finds_no_serious_violation_on_any_page(
    checker: Checker, lab: Lab, language: str
) -> None:
    page = checker.page
    for name, path in static_pages(lab).items():
        checker.visit(name, lab.base + path)
        expect(page.locator("html")).to_have_attribute("lang", language)
    checker.visit("404", lab.base + "/no/such/page/", expected_errors=EXPECTED_404)

    states: list[tuple[str, str, Callable[[Page], None]]] = [
        ("upload, SSE-C chosen", "buckets/demo-ssec/upload/", choose_sse_c),
        ("trace, step after →", lab.kms_trace.removeprefix(lab.sandbox), step_forward),
        ("audit, filtered", "audit/", filter_audit),
        ("kms key, disabled", f"kms/{lab.key_id}/", disable_key),
        ("bucket, malformed policy", "buckets/demo-policy/", save_a_malformed_policy),
        ("object (SSE-C), wrong key", "buckets/demo-ssec/object/?key=secret.txt", wrong_ssec_key),
        (
            "object (CSE), wrong key",
            "buckets/demo-sse-s3/object/?key=client-side.bin",
            wrong_cse_key,
        ),
    ]
    for name, path, act in states:
        checker.visit(name.split(",")[0], lab.base + lab.sandbox + path)
        act(page)
        checker.check(name)

    assert not checker.failures, "\n".join(checker.failures)


def choose_sse_c(page: Page) -> None:
    page.locator("input[name=mode][value=SSE-C]").check()
    expect(page.locator("[name=customer_key]")).to_be_visible()


def step_forward(page: Page) -> None:
    count = page.locator(".trace-now__count")
    before = count.inner_text()
    page.keyboard.press("ArrowRight")
    expect(count).not_to_have_text(before)
    page.wait_for_load_state("networkidle")


def filter_audit(page: Page) -> None:
    page.locator("#filter-event").select_option("GenerateDataKey")
    expect(page).to_have_url(re.compile(r"[?&]event=GenerateDataKey"))
    page.wait_for_load_state("networkidle")


def disable_key(page: Page) -> None:
    panel = page.get_by_test_id("key-panel")
    page.locator("form:has(input[name=action][value=disable]) button").click()
    expect(panel.locator("[data-state]").first).to_have_attribute("data-state", "Disabled")


WRONG_KEY = base64.b64encode(bytes(32)).decode()


def save_a_malformed_policy(page: Page) -> None:
    page.locator("textarea[name=policy]").fill('{"Statement": [')
    page.locator("#policy button[type=submit]").first.click()
    expect(page.locator("#policy").get_by_text("MalformedPolicy").first).to_be_visible()


def wrong_ssec_key(page: Page) -> None:
    page.locator("input[name=customer_key]").fill(WRONG_KEY)
    page.locator("button[formaction*='/object/download/']").click()
    expect(page.get_by_text("AccessDenied").first).to_be_visible()


def wrong_cse_key(page: Page) -> None:
    panel = page.locator("#cse-download")
    panel.locator("input").first.fill(WRONG_KEY)
    panel.locator("button").first.click()
    expect(panel.get_by_role("status")).not_to_be_empty()
