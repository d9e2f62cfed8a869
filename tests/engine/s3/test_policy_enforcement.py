"""The classic encryption bucket policies of s3-facts §4, enforced through ``engine.s3``.

Every row is one policy against every kind of real upload — header-less, AES256, aws:kms
(aws/s3, the pinned key, another key), aws:kms:dsse, SSE-C and a client-side-encrypted
body — in a bucket left at the SSE-S3 base *and* in a bucket whose default is SSE-KMS
under the pinned key. The outcome never depends on the default: S3 fills the condition
keys from the request headers alone, so default encryption does not satisfy these
policies (s3-facts §4 "Default encryption does not satisfy these policies").
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from s3lab import BUCKET, CUSTOMER_KEY, customer_headers, make_bucket, s3

from simulator.engine import Engine, MemoryStore, S3Response, cse

SSE = "x-amz-server-side-encryption"
KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
SSEC_ALGORITHM = "x-amz-server-side-encryption-customer-algorithm"
ALICE = "arn:aws:iam::111122223333:user/alice"
PINNED_SLOT = "{pinned}"

UPLOADS = (
    "header-less",
    "AES256",
    "aws:kms",
    "aws:kms pinned",
    "aws:kms other",
    "aws:kms:dsse",
    "SSE-C",
    "CSE",
)


def deny(sid: str, condition: dict[str, Any], action: str = "s3:PutObject") -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": condition,
    }


# The two seed statements of the archived SSE-S3 example [SSES3][SCP].
NOT_AES256 = deny("DenyIncorrectEncryptionHeader", {"StringNotEquals": {f"s3:{SSE}": "AES256"}})
NO_HEADER = deny("DenyUnEncryptedObjectUploads", {"Null": {f"s3:{SSE}": "true"}})

POLICIES: dict[str, list[dict[str, Any]]] = {
    "AES256 alone": [NOT_AES256],
    "Null alone": [NO_HEADER],
    "both seed statements": [NOT_AES256, NO_HEADER],
    "aws:kms": [deny("RequireKMS", {"StringNotEquals": {f"s3:{SSE}": "aws:kms"}})],
    "DSSE": [deny("RequireDSSE", {"StringNotEquals": {f"s3:{SSE}": "aws:kms:dsse"}})],
    "any KMS key": [deny("RequireKeyId", {"Null": {f"s3:{KEY_ID}": "true"}})],
    "pinned key": [deny("PinKey", {"ArnNotEqualsIfExists": {f"s3:{KEY_ID}": PINNED_SLOT}})],
    "require SSE-C": [deny("RequireSSEC", {"Null": {f"s3:{SSEC_ALGORITHM}": "true"}})],
    "forbid SSE-C": [deny("ForbidSSEC", {"Null": {f"s3:{SSEC_ALGORITHM}": "false"}})],
    "enforce TLS": [deny("TLSOnly", {"Bool": {"aws:SecureTransport": "false"}}, "s3:*")],
}

# Expected status per upload, in the order of UPLOADS:
#    none  AES256 kms   pinned other dsse  SSE-C CSE
TABLE = [
    # A missing header makes StringNotEquals true, so the lone statement already
    # blocks header-less, SSE-C and CSE uploads; only AES256 passes.
    ("AES256 alone", "403 200 403 403 403 403 403 403"),
    # Null only asks "is the header there?": any x-amz-server-side-encryption value
    # passes, while SSE-C and CSE (which send none) are denied.
    ("Null alone", "403 200 200 200 200 200 403 403"),
    # Together they deny whatever either denies: the same as the first alone.
    ("both seed statements", "403 200 403 403 403 403 403 403"),
    # aws:kms passes with any key id; aws:kms:dsse is a different value and fails.
    ("aws:kms", "403 403 200 200 200 403 403 403"),
    # Only the DSSE value passes.
    ("DSSE", "403 403 403 403 403 200 403 403"),
    # Null on the key id: a KMS upload must name a key; aws/s3 by default does not count.
    ("any KMS key", "403 403 403 200 200 403 403 403"),
    # ArnNotEqualsIfExists is true when the key id is missing, so this Deny also fires
    # for every upload that names no key; only the pinned key (sent as a bare id and
    # compared as its ARN) passes.
    ("pinned key", "403 403 403 200 403 403 403 403"),
    # Null true on the SSE-C algorithm: only SSE-C uploads carry it.
    ("require SSE-C", "403 403 403 403 403 403 200 403"),
    # Null false: the algorithm header present is what is denied.
    ("forbid SSE-C", "200 200 200 200 200 200 403 200"),
    # Every upload here is over TLS, so the TLS statement never applies.
    ("enforce TLS", "200 200 200 200 200 200 200 200"),
]


def _kms_default(key_id: str) -> bytes:
    return (
        "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        f"<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>{key_id}</KMSMasterKeyID>"
        "</ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>NONE"
        "</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    ).encode()


class Lab:
    """A bucket with one policy, two customer managed keys and every kind of upload."""

    def __init__(self, policy: str, *, default: str) -> None:
        self.engine = Engine(store=MemoryStore(), seed=3)
        self.pinned = self._new_key("pinned")
        self.other = self._new_key("other")
        make_bucket(self.engine)
        if default == "SSE-KMS":
            put = s3(self.engine, "PUT", query={"encryption": ""}, body=_kms_default(self.pinned))
            assert put.status == 200
        statements = json.loads(
            json.dumps(POLICIES[policy]).replace(PINNED_SLOT, self.arn(self.pinned))
        )
        document = json.dumps({"Version": "2012-10-17", "Statement": statements}).encode()
        assert s3(self.engine, "PUT", query={"policy": ""}, body=document).status == 204

    def _new_key(self, description: str) -> str:
        created = self.engine.kms("CreateKey", {"Description": description})
        return str(created["KeyMetadata"]["KeyId"])

    def arn(self, key_id: str) -> str:
        return f"arn:aws:kms:us-east-1:111122223333:key/{key_id}"

    def put(self, upload: str, *, secure: bool = True, key: str = "k") -> S3Response:
        body = b"hello"
        headers: dict[str, str] = {
            "header-less": {},
            "AES256": {SSE: "AES256"},
            "aws:kms": {SSE: "aws:kms"},
            "aws:kms pinned": {SSE: "aws:kms", KEY_ID: self.pinned},
            "aws:kms other": {SSE: "aws:kms", KEY_ID: self.other},
            "aws:kms:dsse": {SSE: "aws:kms:dsse"},
            "SSE-C": customer_headers(CUSTOMER_KEY),
            "CSE": {},
        }[upload]
        if upload == "CSE":
            # The envelope travels as user metadata, which no condition key looks at.
            body, headers = cse.encrypt(body, cse.AESWrap(bytes(range(32))))
        return s3(self.engine, "PUT", key=key, headers=headers, body=body, secure=secure)


def policy_steps(response: S3Response) -> list[Any]:
    """The S3 authorization steps (SSE-KMS uploads add KMS key-policy steps after them)."""
    return [
        step
        for step in response.trace
        if step.kind == "policy.evaluated" and (step.decision or {}).get("service") == "s3"
    ]


@pytest.mark.parametrize("default", ["SSE-S3 base", "SSE-KMS"])
@pytest.mark.parametrize(("policy", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_the_classic_policies_decide_by_the_request_headers_alone(
    policy: str, expected: str, default: str
) -> None:
    """s3-facts §4: each classic policy against each upload; the default changes nothing."""
    lab = Lab(policy, default=default)
    sids = {statement["Sid"] for statement in POLICIES[policy]}
    for upload, status in zip(UPLOADS, expected.split(), strict=True):
        response = lab.put(upload)
        assert response.status == int(status), (upload, response.error_message)
        (step,) = policy_steps(response)
        if status == "403":
            # The trace names the statement that denied, by its Sid.
            assert {d["sid"] for d in step.decision["deciding"]} <= sids
            assert step.decision["deciding"], upload
            assert step.decision["policy"] == "bucket"
            assert response.error_message == (
                f"User: {ALICE} is not authorized to perform: s3:PutObject on resource: "
                f'"arn:aws:s3:::{BUCKET}/k" with an explicit deny in a resource-based policy'
            )
        else:
            # Allowed by alice's identity policy; the bucket policy's Denies did not apply.
            assert step.decision["policy"] == "identity"


def test_a_header_less_put_is_denied_even_though_the_default_encrypts_with_sse_s3() -> None:
    """s3-facts §4: the bucket default is applied after the policy, so it cannot satisfy it."""
    lab = Lab("both seed statements", default="SSE-S3 base")
    denied = lab.put("header-less")
    assert (denied.status, denied.error_code) == (403, "AccessDenied")
    assert lab.engine.store.get("object", f"{BUCKET}/k") is None
    # Both statements apply to a request with no header: the missing key makes
    # StringNotEquals true and Null true.
    (step,) = policy_steps(denied)
    assert {d["sid"] for d in step.decision["deciding"]} == {
        "DenyIncorrectEncryptionHeader",
        "DenyUnEncryptedObjectUploads",
    }
    assert "s3:x-amz-server-side-encryption" not in step.decision["context"]


def test_the_explanation_says_why_each_statement_did_or_did_not_apply() -> None:
    """design §1 question 4: each statement evaluated against the request, with the reason."""
    lab = Lab("both seed statements", default="SSE-S3 base")
    (step,) = policy_steps(lab.put("aws:kms"))
    bucket = next(p for p in step.decision["policies"] if p["policy"] == "bucket")
    by_sid = {s["sid"]: s for s in bucket["documents"][0]["statements"]}
    assert by_sid["DenyIncorrectEncryptionHeader"]["matched"] is True
    assert by_sid["DenyUnEncryptedObjectUploads"]["matched"] is False
    null_check = by_sid["DenyUnEncryptedObjectUploads"]["why"][-1]
    assert (null_check["operator"], null_check["actual"]) == ("Null", "aws:kms")


def test_the_policy_is_checked_before_the_sse_headers_are_validated() -> None:
    """s3-facts §4 / issue 3: policies see the request as sent, before SSE validation."""
    lab = Lab("AES256 alone", default="SSE-S3 base")
    # "aes256" is not a valid value (400 InvalidArgument) but the Deny comes first.
    response = s3(lab.engine, "PUT", key="k", headers={SSE: "aes256"}, body=b"x")
    assert (response.status, response.error_code) == (403, "AccessDenied")


def test_enforce_tls_denies_every_request_over_plain_http_first() -> None:
    """s3-facts §4: Deny s3:* when aws:SecureTransport is false — reads too, before SSE-C's 400."""
    lab = Lab("enforce TLS", default="SSE-S3 base")
    assert lab.put("AES256").status == 200
    for upload in UPLOADS:
        assert lab.put(upload, secure=False).status == 403, upload
    read = s3(lab.engine, "GET", key="k", secure=False)
    assert (read.status, read.error_code) == (403, "AccessDenied")
    assert s3(lab.engine, "GET", key="k").read() == b"hello"


def test_key_pinning_compares_the_key_as_an_arn_however_it_was_sent() -> None:
    """s3-facts §4: the key-id condition key is compared as a key ARN."""
    lab = Lab("pinned key", default="SSE-S3 base")
    lab.engine.kms("CreateAlias", {"AliasName": "alias/pinned", "TargetKeyId": lab.pinned})
    for sent in (lab.pinned, lab.arn(lab.pinned), "alias/pinned"):
        response = s3(lab.engine, "PUT", key="k", headers={SSE: "aws:kms", KEY_ID: sent}, body=b"x")
        assert response.status == 200, sent
    other = s3(lab.engine, "PUT", key="k", headers={SSE: "aws:kms", KEY_ID: lab.other}, body=b"x")
    assert other.status == 403
