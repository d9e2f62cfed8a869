"""Multipart uploads in every mode: parts under the upload's key, Complete's rules (s3-facts §2, §3, §5, §7)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping

import pytest
from s3lab import (
    BUCKET,
    CUSTOMER_KEY,
    OTHER_CUSTOMER_KEY,
    Mode,
    customer_headers,
    record_data_events,
    s3,
)

from simulator.engine import Engine, MemoryStore, S3Response
from simulator.engine.audit import list_events
from simulator.engine.crypto import checksum_b64
from simulator.engine.s3 import multipart

SSE = "x-amz-server-side-encryption"
SMALL = 1024  # the lowered minimum part size of these tests
INITIATED = (
    "The multipart upload initiate requested encryption. Subsequent part requests must "
    "include the appropriate encryption parameters."
)
MISMATCH = "The provided encryption parameters did not match the ones used originally."


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lab scenario lowers the 5 MiB minimum so parts can be a few KiB."""
    monkeypatch.setattr(multipart, "MIN_PART_SIZE", SMALL)


def ssec_only(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if "-customer-" in k}


def create(engine: Engine, headers: Mapping[str, str] | None = None, key: str = "big") -> str:
    response = s3(engine, "POST", key=key, query={"uploads": ""}, headers=dict(headers or {}))
    assert response.status == 200, response.body
    found = re.search(rb"<UploadId>(.*?)</UploadId>", response.read())
    assert found is not None
    return found[1].decode()


def part(
    engine: Engine, upload_id: str, number: int | str, body: bytes,
    headers: Mapping[str, str] | None = None, key: str = "big",
) -> S3Response:  # fmt: skip
    query = {"partNumber": str(number), "uploadId": upload_id}
    return s3(engine, "PUT", key=key, query=query, headers=dict(headers or {}), body=body)


def complete_body(etags: Mapping[int, str]) -> bytes:
    listed = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in etags.items()
    )
    return f"<CompleteMultipartUpload>{listed}</CompleteMultipartUpload>".encode()


def complete(
    engine: Engine, upload_id: str, body: bytes, headers: Mapping[str, str] | None = None,
    key: str = "big",
) -> S3Response:  # fmt: skip
    query = {"uploadId": upload_id}
    return s3(engine, "POST", key=key, query=query, body=body, headers=dict(headers or {}))


def upload(
    engine: Engine, bodies: list[bytes], headers: Mapping[str, str] | None = None,
    key: str = "big",
) -> tuple[str, S3Response]:  # fmt: skip
    """Create, upload every body as a part, complete; returns the upload id and Complete."""
    upload_id = create(engine, headers, key)
    etags = {}
    for number, body in enumerate(bodies, start=1):
        response = part(engine, upload_id, number, body, ssec_only(headers or {}), key)
        assert response.status == 200, response.body
        etags[number] = response.headers["ETag"]
    done = complete(engine, upload_id, complete_body(etags), key=key)
    return upload_id, done


BODIES = [bytes(range(256)) * 8, b"middle part " * 200, b"the last, short part"]
WHOLE = b"".join(BODIES)


def part_blobs(engine: Engine, key: str = "big") -> list[str]:
    record = engine.store.get("object", f"{BUCKET}/{key}")
    assert record is not None
    return [p["blob_id"] for p in record["parts"]]


# --------------------------------------------------------------------------- every mode


def test_a_multipart_object_round_trips_in_every_mode(
    lab: Engine, mode: Mode, small_parts: None
) -> None:
    """design §1 contract: parts written in each mode read back whole and by ranges across parts."""
    _, done = upload(lab, BODIES, mode.put_headers)
    assert done.status == 200, done.body
    get = dict(mode.get_headers)
    assert s3(lab, "GET", key="big", headers=get).read() == WHOLE
    for first, last in ((2040, 2060), (0, len(WHOLE) - 1), (len(WHOLE) - 5, len(WHOLE) - 1)):
        ranged = s3(lab, "GET", key="big", headers={**get, "Range": f"bytes={first}-{last}"})
        assert ranged.read() == WHOLE[first : last + 1]
    assert s3(lab, "HEAD", key="big", headers=get).headers["Content-Length"] == str(len(WHOLE))


