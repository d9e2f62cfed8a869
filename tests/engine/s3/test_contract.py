"""One contract, every encryption mode (style: the Django session-backend mixin).

Each mode must: round-trip bytes exactly; refuse to return anything for tampered
ciphertext, always with the same error; fail with a wrong key; and tell the story of
the request from ``request.sent`` to ``response.sent``.
"""

from __future__ import annotations

import pytest
from s3lab import (
    BUCKET,
    OTHER_CUSTOMER_KEY,
    UNBLOCK_SSEC,
    Mode,
    blob_id_of,
    customer_headers,
    s3,
)

from simulator.engine import Engine, MemoryStore
from simulator.engine.trace import trace_to_json

BODY = bytes(range(256)) * 12 + b"the end"  # 3079 bytes: not a multiple of anything


def put(engine: Engine, mode: Mode, key: str = "doc.bin", body: bytes = BODY) -> None:
    response = s3(engine, "PUT", key=key, headers=dict(mode.put_headers), body=body)
    assert response.status == 200, response.body


def get(engine: Engine, mode: Mode, key: str = "doc.bin", **headers: str) -> bytes:
    response = s3(engine, "GET", key=key, headers={**mode.get_headers, **headers})
    assert response.status in (200, 206), response.body
    return bytes(response.read())


def test_an_object_round_trips_byte_for_byte(lab: Engine, mode: Mode) -> None:
    """design §1: stored bytes are real ciphertext that decrypts to the upload."""
    put(lab, mode)
    assert get(lab, mode) == BODY
    assert get(lab, mode, Range="bytes=1000-2999") == BODY[1000:3000]


def test_the_stored_blob_is_not_the_plaintext(lab: Engine, mode: Mode) -> None:
    """s3-facts §6: only ciphertext is at rest, whatever the mode."""
    put(lab, mode)
    blob = lab.store.read_blob(blob_id_of(lab, "doc.bin"))  # type: ignore[attr-defined]
    assert BODY[:64] not in blob
    assert len(blob) > len(BODY)


def _flip_positions(size: int) -> list[int]:
    """Every bit of the 9-byte header, sampled ciphertext bits, every bit of the last tag."""
    header = list(range(9 * 8))
    middle = [8 * p + (p % 8) for p in range(9, size - 16, max(1, (size - 25) // 40))]
    tag = [8 * p + b for p in range(size - 16, size) for b in (0, 7)]
    return header + middle + tag


def test_every_flipped_bit_gives_the_same_error_and_no_plaintext(lab: Engine, mode: Mode) -> None:
    """design §5: tampering is detected; the answer never depends on where the bit was."""
    put(lab, mode)
    store = lab.store
    assert isinstance(store, MemoryStore)
    blob_id = blob_id_of(lab, "doc.bin")
    original = store.read_blob(blob_id)
    answers = set()
    for bit in _flip_positions(len(original)):
        tampered = bytearray(original)
        tampered[bit // 8] ^= 1 << (bit % 8)
        store.replace_blob(blob_id, bytes(tampered))
        response = s3(lab, "GET", key="doc.bin", headers=dict(mode.get_headers))
        body = response.read()
        assert BODY[:32] not in body
        answers.add((response.status, response.error_code))
    store.replace_blob(blob_id, original)
    assert answers == {(500, "InternalError")}
    assert get(lab, mode) == BODY


def test_a_wrong_key_fails_without_plaintext(lab: Engine, mode: Mode) -> None:
    """s3-facts §2: a wrong SSE-C key is 403; for managed keys, another object's key
    material (its encryption record) cannot open this object's blob."""
    put(lab, mode, "a.bin", BODY)
    put(lab, mode, "b.bin", b"another object entirely" * 10)
    if mode.name == "SSE-C":
        response = s3(lab, "GET", key="a.bin", headers=customer_headers(OTHER_CUSTOMER_KEY))
        assert (response.status, response.error_code) == (403, "AccessDenied")
        return
    a = lab.store.get("object", f"{BUCKET}/a.bin")
    b = lab.store.get("object", f"{BUCKET}/b.bin")
    assert a is not None and b is not None
    a["encryption"] = b["encryption"]
    lab.store.put("object", f"{BUCKET}/a.bin", a)
    response = s3(lab, "GET", key="a.bin", headers=dict(mode.get_headers))
    assert response.status >= 400
    assert BODY[:32] not in response.read()


def test_the_trace_begins_with_the_request_and_ends_with_the_response(
    lab: Engine, mode: Mode
) -> None:
    """design §4: every request's story runs from request.sent to response.sent."""
    responses = [
        s3(lab, "PUT", key="doc.bin", headers=dict(mode.put_headers), body=BODY),
        s3(lab, "GET", key="doc.bin", headers=dict(mode.get_headers)),
        s3(lab, "GET", key="missing", headers=dict(mode.get_headers)),
    ]
    for response in responses:
        kinds = [step.kind for step in response.trace]
        assert kinds[:3] == ["request.sent", "tls.transit", "request.received"]
        assert kinds[-1] == "response.sent"
    put_kinds = [step.kind for step in responses[0].trace]
    assert put_kinds.index("sse.resolve") < put_kinds.index("sse.encrypt")
    assert put_kinds.index("sse.encrypt") < put_kinds.index("storage.write")
    encrypt = next(s for s in responses[0].trace if s.kind == "sse.encrypt")
    assert encrypt.keys and encrypt.payload is not None and encrypt.payload.form == "ciphertext"
    failed = [step.kind for step in responses[2].trace]
    assert failed[-2:] == ["error", "response.sent"]
    assert responses[2].trace[-2].outcome == "NoSuchKey"


def test_same_seed_and_requests_give_identical_bytes_ids_and_traces(mode: Mode) -> None:
    """design §1: seeded randomness, so a whole class sees identical bytes."""

    def run() -> tuple[bytes, list[object], list[object]]:
        engine = Engine(store=MemoryStore(), seed="classroom-42")
        s3(engine, "PUT", BUCKET)
        s3(engine, "PUT", BUCKET, query={"encryption": ""}, body=UNBLOCK_SSEC)
        put_response = s3(engine, "PUT", key="doc.bin", headers=dict(mode.put_headers), body=BODY)
        get_response = s3(engine, "GET", key="doc.bin", headers=dict(mode.get_headers))
        store = engine.store
        assert isinstance(store, MemoryStore)
        blob = store.read_blob(blob_id_of(engine, "doc.bin"))
        headers = [put_response.headers, get_response.headers]
        traces = [trace_to_json(put_response.trace), trace_to_json(get_response.trace)]
        return blob, list(headers), list(traces)

    first, second = run(), run()
    assert first == second
    other = Engine(store=MemoryStore(), seed="another-class")
    s3(other, "PUT", BUCKET)
    assert s3(other, "GET", BUCKET).headers["x-amz-request-id"] != first[1][0]["x-amz-request-id"]  # type: ignore[index]


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 5])
def test_sizes_around_the_chunk_boundary_round_trip(lab: Engine, size: int) -> None:
    """design §2: the chunked blob format holds any size, chunk edges included."""
    body = (b"0123456789abcdef" * (size // 16 + 1))[:size]
    assert s3(lab, "PUT", key="edge", body=body).status == 200
    response = s3(lab, "GET", key="edge")
    assert response.read() == body
    assert response.headers["Content-Length"] == str(size)
