"""A page view writes nothing (issue 8): not a record, not a trace, not a session, not a
counter — also in a reproducible (seeded) sandbox, whose every request used to bump a
request counter even on a look that was rolled back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from learners import client_of

from simulator.web import sandboxes
from simulator.web.demo import SEED, build_demo
from simulator.web.models import Record, Sandbox, TraceRecord

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _pages(sandbox: Sandbox) -> list[str]:
    base = f"/lab/{sandbox.pk}/"
    trace = TraceRecord.objects.filter(sandbox=sandbox, key="invoice-0042.json").first()
    assert trace is not None
    key = sandboxes.open_engine(sandbox).kms("DescribeKey", {"KeyId": "alias/lab-demo"})
    key_id = key["KeyMetadata"]["KeyId"]
    return [
        "/lab/",
        base,
        base + "buckets/demo-sse-kms/",
        base + "buckets/demo-sse-kms/upload/",
        base + "buckets/demo-sse-kms/object/?key=invoice-0042.json",
        base + "buckets/demo-ssec/object/?key=secret.txt",
        base + "traces/",
        base + f"traces/{trace.pk}/",
        base + f"traces/{trace.pk}.json",
        base + "kms/",
        base + f"kms/{key_id}/",
        base + "audit/",
        base + "disk/",
        base + "break/",
        base + "cse/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", ["", SEED], ids=["own", "reproducible"])
def test_looking_at_every_page_writes_nothing(seed: str, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    sandbox = sandboxes.create_sandbox("looker", "demo", seed=seed)
    build_demo(sandbox)
    client = client_of("looker")
    client.get("/lab/")  # the session's once-a-day refresh happens on the first request
    records = list(Record.objects.filter(sandbox=sandbox).values_list("kind", "rid", "data"))
    traces = TraceRecord.objects.count()

    writes: list[tuple[str, str]] = []
    for url in _pages(sandbox):
        for headers in ({}, HX):  # the full page and its htmx partial
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, **headers)
            assert response.status_code == 200, url
            writes += [
                (url, query["sql"][:100])
                for query in queries.captured_queries
                if query["sql"].lstrip().upper().startswith(WRITES)
            ]
    assert writes == []
    assert (
        list(Record.objects.filter(sandbox=sandbox).values_list("kind", "rid", "data")) == records
    )
    assert TraceRecord.objects.count() == traces
