"""Request bodies as S3 reads them: payload hashes, signed aws-chunked bodies, trailing
checksums, all read in pieces.

Pure tests: no served app, no database.

AWS:
- https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html (signed chunks,
  with the worked example whose every value is checked below)
- https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

import pytest
from botocore.httpchecksum import (
    AwsChunkedWrapper,
    Crc32Checksum,
    CrtCrc32cChecksum,
    CrtCrc64NvmeChecksum,
    Sha1Checksum,
    Sha256Checksum,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.s3api import sigv4, streaming
from simulator.s3api.sigv4 import Signer, SigV4Error

# --- AWS's worked example: PUT examplebucket/chunkObject.txt, 65 KiB of "a" in 64 KiB chunks
EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EXAMPLE_HEADERS = {
    "Host": "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class,"
        "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    ),
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "Content-Encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "Content-Length": "66824",
}
EXAMPLE_CHUNK_SIGNATURES = (
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
)


def example_body(
    signatures: tuple[str, ...] = EXAMPLE_CHUNK_SIGNATURES, first: bytes = b"a"
) -> bytes:
    one, two, last = signatures
    return (
        f"10000;chunk-signature={one}\r\n".encode() + first + b"a" * 65535 + b"\r\n"
        + f"400;chunk-signature={two}\r\n".encode() + b"a" * 1024 + b"\r\n"
        + f"0;chunk-signature={last}\r\n\r\n".encode()
    )  # fmt: skip


def example_signer() -> Signer:
    return sigv4.verify(
        "PUT",
        "/examplebucket/chunkObject.txt",
        "",
        EXAMPLE_HEADERS,
        service="s3",
        secret_for=lambda key_id: EXAMPLE_SECRET,
        now=datetime(2013, 5, 24, 0, 5, tzinfo=UTC),
    )


def read_in_pieces(body: BinaryIO, size: int = 5000) -> bytes:
    out = bytearray()
    while piece := body.read(size):
        out += piece
    return bytes(out)


def failure(body: BinaryIO) -> SigV4Error:
    with pytest.raises(SigV4Error) as caught:
        read_in_pieces(body)
    return caught.value


def test_the_aws_example_seed_signature_verifies_from_its_headers() -> None:
    """sigv4-streaming.html, "Example: PUT Object": the seed signature 4f232c43… of the
    example's headers, the secret wJalrXUt…, 20130524T000000Z."""
    signer = example_signer()

    assert signer.payload == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    assert (
        signer.seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    )
    assert signer.scope == "20130524/us-east-1/s3/aws4_request"


def test_the_aws_example_chunks_decode_with_their_documented_signatures() -> None:
    """The example's three chunk signatures (64 KiB, 1 KiB, the final 0-byte chunk), each
    chained from the previous one; the body decodes to 66560 bytes of "a"."""
    raw = example_body()
    assert len(raw) == 66824  # the example's Content-Length

    body = streaming.request_body(
        example_signer(), EXAMPLE_HEADERS, io.BytesIO(raw), content_length=len(raw)
    )

    assert read_in_pieces(body, 777) == b"a" * 66560
    assert streaming.trailer_headers(body) == {}


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_bad_chunk_signature_is_signature_does_not_match(which: int) -> None:
    """Each chunk's signature is checked (SignatureDoesNotMatch, 403), the final one too."""
    signatures = list(EXAMPLE_CHUNK_SIGNATURES)
    signatures[which] = "0" * 64
    raw = example_body(tuple(signatures))

    error = failure(
        streaming.request_body(
            example_signer(), EXAMPLE_HEADERS, io.BytesIO(raw), content_length=len(raw)
        )
    )

    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")
    string_to_sign = dict(error.fields)["StringToSign"]
    assert string_to_sign.startswith(
        "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
    )
    assert dict(error.fields)["SignatureProvided"] == "0" * 64


def test_a_changed_byte_under_a_good_chunk_signature_is_refused_before_the_body_ends() -> None:
    """A chunk's signature covers its bytes: the first chunk fails before any later byte."""
    raw = example_body(first=b"b")
    body = streaming.request_body(
        example_signer(), EXAMPLE_HEADERS, io.BytesIO(raw), content_length=len(raw)
    )

    received = bytearray()
    with pytest.raises(SigV4Error) as caught:
        while piece := body.read(1000):
            received += piece
    assert caught.value.code == "SignatureDoesNotMatch"
    assert len(received) < 65536


