"""The bucket page's rows and timeline are cached as rendered fragments, keyed by the
sandbox's last change: a repeated view is served from the cache, and any write shows
at once, in the same request that made it too."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from lab_builders import HX, make_bucket, put, url

from simulator.web.fragments import fragment_cache_name
from simulator.web.lab import state
from simulator.web.models import Sandbox


def _fragments(page: str) -> str:
    """The objects and timeline sections of a bucket page."""
    start = page.index('id="objects"')
    return page[start : page.index('action="', page.index('id="timeline"'))]


@pytest.fixture
def fragments(settings: Any) -> Any:
    settings.CACHES = {
        **settings.CACHES,
        "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    cache = caches["fragments"]
    cache.clear()
    yield cache
    cache.clear()


def test_a_repeated_view_reads_no_timeline(
    learner: tuple[Client, Sandbox], fragments: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "cached")
    assert put(sandbox, "cached", "one.txt", b"1") == 200
    first = client.get(url("bucket", sandbox, "cached")).content.decode()
    assert "one.txt" in first and fragment_cache_name() == "fragments"

    calls: list[str] = []
    original = state.timeline

    def counted(*args: Any) -> Any:
        calls.append("read")
        return original(*args)

    monkeypatch.setattr(state, "timeline", counted)
    again = client.get(url("bucket", sandbox, "cached")).content.decode()

    assert calls == []
    assert _fragments(again) == _fragments(first)


def test_a_write_shows_at_once(learner: tuple[Client, Sandbox], fragments: Any) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "cached")
    assert "two.txt" not in client.get(url("bucket", sandbox, "cached")).content.decode()

    assert put(sandbox, "cached", "two.txt", b"2") == 200
    page = client.get(url("bucket", sandbox, "cached")).content.decode()
    assert page.count("two.txt") >= 2  # its row and its timeline entry

    # A write through the page's own form answers with the new state in the same request.
    body = {"algorithm": "SSE-KMS", "kms_key": "alias/aws/s3"}
    answered = client.post(url("bucket_encryption", sandbox, "cached"), body, **HX)
    assert answered.status_code == 200
    assert "Default encryption set" in answered.content.decode()


def test_each_language_has_its_own_fragment(
    learner: tuple[Client, Sandbox], fragments: Any
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "cached")
    assert put(sandbox, "cached", "one.txt", b"1") == 200
    english = client.get(url("bucket", sandbox, "cached")).content.decode()
    japanese = client.get(
        url("bucket", sandbox, "cached"), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "(from the request headers)" in english or "(from the bucket default)" in english
    assert "(from the bucket default)" not in japanese
    assert "(from the request headers)" not in japanese