def test_tampering_with_any_part_gives_the_same_error(
    lab: Engine, mode: Mode, small_parts: None
) -> None:
    """design §5: a flipped byte in any part's blob, or two parts swapped, never reads back."""
    upload(lab, BODIES, mode.put_headers)
    store = lab.store
    assert isinstance(store, MemoryStore)
    blobs = part_blobs(lab)
    answers = set()
    for blob_id in blobs:
        original = store.read_blob(blob_id)
        for position in (0, 12, len(original) // 2, len(original) - 1):
            tampered = bytearray(original)
            tampered[position] ^= 0x01
            store.replace_blob(blob_id, bytes(tampered))
            response = s3(lab, "GET", key="big", headers=dict(mode.get_headers))
            assert WHOLE[:32] not in response.read()
            answers.add((response.status, response.error_code))
        store.replace_blob(blob_id, original)
    first, second = store.read_blob(blobs[0]), store.read_blob(blobs[1])
    store.replace_blob(blobs[0], second)
    store.replace_blob(blobs[1], first)
    swapped = s3(lab, "GET", key="big", headers=dict(mode.get_headers))
    answers.add((swapped.status, swapped.error_code))
    assert answers == {(500, "InternalError")}


def test_each_part_is_encrypted_and_traced_on_its_own(lab: Engine, small_parts: None) -> None:
    """design §4: every UploadPart shows sse.encrypt with its part number and ciphertext."""
    upload_id = create(lab)
    response = part(lab, upload_id, 7, b"x" * 3000)
    encrypt = next(step for step in response.trace if step.kind == "sse.encrypt")
    assert encrypt.detail["part_number"] == 7
    assert encrypt.payload is not None and encrypt.payload.form == "ciphertext"
    assert {k.role for k in encrypt.keys} >= {"root_key", "data_key"}


# --------------------------------------------------------------------------- SSE-C rules


@pytest.mark.parametrize(
    ("create_headers", "part_headers", "message", "why"),
    [
        (customer_headers(CUSTOMER_KEY), {}, INITIATED, "an SSE-C upload's part without the key"),
        (customer_headers(CUSTOMER_KEY), customer_headers(OTHER_CUSTOMER_KEY), MISMATCH,
         "a part with another key"),
        ({}, customer_headers(CUSTOMER_KEY), INITIATED, "SSE-C headers on a non-SSE-C upload"),
    ],
)  # fmt: skip
def test_parts_of_an_sse_c_upload_carry_the_same_key(
    lab: Engine,
    create_headers: dict[str, str],
    part_headers: dict[str, str],
    message: str,
    why: str,
) -> None:
    """s3-facts §2: UploadPart SSE-C rules — 400 InvalidRequest with AWS's words."""
    upload_id = create(lab, create_headers)
    response = part(lab, upload_id, 1, b"x", part_headers)
    assert (response.status, response.error_code, response.error_message) == (
        400, "InvalidRequest", message), why  # fmt: skip
    assert not any(lab.store.scan("part"))


def test_sse_c_upload_parts_echo_the_key_md5(lab: Engine) -> None:
    """s3-facts §1 [LS]: CreateMPU and UploadPart carry the SSE-C algorithm and key MD5."""
    headers = customer_headers(CUSTOMER_KEY)
    md5 = headers["x-amz-server-side-encryption-customer-key-MD5"]
    created = s3(lab, "POST", key="big", query={"uploads": ""}, headers=headers)
    assert created.headers["x-amz-server-side-encryption-customer-key-MD5"] == md5
    assert SSE not in created.headers
    upload_id = re.search(rb"<UploadId>(.*?)</UploadId>", created.read())[1].decode()  # type: ignore[index]
    response = part(lab, upload_id, 1, b"x", headers)
    assert response.headers["x-amz-server-side-encryption-customer-key-MD5"] == md5


def test_complete_needs_sse_c_headers_only_when_a_checksum_algorithm_was_used(
    lab: Engine,
) -> None:
    """s3-facts §7 [BC-S3]: SSE-C headers at Complete are required only with a checksum algorithm;
    CompleteMPU returns no SSE-C headers (s3-facts §1)."""
    headers = customer_headers(CUSTOMER_KEY)
    _, plain = upload(lab, [b"one part"], headers)
    assert plain.status == 200, plain.body
    assert not any("customer" in name for name in plain.headers)
    with_sum = {**headers, "x-amz-checksum-algorithm": "SHA256"}
    upload_id = create(lab, with_sum)
    etag = part(lab, upload_id, 1, b"one part", headers).headers["ETag"]
    missing = complete(lab, upload_id, complete_body({1: etag}))
    assert (missing.status, missing.error_code, missing.error_message) == (
        400, "InvalidRequest", INITIATED)  # fmt: skip
    assert complete(lab, upload_id, complete_body({1: etag}), headers).status == 200


def test_an_sse_c_upload_to_a_blocked_bucket_is_denied(engine: Engine) -> None:
    """s3-facts §3 [BLOCK]: multipart SSE-C writes to a blocked bucket → 403."""
    s3(engine, "PUT", BUCKET)
    response = s3(engine, "POST", key="big", query={"uploads": ""},
                  headers=customer_headers(CUSTOMER_KEY))  # fmt: skip
    assert (response.status, response.error_code) == (403, "AccessDenied")


# --------------------------------------------------------------------------- Complete's rules


def test_parts_below_5_mib_but_the_last_are_entity_too_small(lab: Engine) -> None:
    """[MPU]: every part but the last must be at least 5 MiB (AWS's default minimum)."""
    assert multipart.MIN_PART_SIZE == 5 * 1024 * 1024
    _, done = upload(lab, [b"a" * 100, b"b" * 100])
    assert (done.status, done.error_code) == (400, "EntityTooSmall")
    assert lab.store.get("object", f"{BUCKET}/big") is None
    _, single = upload(lab, [b"a lone small part is also the last"])
    assert single.status == 200


@pytest.mark.parametrize("number", ["0", "10001", "x", ""])
def test_part_numbers_run_from_1_to_10000(lab: Engine, number: str) -> None:
    """UploadPart: "Part numbers can be any number from 1 to 10,000, inclusive"."""
    upload_id = create(lab)
    response = part(lab, upload_id, number, b"x")
    assert (response.status, response.error_code) == (400, "InvalidArgument")
    assert part(lab, upload_id, 10000, b"x").status == 200


def test_complete_checks_order_etags_and_presence(lab: Engine, small_parts: None) -> None:
    """CompleteMultipartUpload: InvalidPartOrder, InvalidPart, MalformedXML; nothing written."""
    upload_id = create(lab)
    etags = {n: part(lab, upload_id, n, b"p" * SMALL).headers["ETag"] for n in (1, 2)}
    cases = [
        (complete_body({2: etags[2], 1: etags[1]}), "InvalidPartOrder"),
        (complete_body({1: etags[1], 2: '"' + "0" * 32 + '"'}), "InvalidPart"),
        (complete_body({1: etags[1], 3: etags[2]}), "InvalidPart"),
        (b"<CompleteMultipartUpload></CompleteMultipartUpload>", "MalformedXML"),
        (b"<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part>"
         b"</CompleteMultipartUpload>", "MalformedXML"),
    ]  # fmt: skip
    for body, code in cases:
        response = complete(lab, upload_id, body)
        assert (response.status, response.error_code) == (400, code), body
    assert lab.store.get("object", f"{BUCKET}/big") is None
    assert complete(lab, upload_id, complete_body(etags)).status == 200


def test_abort_frees_the_parts_and_later_calls_get_no_such_upload(
    lab: Engine, small_parts: None
) -> None:
    """AbortMultipartUpload: 204, parts and their blobs gone, then 404 NoSuchUpload."""
    store = lab.store
    assert isinstance(store, MemoryStore)
    blobs_before = set(store._blobs)
    upload_id = create(lab)
    etag = part(lab, upload_id, 1, b"x" * 10).headers["ETag"]
    assert s3(lab, "DELETE", key="big", query={"uploadId": upload_id}).status == 204
    assert set(store._blobs) == blobs_before and not any(store.scan("part"))
    for response in (
        part(lab, upload_id, 2, b"x"),
        complete(lab, upload_id, complete_body({1: etag})),
        s3(lab, "DELETE", key="big", query={"uploadId": upload_id}),
        s3(lab, "GET", key="big", query={"uploadId": upload_id}),
    ):
        assert (response.status, response.error_code) == (404, "NoSuchUpload")


def test_unlisted_parts_are_freed_at_complete(lab: Engine, small_parts: None) -> None:
    """CompleteMultipartUpload: parts not listed are not part of the object; their blobs go."""
    store = lab.store
    assert isinstance(store, MemoryStore)
    upload_id = create(lab)
    etags = {n: part(lab, upload_id, n, bytes([n]) * SMALL).headers["ETag"] for n in (1, 2, 3)}
    del etags[2]
    assert complete(lab, upload_id, complete_body(etags)).status == 200
    assert s3(lab, "GET", key="big").read() == b"\x01" * SMALL + b"\x03" * SMALL
    assert set(part_blobs(lab)) == set(store._blobs) - _single_blobs(lab)


def _single_blobs(engine: Engine) -> set[str]:
    return {r["blob_id"] for _, r in engine.store.scan("object") if not r["parts"]}


# --------------------------------------------------------------------------- ETag, checksums


def test_the_etag_is_hex_dash_parts_never_an_md5(lab: Engine, small_parts: None) -> None:
    """s3-facts §7: multipart → ``<hex>-<parts>``, never the MD5 of the data, even for SSE-S3."""
    _, done = upload(lab, BODIES)
    assert re.search(r'<ETag>"[0-9a-f]{32}-3"</ETag>', done.read().decode())
    head = s3(lab, "HEAD", key="big").headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}-3"', head)
    assert head.strip('"').split("-")[0] != hashlib.md5(WHOLE).hexdigest()


