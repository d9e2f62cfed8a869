"""Request pre-checks S3 applies before an operation runs (issue 13, "What real clients
found"): the bucket owner condition, ACLs on a bucket with ACLs disabled, Object Lock
headers without Object Lock, and the lab's named 501 for what it does not simulate.

Each test names the AWS fact it checks, with the page it comes from.
"""

from __future__ import annotations

import json

import pytest
from s3lab import BUCKET, s3

from simulator.engine import Engine, S3Response

OWNER = "111122223333"
EVE = "arn:aws:iam::444455556666:user/eve"
COPY_SOURCE = "x-amz-copy-source"


def error_step(response: S3Response) -> dict[str, object]:
    (step,) = [s for s in response.trace if s.kind == "error"]
    return {"outcome": step.outcome, **step.detail}


def refused(response: S3Response, status: int, code: str, message: str | None = None) -> None:
    assert (response.status, response.error_code) == (status, code), response.body
    if message is not None:
        assert response.error_message == message


# --------------------------------------------------------------------------- 4. bucket owner


@pytest.mark.parametrize(
    ("method", "key", "query"),
    [("GET", "k", {}), ("PUT", "k", {}), ("HEAD", "k", {}), ("GET", "", {}),
     ("GET", "", {"encryption": ""}), ("DELETE", "k", {})],
)  # fmt: skip
def test_expected_bucket_owner_of_another_account_is_403(
    lab: Engine, method: str, key: str, query: dict[str, str]
) -> None:
    """User Guide, "Verifying bucket ownership with bucket owner condition"
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html):
    "If the bucket is owned by a different account, the request fails with the HTTP status
    code 403 Forbidden (access denied)". The right account passes."""
    s3(lab, "PUT", key="k", body=b"x")
    wrong = {"x-amz-expected-bucket-owner": "444455556666"}
    response = s3(lab, method, key=key, query=query, headers=wrong, body=b"y")
    refused(response, 403, "AccessDenied")
    if method != "HEAD":
        assert response.error_message == "Access Denied"
    assert error_step(response)["reason"] == "expected_bucket_owner_mismatch"
    right = {"x-amz-expected-bucket-owner": OWNER}
    assert s3(lab, method, key=key, query=query, headers=right, body=b"y").status < 300


@pytest.mark.parametrize("value", ["12345", "abcdefghijkl", "", "1111222233334"])
def test_a_malformed_expected_bucket_owner_is_400(lab: Engine, value: str) -> None:
    """S3 API Reference, Error responses
    (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html):
    InvalidBucketOwnerAWSAccountID, 400, "The value of the expected bucket owner
    parameter must be an AWS account ID"."""
    response = s3(lab, "GET", key="k", headers={"x-amz-expected-bucket-owner": value})
    refused(response, 400, "InvalidBucketOwnerAWSAccountID")
    assert response.error_message == (
        f"The value of the expected bucket owner parameter must be an AWS Account ID... [{value}]"
    )


def test_the_owner_condition_is_checked_before_the_bucket_policy(lab: Engine) -> None:
    """The bucket owner condition asks whether this is the bucket the caller means: the
    lab answers it before evaluating that bucket's policy (no policy step is traced)."""
    response = s3(lab, "GET", key="k", headers={"x-amz-expected-bucket-owner": "444455556666"})
    kinds = [s.kind for s in response.trace]
    assert "policy.evaluated" not in kinds
    assert kinds[-2:] == ["error", "response.sent"]


def test_a_missing_bucket_is_no_such_bucket_whatever_the_owner_expected(lab: Engine) -> None:
    """The condition compares the bucket's owner; a bucket that does not exist has none,
    and S3 answers 404 NoSuchBucket as without the header."""
    headers = {"x-amz-expected-bucket-owner": "444455556666"}
    refused(s3(lab, "GET", "no-such-bucket", key="k", headers=headers), 404, "NoSuchBucket")


def test_copy_checks_the_source_bucket_owner_too(lab: Engine) -> None:
    """S3 API Reference, CopyObject, x-amz-source-expected-bucket-owner
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html): "If the account
    ID that you provide does not match the actual owner of the source bucket, the request
    fails with the HTTP status code 403 Forbidden (access denied)"."""
    s3(lab, "PUT", key="src", body=b"x")
    headers = {COPY_SOURCE: f"{BUCKET}/src", "x-amz-source-expected-bucket-owner": "444455556666"}
    refused(s3(lab, "PUT", key="dst", headers=headers), 403, "AccessDenied")
    headers["x-amz-source-expected-bucket-owner"] = OWNER
    assert s3(lab, "PUT", key="dst", headers=headers).status == 200


# --------------------------------------------------------------------------- 5. ACLs


