"""Small builders for the lab's view tests: learners, sandboxes, buckets, objects."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from simulator.web import sandboxes
from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.models import Sandbox

HX = {"HTTP_HX_REQUEST": "true"}


def learner_client(*, demo: bool = False) -> Client:
    """A new learner with one sandbox, empty unless ``demo``, made as a learner makes it:
    the first visit to /lab/ creates nothing; a button does."""
    client = Client()
    assert client.get("/lab/").status_code == 200
    if demo:
        response = client.post("/lab/start/")
    else:
        response = client.post("/lab/new/", {"name": "My sandbox", "content": "empty"})
    assert response.status_code == 302
    return client


def sandbox_of(client: Client) -> Sandbox:
    learner = client.session[sandboxes.SESSION_KEY]
    sandbox = Sandbox.objects.filter(owner=learner).order_by("created").first()
    assert sandbox is not None
    return sandbox


def url(name: str, sandbox: Sandbox, *args: Any) -> str:
    return reverse(f"web:{name}", args=[sandbox.pk, *args])


def make_bucket(sandbox: Sandbox, name: str, *, allow_ssec: bool = False) -> None:
    assert run(sandbox, "test", s3calls.create_bucket(name)).response.status == 200
    if allow_ssec:
        body = s3calls.encryption_xml("AES256", blocked="NONE")
        assert (
            run(sandbox, "test", s3calls.put_bucket_encryption(name, body)).response.status == 200
        )


def put(
    sandbox: Sandbox, bucket: str, key: str, body: bytes, headers: dict[str, str] | None = None
) -> int:
    request = s3calls.put_object(
        bucket, key, body, len(body), content_type="text/plain", headers=headers or {}
    )
    return run(sandbox, "test", request).response.status


def new_kms_key(sandbox: Sandbox, alias: str = "") -> dict[str, Any]:
    created = sandboxes.run_kms(sandbox, "CreateKey", {"Description": "test"})
    metadata: dict[str, Any] = created["KeyMetadata"]
    if alias:
        sandboxes.run_kms(
            sandbox, "CreateAlias", {"AliasName": alias, "TargetKeyId": metadata["KeyId"]}
        )
    return metadata


def s3_status(response: Any) -> int:
    """What S3 answered, on a lab page that reports it (the page itself is a 200)."""
    assert response.status_code == 200
    return int(response["X-Lab-S3-Status"])
