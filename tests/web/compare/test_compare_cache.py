"""The comparison's tables are cached as the bucket page's rows are: template fragments
in the sandbox's fragment cache, keyed by its version (``fragments.sandbox_version``).

A write to the sandbox shows at once (the next page renders the tables again); until
then a page is read from the cache, once per language and per column a phone shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key

from simulator.web import sandboxes
from simulator.web.compare import aligned, runs
from simulator.web.fragments import sandbox_version

CSRF = re.compile(r'(?<="X-CSRFToken": ")\w+|(?<=name="csrfmiddlewaretoken" value=")\w+')


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The buckets whose comparison was read from the traces, one entry per read."""
    read: list[str] = []
    real: Callable[..., aligned.Comparison | None] = aligned.compare

    def counted(sandbox: Any, bucket: str) -> aligned.Comparison | None:
        read.append(bucket)
        return real(sandbox, bucket)

    monkeypatch.setattr(aligned, "compare", counted)
    return read


def run_sample(lab: Any) -> str:
    response = lab.client.post(lab.url("compare_run"), {"sample": "1"})
    assert response.status_code == 302
    return str(response["Location"])


def page(lab: Any, url: str, language: str = "en") -> str:
    """The page, its CSRF tokens (new on every page) left out."""
    lab.client.cookies["django_language"] = language
    response = lab.client.get(url)
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())


def test_the_tables_are_fragments_of_the_sandbox_version(lab: Any, renders: list[str]) -> None:
    url = run_sample(lab)
    html = page(lab, url)

    version = sandbox_version(lab.sandbox)
    run = ",".join(runs.run_ids(lab.sandbox, "compare-1")[mode.slug] for mode in runs.MODES)
    vary = [lab.sandbox.pk, version.tag, "compare-1", run, runs.MODES[1].slug, "en"]
    cached = version.cache.get(make_template_fragment_key("compare-run", vary))
    assert version.cache is caches["fragments"]
    assert isinstance(cached, str) and 'data-testid="compare-steps"' in cached
    assert cached in html
    assert renders == ["compare-1"]


@pytest.mark.parametrize("name", ["compare_result", "compare_modes"])
def test_a_write_to_the_sandbox_renders_the_tables_again(
    lab: Any, renders: list[str], name: str
) -> None:
    run_sample(lab)
    url = lab.url(name, "compare-1") if name == "compare_result" else lab.url(name)
    first = page(lab, url)
    assert page(lab, url) == first
    assert len(renders) == 1  # the second page came from the cache

    assert lab.s3("PUT", "mine").response.status == 200  # any write moves the version

    assert page(lab, url) == first  # the same run: the same tables, read again
    assert len(renders) == 2
    assert page(lab, url) == first
    assert len(renders) == 2


def test_each_language_and_each_column_a_phone_shows_is_cached_apart(
    lab: Any, renders: list[str]
) -> None:
    url = run_sample(lab)
    english = page(lab, url)
    japanese = page(lab, url, "ja")
    assert len(renders) == 2
    assert "暗号化" in japanese and english != japanese

    ssec = page(lab, url + "?mode=sse-c")
    assert len(renders) == 3
    assert ssec != english
    assert page(lab, url + "?mode=sse-c") == ssec
    assert page(lab, url, "ja") == japanese
    assert len(renders) == 3


def test_a_sandbox_reset_shows_no_run_at_once(lab: Any, renders: list[str]) -> None:
    run_sample(lab)
    assert 'data-testid="compare-steps"' in page(lab, lab.url("compare"))
    assert 'data-testid="compare-modes"' in page(lab, lab.url("compare_modes"))

    sandboxes.reset_sandbox(lab.sandbox)

    assert 'data-testid="compare-steps"' not in page(lab, lab.url("compare"))
    modes = page(lab, lab.url("compare_modes"))
    assert 'data-testid="compare-modes"' not in modes
    assert 'data-testid="compare-modes-empty"' in modes
