"""Bucket operations, default encryption and bucket policies as S3 requests (s3-facts §3)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from s3lab import BUCKET, error_code_in_body, make_bucket, s3

from simulator.engine import Engine, MemoryStore
from simulator.engine.audit import list_events
from simulator.engine.clock import FixedClock

NS = b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def config(rule: str, rules: int = 1) -> bytes:
    return (
        "<ServerSideEncryptionConfiguration>" + f"<Rule>{rule}</Rule>" * rules
        + "</ServerSideEncryptionConfiguration>"
    ).encode()  # fmt: skip


def default(algorithm: str, key_id: str = "") -> str:
    key = f"<KMSMasterKeyID>{key_id}</KMSMasterKeyID>" if key_id else ""
    return (
        f"<ApplyServerSideEncryptionByDefault><SSEAlgorithm>{algorithm}</SSEAlgorithm>{key}"
        "</ApplyServerSideEncryptionByDefault>"
    )


@pytest.mark.parametrize(
    ("name", "valid", "why"),
    [
        ("abc", True, "three characters is AWS's minimum"),
        ("b", True, "NOTE: shorter than AWS allows, accepted for design §3's example bucket"),
        ("a" * 63, True, "63 characters is the maximum"),
        ("my.bucket-1", True, "dots, hyphens and digits are allowed"),
        ("a" * 64, False, "longer than 63"),
        ("My-Bucket", False, "upper case is not allowed"),
        ("-bucket", False, "must start with a letter or digit"),
        ("bucket-", False, "must end with a letter or digit"),
        ("my..bucket", False, "no two adjacent periods"),
        ("192.168.5.4", False, "not formatted as an IP address"),
        ("xn--bucket", False, "reserved prefix xn--"),
        ("bucket-s3alias", False, "reserved suffix -s3alias"),
        ("under_score", False, "underscores are not allowed"),
    ],
)
def test_create_bucket_applies_the_naming_rules(
    engine: Engine, name: str, valid: bool, why: str
) -> None:
    """S3 bucket naming rules: an invalid name is 400 InvalidBucketName."""
    response = s3(engine, "PUT", name)
    if valid:
        assert response.status == 200, why
        assert s3(engine, "HEAD", name).status == 200
    else:
        assert (response.status, response.error_code) == (400, "InvalidBucketName"), why
        assert engine.store.get("bucket", name) is None


def test_recreating_your_own_bucket_is_ok_in_us_east_1_and_409_elsewhere() -> None:
    """ErrorResponses (BucketAlreadyOwnedByYou): 409 in every Region but us-east-1."""
    east = Engine(seed=1)
    assert s3(east, "PUT").status == 200
    assert s3(east, "PUT").status == 200
    west = Engine(seed=1, region="eu-west-1")
    location = b"<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
    assert s3(west, "PUT", body=location).status == 200
    again = s3(west, "PUT", body=location)
    assert (again.status, again.error_code) == (409, "BucketAlreadyOwnedByYou")


def test_delete_bucket_refuses_a_bucket_with_objects(lab: Engine) -> None:
    """ErrorResponses: BucketNotEmpty is 409; an empty bucket deletes with 204."""
    s3(lab, "PUT", key="k", body=b"x")
    refused = s3(lab, "DELETE")
    assert (refused.status, refused.error_code) == (409, "BucketNotEmpty")
    assert s3(lab, "DELETE", key="k").status == 204
    assert s3(lab, "DELETE").status == 204
    gone = s3(lab, "DELETE")
    assert (gone.status, gone.error_code) == (404, "NoSuchBucket")


def test_head_bucket_errors_have_no_body(engine: Engine) -> None:
    """s3-facts §2: HEAD errors have no body, only the status."""
    response = s3(engine, "HEAD", "no-such-bucket")
    assert (response.status, response.error_code, response.body) == (404, "NoSuchBucket", b"")


def test_list_buckets_names_every_bucket_in_order(engine: Engine) -> None:
    """ListBuckets answers ListAllMyBucketsResult, buckets in name order."""
    for name in ("zeta-bucket", "alpha-bucket"):
        s3(engine, "PUT", name)
    body = s3(engine, "GET", "").read()
    assert body.index(b"<Name>alpha-bucket</Name>") < body.index(b"<Name>zeta-bucket</Name>")


@pytest.mark.parametrize(
    ("created", "blocked"),
    [
        (datetime(2026, 4, 5, 23, 59, tzinfo=UTC), False),
        (datetime(2026, 4, 6, 0, 0, tzinfo=UTC), True),
        (datetime(2026, 11, 1, tzinfo=UTC), True),
    ],
)
def test_a_new_bucket_reports_sse_s3_and_from_april_2026_blocks_sse_c(
    created: datetime, blocked: bool
) -> None:
    """s3-facts §3: SSE-S3 is every bucket's base; new buckets block SSE-C from 2026-04-06."""
    engine = Engine(store=MemoryStore(), seed=1, clock=FixedClock(start=created))
    s3(engine, "PUT")
    body = s3(engine, "GET", query={"encryption": ""}).read()
    assert NS in body
    assert b"<SSEAlgorithm>AES256</SSEAlgorithm>" in body
    assert b"<BucketKeyEnabled>false</BucketKeyEnabled>" in body
    assert (b"<EncryptionType>SSE-C</EncryptionType>" in body) is blocked


