"""Scenarios in real Chromium: the library, a scenario link and the import page pass axe at
1280 and 390 px in both languages; a bad file's error names its field; and a sandbox in
reproducible mode, exported and imported by two learners in fresh browser contexts, gives
both the same ciphertext at rest, shown byte for byte on the disk page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_kit import EVERY_SCREEN, check_screen, screen_page, watch
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.engine import readmodel
from simulator.web.models import Sandbox
from simulator.web.sandboxes import create_sandbox, open_engine

EXPECTED_400 = (
    "error: Failed to load resource: the server responded with a status of 400 (Bad Request)"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DARK_PAGES = [
    ("scenarios-library", "/scenarios/"),
    ("scenario-link", "/scenarios/deny-unencrypted-uploads/"),
    ("scenario-import", "/scenarios/import/"),
]


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    return create_sandbox("scenarios-browser", "Scenarios")


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_the_scenario_pages_pass_axe_and_fit_the_screen(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        page.goto(f"{live_server.url}/scenarios/")
        expect(page.locator("h1")).to_have_text("シナリオ" if language == "ja" else "Scenarios")
        check_screen(page, screenshot_dir, "scenarios-library", viewport, language)

        page.goto(f"{live_server.url}/scenarios/classroom-identical-bytes/")
        expect(page.get_by_role("note")).to_be_visible()  # reproducible mode, said first
        check_screen(page, screenshot_dir, "scenario-link", viewport, language)

        page.goto(f"{live_server.url}/scenarios/import/")
        page.locator("#scenario-text").fill(
            json.dumps(
                {
                    "format": "s3-encryption-lab/scenario",
                    "version": 1,
                    "title": "t",
                    "buckets": [{"name": "Not_A_Bucket"}],
                }
            )
        )
        page.locator("form[enctype] button[type=submit]").click()
        expect(page.get_by_test_id("scenario-error-field")).to_have_text("buckets[0].name")
        check_screen(page, screenshot_dir, "scenario-import-error", viewport, language)
        # The refused file's page is a 400, which the browser's console reports; nothing else.
        assert errors == [EXPECTED_400]
    # The dark colour scheme, as the lab's accessibility test checks every page.
    with screen_page(browser, live_server, sandbox, viewport, language, "dark") as (page, errors):
        for name, path in DARK_PAGES:
            page.goto(f"{live_server.url}{path}")
            check_screen(page, screenshot_dir, f"{name}-dark", viewport, language)
        assert errors == []
    assert not Sandbox.objects.exclude(pk=sandbox.pk).exists()


def hex_of(page: Page, base: str, sandbox_url: str, bucket: str, key: str) -> str:
    page.goto(f"{base}{sandbox_url}disk/?bucket={bucket}&key={key}")
    dump = page.get_by_test_id("hex-ciphertext")
    expect(dump).to_be_visible()
    return dump.inner_text()


def test_export_then_import_in_fresh_contexts_gives_identical_bytes(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    tmp_path: Path,
    screenshot_dir: Path,
) -> None:
    base = live_server.url
    teacher = browser.new_context(locale="en", accept_downloads=True)
    page = teacher.new_page()
    errors = watch(page)
    page.goto(f"{base}/scenarios/classroom-identical-bytes/")
    page.get_by_role("button", name="Open in a new sandbox").click()
    page.wait_for_url("**/lab/*/")
    expect(page.get_by_role("note")).to_contain_text("Reproducible mode.")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as scenario").click()
    assert download.value.suggested_filename.endswith(".scenario.json")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert exported["reproducible"] == {"seed": "lab-library-classroom-v1"}
    teacher.close()

    seen = []
    urls = []
    for student in ("one", "two"):
        context = browser.new_context(locale="en")
        page = context.new_page()
        errors += watch(page)
        page.goto(f"{base}/scenarios/import/")
        page.locator("#scenario-file").set_input_files(str(path))
        page.get_by_role("button", name="Build it in a new sandbox").click()
        page.wait_for_url("**/lab/*/")
        expect(page.get_by_role("note")).to_contain_text("Reproducible mode.")
        url = page.url.removeprefix(base)
        urls.append(url)
        seen.append(hex_of(page, base, url, "class-sse-kms", "hello.txt"))
        if student == "one":
            page.screenshot(path=screenshot_dir / "scenario-imported-disk.png", full_page=True)
        context.close()
    assert seen[0] == seen[1] and seen[0].strip()
    # The same at rest, read through the engine's read model: the whole stored blob.
    blobs = []
    for url in urls:
        built = Sandbox.objects.get(pk=url.strip("/").split("/")[-1])
        engine = open_engine(built)
        at_rest = readmodel.object_at_rest(engine, "class-sse-kms", "hello.txt")
        assert at_rest is not None
        blobs.append(readmodel.stored_blob(engine, at_rest).head)
    assert blobs[0] == blobs[1]
    assert errors == []