def test_a_short_chunk_that_is_not_the_last_is_invalid_chunk_size() -> None:
    """Signed chunks: every chunk but the last holds at least 8 KiB (InvalidChunkSizeError)."""
    signer = signed_signer()
    raw = signed_chunks(signer, [b"x" * 100, b"y" * 9000])

    error = failure(
        streaming.request_body(
            signer, {"x-amz-decoded-content-length": "9100"}, io.BytesIO(raw), content_length=None
        )
    )

    assert (error.status, error.code) == (400, "InvalidChunkSizeError")
    assert error.fields == (("Chunk", "1"), ("BadChunkSize", "100"))


# --- Signed chunks built by the documented algorithm, for the trailer and any split --------

SCOPE = "20261207/us-east-1/s3/aws4_request"
AMZ_DATE = "20261207T181400Z"
EMPTY = hashlib.sha256(b"").hexdigest()


def signed_signer(payload: str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") -> Signer:
    key = sigv4.signing_key_for("secret", "20261207", "us-east-1", "s3")
    return Signer("AKID", False, payload, key, "f" * 64, SCOPE, AMZ_DATE)


def sign(key: bytes, *lines: str) -> str:
    return hmac.new(key, "\n".join(lines).encode(), hashlib.sha256).hexdigest()


def signed_chunks(
    signer: Signer, chunks: list[bytes], trailer: dict[str, str] | None = None
) -> bytes:
    key = signer.signing_key or b""
    previous = signer.seed_signature or ""
    out = bytearray()
    for chunk in [*chunks, b""]:
        previous = sign(
            key,
            "AWS4-HMAC-SHA256-PAYLOAD",
            AMZ_DATE,
            SCOPE,
            previous,
            EMPTY,
            hashlib.sha256(chunk).hexdigest(),
        )
        out += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + chunk
        out += b"\r\n" if chunk or trailer is None else b""
    if trailer is not None:
        canonical = "".join(f"{name}:{value}\n" for name, value in trailer.items())
        signature = sign(
            key,
            "AWS4-HMAC-SHA256-TRAILER",
            AMZ_DATE,
            SCOPE,
            previous,
            hashlib.sha256(canonical.encode()).hexdigest(),
        )
        out += "".join(f"{name}:{value}\r\n" for name, value in trailer.items()).encode()
        out += f"x-amz-trailer-signature:{signature}\r\n\r\n".encode()
    return bytes(out)


def crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def test_a_signed_trailer_is_checked_with_its_checksum() -> None:
    """STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: the trailing headers come after the final
    chunk, signed by AWS4-HMAC-SHA256-TRAILER chained from the last chunk's signature."""
    signer = signed_signer("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    data = b"q" * 10000
    headers = {"x-amz-trailer": "x-amz-checksum-crc32", "x-amz-decoded-content-length": "10000"}
    raw = signed_chunks(signer, [data], {"x-amz-checksum-crc32": crc32(data)})

    body = streaming.request_body(signer, headers, io.BytesIO(raw), content_length=len(raw))

    assert read_in_pieces(body) == data
    assert streaming.trailer_headers(body) == {"x-amz-checksum-crc32": crc32(data)}
    # The trailer is signed: another checksum under the same signature is refused.
    forged = raw.replace(crc32(data).encode(), crc32(b"other").encode())
    error = failure(
        streaming.request_body(signer, headers, io.BytesIO(forged), content_length=None)
    )
    assert error.code == "SignatureDoesNotMatch"
    assert dict(error.fields)["StringToSign"].startswith("AWS4-HMAC-SHA256-TRAILER\n")


def test_a_signed_trailer_with_a_wrong_checksum_is_bad_digest() -> None:
    signer = signed_signer("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    data = b"q" * 10000
    headers = {"x-amz-trailer": "x-amz-checksum-crc32", "x-amz-decoded-content-length": "10000"}
    raw = signed_chunks(signer, [data], {"x-amz-checksum-crc32": crc32(b"other")})

    error = failure(streaming.request_body(signer, headers, io.BytesIO(raw), content_length=None))

    assert (error.status, error.code) == (400, "BadDigest")


# --- boto3's own unsigned trailer bodies (what it sends over HTTPS) ---------------------


@pytest.mark.parametrize(
    ("checksum_cls", "header"),
    [
        (Crc32Checksum, "x-amz-checksum-crc32"),
        (CrtCrc32cChecksum, "x-amz-checksum-crc32c"),
        (CrtCrc64NvmeChecksum, "x-amz-checksum-crc64nvme"),
        (Sha1Checksum, "x-amz-checksum-sha1"),
        (Sha256Checksum, "x-amz-checksum-sha256"),
    ],
)
def test_boto3_unsigned_trailer_bodies_decode_and_their_checksum_is_verified(
    checksum_cls: type, header: str
) -> None:
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER with botocore's AwsChunkedWrapper framing."""
    data = bytes(range(256)) * 900
    raw = AwsChunkedWrapper(io.BytesIO(data), checksum_cls, header, chunk_size=64 * 1024).read()
    headers = unsigned_trailer_headers(header, len(data))

    body = streaming.request_body(
        anonymous_trailer(), headers, io.BytesIO(raw), content_length=len(raw)
    )

    assert read_in_pieces(body) == data
    expected = checksum_cls()
    expected.update(data)
    assert streaming.trailer_headers(body) == {header: expected.b64digest()}


def anonymous_trailer() -> Signer:
    return Signer(None, False, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", None, None, "", "")


def unsigned_trailer_headers(trailer: str, length: int) -> dict[str, str]:
    return {
        "Content-Encoding": "aws-chunked",
        "Transfer-Encoding": "chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer": trailer,
        "x-amz-decoded-content-length": str(length),
    }


def boto3_body(data: bytes, chunk_size: int = 64 * 1024) -> bytes:
    return AwsChunkedWrapper(
        io.BytesIO(data), Crc32Checksum, "x-amz-checksum-crc32", chunk_size=chunk_size
    ).read()


def test_a_wrong_trailing_crc_is_bad_digest() -> None:
    """BadDigest, 400: "The CRC32 you specified did not match the calculated checksum." """
    data = b"hello\n" * 1000
    raw = boto3_body(data).replace(crc32(data).encode(), b"AAAAAA==")

    error = failure(
        streaming.request_body(
            anonymous_trailer(),
            unsigned_trailer_headers("x-amz-checksum-crc32", len(data)),
            io.BytesIO(raw),
            content_length=None,
        )
    )

    assert (error.status, error.code, error.message) == (
        400,
        "BadDigest",
        "The CRC32 you specified did not match the calculated checksum.",
    )


def test_a_decoded_length_unlike_the_header_is_incomplete_body() -> None:
    """x-amz-decoded-content-length must match what was decoded: IncompleteBody with
    NumberBytesExpected and NumberBytesProvided."""
    data = b"z" * 5000
    headers = unsigned_trailer_headers("x-amz-checksum-crc32", 3)

    error = failure(
        streaming.request_body(
            anonymous_trailer(), headers, io.BytesIO(boto3_body(data)), content_length=None
        )
    )

    assert (error.status, error.code) == (400, "IncompleteBody")
    assert error.fields == (("NumberBytesExpected", "3"), ("NumberBytesProvided", "5000"))


def test_a_body_cut_short_is_incomplete_body() -> None:
    """The framing ends early: "The request body terminated unexpectedly"."""
    data = b"z" * 5000
    raw = boto3_body(data)[:3000]

    error = failure(
        streaming.request_body(
            anonymous_trailer(),
            unsigned_trailer_headers("x-amz-checksum-crc32", 5000),
            io.BytesIO(raw),
            content_length=None,
        )
    )

    assert (error.status, error.code, error.message) == (
        400,
        "IncompleteBody",
        "The request body terminated unexpectedly",
    )


def test_the_engine_sees_the_objects_headers_not_the_framings() -> None:
    headers = streaming.decoded_headers(
        {
            **unsigned_trailer_headers("x-amz-checksum-crc32", 5000),
            "Content-Encoding": "aws-chunked,gzip",
            "Content-Length": "5100",
        }
    )

    assert headers["content-length"] == "5000"
    assert headers["content-encoding"] == "gzip"
    assert "transfer-encoding" not in headers
    assert "x-amz-decoded-content-length" not in headers


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=3000),
    cuts=st.lists(st.integers(min_value=1, max_value=700), max_size=12),
)
def test_any_body_split_into_any_chunk_sizes_decodes_to_itself(
    data: bytes, cuts: list[int]
) -> None:
    """aws-chunked framing (unsigned chunks with a CRC32 trailer): chunk sizes are the
    sender's choice; the decoded bytes are the object's."""
    chunks, rest = [], data
    for cut in cuts:
        if not rest:
            break
        chunks.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        chunks.append(rest)
    raw = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks)
    raw += f"0\r\nx-amz-checksum-crc32:{crc32(data)}\r\n\r\n".encode()

    body = streaming.request_body(
        anonymous_trailer(),
        unsigned_trailer_headers("x-amz-checksum-crc32", len(data)),
        io.BytesIO(raw),
        content_length=len(raw),
    )

    assert read_in_pieces(body, 97) == data


@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=8192, max_value=12000), max_size=3),
    last=st.integers(min_value=1, max_value=9000),
)
def test_any_signed_split_decodes_to_itself(sizes: list[int], last: int) -> None:
    """Signed chunks of any sizes S3 allows (8 KiB or more but the last) decode to the body."""
    chunks = [bytes([i % 251]) * size for i, size in enumerate([*sizes, last])]
    signer = signed_signer()
    raw = signed_chunks(signer, chunks)

    body = streaming.request_body(signer, {}, io.BytesIO(raw), content_length=len(raw))

    assert read_in_pieces(body, 4096) == b"".join(chunks)


