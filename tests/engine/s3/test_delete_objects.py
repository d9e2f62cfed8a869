"""DeleteObjects: up to 1000 keys, an integrity header required, a DeleteResult back."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from s3lab import BUCKET, make_bucket, s3

from simulator.engine import Engine, MemoryStore, S3Response
from simulator.engine.crypto import checksum_b64


def delete_body(*keys: str, quiet: bool | None = None) -> bytes:
    objects = "".join(f"<Object><Key>{key}</Key></Object>" for key in keys)
    flag = "" if quiet is None else f"<Quiet>{'true' if quiet else 'false'}</Quiet>"
    return (
        f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{objects}{flag}</Delete>'.encode()
    )


def md5_header(body: bytes) -> dict[str, str]:
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


def delete(engine: Engine, body: bytes, headers: dict[str, str] | None = None) -> S3Response:
    sent = md5_header(body) if headers is None else headers
    return s3(engine, "POST", query={"delete": ""}, headers=sent, body=body)


def test_delete_objects_removes_every_key_and_its_blob(lab: Engine) -> None:
    """API_DeleteObjects: each key comes back as Deleted; the objects and their blobs are gone."""
    for key in ("a", "b", "c"):
        s3(lab, "PUT", key=key, body=b"x")
    store = lab.store
    assert isinstance(store, MemoryStore)
    response = delete(lab, delete_body("a", "b", "missing"))
    body = response.read().decode()
    assert response.status == 200, body
    assert '<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' in body
    assert re.findall(r"<Deleted><Key>(.*?)</Key></Deleted>", body) == ["a", "b", "missing"]
    assert [key for key, _ in store.scan("object")] == [f"{BUCKET}/c"]
    assert len(store._blobs) == 1


def test_quiet_mode_reports_only_errors(lab: Engine) -> None:
    """API_DeleteObjects: in Quiet mode the result lists only the keys that failed."""
    s3(lab, "PUT", key="a", body=b"x")
    body = delete(lab, delete_body("a", "k" * 1025, quiet=True)).read().decode()
    assert "<Deleted>" not in body
    assert re.findall(r"<Error><Key>k+</Key><Code>(.*?)</Code>", body) == ["KeyTooLongError"]
    assert lab.store.get("object", f"{BUCKET}/a") is None


@pytest.mark.parametrize(
    ("headers", "code", "why"),
    [
        ({}, "InvalidRequest", "no Content-MD5 and no checksum"),
        ({"Content-MD5": base64.b64encode(hashlib.md5(b"other").digest()).decode()}, "BadDigest",
         "Content-MD5 of other bytes"),
        ({"x-amz-checksum-crc32": checksum_b64("CRC32", b"other")}, "BadDigest",
         "a checksum of other bytes"),
    ],
)  # fmt: skip
def test_an_integrity_header_is_required_and_checked(
    lab: Engine, headers: dict[str, str], code: str, why: str
) -> None:
    """aws-cli#400: "Missing required header for this request: Content-MD5"; nothing deleted."""
    s3(lab, "PUT", key="a", body=b"x")
    response = delete(lab, delete_body("a"), headers)
    assert (response.status, response.error_code) == (400, code), why
    if code == "InvalidRequest":
        assert response.error_message == "Missing required header for this request: Content-MD5"
    assert lab.store.get("object", f"{BUCKET}/a") is not None


def test_a_checksum_header_is_accepted_instead_of_content_md5(lab: Engine) -> None:
    """API_DeleteObjects: Content-MD5 or an SDK checksum header satisfies the requirement."""
    body = delete_body("a")
    response = delete(lab, body, {"x-amz-checksum-crc32": checksum_b64("CRC32", body)})
    assert response.status == 200


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"<Delete></Delete>", "no Object"),
        (delete_body(*[f"k{i}" for i in range(1001)]), "1001 keys"),
        (b"<Delete><Object><Key>a</Key><Colour/></Object></Delete>", "an unknown element"),
        (b"<Remove><Object><Key>a</Key></Object></Remove>", "the wrong root"),
        (
            b"<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>",
            "Quiet not boolean",
        ),
        (b"<Delete><Object><Key>a", "not well-formed"),
    ],
)
def test_a_bad_delete_document_is_malformed_xml(lab: Engine, body: bytes, why: str) -> None:
    """API_DeleteObjects: 1 to 1000 keys in a Delete document; anything else is MalformedXML."""
    response = delete(lab, body)
    assert (response.status, response.error_code) == (400, "MalformedXML"), why


def test_a_thousand_keys_are_accepted(lab: Engine) -> None:
    """API_DeleteObjects: "up to 1,000 keys" in one request."""
    response = delete(lab, delete_body(*[f"k{i}" for i in range(1000)], quiet=True))
    assert response.status == 200


def test_delete_objects_in_a_missing_bucket_is_no_such_bucket(engine: Engine) -> None:
    """ErrorResponses: NoSuchBucket 404."""
    response = delete(engine, delete_body("a"))
    assert (response.status, response.error_code) == (404, "NoSuchBucket")


PIECES = st.sampled_from([
    "<Delete>", "</Delete>", "<Object>", "</Object>", "<Key>", "</Key>", "a", "<Quiet>",
    "</Quiet>", "true", "<VersionId>v</VersionId>", "<!DOCTYPE x>", "&amp;", "&e;", "\x00", "é",
])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(PIECES, max_size=14), noise=st.binary(max_size=6))
def test_random_delete_documents_never_give_a_500(pieces: list[str], noise: bytes) -> None:
    """issue 2 (bad input): any body gets a DeleteResult or AWS's 400, never a crash."""
    engine = Engine(store=MemoryStore(), seed=9)
    make_bucket(engine)
    body = "".join(pieces).encode() + noise
    response = delete(engine, body)
    assert response.status in (200, 400), response.body
    if response.status == 400:
        assert response.error_code in ("MalformedXML", "InvalidArgument")


