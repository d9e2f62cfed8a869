"""The upload limit and client-side encryption: the ciphertext is the file plus a 16-byte tag.

static/js/cse/ (and ``simulator.engine.cse``, which it mirrors byte for byte) uploads AES-256-GCM
ciphertext with its 128-bit tag appended, V2 and V3 alike; the lab's limit applies to
what arrives, so a CSE file may be at most the limit minus 16 bytes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lab_builders import HX, make_bucket, s3_status, url

from simulator.engine import cse
from simulator.web.lab import limits, state
from simulator.web.models import Sandbox

LIMIT = 1000


@pytest.fixture
def small(learner: tuple[Client, Sandbox], settings: Any) -> tuple[Client, Sandbox]:
    settings.LAB_MAX_UPLOAD_BYTES = LIMIT
    client, sandbox = learner
    make_bucket(sandbox, "small")
    return client, sandbox


def _cse_upload(client: Client, sandbox: Sandbox, file_size: int, **extra: Any) -> Any:
    """What static/js/cse/page.js posts for a file of ``file_size`` bytes: its ciphertext and envelope."""
    body, meta = cse.encrypt(b"f" * file_size, cse.AESWrap(bytes(32)), version=3)
    return client.post(
        url("upload", sandbox, "small"),
        {"mode": "CSE", "sender": "alice", "transport": "https", "cse_wrap": "browser",
         "cse_version": "3", "cse_meta": json.dumps(meta),
         "file": SimpleUploadedFile("big.bin", body, content_type="application/octet-stream")},
        **extra,
    )  # fmt: skip


@pytest.mark.parametrize("version", [2, 3])
def test_a_cse_upload_is_the_file_plus_16_bytes(version: int) -> None:
    body, _ = cse.encrypt(b"x" * 100, cse.AESWrap(bytes(32)), version=version)

    assert len(body) == 100 + limits.CSE_TAG_BYTES == 116


def test_the_page_states_the_cse_limit_where_it_states_the_limit(
    small: tuple[Client, Sandbox],
) -> None:
    client, sandbox = small

    full = client.get(url("upload", sandbox, "small")).content.decode()
    partial = client.get(url("upload", sandbox, "small"), **HX).content.decode()

    for page in (full, partial):
        assert "up to 1000" in page.replace("\xa0", " ")
        assert "16 bytes larger than the file" in page
        assert "The limit is 1,000 bytes, so a CSE file can be at most 984 bytes." in page
        # For the browser-side check: the limit, and the CSE file limit beside it.
        assert 'data-limit="1000"' in page and 'data-cse-limit="984"' in page
        assert "a CSE file can be at most 984 bytes (the AES-GCM tag adds 16)" in page


def test_a_cse_file_of_the_limit_minus_16_bytes_fits(small: tuple[Client, Sandbox]) -> None:
    client, sandbox = small

    response = _cse_upload(client, sandbox, LIMIT - 16)

    assert response.status_code == 302
    [row] = state.bucket_state(sandbox, "small").objects
    assert row.size == LIMIT


@pytest.mark.parametrize("htmx", [False, True], ids=["full-page", "htmx"])
def test_one_byte_more_is_entity_too_large_with_the_cse_reason(
    small: tuple[Client, Sandbox], htmx: bool
) -> None:
    client, sandbox = small

    response = _cse_upload(client, sandbox, LIMIT - 15, **(HX if htmx else {}))

    assert s3_status(response) == 400
    body = response.content.decode()
    assert ("<html" in body) is not htmx
    assert 'id="id_file_error"' in body and "EntityTooLarge" in body
    assert "The encrypted upload is 1,001 bytes" in body
    assert "a CSE file can be at most 984 bytes" in body
    assert state.bucket_state(sandbox, "small").objects == []


def test_the_cse_limit_speaks_japanese(small: tuple[Client, Sandbox]) -> None:
    client, sandbox = small
    client.cookies["django_language"] = "ja"

    page = client.get(url("upload", sandbox, "small")).content.decode()
    refused = _cse_upload(client, sandbox, LIMIT).content.decode()

    assert "ファイルより 16 バイト大きくなります" in page
    assert "CSE で送れるファイルは最大 984 バイトです" in page
    assert "暗号化したアップロードは 1,016 バイトです" in refused
