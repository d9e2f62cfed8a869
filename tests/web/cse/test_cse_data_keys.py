"""The data-key endpoints behind browser-side CSE with a KMS key (issue 4, Upload).

[S3EC] kms+context: the client calls GenerateDataKey(KeyId, AES_256) under an encryption
context holding ``aws:x-amz-cek-alg`` (``AES/GCM/NoPadding`` for V2, ``115`` for V3) and
Decrypt with the context stored beside the object. The browser cannot call KMS itself,
so the lab's server does it for the sandbox's owner, and answers in KMS's JSON words.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from simulator.engine import cse
from simulator.web.models import Sandbox
from simulator.web.sandboxes import SESSION_KEY, create_sandbox, open_engine, run_kms

pytestmark = pytest.mark.django_db


def learner(client: Client, name: str) -> Client:
    session = client.session
    session[SESSION_KEY] = name
    session.save()
    return client


@pytest.fixture
def owner() -> Client:
    return learner(Client(), "learner-one")


@pytest.fixture
def sandbox() -> Sandbox:
    return create_sandbox("learner-one", "CSE lesson")


@pytest.fixture
def key_id(sandbox: Sandbox) -> str:
    return str(run_kms(sandbox, "CreateKey", {"Description": "cse"})["KeyMetadata"]["KeyId"])


def post(client: Client, name: str, sandbox: Sandbox, payload: Any) -> Any:
    return client.post(
        reverse(f"web:{name}", args=[sandbox.pk]),
        data=json.dumps(payload),
        content_type="application/json",
    )


def test_data_key_is_a_256_bit_key_under_the_v3_context_with_cek_alg_115(
    owner: Client, sandbox: Sandbox, key_id: str
) -> None:
    response = post(owner, "cse_data_key", sandbox, {"KeyId": key_id, "Version": 3})

    assert response.status_code == 200
    data = response.json()
    assert len(base64.b64decode(data["Plaintext"])) == 32
    assert data["EncryptionContext"] == {"aws:x-amz-cek-alg": "115"}
    assert data["KeyId"].endswith(key_id)
    assert "no-store" in response["Cache-Control"].split(", ")
    # KMS really bound that context: Decrypt with it gives the same data key back.
    unwrapped = run_kms(
        sandbox,
        "Decrypt",
        {
            "CiphertextBlob": data["CiphertextBlob"],
            "EncryptionContext": {"aws:x-amz-cek-alg": "115"},
        },
    )
    assert unwrapped["Plaintext"] == data["Plaintext"]


def test_v2_data_key_binds_aes_gcm_nopadding_and_keeps_the_callers_pairs(
    owner: Client, sandbox: Sandbox, key_id: str
) -> None:
    response = post(
        owner,
        "cse_data_key",
        sandbox,
        {"KeyId": key_id, "Version": 2, "EncryptionContext": {"project": "lab"}},
    )

    assert response.json()["EncryptionContext"] == {
        "project": "lab",
        "aws:x-amz-cek-alg": "AES/GCM/NoPadding",
    }


def test_decrypt_key_unwraps_an_object_written_by_the_python_client(
    owner: Client, sandbox: Sandbox, key_id: str
) -> None:
    _, meta = cse.encrypt(b"secret", cse.KMSWrap(open_engine(sandbox), key_id))
    stored = json.loads(meta["x-amz-meta-x-amz-t"])

    response = post(
        owner,
        "cse_decrypt_key",
        sandbox,
        {
            "CiphertextBlob": meta["x-amz-meta-x-amz-3"],
            "EncryptionContext": stored,
            "KeyId": key_id,
        },
    )

    assert response.status_code == 200
    assert len(base64.b64decode(response.json()["Plaintext"])) == 32


def test_decrypt_key_with_an_edited_context_is_kms_invalid_ciphertext(
    owner: Client, sandbox: Sandbox, key_id: str
) -> None:
    blob = post(owner, "cse_data_key", sandbox, {"KeyId": key_id}).json()["CiphertextBlob"]

    response = post(
        owner,
        "cse_decrypt_key",
        sandbox,
        {"CiphertextBlob": blob, "EncryptionContext": {"aws:x-amz-cek-alg": "AES/GCM/NoPadding"}},
    )

    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidCiphertextException"


def test_decrypt_key_refuses_a_context_without_cek_alg_so_sse_kms_keys_stay_with_s3(
    owner: Client, sandbox: Sandbox, key_id: str
) -> None:
    response = post(
        owner,
        "cse_decrypt_key",
        sandbox,
        {"CiphertextBlob": "AAAA", "EncryptionContext": {"aws:s3:arn": "arn:aws:s3:::b/k"}},
    )

    assert response.status_code == 400
    assert response.json()["__type"] == "ValidationException"


def test_an_unknown_key_id_is_kms_not_found_in_json(owner: Client, sandbox: Sandbox) -> None:
    missing = "11111111-2222-3333-4444-555555555555"

    response = post(owner, "cse_data_key", sandbox, {"KeyId": missing})

    assert response.status_code == 400
    body = response.json()
    assert body["__type"] == "NotFoundException"
    assert missing in body["message"]


def test_a_disabled_key_is_kms_disabled_exception(
    owner: Client, sandbox: Sandbox, key_id: str
) -> None:
    run_kms(sandbox, "DisableKey", {"KeyId": key_id})

    response = post(owner, "cse_data_key", sandbox, {"KeyId": key_id})

    assert response.json()["__type"] == "DisabledException"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, "ValidationException"),  # no KeyId
        ({"KeyId": "k", "Version": 1}, "ValidationException"),  # V1 is not written
        ({"KeyId": "k", "Version": True}, "ValidationException"),
        ({"KeyId": "k", "EncryptionContext": {"aws:x-amz-cek-alg": "x"}}, "ValidationException"),
        ({"KeyId": "k", "EncryptionContext": {"n": 1}}, "SerializationException"),
        ({"KeyId": "k", "Principal": "mallory"}, "ValidationException"),
        ([1, 2], "SerializationException"),
    ],
)
def test_bad_input_is_a_kms_shaped_400(
    owner: Client, sandbox: Sandbox, payload: Any, code: str
) -> None:
    response = post(owner, "cse_data_key", sandbox, payload)

    assert response.status_code == 400
    assert response.json()["__type"] == code


def test_a_body_that_is_not_json_is_a_serialization_exception(
    owner: Client, sandbox: Sandbox
) -> None:
    response = owner.post(
        reverse("web:cse_data_key", args=[sandbox.pk]), data="{", content_type="application/json"
    )

    assert response.json()["__type"] == "SerializationException"


@pytest.mark.parametrize("name", ["cse_data_key", "cse_decrypt_key", "cse"])
def test_another_learner_gets_404(sandbox: Sandbox, key_id: str, name: str) -> None:
    stranger = learner(Client(), "learner-two")
    url = reverse(f"web:{name}", args=[sandbox.pk])

    response = (
        stranger.get(url)
        if name == "cse"
        else stranger.post(url, data=json.dumps({"KeyId": key_id}), content_type="application/json")
    )

    assert response.status_code == 404
    assert b"Plaintext" not in response.content


def test_get_is_not_allowed_on_the_endpoints(owner: Client, sandbox: Sandbox) -> None:
    assert owner.get(reverse("web:cse_data_key", args=[sandbox.pk])).status_code == 405


def test_csrf_is_enforced_and_the_token_header_is_accepted(sandbox: Sandbox, key_id: str) -> None:
    client = learner(Client(enforce_csrf_checks=True), "learner-one")
    url = reverse("web:cse_data_key", args=[sandbox.pk])
    payload = json.dumps({"KeyId": key_id})

    refused = client.post(url, data=payload, content_type="application/json")
    page = client.get(reverse("web:cse", args=[sandbox.pk]))
    token = page.cookies["csrftoken"].value
    accepted = client.post(
        url, data=payload, content_type="application/json", headers={"X-CSRFToken": token}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200


def test_the_workbench_lists_customer_keys_and_leaves_no_audit_event(
    owner: Client, sandbox: Sandbox, key_id: str
) -> None:
    events_before = sandbox.records.filter(kind__icontains="audit").count()

    response = owner.get(reverse("web:cse", args=[sandbox.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{key_id}"' in html
    assert "js/cse/workbench.js" in html
    assert 'data-cse-endpoint="/lab/' in html
    assert sandbox.records.filter(kind__icontains="audit").count() == events_before


def test_the_workbench_speaks_japanese(owner: Client, sandbox: Sandbox) -> None:
    response = owner.get(reverse("web:cse", args=[sandbox.pk]), HTTP_ACCEPT_LANGUAGE="ja")

    assert "ブラウザー" in response.content.decode()
