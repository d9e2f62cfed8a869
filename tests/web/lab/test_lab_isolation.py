"""One learner can never see or change another's sandbox: every lab URL answers 404."""

from __future__ import annotations

import pytest
from django.test import Client
from lab_builders import make_bucket, put, url

from simulator.web.lab.state import list_buckets
from simulator.web.models import Sandbox

GET_PAGES = [
    ("sandbox", ()),
    ("bucket", ("mine",)),
    ("upload", ("mine",)),
    ("object", ("mine",)),
    ("object_download", ("mine",)),
]
POSTS = [
    ("sandbox_rename", (), {"name": "taken"}),
    ("sandbox_reset", (), {}),
    ("sandbox_restore_demo", (), {}),
    ("sandbox_delete", (), {}),
    ("bucket_create", (), {"name": "intruder"}),
    ("bucket_encryption", ("mine",), {"algorithm": "SSE-KMS", "action": "save"}),
    ("bucket_ssec", ("mine",), {"ssec": "allow"}),
    ("bucket_policy", ("mine",), {"policy": "{}", "action": "save"}),
    ("bucket_scenario", ("mine",), {}),
    ("reencrypt", ("mine",), {"key": "a.txt", "method": "copy", "target": "SSE-S3"}),
    ("upload", ("mine",), {"mode": "default"}),
    ("object", ("mine",), {"key": "a.txt"}),
    ("object_download", ("mine",), {"key": "a.txt"}),
    ("object_delete", ("mine",), {"key": "a.txt"}),
]


@pytest.fixture
def owned(learner: tuple[Client, Sandbox]) -> Sandbox:
    _, sandbox = learner
    make_bucket(sandbox, "mine")
    put(sandbox, "mine", "a.txt", b"private")
    return sandbox


@pytest.mark.parametrize(("name", "args"), GET_PAGES, ids=[n for n, _ in GET_PAGES])
def test_another_learner_gets_404_on_every_page(
    owned: Sandbox, stranger: Client, name: str, args: tuple[str, ...]
) -> None:
    response = stranger.get(url(name, owned, *args), {"key": "a.txt"})

    assert response.status_code == 404
    assert b"private" not in response.content


@pytest.mark.parametrize(("name", "args", "data"), POSTS, ids=[n for n, _, _ in POSTS])
def test_another_learner_gets_404_on_every_change(
    owned: Sandbox, stranger: Client, name: str, args: tuple[str, ...], data: dict[str, str]
) -> None:
    traces = owned.traces.count()

    response = stranger.post(url(name, owned, *args), data)

    assert response.status_code == 404
    owned.refresh_from_db()
    assert owned.name != "taken"
    assert owned.traces.count() == traces
    assert [b.name for b in list_buckets(owned)] == ["mine"]


def test_a_made_up_sandbox_id_is_404(learner: tuple[Client, Sandbox]) -> None:
    client, _ = learner

    assert client.get("/lab/00000000-0000-0000-0000-000000000000/").status_code == 404