def test_the_default_checksum_is_a_full_object_crc64nvme(lab: Engine, small_parts: None) -> None:
    """s3-facts §7: with no algorithm S3 adds CRC64NVME over the whole plaintext, SSE-C included."""
    headers = customer_headers(CUSTOMER_KEY)
    _, done = upload(lab, BODIES, headers)
    body = done.read().decode()
    assert f"<ChecksumCRC64NVME>{checksum_b64('CRC64NVME', WHOLE)}</ChecksumCRC64NVME>" in body
    assert "<ChecksumType>FULL_OBJECT</ChecksumType>" in body


@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [("SHA256", "COMPOSITE"), ("CRC32", "COMPOSITE"), ("CRC32", "FULL_OBJECT")],
)
def test_a_chosen_checksum_is_per_part_and_composite_or_full(
    lab: Engine, small_parts: None, algorithm: str, kind: str
) -> None:
    """s3-facts §7: checksums cover the plaintext; a composite is the checksum of the parts'
    checksums with ``-<parts>``; a full-object CRC equals the CRC of the whole body."""
    headers = {"x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": kind}
    upload_id = create(lab, headers)
    name = f"x-amz-checksum-{algorithm.lower()}"
    etags = {}
    for number, body in enumerate(BODIES, start=1):
        response = part(lab, upload_id, number, body, {name: checksum_b64(algorithm, body)})
        assert response.headers[name] == checksum_b64(algorithm, body)
        etags[number] = response.headers["ETag"]
    done = complete(lab, upload_id, complete_body(etags)).read().decode()
    if kind == "COMPOSITE":
        digests = b"".join(base64.b64decode(checksum_b64(algorithm, b)) for b in BODIES)
        expected = checksum_b64(algorithm, digests) + "-3"
    else:
        expected = checksum_b64(algorithm, WHOLE)
    assert f"<Checksum{algorithm}>{expected}</Checksum{algorithm}>" in done
    assert f"<ChecksumType>{kind}</ChecksumType>" in done


