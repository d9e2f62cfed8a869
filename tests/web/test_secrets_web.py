"""SSE-C keys travel only in a POST body and never reach a log; download names are safe
(issue 8, "Secrets and headers").

s3-facts §6 [SSEC]: even a presigned URL cannot carry an SSE-C key, the client must
still send it in the three request headers. The lab's forms send it in the POST body;
an address that carries one (it would sit in browser history, access logs and the next
page's Referer) is refused before any view reads it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from simulator.web import sandboxes
from simulator.web.lab import s3calls
from simulator.web.models import TraceRecord

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(5, 37))).decode()
BODY = b"the SSE-C object's plaintext"
ALICE = "arn:aws:iam::111122223333:user/alice"


def ssec(key: str) -> dict[str, str]:
    raw = base64.b64decode(key)
    return {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": key,
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
            hashlib.md5(raw).digest()
        ).decode(),
    }


@pytest.fixture
def ssec_object(lab: Any) -> Any:
    """A bucket that takes SSE-C, with ``secret.txt`` stored under KEY."""
    assert lab.s3("PUT", "vault").response.status == 200
    body = s3calls.encryption_xml("AES256", blocked="NONE")
    assert lab.s3("PUT", "vault", query={"encryption": ""}, body=body).response.status == 200
    put = lab.s3("PUT", "vault", "secret.txt", body=BODY, headers=ssec(KEY))
    assert put.response.status == 200
    return lab


def addresses(lab: Any) -> dict[str, str]:
    return {
        "object page": lab.url("object", "vault") + "?key=secret.txt",
        "download": lab.url("object_download", "vault") + "?key=secret.txt",
        "upload": lab.url("upload", "vault"),
        "bucket": lab.url("bucket", "vault"),
        "disk": lab.url("disk") + "?bucket=vault&key=secret.txt",
    }


@pytest.mark.parametrize(
    "parameter",
    [
        "customer_key",
        "source_customer_key",
        "x-amz-server-side-encryption-customer-key",
        "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key",
    ],
)
@pytest.mark.parametrize("page", ["object page", "download", "upload", "bucket", "disk"])
def test_a_key_in_the_query_string_is_refused_and_never_echoed(
    ssec_object: Any, page: str, parameter: str
) -> None:
    lab = ssec_object
    traces = TraceRecord.objects.count()
    address = addresses(lab)[page]
    joiner = "&" if "?" in address else "?"

    response = lab.client.get(f"{address}{joiner}{parameter}={KEY}")

    assert response.status_code == 400
    page_text = response.content.decode()
    assert "An SSE-C key does not belong in an address" in page_text
    assert KEY not in page_text and BODY.decode() not in page_text
    # Quoted as a URL would be, the key is not there either (the language form's "next").
    assert KEY.replace("+", "%2B").replace("/", "%2F") not in page_text
    assert "no-store" in response["Cache-Control"]
    # Nothing was read: no request reached the simulated S3.
    assert TraceRecord.objects.count() == traces


def test_a_post_with_the_key_in_its_address_is_refused_too(ssec_object: Any) -> None:
    lab = ssec_object
    address = lab.url("object_download", "vault") + f"?key=secret.txt&customer_key={KEY}"

    response = lab.client.post(address, {"key": "secret.txt", "sender": "alice"})

    assert response.status_code == 400
    assert KEY not in response.content.decode() and BODY not in response.content


def test_the_refusal_is_in_japanese_for_a_japanese_learner(ssec_object: Any) -> None:
    lab = ssec_object
    address = lab.url("object", "vault") + f"?key=secret.txt&customer_key={KEY}"

    response = lab.client.get(address, headers={"Accept-Language": "ja"})

    assert response.status_code == 400
    text = response.content.decode()
    assert '<html lang="ja">' in text
    assert "SSE-C キーをアドレスに含めることはできません" in text
    assert KEY not in text


def test_the_key_in_a_post_body_reads_the_object(ssec_object: Any) -> None:
    lab = ssec_object
    form = {"key": "secret.txt", "customer_key": KEY, "sender": "alice", "transport": "https"}

    download = lab.client.post(lab.url("object_download", "vault"), form)
    head = lab.client.post(lab.url("object", "vault") + "?key=secret.txt", form)

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == BODY
    assert head.status_code == 200 and int(head["X-Lab-S3-Status"]) == 200
    # The HEAD page keeps the key in its field for the next click: never stored.
    assert "no-store" in head["Cache-Control"] and "no-store" in download["Cache-Control"]


def test_a_get_download_of_an_sse_c_object_is_s3s_invalid_request(ssec_object: Any) -> None:
    """s3-facts §2: reading an SSE-C object without the key is 400 InvalidRequest."""
    lab = ssec_object

    response = lab.client.get(lab.url("object_download", "vault"), {"key": "secret.txt"})

    assert response.status_code == 200 and int(response["X-Lab-S3-Status"]) == 400
    assert "InvalidRequest" in response.content.decode()
    assert BODY not in response.content


# --------------------------------------------------------------------------- logs


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """django.request's records (that logger does not propagate to the root)."""
    logger = logging.getLogger("django.request")
    logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the database went away")