# --- Plain bodies -----------------------------------------------------------------------


def plain(payload: str) -> Signer:
    return Signer("AKID", False, payload, b"k", "s" * 64, SCOPE, AMZ_DATE)


def test_a_plain_body_is_checked_against_its_declared_sha256() -> None:
    """XAmzContentSHA256Mismatch, 400, with ClientComputedContentSHA256 and
    S3ComputedContentSHA256; raised by the read that would end the body."""
    data = b"hello world"
    declared = hashlib.sha256(b"something else").hexdigest()
    body = streaming.request_body(plain(declared), {}, io.BytesIO(data), content_length=len(data))

    error = failure(body)  # the very read that reaches the end raises: no byte comes back

    assert (error.status, error.code) == (400, "XAmzContentSHA256Mismatch")
    assert (
        error.message
        == "The provided 'x-amz-content-sha256' header does not match what was computed."
    )
    assert error.fields == (
        ("ClientComputedContentSHA256", declared),
        ("S3ComputedContentSHA256", hashlib.sha256(data).hexdigest()),
    )
    good = streaming.request_body(
        plain(hashlib.sha256(data).hexdigest()), {}, io.BytesIO(data), content_length=len(data)
    )
    assert read_in_pieces(good, 3) == data


def test_an_unsigned_payload_is_passed_through() -> None:
    data = b"anything"
    body = streaming.request_body(
        plain("UNSIGNED-PAYLOAD"), {}, io.BytesIO(data + b"next request"), content_length=len(data)
    )

    assert read_in_pieces(body) == data