def test_put_bucket_encryption_round_trips_kms_and_bucket_key(engine: Engine) -> None:
    """s3-facts §3: the configuration XML is stored and reported back."""
    s3(engine, "PUT")
    body = config(default("aws:kms", "alias/lab") + "<BucketKeyEnabled>true</BucketKeyEnabled>")
    assert s3(engine, "PUT", query={"encryption": ""}, body=body).status == 200
    got = s3(engine, "GET", query={"encryption": ""}).read()
    assert b"<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/lab</KMSMasterKeyID>" in got
    assert b"<BucketKeyEnabled>true</BucketKeyEnabled>" in got


@pytest.mark.parametrize(
    ("body", "code", "why"),
    [
        (config("", rules=0), "MalformedXML", "zero rules"),
        (config(default("AES256"), rules=2), "MalformedXML", "two rules"),
        (config(default("aes256")), "MalformedXML", "SSEAlgorithm outside the enum"),
        (config("<BucketKeyEnabled>true</BucketKeyEnabled>"), "MalformedXML", "SSEAlgorithm is required"),
        (b"<ServerSideEncryptionConfiguration><Rule>", "MalformedXML", "not well-formed"),
        (b"", "MalformedXML", "empty body"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "AES256">]>'
            + config(default("&e;")),
            "MalformedXML",
            "document type declarations are refused",
        ),
        (config(default("AES256", "alias/k")), "InvalidArgument", "KMSMasterKeyID with AES256"),
        (
            config(default("AES256") + "<BlockedEncryptionTypes><EncryptionType>SSE-KMS"
                   "</EncryptionType></BlockedEncryptionTypes>"),
            "MalformedXML",
            "EncryptionType is SSE-C or NONE",
        ),
        (
            config(default("AES256") + "<BlockedEncryptionTypes><EncryptionType>SSE-C"
                   "</EncryptionType><EncryptionType>NONE</EncryptionType>"
                   "</BlockedEncryptionTypes>"),
            "MalformedXML",
            "blocking and unblocking at once",
        ),
        (
            config(default("AES256") + "<BlockedEncryptionTypes><EncryptionType>"
                   "</EncryptionType></BlockedEncryptionTypes>"),
            "MalformedXML",
            "an empty EncryptionType",
        ),
        (
            config(default("AES256") + "<BucketKeyEnabled>yes</BucketKeyEnabled>"),
            "MalformedXML",
            "BucketKeyEnabled is true or false",
        ),
    ],
)  # fmt: skip
def test_bad_encryption_configurations_are_rejected_and_change_nothing(
    engine: Engine, body: bytes, code: str, why: str
) -> None:
    """s3-facts §3: zero or two rules → MalformedXML; a KMS key with AES256 → InvalidArgument."""
    s3(engine, "PUT")
    before = s3(engine, "GET", query={"encryption": ""}).read().split(b"<Rule>")[1]
    response = s3(engine, "PUT", query={"encryption": ""}, body=body)
    assert (response.status, response.error_code) == (400, code), why
    assert error_code_in_body(response) == code
    after = s3(engine, "GET", query={"encryption": ""}).read().split(b"<Rule>")[1]
    assert after == before


def test_delete_bucket_encryption_resets_to_sse_s3(engine: Engine) -> None:
    """s3-facts §3: DeleteBucketEncryption → 204, repeatable, and back to SSE-S3."""
    s3(engine, "PUT")
    s3(engine, "PUT", query={"encryption": ""}, body=config(default("aws:kms")))
    assert s3(engine, "DELETE", query={"encryption": ""}).status == 204
    assert s3(engine, "DELETE", query={"encryption": ""}).status == 204
    got = s3(engine, "GET", query={"encryption": ""}).read()
    assert b"<SSEAlgorithm>AES256</SSEAlgorithm>" in got


