"""Share links under load and abuse: making links is rate-limited per learner (as making
a sandbox is: each takes a snapshot), viewers per address, and a viewer writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox
from simulator.web.share import links
from simulator.web.share.models import ShareLink

OWNER = "share-limits"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@pytest.fixture(autouse=True)
def _fresh_counts(settings: Any) -> None:
    settings.RATELIMIT_ENABLE = True
    cache.clear()


def limits(settings: Any, **rates: str) -> None:
    table = {
        "learner": {"requests": "1000/m", "writes": "1000/m", "sandboxes": "1000/h"},
        "address": {"requests": "1000/m", "writes": "1000/m", "sandboxes": "1000/h"},
    }
    for name, rate in rates.items():
        scope, group = name.split("_")
        table[scope][group] = rate
    settings.LAB_RATE_LIMITS = table


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    box = sandboxes.create_sandbox(OWNER, "Limits")
    sandboxes.run_s3(box, "test", S3Request("PUT", "photos"))
    return box


def owner_client() -> Client:
    from learners import client_of

    return client_of(OWNER)


def test_making_links_counts_as_making_sandboxes_per_learner(
    sandbox: Sandbox, settings: Any
) -> None:
    limits(settings, learner_sandboxes="2/h")
    client = owner_client()
    make = reverse("web:share_make", args=[sandbox.pk])
    for i in range(2):
        sandboxes.run_s3(sandbox, "test", S3Request("PUT", f"bucket-{i}"))
        assert client.post(make, {"kind": "sandbox"}).status_code == 302
    sandboxes.run_s3(sandbox, "test", S3Request("PUT", "bucket-late"))
    refused = client.post(make, {"kind": "sandbox"})
    assert refused.status_code == 429
    assert ShareLink.objects.count() == 2


def test_viewers_of_a_link_are_counted_per_address(sandbox: Sandbox, settings: Any) -> None:
    limits(settings, address_requests="5/m")
    link = links.share_sandbox(sandbox)
    statuses = [Client().get(link.url).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    other = Client(REMOTE_ADDR="192.0.2.9").get(link.url)
    assert other.status_code == 200


@pytest.mark.parametrize("kind", ["trace", "object", "sandbox"])
def test_opening_a_shared_page_writes_nothing_to_the_database(sandbox: Sandbox, kind: str) -> None:
    put = S3Request("PUT", "photos", "a.txt", body=b"x")
    trace = sandboxes.run_s3(sandbox, "test", put).trace
    link = {
        "trace": lambda: links.share_trace(sandbox, trace.pk),
        "object": lambda: links.share_object(sandbox, "photos", "a.txt"),
        "sandbox": lambda: links.share_sandbox(sandbox),
    }[kind]()
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(link.url).status_code == 200
    written = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert written == []
    assert links.views_of(link) == 1
