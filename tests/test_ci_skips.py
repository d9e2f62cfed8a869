"""In CI a skip fails unless the test says why it may skip (tests/conftest.py).

Each case runs pytest in a subprocess on a small folder whose conftest is the suite's
own, once without ``CI`` and once with ``CI=true``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")

TESTS = """
import pytest


@pytest.fixture
def capability():
    pytest.skip("the capability has not landed yet")


def test_passes():
    assert True


def test_skips_in_its_body():
    pytest.skip("not today")


def test_skips_in_a_fixture(capability):
    assert capability


@pytest.mark.skip(reason="a marker")
def test_skipped_by_a_marker():
    assert False


@pytest.mark.allow_skip("a reason the reviewer accepted")
def test_allowed_to_skip():
    pytest.skip("allowed")


@pytest.mark.xfail(reason="a known failure, not a skip", strict=True)
def test_expected_failure():
    assert False
"""

IMPORTORSKIP = """
import pytest

pytest.importorskip("a_package_that_is_not_installed")


def test_never_collected():
    assert True
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_cases=TESTS, test_optional=IMPORTORSKIP)
    return pytester


def run(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str | None) -> Any:
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    return suite.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:randomly", "--continue-on-collection-errors"
    )


def test_outside_ci_a_skip_is_only_reported(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(suite, monkeypatch, ci=None)

    result.assert_outcomes(passed=1, skipped=5, xfailed=1)


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_every_skip_fails_unless_allowed(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    result = run(suite, monkeypatch, ci=ci)

    # A skip in the test's body fails it; a skip in setup (a fixture's, a skip marker's)
    # becomes an error there; a module that importorskip would skip fails to collect.
    result.assert_outcomes(passed=1, failed=1, errors=3, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["*Skipped in CI: *not today*", "*A skip here would hide a gap*"])
    result.stdout.fnmatch_lines(["*Skipped in CI: *the capability has not landed yet*"])
    result.stdout.fnmatch_lines(["*Skipped in CI: a marker*"])
    result.stdout.fnmatch_lines(["*Skipped in CI: *a_package_that_is_not_installed*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_ci_false_is_not_ci(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(suite, monkeypatch, ci="false")

    result.assert_outcomes(passed=1, skipped=5, xfailed=1)


PROFILE_PROBE = """
from hypothesis import given, settings, strategies as st

SEEN = []


@settings(max_examples=30)
@given(st.integers())
def test_draws(number):
    SEEN.append(number)


def test_profile():
    print("profile", settings.get_current_profile_name(), settings.default.derandomize)
    print("drawn", SEEN)
"""


@pytest.mark.parametrize(
    ("environment", "profile", "derandomized", "examples"),
    [
        ({"CI": "true"}, "ci", True, 30),
        ({}, "dev", False, 30),
        ({"CI": "true", "HYPOTHESIS_PROFILE": "deep"}, "deep", False, 300),
        ({"HYPOTHESIS_PROFILE": "mutation"}, "mutation", True, 20),
    ],
)
def test_ci_selects_the_derandomized_hypothesis_profile(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    profile: str,
    derandomized: bool,
    examples: int,
) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_probe=PROFILE_PROBE)
    for name in ("CI", "HYPOTHESIS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    runs = [pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s") for _ in range(2)]

    for result in runs:
        result.assert_outcomes(passed=2)
        result.stdout.fnmatch_lines([f"*profile {profile} {derandomized}"])
    drawn = [next(line for line in r.outlines if line.startswith("drawn [")) for r in runs]
    # Derandomized: two runs draw the same examples. The test's own budget of 30 is
    # multiplied by ten (deep) or capped (mutation).
    assert (drawn[0] == drawn[1]) is derandomized
    assert drawn[0].count(",") + 1 == examples
