"""Fixtures shared by the browser tests. Each module that uses ``learner`` gives its own
``sandbox`` (the learner's work that its journeys start from); ``console_errors``
watches pytest-playwright's ``page``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_kit import learner_context, watch
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from simulator.web.models import Sandbox


@pytest.fixture
def learner(browser: Browser, live_server: LiveServer, sandbox: Sandbox) -> Iterator[Page]:
    """A page in a browser context signed in as the owner of the module's ``sandbox``."""
    context = learner_context(browser, live_server, sandbox)
    yield context.new_page()
    context.close()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console errors and warnings and uncaught page errors of the test's ``page``."""
    return watch(page)