def test_a_part_checksum_of_another_algorithm_is_refused(lab: Engine) -> None:
    """Flexible checksums: a part's checksum must use the upload's algorithm."""
    upload_id = create(lab, {"x-amz-checksum-algorithm": "SHA256"})
    response = part(lab, upload_id, 1, b"x", {"x-amz-checksum-crc32": checksum_b64("CRC32", b"x")})
    assert (response.status, response.error_code) == (400, "InvalidRequest")


# --------------------------------------------------------------------------- KMS, audit, headers


def test_sse_kms_makes_one_data_key_at_create_and_decrypts_it_for_parts(
    kms_lab: Engine, small_parts: None
) -> None:
    """s3-facts §5: multipart needs kms:GenerateDataKey (once, at create) and kms:Decrypt."""

    def count(name: str) -> int:
        return sum(1 for e in list_events(kms_lab) if e["eventName"] == name)

    upload_id = create(kms_lab, {SSE: "aws:kms"})
    assert (count("GenerateDataKey"), count("Decrypt")) == (1, 0)
    etags = {n: part(kms_lab, upload_id, n, b"k" * SMALL).headers["ETag"] for n in (1, 2)}
    assert count("GenerateDataKey") == 1 and count("Decrypt") == 2
    done = complete(kms_lab, upload_id, complete_body(etags))
    assert done.headers[SSE] == "aws:kms"
    assert done.headers["x-amz-server-side-encryption-aws-kms-key-id"].startswith("arn:aws:kms:")
    assert "x-amz-server-side-encryption-context" not in done.headers