def test_none_unblocks_sse_c_and_an_omitted_block_keeps_the_setting(engine: Engine) -> None:
    """s3-facts §3: EncryptionType NONE unblocks; the lab's NOTE keeps the block when omitted."""
    s3(engine, "PUT")
    s3(engine, "PUT", query={"encryption": ""}, body=config(default("aws:kms")))
    still = s3(engine, "GET", query={"encryption": ""}).read()
    assert b"<EncryptionType>SSE-C</EncryptionType>" in still
    unblock = default("AES256") + (
        "<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes>"
    )
    s3(engine, "PUT", query={"encryption": ""}, body=config(unblock))
    now = s3(engine, "GET", query={"encryption": ""}).read()
    assert b"<EncryptionType>NONE</EncryptionType>" in now


def test_bucket_policies_are_stored_and_returned_byte_for_byte(engine: Engine) -> None:
    """issue 2/3: policies are parsed as S3 does, stored and returned byte for byte."""
    s3(engine, "PUT")
    missing = s3(engine, "GET", query={"policy": ""})
    assert (missing.status, missing.error_code) == (404, "NoSuchBucketPolicy")
    policy = (
        b'{ "Version":"2012-10-17",\n  "Statement": [{"Effect":"Deny", "Principal":"*",'
        b' "Action":"s3:PutObject", "Resource":"arn:aws:s3:::lab-bucket/nothing-here"}] }'
    )
    assert s3(engine, "PUT", query={"policy": ""}, body=policy).status == 204
    assert s3(engine, "GET", query={"policy": ""}).read() == policy
    bad = s3(engine, "PUT", query={"policy": ""}, body=b"{not json")
    assert (bad.status, bad.error_code) == (400, "MalformedPolicy")
    assert s3(engine, "GET", query={"policy": ""}).read() == policy
    assert s3(engine, "DELETE", query={"policy": ""}).status == 204
    assert s3(engine, "GET", query={"policy": ""}).status == 404


def test_bucket_level_calls_on_a_missing_bucket_are_no_such_bucket(engine: Engine) -> None:
    """s3-facts §3: a missing bucket → 404 NoSuchBucket."""
    for method, query in [("GET", {"encryption": ""}), ("PUT", {"policy": ""}), ("GET", {})]:
        response = s3(engine, method, BUCKET, query=query, body=b"{}")
        assert (response.status, response.error_code) == (404, "NoSuchBucket")


KMS_DEFAULT = (
    b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
    b"<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/lab</KMSMasterKeyID>"
    b"</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled>"
    b"</Rule></ServerSideEncryptionConfiguration>"
)
KMS_SETTING = {"algorithm": "aws:kms", "kms_key_id": "alias/lab", "bucket_key": True}
RESET_SETTING = {"algorithm": "AES256", "kms_key_id": "", "bucket_key": False}


