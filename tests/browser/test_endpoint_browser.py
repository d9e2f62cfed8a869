"""A client's request appears in the open requests list within a second, in real
Chromium: boto3 signs a PutObject with the sandbox's access key, sends it to the
endpoint (``/s3/<sandbox>``) of the live server, and the page the learner has open shows
it (htmx polls every second) with the "from a client" badge and boto3's User-Agent; the
list passes axe-core at 1280 and 390 px in both languages (screenshots in screenshots/)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from browser_kit import EVERY_SCREEN, check_screen, learner_context, screen_page, watch
from playwright.sync_api import Browser, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.web import sandboxes
from simulator.web.clients import keys
from simulator.web.models import Sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "endpoint-owner"
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def sandbox(settings: Settings) -> Sandbox:
    settings.RATELIMIT_ENABLE = False
    return sandboxes.create_sandbox(OWNER, "Real clients")


def boto3_s3(live_server: LiveServer, sandbox: Sandbox) -> Any:
    row, secret = keys.create_key(sandbox, "alice")
    return boto3.client(
        "s3",
        endpoint_url=f"{live_server.url}/s3/{sandbox.pk}",
        region_name="us-east-1",
        aws_access_key_id=row.access_key_id,
        aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def test_endpoint_boto3_put_appears_in_the_open_list_within_a_second(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox
) -> None:
    s3 = boto3_s3(live_server, sandbox)
    s3.create_bucket(Bucket="from-boto3")
    context = learner_context(browser, live_server, sandbox)
    page = context.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/traces/")
    expect(page.locator("#trace-table")).to_contain_text("from-boto3")
    time.sleep(1.2)  # a poll or two with nothing new (204: nothing swapped)
    s3.put_object(Bucket="from-boto3", Key="live.txt", Body=b"watch me")
    sent = time.monotonic()
    row = page.locator("#trace-table tr", has_text="live.txt")
    expect(row).to_be_visible(timeout=1500)
    waited = time.monotonic() - sent
    assert waited < 1.5, waited  # within a second of polling, and the page's own swap
    expect(row).to_contain_text("from a client")
    expect(row).to_contain_text("Boto3/1.44")
    expect(row).to_contain_text("alice")
    row.get_by_role("link").click()
    page.wait_for_url(f"**/lab/{sandbox.pk}/traces/*/")
    expect(page.locator("main")).to_contain_text("live.txt")
    assert errors == []
    context.close()


@pytest.mark.parametrize(("viewport", "language"), EVERY_SCREEN)
def test_endpoint_requests_list_with_a_client_row_on_every_screen(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, viewport: str, language: str
) -> None:
    s3 = boto3_s3(live_server, sandbox)
    s3.create_bucket(Bucket="from-boto3")
    s3.put_object(Bucket="from-boto3", Key="screen.txt", Body=b"screen")
    with screen_page(browser, live_server, sandbox, viewport, language) as (page, errors):
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/traces/")
        expect(page.locator("#trace-table")).to_contain_text("Boto3/1.44")
        badge = "クライアントから" if language == "ja" else "from a client"
        expect(page.locator("#trace-table")).to_contain_text(badge)
        check_screen(page, SHOTS, "endpoint-traces", viewport, language)
        assert errors == []