@pytest.mark.parametrize(
    ("headers", "applied"),
    [
        ({}, "Default_SSE_S3"),
        ({SSE: "AES256"}, "SSE_S3"),
        (customer_headers(CUSTOMER_KEY), "SSE_C"),
    ],
)
def test_sse_applied_is_on_the_initiate_call(
    lab: Engine, headers: dict[str, str], applied: str
) -> None:
    """s3-facts §3 [TRACK]: for multipart uploads SSEApplied is on CreateMultipartUpload."""
    record_data_events(lab)
    create(lab, headers)
    event = [e for e in list_events(lab) if e["eventName"] == "CreateMultipartUpload"][-1]
    assert event["additionalEventData"]["SSEApplied"] == applied
    assert event["eventCategory"] == "Data"


# --------------------------------------------------------------------------- part copy, list


def test_upload_part_copy_takes_a_range_of_an_sse_c_source(
    kms_lab: Engine, small_parts: None
) -> None:
    """UploadPartCopy: x-amz-copy-source(-range) and the copy-source SSE-C trio (s3-facts §1)."""
    s3(kms_lab, "PUT", key="src", headers=customer_headers(CUSTOMER_KEY), body=WHOLE)
    source = {
        k.replace("x-amz-server-side-encryption", "x-amz-copy-source-server-side-encryption"): v
        for k, v in customer_headers(CUSTOMER_KEY).items()
    }
    upload_id = create(kms_lab, {SSE: "aws:kms"})
    headers = {"x-amz-copy-source": f"{BUCKET}/src", "x-amz-copy-source-range": "bytes=0-2047"}
    without = part(kms_lab, upload_id, 1, b"", headers)
    assert (without.status, without.error_code) == (400, "InvalidRequest")
    copied = part(kms_lab, upload_id, 1, b"", {**headers, **source})
    assert copied.status == 200, copied.body
    etag = re.search(r"<ETag>(.*?)</ETag>", copied.read().decode())
    assert etag is not None
    bad_range = {**headers, **source, "x-amz-copy-source-range": "bytes=9-99999"}
    bad = part(kms_lab, upload_id, 3, b"", bad_range)
    assert (bad.status, bad.error_code) == (400, "InvalidArgument")
    second = part(kms_lab, upload_id, 2, b"tail")
    done = complete(kms_lab, upload_id, complete_body({1: etag[1], 2: second.headers["ETag"]}))
    assert done.status == 200, done.body
    assert s3(kms_lab, "GET", key="big").read() == WHOLE[:2048] + b"tail"


