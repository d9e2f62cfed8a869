"""Hypothesis: parts of any size, uploaded in any order, round-trip; no Complete body gives a 500."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from s3lab import CUSTOMER_KEY, customer_headers, make_bucket, s3

from simulator.engine import Engine, MemoryStore
from simulator.engine.s3 import multipart

CHUNK = 1 << 20
MIN = 64


def fresh() -> Engine:
    engine = Engine(store=MemoryStore(), seed=11)
    make_bucket(engine)
    return engine


def create(engine: Engine, headers: dict[str, str]) -> str:
    body = s3(engine, "POST", key="k", query={"uploads": ""}, headers=headers).read()
    found = re.search(rb"<UploadId>(.*?)</UploadId>", body)
    assert found is not None
    return found[1].decode()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    sizes=st.lists(st.one_of(st.integers(MIN, 3000), st.integers(CHUNK - 8, CHUNK + 8)),
                   min_size=1, max_size=4),
    last=st.integers(0, 100),
    order=st.randoms(use_true_random=False),
    ssec=st.booleans(),
)  # fmt: skip
def test_random_part_sizes_and_orders_round_trip(
    monkeypatch: pytest.MonkeyPatch, sizes: list[int], last: int, order: object, ssec: bool
) -> None:
    """[MPU]: parts may arrive in any order; the object is their concatenation by number."""
    monkeypatch.setattr(multipart, "MIN_PART_SIZE", MIN)
    engine = fresh()
    headers = customer_headers(CUSTOMER_KEY) if ssec else {}
    bodies = [bytes([n]) * size for n, size in enumerate([*sizes, last], start=1)]
    upload_id = create(engine, headers)
    numbers = list(range(1, len(bodies) + 1))
    order.shuffle(numbers)  # type: ignore[attr-defined]
    etags = {}
    for number in numbers:
        query = {"partNumber": str(number), "uploadId": upload_id}
        response = s3(engine, "PUT", key="k", query=query, headers=headers, body=bodies[number - 1])
        etags[number] = response.headers["ETag"]
    listed = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etags[n]}</ETag></Part>" for n in sorted(etags)
    )
    body = f"<CompleteMultipartUpload>{listed}</CompleteMultipartUpload>".encode()
    done = s3(engine, "POST", key="k", query={"uploadId": upload_id}, body=body)
    assert done.status == 200, done.body
    assert s3(engine, "GET", key="k", headers=headers).read() == b"".join(bodies)


XML_PIECES = st.sampled_from([
    "<CompleteMultipartUpload>", "</CompleteMultipartUpload>", "<Part>", "</Part>",
    "<PartNumber>", "</PartNumber>", "1", "2", "10001", "-1", "<ETag>", "</ETag>", '"x"',
    "<ChecksumCRC64NVME>AAAAAAAAAAA=</ChecksumCRC64NVME>", "<ChecksumSHA256>!</ChecksumSHA256>",
    "<!DOCTYPE x>", "&amp;", "&e;", "\x00", "é",
])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(XML_PIECES, max_size=16), noise=st.binary(max_size=6))
def test_random_complete_bodies_never_give_a_500(pieces: list[str], noise: bytes) -> None:
    """issue 2 (bad input): any Complete body is answered with AWS's 4xx, never a crash."""
    engine = fresh()
    upload_id = create(engine, {})
    s3(engine, "PUT", key="k", query={"partNumber": "1", "uploadId": upload_id}, body=b"x")
    body = "".join(pieces).encode() + noise
    response = s3(engine, "POST", key="k", query={"uploadId": upload_id}, body=body)
    assert response.status in (200, 400), response.body
    if response.status == 400:
        assert response.error_code in ("MalformedXML", "InvalidPart", "InvalidPartOrder")
