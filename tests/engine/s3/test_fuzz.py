"""Hypothesis: any body round-trips; no header set or XML body ever produces a 500."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from s3lab import BUCKET, CUSTOMER_KEY, customer_headers, make_bucket, s3

from simulator.engine import Engine, MemoryStore

CHUNK = 1 << 20
sizes = st.one_of(
    st.integers(0, 4096),
    st.integers(CHUNK - 40, CHUNK + 40),
    st.integers(2 * CHUNK - 20, 2 * CHUNK + 20),
)

HEADER_NAMES = [
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-MD5",
    "x-amz-checksum-crc32",
    "x-amz-checksum-sha256",
    "x-amz-sdk-checksum-algorithm",
    "x-amz-checksum-mode",
    "Content-MD5",
    "Content-Length",
    "Range",
    "x-amz-meta-a",
    "x-amz-copy-source",
]
HEADER_VALUES = st.one_of(
    st.sampled_from(["AES256", "aws:kms", "aws:kms:dsse", "true", "ENABLED", "bytes=0-3", "CRC32"]),
    st.sampled_from(list(customer_headers(CUSTOMER_KEY).values())),
    st.text(max_size=40),
)


def fresh() -> Engine:
    engine = Engine(store=MemoryStore(), seed=5)
    make_bucket(engine)
    return engine


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=sizes, seed=st.integers(0, 255), start=st.integers(0, 3 * CHUNK))
def test_random_bodies_and_sizes_round_trip(size: int, seed: int, start: int) -> None:
    """design §2: any size, chunk boundaries included, comes back byte for byte."""
    engine = fresh()
    body = bytes((seed + i * 7) & 0xFF for i in range(min(size, 256))) * (size // 256 + 1)
    body = body[:size]
    headers = customer_headers(CUSTOMER_KEY) if seed % 2 else {}
    assert s3(engine, "PUT", key="k", headers=headers, body=body).status == 200
    assert s3(engine, "GET", key="k", headers=headers).read() == body
    if size:
        first = start % size
        ranged = s3(engine, "GET", key="k", headers={**headers, "Range": f"bytes={first}-"})
        assert ranged.read() == body[first:]


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "PUT", "HEAD", "DELETE", "POST"]),
    key=st.one_of(st.just(""), st.text(max_size=20)),
    query=st.dictionaries(
        st.sampled_from(
            [
                "encryption",
                "policy",
                "list-type",
                "max-keys",
                "continuation-token",
                "uploads",
                "prefix",
            ]
        ),
        st.text(max_size=8),
        max_size=2,
    ),
    headers=st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUES, max_size=5),
    body=st.binary(max_size=64),
    secure=st.booleans(),
)
def test_random_header_sets_never_give_a_500(
    method: str, key: str, query: dict[str, str], headers: dict[str, str], body: bytes, secure: bool
) -> None:
    """issue 2 (bad input): malformed headers get AWS's 4xx, never an exception or a 500."""
    engine = fresh()
    s3(engine, "PUT", key="existing", body=b"x")
    response = s3(engine, method, key=key, query=query, headers=headers, body=body, secure=secure)
    assert response.status < 500 or response.status == 501, response.body
    if response.status >= 400:
        assert response.error_code
        assert response.trace[-2].kind == "error"


XML_PIECES = st.sampled_from([
    "<ServerSideEncryptionConfiguration>", "</ServerSideEncryptionConfiguration>", "<Rule>",
    "</Rule>", "<ApplyServerSideEncryptionByDefault>", "</ApplyServerSideEncryptionByDefault>",
    "<SSEAlgorithm>", "</SSEAlgorithm>", "AES256", "aws:kms", "<KMSMasterKeyID>k</KMSMasterKeyID>",
    "<BucketKeyEnabled>true</BucketKeyEnabled>", "<BlockedEncryptionTypes>",
    "</BlockedEncryptionTypes>", "<EncryptionType>SSE-C</EncryptionType>", "<!DOCTYPE x>",
    "&amp;", "&e;", "<![CDATA[x]]>", "<!-- c -->", "\x00", "é",
])  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(XML_PIECES, max_size=14), noise=st.binary(max_size=8))
def test_random_xml_bodies_never_give_a_500(pieces: list[str], noise: bytes) -> None:
    """s3-facts §3: bad configuration XML is MalformedXML/InvalidArgument, never a crash."""
    engine = fresh()
    body = "".join(pieces).encode() + noise
    response = s3(engine, "PUT", BUCKET, query={"encryption": ""}, body=body)
    assert response.status in (200, 400), response.body
    if response.status == 400:
        assert response.error_code in ("MalformedXML", "InvalidArgument")
