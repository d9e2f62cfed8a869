"""No two learners share key material, and none is derivable from the repository
(issue 8, "Randomness and keys"; design §1: "a learner's own requests use the operating
system's randomness, so no key is derivable from a seed in this repository")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from simulator.engine.crypto import SeededEntropy, decrypt_blob_bytes
from simulator.engine.errors import DecryptError
from simulator.engine.s3.sse import blob_aad
from simulator.web import sandboxes
from simulator.web.demo import SEED
from simulator.web.lab import s3calls
from simulator.web.models import Record, Sandbox
from simulator.web.store import ORMStore

BODY = b"the same plaintext, uploaded by two learners\n"

# Every seed the repository holds for the lab's sandboxes: the demo's, and the request
# numbers a seeded sandbox draws from (``sandboxes._entropy``: "<seed>/<n>").
REPOSITORY_SEEDS = [SEED]
REQUEST_NUMBERS = range(1, 41)


def _learner_with_demo() -> Sandbox:
    client = Client()
    client.get("/lab/")
    assert client.post("/lab/start/").status_code == 302
    sandbox = Sandbox.objects.get(owner=client.session[sandboxes.SESSION_KEY])
    return sandbox


def _upload(sandbox: Sandbox, bucket: str, key: str, headers: dict[str, str]) -> Any:
    request = s3calls.put_object(bucket, key, BODY, len(BODY), content_type="", headers=headers)
    outcome = sandboxes.run_s3(sandbox, "upload", request)
    assert outcome.response.status == 200, outcome.response.error_code
    return outcome.response.trace


def _fingerprints(trace: Any, role: str) -> set[str]:
    return {k.fingerprint for step in trace for k in step.keys if k.role == role}


def _key_ids(trace: Any, role: str) -> set[str]:
    return {k.key_id for step in trace for k in step.keys if k.role == role and k.key_id}


def _attack(blob: bytes, blob_id: str) -> bool:
    """Try every 32-byte window of the keystreams the repository's seeds give as the
    object's data key: True if one opens the blob."""
    aad = blob_aad(blob_id)
    for seed in REPOSITORY_SEEDS:
        for number in REQUEST_NUMBERS:
            stream = SeededEntropy(f"{seed}/{number}").random_bytes(1024)
            for offset in range(len(stream) - 31):
                try:
                    decrypt_blob_bytes(blob, stream[offset : offset + 32], aad)
                except (DecryptError, ValueError):
                    continue
                return True
    return False


def _blob_of(sandbox: Sandbox, bucket: str, key: str) -> tuple[str, bytes]:
    record = Record.objects.get(sandbox=sandbox, kind="object", rid=f"{bucket}/{key}").data
    return record["blob_id"], ORMStore(sandbox).read_blob(record["blob_id"])


@pytest.mark.django_db
def test_two_learners_demos_give_new_uploads_different_keys() -> None:
    first, second = _learner_with_demo(), _learner_with_demo()
    sse_s3 = {"x-amz-server-side-encryption": "AES256"}

    a = _upload(first, "demo-sse-s3", "same.txt", sse_s3)
    b = _upload(second, "demo-sse-s3", "same.txt", sse_s3)
    assert _fingerprints(a, "data_key").isdisjoint(_fingerprints(b, "data_key"))
    assert _fingerprints(a, "root_key").isdisjoint(_fingerprints(b, "root_key"))

    # The demo's customer managed key (alias/lab-demo) is a key of each learner's own.
    kms = {"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "alias/lab-demo"}  # fmt: skip
    a = _upload(first, "demo-sse-kms", "same.txt", kms)
    b = _upload(second, "demo-sse-kms", "same.txt", kms)
    assert _fingerprints(a, "data_key") and _fingerprints(b, "data_key")
    assert _fingerprints(a, "data_key").isdisjoint(_fingerprints(b, "data_key"))
    assert _key_ids(a, "kms_key").isdisjoint(_key_ids(b, "kms_key"))

    assert _blob_of(first, "demo-sse-s3", "same.txt")[1] != _blob_of(second, "demo-sse-s3", "same.txt")[1]  # fmt: skip


@pytest.mark.django_db
def test_a_learner_s_new_object_cannot_be_opened_with_the_repository_s_seeds() -> None:
    sandbox = _learner_with_demo()
    _upload(sandbox, "demo-sse-s3", "private.txt", {"x-amz-server-side-encryption": "AES256"})

    blob_id, blob = _blob_of(sandbox, "demo-sse-s3", "private.txt")

    assert not _attack(blob, blob_id)


@pytest.mark.django_db
def test_the_attack_does_open_an_object_of_a_reproducible_sandbox() -> None:
    # The control: the same attack is not a test that cannot fail. In a sandbox seeded
    # from the repository (reproducible mode), the data key comes from the seed.
    sandbox = sandboxes.create_sandbox("teacher", "reproducible", seed=SEED)
    assert sandboxes.run_s3(sandbox, "t", s3calls.create_bucket("class")).response.status == 200
    _upload(sandbox, "class", "shared.txt", {"x-amz-server-side-encryption": "AES256"})

    blob_id, blob = _blob_of(sandbox, "class", "shared.txt")

    assert _attack(blob, blob_id)


@pytest.mark.django_db
def test_a_reproducible_sandbox_says_so_on_its_pages(tmp_path: Path) -> None:
    sandbox = sandboxes.create_sandbox("teacher", "reproducible", seed=SEED)
    own = sandboxes.create_sandbox("teacher", "own")
    client = Client()
    session = client.session
    session[sandboxes.SESSION_KEY] = "teacher"
    session.save()

    seeded = client.get(f"/lab/{sandbox.pk}/").content.decode()
    plain = client.get(f"/lab/{own.pk}/").content.decode()

    assert "Reproducible mode." in seeded and "do not upload" in seeded
    assert "Reproducible mode." not in plain
    client.cookies["django_language"] = "ja"
    assert "再現モード" in client.get(f"/lab/{sandbox.pk}/").content.decode()