SECRET_FORMS: dict[str, tuple[str, dict[str, str]]] = {
    "HEAD": ("object", {"key": "secret.txt", "customer_key": KEY}),
    "download": ("object_download", {"key": "secret.txt", "customer_key": KEY}),
    "upload": ("upload", {"mode": "SSE-C", "customer_key": KEY}),
    "re-encrypt": ("reencrypt", {"key": "secret.txt", "source_customer_key": KEY}),
    "disk read": ("disk_read", {"bucket": "vault", "key": "secret.txt", "customer_key": KEY}),
}


@pytest.mark.parametrize("form_name", list(SECRET_FORMS))
def test_a_view_that_fails_with_a_key_in_its_form_logs_no_key(
    ssec_object: Any,
    request_log: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    form_name: str,
) -> None:
    lab = ssec_object
    name, form = SECRET_FORMS[form_name]
    address = reverse(f"web:{name}", args=[lab.sandbox.pk] + ([] if name == "disk_read" else ["vault"]))  # fmt: skip
    # Every one of these views looks the sandbox up first: make that fail.
    monkeypatch.setattr(sandboxes, "get_sandbox", _boom)
    monkeypatch.setattr("simulator.web.disk.views.get_sandbox", _boom)
    client = Client(raise_request_exception=False)
    client.cookies = lab.client.cookies

    response = client.post(address, form)

    assert response.status_code == 500
    assert KEY not in response.content.decode()
    records = [r for r in request_log.records if r.name == "django.request"]
    assert records, "the 500 was logged"
    assert KEY not in request_log.text
    # What an error report (an e-mail to the admins, Sentry…) would show of the request:
    # the view marked its key fields sensitive, so the report hides them.
    request = records[-1].request  # type: ignore[attr-defined]
    field = next(f for f in form if "customer_key" in f)
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    assert shown[field] != KEY and set(shown[field]) == {"*"}
    exc_type, exc_value, traceback = records[-1].exc_info or (None, None, None)
    report = ExceptionReporter(request, exc_type, exc_value, traceback)
    assert KEY not in report.get_traceback_text()


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("key", "saved_as"),
    [
        # U+202E RIGHT-TO-LEFT OVERRIDE: "invoice‮gpj.exe" shows as "invoiceexe.jpg".
        ("invoice\u202egpj.exe", 'filename="invoicegpj.exe"'),
        ("docs/\u2066report\u2069\u200e.pdf", 'filename="report.pdf"'),
        ("a\u061cb\u200fc\u200b\u200d\ufeff.txt", 'filename="abc.txt"'),
        ("tab\tand\x7fdel.txt", 'filename="tabanddel.txt"'),
        ("\u202a\u202b\u202c\u202d\u2067\u2068", 'filename="object"'),
        # Visible characters stay, whatever the script (RFC 6266 filename*).
        ("請求書 2026.pdf", "filename*=utf-8''%E8%AB%8B%E6%B1%82%E6%9B%B8%202026.pdf"),
    ],
)
def test_download_file_names_lose_direction_and_invisible_characters(
    lab: Any, key: str, saved_as: str
) -> None:
    assert lab.s3("PUT", "files").response.status == 200
    assert lab.s3("PUT", "files", key, body=b"plain bytes").response.status == 200

    response = lab.client.post(lab.url("object_download", "files"), {"key": key, "sender": "alice"})

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == f"attachment; {saved_as}"
    for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c":
        assert control not in disposition
    assert b"".join(response.streaming_content) == b"plain bytes"
