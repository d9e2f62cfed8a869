"""Shared test configuration.

pytest-django reads DJANGO_SETTINGS_MODULE from pyproject.toml. Tests that need no
database (the engine's, under tests/engine) simply do not ask for one.

Markers are added here from where a test lives and what it uses, so scripts/test.sh
can pick the runs apart:

- ``browser``: everything under tests/browser (real Chromium through Playwright);
- ``postgres``: everything under tests/web, and any test that uses the database (the
  endpoint's views among them), so the same tests also run against PostgreSQL. The
  endpoint's tests with real clients serve the lab on a database of their own and the
  SigV4 tests use none: they run once.

Two guards keep a green run honest:

- Hypothesis profiles: ``ci`` (derandomized, fixed budget) when ``CI`` is set, ``dev``
  (Hypothesis's defaults) otherwise, and ``deep`` by hand (``HYPOTHESIS_PROFILE=deep``):
  random, with ten times every test's budget; ``mutation`` is scripts/mutate.py's.
- When ``CI`` is set, a skip fails the test unless the test carries
  ``@pytest.mark.allow_skip("why")``: a renamed method or a missing package cannot
  silence a suite by skipping it. Deselection (``-m "not browser"``) is not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase
from hypothesis import settings as hypothesis_settings

# Playwright's sync API runs an event loop in the main thread, and Django refuses
# database calls from a thread with a running loop unless told otherwise. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT_DIR = ROOT / "screenshots"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Without the background-networking flags Chromium keeps trying to reach the network,
# which is closed here; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


# --- Hypothesis profiles -------------------------------------------------------------
# A test's own @settings(max_examples=...) wins over a profile's, so "deep" and
# "mutation" also rescale those budgets (see _rebudget).
DEEP_FACTOR = 10
MUTATION_BUDGET = 20
hypothesis_settings.register_profile(
    "ci", derandomize=True, max_examples=100, database=None, print_blob=True
)
hypothesis_settings.register_profile("dev")
hypothesis_settings.register_profile("deep", max_examples=1000, derandomize=False, deadline=None)
# scripts/mutate.py: every mutant reruns the tests, so the property tests get a small,
# fixed budget there; the table tests carry the verdicts. No shrinking: a mutant is killed
# by the first failing example, and shrinking it only made mutants time out.
hypothesis_settings.register_profile(
    "mutation",
    derandomize=True,
    max_examples=MUTATION_BUDGET,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _ci() else "dev")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


def _rebudget(item: pytest.Item) -> None:
    """Deep: ten times a test's own example budget, drawn at random. Mutation: at most
    MUTATION_BUDGET examples, derandomized."""
    test: Any = getattr(item, "obj", None)
    # Hypothesis keeps a test's settings on this attribute and reads it on every call.
    own = getattr(test, "_hypothesis_internal_use_settings", None)
    if own is None:
        return
    if HYPOTHESIS_PROFILE == "deep":
        budget = {"max_examples": own.max_examples * DEEP_FACTOR, "derandomize": False}
    else:
        budget = {"max_examples": min(own.max_examples, MUTATION_BUDGET), "derandomize": True}
    test._hypothesis_internal_use_settings = hypothesis_settings(own, database=None, **budget)


# --- Skips fail in CI unless allowed -----------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_skip(why): this test may skip in CI (say why); any other skip fails there",
    )


def _unexpected_skip(report: pytest.TestReport | pytest.CollectReport, allowed: bool) -> None:
    if not (_ci() and report.skipped) or hasattr(report, "wasxfail") or allowed:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = (
        f"Skipped in CI: {reason}\nA skip here would hide a gap. Make the capability "
        'available, or mark the test @pytest.mark.allow_skip("why") if skipping is right.'
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _unexpected_skip(report, allowed=item.get_closest_marker("allow_skip") is not None)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """A whole module skipped at import (``importorskip``) fails in CI as well."""
    report = yield
    _unexpected_skip(report, allowed=False)
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HYPOTHESIS_PROFILE in {"deep", "mutation"}:
            _rebudget(item)
        parts = Path(str(item.path)).relative_to(ROOT).parts
        if parts[:2] == ("tests", "browser"):
            item.add_marker(pytest.mark.browser)
            continue
        uses_database = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        if parts[:2] == ("tests", "web") or uses_database:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Browser tests are never skipped: a machine without Chromium fails them loudly.
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM_PATH}: install Debian's chromium "
            "(scripts/test.sh does) or set CHROMIUM_PATH."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def screenshot_dir() -> Iterator[Path]:
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    yield SCREENSHOT_DIR


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Blobs written by any test land in a temporary folder, never in the checkout's media/."""
    if "settings" not in request.fixturenames and not _uses_django(request):
        return
    settings = request.getfixturevalue("settings")
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


def _uses_django(request: pytest.FixtureRequest) -> bool:
    return bool(DATABASE_FIXTURES & set(request.fixturenames)) or (
        request.node.get_closest_marker("django_db") is not None
    )


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A request in Japanese leaves Japanese active in the thread; the next test starts fresh."""
    yield
    from django.utils import translation

    translation.deactivate()