# --------------------------------------------------------------------------- per-key policy

ALICE = "arn:aws:iam::111122223333:user/alice"
OTHER_ACCOUNT = "arn:aws:iam::444455556666:user/eve"


def put_policy(engine: Engine, *statements: dict[str, object]) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    response = s3(engine, "PUT", query={"policy": ""}, body=document.encode())
    assert response.status == 204, response.error_message


def deny_delete(resource: str) -> dict[str, object]:
    return {
        "Sid": "NoDelete",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": resource,
    }


def errors_of(body: str) -> list[tuple[str, str, str]]:
    pattern = r"<Error><Key>(.*?)</Key><Code>(.*?)</Code><Message>(.*?)</Message></Error>"
    return re.findall(pattern, body)


@pytest.mark.parametrize(
    ("resource", "denied", "why"),
    [
        (f"arn:aws:s3:::{BUCKET}/*", ["keep/a", "open/b", "open/c"], "a Deny on every object"),
        (f"arn:aws:s3:::{BUCKET}/keep/*", ["keep/a"], "a Deny on one prefix"),
        (f"arn:aws:s3:::{BUCKET}/open/b", ["open/b"], "a Deny on one key"),
        (f"arn:aws:s3:::{BUCKET}", [], "a Deny on the bucket ARN names no object"),
    ],
)
def test_a_bucket_policy_deny_stops_only_the_keys_it_names(
    lab: Engine, resource: str, denied: list[str], why: str
) -> None:
    """API_DeleteObjects: "For each key, Amazon S3 performs a delete operation and returns
    the result of that delete, success or failure" — a key denied s3:DeleteObject is an
    AccessDenied Error entry and stays; the other keys are deleted; the answer is 200."""
    keys = ["keep/a", "open/b", "open/c"]
    for key in keys:
        s3(lab, "PUT", key=key, body=b"x")
    put_policy(lab, deny_delete(resource))
    response = delete(lab, delete_body(*keys))
    body = response.read().decode()
    assert response.status == 200, why
    assert errors_of(body) == [(key, "AccessDenied", "Access Denied") for key in denied], why
    deleted = re.findall(r"<Deleted><Key>(.*?)</Key></Deleted>", body)
    assert deleted == [key for key in keys if key not in denied], why
    left = [key.split("/", 1)[1] for key, _ in lab.store.scan("object")]
    assert left == denied, why


def test_each_key_decision_is_a_trace_step(lab: Engine) -> None:
    """design §4 / issue 3: every decision is a policy.evaluated step with its explanation."""
    for key in ("a", "b"):
        s3(lab, "PUT", key=key, body=b"x")
    put_policy(lab, deny_delete(f"arn:aws:s3:::{BUCKET}/a"))
    response = delete(lab, delete_body("a", "b", "c"))
    steps = [s for s in response.trace if s.kind == "policy.evaluated"]
    assert [s.detail["resource"] for s in steps] == [
        f"arn:aws:s3:::{BUCKET}/{key}" for key in ("a", "b", "c")
    ]
    assert [s.outcome for s in steps] == ["AccessDenied", "ok", "ok"]
    assert {s.detail["action"] for s in steps} == {"s3:DeleteObject"}
    first = steps[0].decision
    assert first is not None
    assert (first["decision"], first["policy"]) == ("ExplicitDeny", "bucket")
    assert [d["sid"] for d in first["deciding"]] == ["NoDelete"]
    summary = response.trace[-2]
    assert (summary.kind, summary.detail["deleted"], summary.detail["errors"]) == (
        "storage.delete", 2, 1)  # fmt: skip


def test_quiet_mode_still_reports_denied_keys(lab: Engine) -> None:
    """API_DeleteObjects: Quiet mode lists only the keys whose delete failed."""
    s3(lab, "PUT", key="a", body=b"x")
    put_policy(lab, deny_delete(f"arn:aws:s3:::{BUCKET}/a"))
    body = delete(lab, delete_body("a", "b", quiet=True)).read().decode()
    assert errors_of(body) == [("a", "AccessDenied", "Access Denied")]
    assert "<Deleted>" not in body


def test_another_account_needs_an_allow_per_key(lab: Engine) -> None:
    """s3-facts §4 [IAM-EV]: another account needs a bucket-policy Allow; granted on one
    prefix of object ARNs, it deletes there and is refused elsewhere in the same request."""
    for key in ("shared/a", "private/b"):
        s3(lab, "PUT", key=key, body=b"x")
    put_policy(lab, {"Sid": "EveDeletesShared", "Effect": "Allow",
                     "Principal": {"AWS": OTHER_ACCOUNT}, "Action": "s3:DeleteObject",
                     "Resource": f"arn:aws:s3:::{BUCKET}/shared/*"})  # fmt: skip
    body = delete_body("shared/a", "private/b")
    response = s3(lab, "POST", query={"delete": ""}, headers=md5_header(body), body=body,
                  principal=OTHER_ACCOUNT)  # fmt: skip
    text = response.read().decode()
    assert response.status == 200, text
    assert errors_of(text) == [("private/b", "AccessDenied", "Access Denied")]
    assert re.findall(r"<Deleted><Key>(.*?)</Key></Deleted>", text) == ["shared/a"]
    assert lab.store.get("object", f"{BUCKET}/private/b") is not None
