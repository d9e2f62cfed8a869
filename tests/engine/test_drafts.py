"""``drafts.decide``: a draft bucket policy tried on requests before it is saved.

The decisions must be the ones S3 makes when the policy is saved and the requests are
really sent (s3-facts §4), and trying a draft must change nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from simulator.engine import Engine, MemoryStore, S3Error, S3Request, drafts
from simulator.engine import vocabulary as v
from simulator.engine.trace import PolicyEvaluated
from simulator.quiz import policies

BUCKET = "draft-bucket"
KEY = "k.txt"
ALICE = v.user_arn(v.ALICE)
BOB = v.user_arn(v.BOB)
SSEC = v.customer_key_headers(bytes(range(32)))
ENVELOPE = {"x-amz-meta-x-amz-key-v2": "AAAA", "x-amz-meta-x-amz-cek-alg": "AES/GCM/NoPadding"}

# (row, headers): the request headers of each kind of upload.
ROWS: list[tuple[str, dict[str, str]]] = [
    ("no header", {}),
    ("AES256", {v.SSE: v.AES256}),
    ("aws:kms", {v.SSE: v.AWS_KMS}),
    ("aws:kms:dsse", {v.SSE: v.AWS_KMS_DSSE}),
    ("SSE-C", SSEC),
    ("CSE: no SSE header, the envelope as metadata", ENVELOPE),
]
CALLERS = [ALICE, BOB, v.ANONYMOUS]


def _engine() -> Engine:
    engine = Engine(store=MemoryStore(), seed=7)
    assert engine.s3(S3Request("PUT", BUCKET)).status == 200
    return engine


def _put(headers: dict[str, str], principal: str = ALICE, secure: bool = True) -> S3Request:
    return S3Request(
        "PUT", BUCKET, KEY, headers=headers, body=b"x", secure=secure, principal=principal
    )


def _snapshot(engine: Engine) -> list[tuple[str, str, dict[str, Any]]]:
    store = engine.store
    assert isinstance(store, MemoryStore)
    return sorted(store.records(), key=lambda r: (r[0], r[1]))


def test_the_course_policy_denies_all_but_aes256_and_names_the_deciding_statement() -> None:
    # s3-facts §4: a lone StringNotEquals already denies a header-less PUT, the Null
    # statement too; SSE-C PUTs carry no x-amz-server-side-encryption; aws:kms:dsse
    # fails a StringNotEquals AES256 test.
    engine = _engine()
    draft = policies.document("require-aes256", BUCKET)
    checks = drafts.decide(engine, BUCKET, draft, [_put(h) for _, h in ROWS])
    got = {
        row: (c.decision, {s.sid for s in c.statements})
        for (row, _), c in zip(ROWS, checks, strict=True)
    }
    both = {"DenyIncorrectEncryptionHeader", "DenyUnEncryptedObjectUploads"}
    assert got["no header"] == ("ExplicitDeny", both)
    assert got["AES256"] == ("Allow", {"AllowS3AndKMS"})  # alice's identity policy
    assert got["aws:kms"] == ("ExplicitDeny", {"DenyIncorrectEncryptionHeader"})
    assert got["aws:kms:dsse"] == ("ExplicitDeny", {"DenyIncorrectEncryptionHeader"})
    assert got["SSE-C"] == ("ExplicitDeny", both)
    assert got["CSE: no SSE header, the envelope as metadata"] == ("ExplicitDeny", both)
    assert checks[1].statements[0].policy == "identity"
    assert checks[0].policy == "bucket" and "explicit deny" in checks[0].message


def test_the_decisions_are_those_of_the_requests_really_sent() -> None:
    """Save each policy, send every request, and compare with the draft's decisions."""
    requests = [
        _put(headers, principal, secure)
        for _, headers in ROWS
        for secure in (True, False)
        for principal in CALLERS
    ]
    for code in ("require-aes256", "require-kms", "enforce-tls", "forbid-ssec", ""):
        engine = _engine()
        draft = policies.document(code, BUCKET) if code else ""
        checks = drafts.decide(engine, BUCKET, draft, requests)
        if draft:
            saved = engine.s3(S3Request("PUT", BUCKET, query={"policy": ""}, body=draft.encode()))
            assert saved.status == 204
        for request, check in zip(requests, checks, strict=True):
            sent = engine.s3(request)
            # S3's own decision, not a KMS key policy's later in the trace.
            step = [s for s in sent.trace if isinstance(s, PolicyEvaluated)
                    and s.decision is not None and s.decision["service"] == "s3"][-1]  # fmt: skip
            assert step.decision is not None
            assert (code, check.decision) == (code, step.decision["decision"]), request
            sids = [d["sid"] for d in step.decision["deciding"]]
            assert [s.sid for s in check.statements] == sids
            assert (sent.status == 403) == (not check.allowed), (code, request, sent.status)