class Endless(io.RawIOBase):
    """A body produced on the fly: `total` bytes of aws-chunked framing, never in memory."""

    def __init__(self, total: int, chunk: int = 1024 * 1024) -> None:
        self._pieces: Iterator[bytes] = self._generate(total, chunk)
        self._pending = memoryview(b"")
        self.crc = 0

    def _generate(self, total: int, chunk: int) -> Iterator[bytes]:
        block = bytes(range(256)) * (chunk // 256)
        sent = 0
        while sent < total:
            piece = block[: min(chunk, total - sent)]
            self.crc = zlib.crc32(piece, self.crc)
            sent += len(piece)
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        yield f"0\r\nx-amz-checksum-crc32:{base64.b64encode(self.crc.to_bytes(4, 'big')).decode()}\r\n\r\n".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            self._pending = memoryview(next(self._pieces, b""))
            if not self._pending:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def test_a_large_upload_is_decoded_in_a_few_mib() -> None:
    """Bodies are never held whole: 64 MiB decode while at most a few MiB are allocated."""
    total = 64 * 1024 * 1024
    source = io.BufferedReader(Endless(total))
    headers = unsigned_trailer_headers("x-amz-checksum-crc32", total)
    tracemalloc.start()
    try:
        body = streaming.request_body(anonymous_trailer(), headers, source, content_length=None)
        decoded = 0
        while piece := body.read(1024 * 1024):
            decoded += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert decoded == total
    assert peak < 8 * 1024 * 1024


def test_a_plain_body_shorter_than_its_content_length_is_incomplete_body() -> None:
    """IncompleteBody, 400, with NumberBytesExpected and NumberBytesProvided."""
    body = streaming.request_body(
        plain("UNSIGNED-PAYLOAD"), {}, io.BytesIO(b"12345"), content_length=10
    )

    error = failure(body)

    assert (error.status, error.code) == (400, "IncompleteBody")
    assert error.fields == (("NumberBytesExpected", "10"), ("NumberBytesProvided", "5"))
