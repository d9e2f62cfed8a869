"""The disk inspector: what S3 keeps per object, and plaintext only after an allowed GetObject.

Facts: s3-facts §5 (KMS context, bucket keys, DSSE's two layers) and §6 (SSE-S3 root key,
SSE-C keeps a salted HMAC and never the key; CSE envelopes are user metadata).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from django.test import Client

from simulator.engine import cse
from simulator.web.disk.inspect import entropy, hex_rows, printable_text
from simulator.web.models import TraceRecord

BOB = "arn:aws:iam::111122223333:user/bob"
HTMX = {"HX-Request": "true"}
SECRET = b"The quick brown fox jumps over the lazy dog. " * 8
CUSTOMER_KEY = bytes(range(32))
CUSTOMER_KEY_B64 = base64.b64encode(CUSTOMER_KEY).decode()
UNBLOCK_SSEC = (
    b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
    b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
    b"<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes>"
    b"</Rule></ServerSideEncryptionConfiguration>"
)


def ssec_headers(key: bytes) -> dict[str, str]:
    return {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
            hashlib.md5(key).digest()
        ).decode(),
    }


def put(lab: Any, key: str, headers: dict[str, str] | None = None, body: bytes = SECRET) -> None:
    lab.s3("PUT", "disk-bucket")
    lab.s3("PUT", "disk-bucket", query={"encryption": ""}, body=UNBLOCK_SSEC)
    outcome = lab.s3("PUT", "disk-bucket", key, body=body, headers=headers or {})
    assert outcome.response.status == 200, outcome.response.read()


def inspect_page(lab: Any, key: str, bucket: str = "disk-bucket") -> str:
    response = lab.client.get(lab.url("disk"), {"bucket": bucket, "key": key})
    assert response.status_code == 200
    return str(response.content.decode())


def read(lab: Any, key: str, htmx: bool = False, **form: str) -> Any:
    data = {
        "bucket": "disk-bucket",
        "key": key,
        "principal": "arn:aws:iam::111122223333:user/alice",
    }
    data.update(form)
    return lab.client.post(lab.url("disk_read"), data, headers=HTMX if htmx else None)


def entropy_shown(html: str, testid: str) -> float:
    match = re.search(rf'data-testid="{testid}">.*?data-entropy="([0-9.]+)"', html, re.S)
    assert match, testid
    return float(match.group(1))


# --------------------------------------------------------------------------- pure helpers


def test_entropy_of_constant_and_uniform_bytes() -> None:
    assert entropy(b"") == 0.0
    assert entropy(b"a" * 100) == 0.0
    assert entropy(bytes(range(256)) * 4) == pytest.approx(8.0)
    assert entropy(b"abab") == pytest.approx(1.0)


def test_hex_rows_are_16_bytes_with_offsets_and_printable_text() -> None:
    rows = hex_rows(bytes(range(40)) + b"Hi")

    assert [r.offset for r in rows] == ["00000000", "00000010", "00000020"]
    assert rows[0].hex.split() == [f"{b:02x}" for b in range(16)]
    assert rows[2].text.endswith("Hi")
    assert len(hex_rows(bytes(1000))) == 16  # the preview stops at 256 bytes


def test_printable_text_only_for_readable_data() -> None:
    assert printable_text("日本語のテキスト".encode()) == "日本語のテキスト"
    assert printable_text(bytes(range(256))) is None


# --------------------------------------------------------------------------- the list


def test_object_list_links_to_each_object(lab: Any) -> None:
    put(lab, "notes/a <b>.txt")

    response = lab.client.get(lab.url("disk"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "notes/a &lt;b&gt;.txt" in html
    assert "?bucket=disk-bucket&amp;key=notes%2Fa+%3Cb%3E.txt" in html


def test_empty_sandbox_list(lab: Any) -> None:
    assert "No objects yet." in lab.client.get(lab.url("disk")).content.decode()


# --------------------------------------------------------------------------- what is stored


def test_sse_s3_object_shows_ciphertext_header_root_key_and_no_plaintext(lab: Any) -> None:
    put(lab, "s3.txt", {"x-amz-server-side-encryption": "AES256"})

    html = inspect_page(lab, "s3.txt")

    assert "Format version" in html and "1048576 B" in html  # 1 MiB chunks
    assert re.search(r"Nonce prefix</dt><dd class=\"lab-mono lab-small\">[0-9a-f]{14}<", html)
    assert "S3 root key, version <strong>000001</strong>" in html
    assert html.count('class="lab-hexdump__off"') == 16  # 256 bytes, 16 per row
    cipher = float(re.findall(r'data-entropy="([0-9.]+)"', html)[0])
    assert cipher > 7.0
    # The plaintext is not on the page until a GetObject is made.
    assert "quick brown fox" not in html
    assert 'data-testid="read-result"' not in html


def test_reading_as_alice_shows_the_plaintext_and_both_entropies(lab: Any) -> None:
    put(lab, "s3.txt")
    traces = TraceRecord.objects.count()

    response = read(lab, "s3.txt")

    html = response.content.decode()
    assert response.status_code == 200
    assert "quick brown fox" in html
    plain, cipher = (entropy_shown(html, name) for name in ("entropy-plain", "entropy-stored"))
    assert cipher > 7.0 > 5.0 > plain  # ciphertext looks random, text does not
    trace = TraceRecord.objects.latest("created")
    assert TraceRecord.objects.count() == traces + 1
    assert (trace.method, trace.key, trace.status) == ("GET", "s3.txt", 200)
    assert f"/traces/{trace.pk}/" in html


def test_read_partial_for_htmx(lab: Any) -> None:
    put(lab, "s3.txt")

    response = read(lab, "s3.txt", htmx=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="plaintext-panel"')
    assert "<html" not in html and "quick brown fox" in html


@pytest.mark.parametrize("bucket_key", [False, True])
def test_sse_kms_object_shows_key_arn_and_context(lab: Any, bucket_key: bool) -> None:
    key_id = lab.new_key()
    headers = {
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": key_id,
    }
    if bucket_key:
        headers["x-amz-server-side-encryption-bucket-key-enabled"] = "true"
    put(lab, "kms.txt", headers)

    html = inspect_page(lab, "kms.txt")

    assert f"arn:aws:kms:us-east-1:111122223333:key/{key_id}" in html
    # The encryption context names the object, or the bucket with a bucket key (s3-facts §5).
    context = "arn:aws:s3:::disk-bucket" if bucket_key else "arn:aws:s3:::disk-bucket/kms.txt"
    assert f"aws:s3:arn = {context}<" in html
    assert ("The S3 Bucket Key (encrypted by KMS)" in html) is bucket_key
    assert 'data-state="Enabled"' in html


def test_dsse_shows_both_layers(lab: Any) -> None:
    put(lab, "dsse.txt", {"x-amz-server-side-encryption": "aws:kms:dsse"})

    html = inspect_page(lab, "dsse.txt")

    assert "The data key, encrypted by KMS" in html
    assert "DSSE's second layer key (wrapped)" in html
    assert "two independent layers" in html


def test_disabled_key_blocks_the_read_and_no_plaintext_is_shown(lab: Any) -> None:
    key_id = lab.new_key()
    put(
        lab,
        "kms.txt",
        {
            "x-amz-server-side-encryption": "aws:kms",
            "x-amz-server-side-encryption-aws-kms-key-id": key_id,
        },
    )
    lab.kms("DisableKey", {"KeyId": key_id})

    html = read(lab, "kms.txt", principal=BOB).content.decode()

    assert "KMS.DisabledException" in html
    assert "quick brown fox" not in html
    assert 'data-state="Disabled"' in html


# --------------------------------------------------------------------------- SSE-C


def test_sse_c_shows_salt_and_hmac_but_never_the_key(lab: Any) -> None:
    put(lab, "c.txt", ssec_headers(CUSTOMER_KEY))

    html = inspect_page(lab, "c.txt")

    salt = re.search(r'data-testid="ssec-salt">([0-9a-f]+)<', html)
    mac = re.search(r'data-testid="ssec-hmac">([0-9a-f]{64})<', html)
    assert salt and mac
    assert CUSTOMER_KEY_B64 not in html and CUSTOMER_KEY.hex() not in html
    assert 'name="customer_key" type="password"' in html


def test_sse_c_plaintext_only_with_the_right_key_and_the_key_is_never_echoed(lab: Any) -> None:
    put(lab, "c.txt", ssec_headers(CUSTOMER_KEY))
    wrong = base64.b64encode(bytes(range(1, 33))).decode()

    missing = read(lab, "c.txt").content.decode()
    wrong_key = read(lab, "c.txt", customer_key=wrong).content.decode()
    right = read(lab, "c.txt", customer_key=CUSTOMER_KEY_B64).content.decode()

    # s3-facts §2: no key -> 400 InvalidRequest; wrong key -> 403 AccessDenied.
    assert "InvalidRequest" in missing and "quick brown fox" not in missing
    assert "AccessDenied" in wrong_key and "quick brown fox" not in wrong_key
    assert "quick brown fox" in right
    for html in (missing, wrong_key, right):
        assert CUSTOMER_KEY_B64 not in html and wrong not in html


def test_sse_c_key_that_is_not_base64_makes_no_request(lab: Any) -> None:
    put(lab, "c.txt", ssec_headers(CUSTOMER_KEY))
    traces = TraceRecord.objects.count()

    response = read(lab, "c.txt", customer_key="not base64 <b>!")

    assert response.status_code == 400
    html = response.content.decode()
    assert "That is not base64." in html and "<b>!" not in html
    assert TraceRecord.objects.count() == traces


# --------------------------------------------------------------------------- CSE


def test_cse_object_shows_its_envelope_and_only_ciphertext(lab: Any) -> None:
    body, meta = cse.encrypt(SECRET, cse.AESWrap(bytes(32)))
    put(lab, "cse.bin", dict(meta), body=body)  # the envelope travels as x-amz-meta-*

    html = inspect_page(lab, "cse.bin")
    assert 'data-testid="cse-envelope"' in html
    assert "ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY" in html
    assert "The key never left the browser." in html

    after = read(lab, "cse.bin").content.decode()
    assert "Still ciphertext" in after
    assert "quick brown fox" not in after


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("bucket", "key"),
    [("disk-bucket", "nope"), ("no-such-bucket", "x"), ("<script>", "../../etc/passwd"), ("", "")],
)
def test_unknown_object_is_a_readable_404(lab: Any, bucket: str, key: str) -> None:
    put(lab, "real.txt")
    response = lab.client.get(lab.url("disk"), {"bucket": bucket, "key": key + "<i>"})

    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no object" in html and "<script>" not in html and "<i>" not in html


def test_unknown_principal_is_refused(lab: Any) -> None:
    put(lab, "s3.txt")

    response = read(lab, "s3.txt", principal="arn:aws:iam::999999999999:root")

    assert response.status_code == 400
    assert "Choose who reads the object." in response.content.decode()


def test_read_only_by_post(lab: Any) -> None:
    assert lab.client.get(lab.url("disk_read")).status_code == 405


def test_another_learner_gets_404(lab: Any, stranger: Client) -> None:
    put(lab, "s3.txt")

    assert stranger.get(lab.url("disk")).status_code == 404
    assert (
        stranger.get(lab.url("disk"), {"bucket": "disk-bucket", "key": "s3.txt"}).status_code == 404
    )
    assert (
        stranger.post(
            lab.url("disk_read"),
            {"bucket": "disk-bucket", "key": "s3.txt", "principal": "*"},
            headers=HTMX,
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "how unpredictable the bytes are"), ("ja", "予測しにくさ")],
)
def test_the_entropy_bar_says_what_it_measures(lab: Any, language: str, words: str) -> None:
    """One sentence beside the bar, which the meter names as its description."""
    put(lab, "s3.txt", {"x-amz-server-side-encryption": "AES256"})
    response = lab.client.get(
        lab.url("disk"), {"bucket": "disk-bucket", "key": "s3.txt"}, HTTP_ACCEPT_LANGUAGE=language
    )
    html = response.content.decode()
    explained = re.search(r'id="entropy-cipher-help"[^>]*>([^<]*)<', html)
    assert explained is not None and words in explained.group(1)
    assert 'aria-describedby="entropy-cipher-help"' in html
