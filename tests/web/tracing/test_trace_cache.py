"""A stored trace never changes, so its rendered page, step panel and JSON export are
kept in the traces cache, keyed by trace, language and window: a warm request does not
build the page again, and says exactly what the cold one said."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from simulator.web import tracesteps
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.tracing import present
from tests.web.tracing.conftest import Run
from tests.web.tracing.test_trace_content import KMS

HTMX = {"HX-Request": "true", "HX-Target": "step-panel"}
# Each response carries a fresh (masked) CSRF token; the rest is the trace.
CSRF = re.compile(rb"hx-headers='[^']*'|name=\"csrfmiddlewaretoken\" value=\"[^\"]*\"")


def page(content: bytes) -> bytes:
    return CSRF.sub(b"CSRF", content)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each page and step panel was built (not taken from the cache)."""
    counts = {"page": 0, "panel": 0}
    originals: dict[str, Callable[..., Any]] = {
        "page": present.trace_page,
        "panel": present.step_panel,
    }

    def counted(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return originals[name](*args, **kwargs)

        return call

    monkeypatch.setattr(present, "trace_page", counted("page"))
    monkeypatch.setattr(present, "step_panel", counted("panel"))
    return counts


def test_the_trace_cache_is_local_memory_by_default() -> None:
    assert "traces" in settings.CACHES and present.TRACE_CACHE == "traces"
    assert settings.CACHES["traces"]["BACKEND"] == "simulator.web.cache.BoundedMemoryCache"


def test_a_warm_page_is_the_cold_one_and_is_not_built_again(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str, builds: dict[str, int]
) -> None:
    trace = run("PUT", bucket, "k.txt", headers={KMS: "aws:kms"}, body=b"hello")
    url = reverse("web:trace", args=[sandbox.pk, trace.pk])
    cold = page(learner.get(url, {"step": "3"}).content)
    warm = page(learner.get(url, {"step": "3"}).content)
    assert cold == warm and builds["page"] == 1
    # Another current step, another language: other fragments.
    learner.get(url, {"step": "4"})
    assert builds["page"] == 2
    japanese = page(learner.get(url, {"step": "3"}, headers={"Accept-Language": "ja"}).content)
    assert builds["page"] == 3 and japanese != cold and 'lang="ja"' in japanese.decode()
    learner.get(url, {"step": "3"}, headers={"Accept-Language": "ja"})
    assert builds["page"] == 3


def test_the_step_panel_and_the_export_are_kept_too(
    learner: Client,
    sandbox: Sandbox,
    run: Run,
    bucket: str,
    builds: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trace = run("PUT", bucket, "k.txt", body=b"hello")
    url = reverse("web:trace", args=[sandbox.pk, trace.pk])
    panels = [learner.get(url, {"step": "2"}, headers=HTMX).content for _ in range(3)]
    assert panels[0] == panels[1] == panels[2] and builds["panel"] == 1
    assert b'id="step-panel"' in panels[0]
    json_url = reverse("web:trace_json", args=[sandbox.pk, trace.pk])
    read: list[int] = []
    original = tracesteps.typed

    def typed(rows: list[Any]) -> Any:
        read.append(len(rows))
        return original(rows)

    monkeypatch.setattr(tracesteps, "typed", typed)
    exports = [learner.get(json_url).content for _ in range(3)]
    assert exports[0] == exports[1] == exports[2] and len(read) == 1


def test_a_warm_page_does_not_read_the_steps(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = run("PUT", bucket, "k.txt", body=b"hello")
    url = reverse("web:trace", args=[sandbox.pk, trace.pk])
    cold = page(learner.get(url).content)
    read: list[int] = []
    original = tracesteps.typed

    def typed(rows: list[Any]) -> Any:
        read.append(len(rows))
        return original(rows)

    monkeypatch.setattr(tracesteps, "typed", typed)
    assert page(learner.get(url).content) == cold
    assert read == []


def test_rewriting_a_stored_trace_empties_the_cache(sandbox: Sandbox, run: Run) -> None:
    trace = run("PUT", "lab-bucket")
    caches["traces"].set("trace-facts:x", "kept", None)
    steps = TraceRecord.objects.get(pk=trace.pk).full_steps()
    trace.save_steps(steps[:2])
    assert caches["traces"].get("trace-facts:x") is None
    assert present.trace_facts(trace).total == 2