@pytest.mark.parametrize("acl", ["public-read", "private", "authenticated-read"])
def test_an_acl_on_a_bucket_with_acls_disabled_is_refused(lab: Engine, acl: str) -> None:
    """User Guide, Object Ownership "Troubleshooting"
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html):
    with Bucket owner enforced (the default since April 2023) a PUT with an ACL other than
    bucket owner full control fails: 400 AccessControlListNotSupported "The bucket does
    not allow ACLs". Nothing is stored."""
    response = s3(lab, "PUT", key="k", headers={"x-amz-acl": acl}, body=b"x")
    refused(response, 400, "AccessControlListNotSupported", "The bucket does not allow ACLs")
    assert s3(lab, "HEAD", key="k").status == 404
    grant = {"x-amz-grant-read": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'}
    refused(s3(lab, "POST", key="k", query={"uploads": ""}, headers=grant), 400,
            "AccessControlListNotSupported")  # fmt: skip


def test_bucket_owner_full_control_is_accepted(lab: Engine) -> None:
    """Same page: "All S3 PUT requests must either specify the bucket-owner-full-control
    canned ACL or not specify an ACL"."""
    headers = {"x-amz-acl": "bucket-owner-full-control"}
    assert s3(lab, "PUT", key="k", headers=headers, body=b"x").status == 200


def test_create_bucket_with_an_acl_is_refused(engine: Engine) -> None:
    """Same page: a CreateBucket that keeps Bucket owner enforced and sets an ACL fails
    with 400 InvalidBucketAclWithObjectOwnership; "private" is what the bucket has."""
    response = s3(engine, "PUT", "acl-bucket", headers={"x-amz-acl": "public-read"})
    refused(response, 400, "InvalidBucketAclWithObjectOwnership")
    assert s3(engine, "HEAD", "acl-bucket").status == 404
    assert s3(engine, "PUT", "acl-bucket", headers={"x-amz-acl": "private"}).status == 200
    ownership = {"x-amz-object-ownership": "ObjectWriter"}
    refused(s3(engine, "PUT", "writer-bucket", headers=ownership), 501, "NotImplemented",
            "The lab does not simulate ACL-enabled buckets (x-amz-object-ownership).")  # fmt: skip


def test_the_acl_check_comes_after_the_bucket_policy(lab: Engine) -> None:
    """Policies see the request as sent (s3-facts §4): a caller the policy refuses gets
    403 AccessDenied, not a hint about the ACL header."""
    response = s3(lab, "PUT", key="k", headers={"x-amz-acl": "public-read"}, principal=EVE)
    refused(response, 403, "AccessDenied")


# --------------------------------------------------------------------------- 6. Object Lock


@pytest.mark.parametrize(
    "header",
    [("x-amz-object-lock-mode", "GOVERNANCE"),
     ("x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00Z"),
     ("x-amz-object-lock-legal-hold", "ON")],
)  # fmt: skip
def test_object_lock_headers_need_object_lock(lab: Engine, header: tuple[str, str]) -> None:
    """S3 answers Object Lock headers on a bucket created without Object Lock with 400
    InvalidRequest "Bucket is missing Object Lock Configuration" (User Guide, "Locking
    objects with Object Lock": Object Lock must be enabled on the bucket,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html)."""
    response = s3(lab, "PUT", key="k", headers=dict([header]), body=b"x")
    refused(response, 400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
    assert s3(lab, "HEAD", key="k").status == 404


def test_a_bucket_with_object_lock_is_not_simulated(engine: Engine) -> None:
    """The lab has no Object Lock: creating a bucket with it is a named 501, never a bucket
    silently made without it."""
    headers = {"x-amz-bucket-object-lock-enabled": "true"}
    response = s3(engine, "PUT", "locked-bucket", headers=headers)
    refused(response, 501, "NotImplemented",
            "The lab does not simulate S3 Object Lock (x-amz-bucket-object-lock-enabled).")  # fmt: skip


# --------------------------------------------------------------------------- 7. named 501s


@pytest.mark.parametrize(
    ("header", "feature"),
    [("x-amz-tagging", "object tagging (x-amz-tagging)"),
     ("x-amz-website-redirect-location",
      "website redirects (x-amz-website-redirect-location)"),
     ("x-amz-request-payer", "Requester Pays (x-amz-request-payer)")],
)  # fmt: skip
def test_headers_of_features_the_lab_lacks_are_a_named_501(
    lab: Engine, header: str, feature: str
) -> None:
    """Issue 13: whatever stays unimplemented answers 501 NotImplemented naming the
    feature, never silently ignored; the trace's error step carries the message."""
    response = s3(lab, "PUT", key="k", headers={header: "a=b"}, body=b"x")
    message = f"The lab does not simulate {feature}."
    refused(response, 501, "NotImplemented", message)
    step = error_step(response)
    assert (step["reason"], step["message"]) == ("feature_not_simulated", message)
    assert f"<Feature>{feature}</Feature>" in response.read().decode()
    assert s3(lab, "HEAD", key="k").status == 404


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_a_version_id_is_a_named_501_unless_it_is_null(lab: Engine, method: str) -> None:
    """S3 API Reference, GetObject, versionId
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html): on a bucket
    that never had versioning the object's version is "null"; the lab serves that one,
    and any other version id is a 501 naming versioning."""
    s3(lab, "PUT", key="k", body=b"x")
    response = s3(lab, method, key="k", query={"versionId": "3HL4kqtJlcpXroDTDmJ"})
    refused(response, 501, "NotImplemented")
    assert error_step(response)["message"] == "The lab does not simulate versioning (versionId)."
    assert s3(lab, method, key="k", query={"versionId": "null"}).status in (200, 204)


@pytest.mark.parametrize(
    ("method", "key", "flag", "feature"),
    [("GET", "k", "tagging", "object and bucket tagging (?tagging)"),
     ("PUT", "", "versioning", "versioning (?versioning)"),
     ("GET", "", "cors", "CORS configuration (?cors)"),
     ("PUT", "", "lifecycle", "lifecycle configuration (?lifecycle)"),
     ("GET", "", "website", "static website hosting (?website)"),
     ("GET", "", "analytics", "the analytics sub-resource (?analytics)")],
)  # fmt: skip
def test_sub_resources_the_lab_lacks_are_named(
    lab: Engine, method: str, key: str, flag: str, feature: str
) -> None:
    """Issue 13: find_route's 501 names the sub-resource asked for."""
    s3(lab, "PUT", key="k", body=b"x")
    response = s3(lab, method, key=key, query={flag: ""})
    refused(response, 501, "NotImplemented", f"The lab does not simulate {feature}.")


def test_a_prechecked_refusal_leaves_the_audit_trail_an_error_event(lab: Engine) -> None:
    """CloudTrail records refused management calls with their errorCode (the lab's audit
    log): a bucket owner mismatch on GetBucketEncryption is one."""
    headers = {"x-amz-expected-bucket-owner": "444455556666"}
    response = s3(lab, "GET", query={"encryption": ""}, headers=headers)
    refused(response, 403, "AccessDenied")
    step = next(s for s in response.trace if s.kind == "error")
    assert step.event is not None
    assert json.loads(json.dumps(step.event))["errorCode"] == "AccessDenied"


# --------------------------------------------------------------------------- 5. ACL reads, 7. versioning


def test_get_bucket_and_object_acl_show_the_owner_with_full_control(lab: Engine) -> None:
    """User Guide, Object Ownership "Troubleshooting"
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html):
    "Requests to read ACLs are still supported. Requests to read ACLs always return a
    response that shows full control for the bucket owner." """
    s3(lab, "PUT", key="k", body=b"x")
    for key in ("", "k"):
        response = s3(lab, "GET", key=key, query={"acl": ""})
        assert response.status == 200, response.body
        body = response.read().decode()
        assert body.count("<Grant>") == 1 and "<Permission>FULL_CONTROL</Permission>" in body
        assert 'xsi:type="CanonicalUser"' in body
        owner = body.split("<Owner><ID>", 1)[1].split("</ID>", 1)[0]
        assert "<Grantee xmlns:xsi=" in body and body.count(owner) == 2
    refused(s3(lab, "GET", key="missing", query={"acl": ""}), 404, "NoSuchKey")


def test_put_acl_accepts_only_the_owner_keeping_full_control(lab: Engine) -> None:
    """Same page: "Requests to set ACLs or update ACLs fail with a 400 error and return the
    AccessControlListNotSupported error code"; one that leaves the bucket owner full
    control (bucket-owner-full-control) succeeds."""
    s3(lab, "PUT", key="k", body=b"x")
    for key in ("", "k"):
        public = {"x-amz-acl": "public-read"}
        refused(s3(lab, "PUT", key=key, query={"acl": ""}, headers=public), 400,
                "AccessControlListNotSupported", "The bucket does not allow ACLs")  # fmt: skip
        owner = {"x-amz-acl": "bucket-owner-full-control"}
        assert s3(lab, "PUT", key=key, query={"acl": ""}, headers=owner).status == 200


def test_get_bucket_versioning_of_a_never_versioned_bucket_is_empty(lab: Engine) -> None:
    """S3 API Reference, GetBucketVersioning
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html): "If
    the versioning state has never been set on a bucket, Amazon S3 doesn't return a
    versioning state"; turning it on is a named 501."""
    response = s3(lab, "GET", query={"versioning": ""})
    assert response.status == 200
    body = response.read().decode()
    assert "<VersioningConfiguration" in body and "<Status>" not in body
    refused(s3(lab, "PUT", query={"versioning": ""}, body=b"<VersioningConfiguration/>"), 501,
            "NotImplemented", "The lab does not simulate versioning (?versioning).")  # fmt: skip
    refused(s3(lab, "GET", "no-such-bucket", query={"versioning": ""}), 404, "NoSuchBucket")