def test_an_edit_of_the_draft_changes_the_decision() -> None:
    engine = _engine()
    aes = drafts.decide(engine, BUCKET, policies.document("require-aes256", BUCKET),
                        [_put({v.SSE: v.AWS_KMS})])  # fmt: skip
    kms = drafts.decide(engine, BUCKET, policies.document("require-kms", BUCKET),
                        [_put({v.SSE: v.AWS_KMS})])  # fmt: skip
    assert (aes[0].decision, kms[0].decision) == ("ExplicitDeny", "Allow")


def test_the_draft_replaces_the_saved_policy_and_an_empty_draft_means_none() -> None:
    engine = _engine()
    saved = policies.document("require-aes256", BUCKET).encode()
    assert engine.s3(S3Request("PUT", BUCKET, query={"policy": ""}, body=saved)).status == 204
    [check] = drafts.decide(engine, BUCKET, "  ", [_put({})])
    assert check.decision == "Allow"
    [anonymous] = drafts.decide(engine, BUCKET, "", [_put({}, v.ANONYMOUS)])
    assert (anonymous.decision, anonymous.policy) == ("ImplicitDeny", None)


def test_anonymous_callers_are_allowed_only_by_the_bucket_policy() -> None:
    engine = _engine()
    draft = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicUploads", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})  # fmt: skip
    [check] = drafts.decide(engine, BUCKET, draft, [_put({}, v.ANONYMOUS)])
    assert (check.decision, check.policy) == ("Allow", "bucket")
    assert [s.sid for s in check.statements] == ["PublicUploads"]


def test_an_ssec_write_to_a_bucket_that_blocks_sse_c_is_denied_by_the_setting() -> None:
    # [BLOCK]: a blocked bucket rejects SSE-C writes with 403 AccessDenied.
    engine = _engine()
    body = (
        b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
        b"<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>"
        b"</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    )
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    put = S3Request("PUT", BUCKET, query={"encryption": ""}, body=body,
                    headers={"Content-MD5": md5})  # fmt: skip
    assert engine.s3(put).status == 200
    [check] = drafts.decide(engine, BUCKET, "", [_put(SSEC)])
    assert (check.decision, check.policy) == ("ExplicitDeny", "bucket_encryption")
    assert engine.s3(_put(SSEC)).error_code == "AccessDenied"


def test_trying_a_draft_writes_nothing() -> None:
    engine = _engine()
    before = _snapshot(engine)
    drafts.decide(engine, BUCKET, policies.document("require-aes256", BUCKET),
                  [_put(h, p, s) for _, h in ROWS for p in CALLERS for s in (True, False)])  # fmt: skip
    assert _snapshot(engine) == before


@pytest.mark.parametrize(
    "draft",
    [
        "{not json",
        '{"Version": "2012-10-17", "Statement": []}',
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
                    "Action": "s3:PutObject", "Resource": "arn:aws:s3:::another-bucket/*"}]}),
        "{" + " " * (20 * 1024) + "}",
    ],
)  # fmt: skip
def test_a_draft_s3_would_refuse_raises_the_same_malformed_policy(draft: str) -> None:
    engine = _engine()
    with pytest.raises(S3Error) as raised:
        drafts.decide(engine, BUCKET, draft, [_put({})])
    sent = engine.s3(S3Request("PUT", BUCKET, query={"policy": ""}, body=draft.encode()))
    assert (raised.value.status, raised.value.code) == (400, "MalformedPolicy")
    assert (sent.status, sent.error_code, sent.error_message) == (
        400, "MalformedPolicy", raised.value.message)  # fmt: skip
