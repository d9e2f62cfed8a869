"""Objects written by an earlier lab stay readable: known answers for the at-rest format.

A sandbox keeps its records and blobs across upgrades of the lab, so the bytes at rest
are a format (pyca's habit: every format has known-answer vectors). The vectors in
tests/vectors/s3-at-rest.json are a MemoryStore after one PUT per mode, written by this
lab with a seeded engine; a fresh engine with the same seed must read every object back.
A change to how data keys are wrapped or bound (their AAD), or to the blob format, breaks
this test; it is then a change of format, which old sandboxes would not survive. Only
for such a deliberate change, write new vectors with
``.venv/bin/python tests/engine/s3/test_at_rest_known_answers.py``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from s3lab import CUSTOMER_KEY, customer_headers, make_bucket, s3

from simulator.engine import Engine, MemoryStore

PATH = Path(__file__).resolve().parents[2] / "vectors" / "s3-at-rest.json"
VECTORS = json.loads(PATH.read_text())
# A context of two keys out of order: the lab binds it, sorted, to the wrapped key.
CONTEXT = base64.b64encode(json.dumps({"team": "blue", "course": "lab"}).encode()).decode()
SSE = "x-amz-server-side-encryption"
# key: (the PUT's headers, the SSE header a GET answers, the GET's headers)
OBJECTS = {
    "sse-s3.txt": ({SSE: "AES256"}, "AES256", {}),
    "sse-kms.txt": ({SSE: "aws:kms", f"{SSE}-context": CONTEXT}, "aws:kms", {}),
    "bucket-key.txt": (
        {SSE: "aws:kms", f"{SSE}-bucket-key-enabled": "true", f"{SSE}-context": CONTEXT},
        "aws:kms",
        {},
    ),
    "dsse.txt": ({SSE: "aws:kms:dsse"}, "aws:kms:dsse", {}),
    "sse-c.txt": (customer_headers(CUSTOMER_KEY), None, customer_headers(CUSTOMER_KEY)),
}


def _restored() -> Engine:
    store = MemoryStore()
    for kind, record_id, record in VECTORS["records"]:
        store.put(kind, record_id, record)
    for blob_id, data in VECTORS["blobs"].items():
        store.write_blob(blob_id, [base64.b64decode(data)])
    return Engine(store=store, seed=VECTORS["seed"])


@pytest.mark.parametrize("key", OBJECTS)
def test_an_object_written_by_the_lab_reads_back(key: str) -> None:
    _, algorithm, headers = OBJECTS[key]
    response = s3(_restored(), "GET", key=key, headers=headers)
    assert response.status == 200, response.body
    assert response.read() == f"plaintext of {key}".encode()
    assert response.headers.get("x-amz-server-side-encryption") == algorithm


@pytest.mark.parametrize("key", OBJECTS)
def test_a_flipped_byte_at_rest_is_caught(key: str) -> None:
    """s3-facts §6: AES-GCM authenticates what it decrypts; a changed byte fails the read."""
    engine = _restored()
    store = engine.store
    assert isinstance(store, MemoryStore)
    record = store.get("object", f"lab-bucket/{key}")
    assert record is not None
    blob_id = record["blob_id"]
    data = bytearray(store.read_blob(blob_id))
    data[-1] ^= 1
    store.replace_blob(blob_id, bytes(data))
    response = s3(engine, "GET", key=key, headers=OBJECTS[key][2])
    assert response.status == 500


def write_vectors() -> str:
    """The vectors file for the current format (run this module as a script)."""
    store = MemoryStore()
    engine = Engine(store=store, seed=20261207)
    make_bucket(engine)
    for key, (headers, _, _) in OBJECTS.items():
        put = s3(engine, "PUT", key=key, headers=headers, body=f"plaintext of {key}".encode())
        assert put.status == 200, put.body
    vectors = {
        "comment": "Written by tests/engine/s3/test_at_rest_known_answers.py; see its docstring.",
        "seed": 20261207,
        # The store's own key order is kept: a reader must not depend on it.
        "records": [[k, i, r] for k, i, r in store.records() if k != "audit"],
        "blobs": {b: base64.b64encode(store.read_blob(b)).decode() for b in store.blob_ids()},
    }
    return json.dumps(vectors, indent=1) + "\n"


if __name__ == "__main__":
    PATH.write_text(write_vectors())