def test_list_parts_shows_numbers_sizes_etags_and_checksums(lab: Engine) -> None:
    """ListParts: a ListPartsResult with every uploaded part, paged by max-parts."""
    upload_id = create(lab)
    etags = [part(lab, upload_id, n, b"z" * n).headers["ETag"] for n in (1, 2, 3)]
    body = s3(lab, "GET", key="big", query={"uploadId": upload_id}).read().decode()
    assert re.findall(r"<PartNumber>(\d+)</PartNumber>", body) == ["1", "2", "3"]
    assert re.findall(r"<Size>(\d+)</Size>", body) == ["1", "2", "3"]
    assert all(f"<ETag>{etag}</ETag>" in body for etag in etags)
    assert checksum_b64("CRC64NVME", b"zz") in body
    page = s3(lab, "GET", key="big", query={"uploadId": upload_id, "max-parts": "2"}).read()
    assert b"<IsTruncated>true</IsTruncated>" in page and b"<NextPartNumberMarker>2<" in page


# --------------------------------------------------------------------------- with the rest


def test_multipart_objects_copy_update_overwrite_and_delete_cleanly(
    kms_lab: Engine, small_parts: None
) -> None:
    """A completed upload is an object like any other: CopyObject reads across its parts,
    UpdateObjectEncryption keeps every part blob, PUT and DELETE free them (design §5)."""
    store = kms_lab.store
    assert isinstance(store, MemoryStore)
    upload(kms_lab, BODIES)
    blobs = {b: store.read_blob(b) for b in part_blobs(kms_lab)}
    copied = s3(kms_lab, "PUT", key="copy", headers={"x-amz-copy-source": f"{BUCKET}/big"})
    assert copied.status == 200 and s3(kms_lab, "GET", key="copy").read() == WHOLE
    arn = kms_lab.kms("CreateKey", {})["KeyMetadata"]["Arn"]
    document = (f"<ObjectEncryption><SSE-KMS><KMSKeyArn>{arn}</KMSKeyArn></SSE-KMS>"
                "</ObjectEncryption>").encode()  # fmt: skip
    assert s3(kms_lab, "PUT", key="big", query={"encryption": ""}, body=document).status == 200
    assert {b: store.read_blob(b) for b in part_blobs(kms_lab)} == blobs
    assert s3(kms_lab, "GET", key="big").read() == WHOLE
    s3(kms_lab, "PUT", key="big", body=b"small now")
    assert not set(blobs) & set(store._blobs)
    upload(kms_lab, BODIES, key="again")
    again = part_blobs(kms_lab, "again")
    assert s3(kms_lab, "DELETE", key="again").status == 204
    assert not set(again) & set(store._blobs)


def test_dsse_parts_of_several_chunks_read_back_whole_and_in_ranges(
    kms_lab: Engine, small_parts: None
) -> None:
    """s3-facts §5 [DSSE]: each part has two layers; the outer one wraps the inner blob,
    whose size the part keeps, across every 1 MiB chunk of both layers."""
    chunk = 1 << 20
    bodies = [bytes([n]) * (2 * chunk + 100) for n in (1, 2)]
    _, done = upload(kms_lab, bodies, {"x-amz-server-side-encryption": "aws:kms:dsse"})
    assert done.status == 200, done.body
    whole = b"".join(bodies)
    assert s3(kms_lab, "GET", key="big").read() == whole
    start, end = chunk - 7, 2 * chunk + 300
    ranged = s3(kms_lab, "GET", key="big", headers={"Range": f"bytes={start}-{end}"})
    assert ranged.status == 206 and ranged.read() == whole[start : end + 1]
