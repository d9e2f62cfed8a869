"""The request and the response as on the wire, with the headers that matter explained."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from simulator.engine import trace, vocabulary

from . import labels

HOST = "s3.us-east-1.amazonaws.com"
SSE = "x-amz-server-side-encryption"
MODES = {"AES256": "SSE-S3", "aws:kms": "SSE-KMS", "aws:kms:dsse": "DSSE-KMS"}


@dataclass(frozen=True, slots=True)
class WireLine:
    name: str
    value: str
    note: str = ""  # one sentence when the header matters
    added: bool = False  # written by the HTTP client, not kept by the lab's request


@dataclass(frozen=True, slots=True)
class Wire:
    start_line: str
    lines: list[WireLine]

    @property
    def notes(self) -> list[WireLine]:
        return [line for line in self.lines if line.note]


def _decode_context(value: str) -> str:
    try:
        data = json.loads(base64.b64decode(value, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return value
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def explain(name: str, value: str, response: bool, mode: str) -> str:
    """One sentence about a header that matters, or ``""`` for the others."""
    n = name.lower()
    if n == SSE:
        label = labels.mode_label(MODES.get(value, value))
        if response:
            return _("S3 confirms how the object is stored at rest: %(mode)s.") % {"mode": label}
        if value not in MODES:
            return _(
                "Asks for “%(value)s”, which is not an encryption method S3 knows "
                "(the values are AES256, aws:kms and aws:kms:dsse)."
            ) % {"value": value}
        return _("Asks S3 to encrypt the object with %(mode)s, overriding the bucket default.") % {
            "mode": label
        }
    if n == SSE + "-aws-kms-key-id":
        if response:
            return _(
                "The KMS key that protects the object's data key, always as a full key ARN "
                "— even when the request named a key id or an alias."
            )
        return _(
            "Names the KMS key to use (a key id, alias or ARN). Without it, S3 uses the "
            "AWS managed key aws/s3."
        )
    if n == SSE + "-context":
        return _(
            "Extra encryption context, base64-encoded JSON: %(json)s. KMS binds it to the "
            "data key; S3 adds aws:s3:arn."
        ) % {"json": _decode_context(value)}
    if n == SSE + "-bucket-key-enabled":
        return _(
            "An S3 Bucket Key: S3 makes per-object keys from one bucket-level key, so it "
            "calls KMS (and writes CloudTrail events) far less often."
        )
    if n in (SSE + "-customer-algorithm", "x-amz-copy-source-" + SSE[6:] + "-customer-algorithm"):
        if response:
            return _("The object is stored with SSE-C: S3 does not have its key.")
        return _("SSE-C: you provide the key with the request. The algorithm must be AES256.")
    if n in vocabulary.SECRET_HEADERS:
        return _(
            "Your 256-bit key, base64-encoded, sent over TLS. S3 uses it and forgets it, "
            "and the lab never keeps it: in its place you see a fingerprint (or what was "
            "wrong with the key), which tells two keys apart but reveals neither."
        )
    if n in (SSE + "-customer-key-md5", "x-amz-copy-source-" + SSE[6:] + "-customer-key-md5"):
        if response:
            return _("S3 echoes the MD5 of your key, so you can tell which key was used.")
        return _("The MD5 of your key, so S3 can check it arrived intact. It is not the key.")
    if n == "x-amz-copy-source":
        return _(
            "The object to copy. S3 decrypts it and encrypts the copy under the "
            "target's headers or the target bucket's default, not the source's."
        )
    if n == "x-amz-metadata-directive":
        return _("COPY keeps the source's metadata; REPLACE takes the request's.")
    if (
        n.startswith("x-amz-checksum-")
        and n != "x-amz-checksum-type"
        and n != "x-amz-checksum-mode"
    ):
        return _(
            "A checksum of the plaintext, not of the stored ciphertext: it survives re-encryption."
        )
    if n == "content-md5":
        return _("The MD5 of the body as sent, checked by S3 when it arrives.")
    if n == "etag" and response:
        if "-" in value:
            return _("A multipart ETag (“-” and the number of parts): never an MD5 of the data.")
        if mode in ("SSE-KMS", "DSSE-KMS", "SSE-C"):
            return _(
                "Not an MD5 of the data: with SSE-KMS, DSSE-KMS and SSE-C the ETag is an "
                "opaque value."
            )
        if mode in ("SSE-S3", "NONE"):
            return _(
                "The MD5 of the object's data: with SSE-S3 (or no encryption) a "
                "single-part upload's ETag is its MD5."
            )
        return ""
    if n.startswith("x-amz-meta-x-amz-"):
        return _cse_note(n[len("x-amz-meta-x-amz-") :])
    return ""


def _cse_note(field: str) -> str:
    """One sentence per envelope header of the Amazon S3 Encryption Client (s3-facts §6).

    V3 is what the current client writes; V2 (and V1) are read for older objects.
    """
    notes = {
        # V3, the current client's default format (key commitment)
        "3": _(
            "Client-side envelope (V3): the data key, wrapped by your key or by KMS. "
            "S3 stores it as ordinary metadata and cannot use it."
        ),
        "c": _(
            "Client-side envelope (V3): the content algorithm suite; 115 is "
            "AES-256-GCM with an HKDF-SHA512 derived key and key commitment."
        ),
        "w": _(
            "Client-side envelope (V3): how the data key is wrapped, as a short code "
            "(02 AES/GCM, 12 kms+context, 22 RSA-OAEP-SHA1)."
        ),
        "d": _(
            "Client-side envelope (V3): the key commitment. On decryption the client "
            "checks it, so one ciphertext cannot decrypt to two plaintexts under two keys."
        ),
        "i": _(
            "Client-side envelope (V3): the message ID, random per object, from which "
            "the client derives this object's own content key."
        ),
        "t": _(
            "Client-side envelope (V3): the KMS encryption context, which KMS needs "
            "again to unwrap the data key."
        ),
        "m": _(
            "Client-side envelope (V3): the material description, which tells the "
            "client which of your keys wrapped the data key."
        ),
        # V2, written by earlier clients
        "key-v2": _(
            "Client-side envelope (V2): the data key, wrapped by your key or by KMS. "
            "S3 stores it as ordinary metadata and cannot use it."
        ),
        "iv": _("Client-side envelope (V2): the IV (nonce) of AES-GCM for the body."),
        "cek-alg": _(
            "Client-side envelope (V2): the content cipher that encrypted the body "
            "(AES/GCM/NoPadding)."
        ),
        "wrap-alg": _(
            "Client-side envelope (V2): how the data key is wrapped (kms+context, "
            "AES/GCM or RSA-OAEP-SHA1)."
        ),
        "tag-len": _("Client-side envelope (V2): the length of the GCM tag, in bits."),
        "matdesc": _(
            "Client-side envelope (V2): the material description (with kms+context, "
            "the KMS encryption context)."
        ),
        # V1, the legacy format
        "key": _("Client-side envelope (V1, legacy): the wrapped data key."),
        "unencrypted-content-length": _(
            "Client-side envelope: the size of the plaintext before encryption."
        ),
    }
    return notes.get(field, _("Client-side envelope: a field of the Amazon S3 Encryption Client."))


def request_wire(method: str, path: str, headers: list[list[str]], body_size: int) -> Wire:
    lines: list[WireLine] = []
    names = {h[0].lower() for h in headers}
    if "host" not in names:
        lines.append(WireLine("Host", HOST, added=True))
    for name, value in headers:
        lines.append(WireLine(name, value, explain(name, value, False, "")))
    if body_size and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(WireLine("Content-Length", str(body_size), added=True))
    return Wire(f"{method} {path} HTTP/1.1", lines)


def response_wire(status: int, headers: list[list[str]], mode: str) -> Wire:
    lines = [WireLine(name, value, explain(name, value, True, mode)) for name, value in headers]
    return Wire(f"HTTP/1.1 {status} {labels.status_phrase(status)}".rstrip(), lines)


def stored_mode(response_headers: list[list[str]], steps: Sequence[trace.Step]) -> str:
    """The object's mode as the response (or the trace) tells it: SSE-S3, SSE-C, ..."""
    lower = {h[0].lower(): h[1] for h in response_headers}
    if SSE in lower:
        return MODES.get(lower[SSE], lower[SSE])
    if SSE + "-customer-algorithm" in lower:
        return "SSE-C"
    for step in steps:
        if isinstance(step, trace.SseEncrypt | trace.SseResolve) and step.mode:
            return step.mode
    return ""