@pytest.mark.parametrize(
    ("method", "body", "status", "change", "setting", "event_name"),
    [
        ("PUT", KMS_DEFAULT, 200, "put", KMS_SETTING, "PutBucketEncryption"),
        ("GET", b"", 200, "read", KMS_SETTING, None),
        ("DELETE", b"", 204, "reset", RESET_SETTING, "DeleteBucketEncryption"),
    ],
)
def test_each_encryption_call_is_traced_and_each_change_audited(
    engine: Engine,
    method: str,
    body: bytes,
    status: int,
    change: str,
    setting: dict[str, Any],
    event_name: str | None,
) -> None:
    """s3-facts §3: Put/Get/DeleteBucketEncryption (Delete resets to SSE-S3; the SSE-C
    block stays); §5: changes are CloudTrail management events, reads are not logged."""
    make_bucket(engine, allow_ssec=False)
    if method != "PUT":
        assert s3(engine, "PUT", query={"encryption": ""}, body=KMS_DEFAULT).status == 200
    before = len(list_events(engine))
    response = s3(engine, method, query={"encryption": ""}, body=body)
    assert response.status == status, response.body
    (step,) = [s.to_dict() for s in response.trace if s.kind == "bucket.config"]
    assert step["actor"] == "s3"
    assert step["detail"] == {
        "setting": "encryption", "change": change, **setting, "blocked": ("SSE-C",)
    }  # fmt: skip
    new_events = list_events(engine)[before:]
    if event_name is None:
        assert new_events == [] and step["event"] is None
        return
    (event,) = new_events
    assert step["event"] == event
    assert (event["eventSource"], event["eventName"]) == ("s3.amazonaws.com", event_name)
    assert event["resources"] == [{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{BUCKET}"}]
    expected = {"bucketName": BUCKET, "Host": "s3.amazonaws.com"}
    if method == "PUT":
        expected["ServerSideEncryptionConfiguration"] = {**setting, "blocked": ["SSE-C"]}
    assert event["requestParameters"] == expected


def test_get_bucket_encryption_answers_the_whole_configuration(engine: Engine) -> None:
    """s3-facts §3: GetBucketEncryption returns the one rule, BucketKeyEnabled included, and
    the SSE-C block; the same type sent twice is one type."""
    make_bucket(engine, allow_ssec=False)
    body = KMS_DEFAULT.replace(
        b"</Rule>",
        b"<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>"
        b"<EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule>",
    )
    assert s3(engine, "PUT", query={"encryption": ""}, body=body).status == 200
    assert s3(engine, "GET", query={"encryption": ""}).read() == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>"
        b"<KMSMasterKeyID>alias/lab</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>"
        b"<BucketKeyEnabled>true</BucketKeyEnabled><BlockedEncryptionTypes>"
        b"<EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule>"
        b"</ServerSideEncryptionConfiguration>"
    )


KMS_MD5 = base64.b64encode(hashlib.md5(KMS_DEFAULT).digest()).decode()
OTHER_MD5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()


@pytest.mark.parametrize(
    ("content_md5", "status", "error", "why"),
    [
        (KMS_MD5, 200, None, "the body's own MD5"),
        (f" {KMS_MD5} ", 200, None, "spaces around the header's value"),
        (f" {OTHER_MD5}", 400,
         f"<Code>BadDigest</Code><Message>The Content-MD5 you specified did not match what we "
         f"received.</Message><ExpectedDigest> {OTHER_MD5}</ExpectedDigest>"
         f"<CalculatedDigest>{KMS_MD5}</CalculatedDigest>", "another body's MD5"),
        ("not base64!", 400,
         "<Code>InvalidDigest</Code><Message>The Content-MD5 you specified was invalid.</Message>"
         "<Content-MD5>not base64!</Content-MD5>", "not base64"),
        (base64.b64encode(b"short").decode(), 400, "<Code>InvalidDigest</Code>",
         "base64 of fewer than 16 bytes"),
        ("ü", 400, "<Code>InvalidDigest</Code>", "not ASCII"),
        (KMS_MD5[:4] + "!" + KMS_MD5[4:], 400, "<Code>InvalidDigest</Code>",
         "the right digest with a character outside base64"),
    ],
)  # fmt: skip
def test_put_bucket_encryption_checks_a_content_md5_when_sent(
    engine: Engine, content_md5: str, status: int, error: str | None, why: str
) -> None:
    """[ERR] InvalidDigest and BadDigest; PutBucketEncryption takes Content-MD5 [BC-S3]. A
    rejected configuration changes nothing."""
    make_bucket(engine, allow_ssec=False)
    response = s3(
        engine,
        "PUT",
        query={"encryption": ""},
        body=KMS_DEFAULT,
        headers={"Content-MD5": content_md5},
    )
    assert response.status == status, why
    got = s3(engine, "GET", query={"encryption": ""}).read()
    if error is None:
        assert b"<SSEAlgorithm>aws:kms</SSEAlgorithm>" in got
        return
    assert error.encode() in response.read(), why
    assert b"<SSEAlgorithm>AES256</SSEAlgorithm>" in got


def test_a_kms_key_with_aes256_names_the_rule_and_the_key(engine: Engine) -> None:
    """s3-facts §3 [LS]: KMSMasterKeyID with AES256 is 400 InvalidArgument with AWS's text;
    BucketKeyEnabled false is accepted."""
    make_bucket(engine, allow_ssec=False)
    body = config(default("AES256", "alias/k"))
    response = s3(engine, "PUT", query={"encryption": ""}, body=body)
    assert response.status == 400
    assert (
        b"<Code>InvalidArgument</Code><Message>a KMSMasterKeyID is not applicable if the default "
        b"sse algorithm is not aws:kms or aws:kms:dsse</Message>"
        b"<ArgumentName>ApplyServerSideEncryptionByDefault</ArgumentName>"
        b"<ArgumentValue>alias/k</ArgumentValue>"
    ) in response.read()
    (error,) = [step.to_dict() for step in response.trace if step.kind == "error"]
    assert error["detail"]["reason"] == "kms_key_id_not_applicable"
    accepted = config(default("aws:kms") + "<BucketKeyEnabled>false</BucketKeyEnabled>")
    assert s3(engine, "PUT", query={"encryption": ""}, body=accepted).status == 200
    got = s3(engine, "GET", query={"encryption": ""}).read()
    assert b"<BucketKeyEnabled>false</BucketKeyEnabled>" in got
    assert b"KMSMasterKeyID" not in got, "no key named: S3 uses aws/s3"
