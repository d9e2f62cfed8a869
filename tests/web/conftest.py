"""Fixtures for the web tests: a learner, their sandbox, a stranger.

The KMS console, disk inspector and break-it tests use ``lab`` and ``stranger`` from
here; the lab and trace tests have fixtures of their own in their folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from learners import client_of

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox

ALICE = "arn:aws:iam::111122223333:user/alice"
BOB = "arn:aws:iam::111122223333:user/bob"


@dataclass
class Lab:
    """A learner with one sandbox, and small builders that make real requests in it."""

    client: Client
    sandbox: Sandbox

    def url(self, name: str, *args: Any) -> str:
        from django.urls import reverse

        return reverse(f"web:{name}", args=[self.sandbox.pk, *args])

    def kms(self, action: str, params: dict[str, Any], principal: str | None = None) -> Any:
        return sandboxes.run_kms(self.sandbox, action, params, principal)

    def s3(self, method: str, bucket: str, key: str = "", **kw: Any) -> sandboxes.Outcome:
        return sandboxes.run_s3(self.sandbox, "test", S3Request(method, bucket, key, **kw))

    def new_key(self, description: str = "test key") -> str:
        return str(self.kms("CreateKey", {"Description": description})["KeyMetadata"]["KeyId"])


@pytest.fixture
def lab(db: None) -> Lab:
    sandbox = sandboxes.create_sandbox("learner-one", "KMS tests")
    return Lab(client_of("learner-one"), sandbox)


@pytest.fixture
def stranger(db: None) -> Client:
    """Another learner, with a sandbox of their own."""
    sandboxes.create_sandbox("learner-two", "Someone else's")
    return client_of("learner-two")
