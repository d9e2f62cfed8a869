"""What CloudTrail records, and when: the account's trail and its S3 data events.

The facts, from AWS's CloudTrail and S3 documentation ("Logging Amazon S3 API calls using
AWS CloudTrail", "Logging data events"):

* management events (CreateBucket, PutBucketEncryption, and every KMS call, which
  s3-facts §5 [KMS-CT] shows in CloudTrail) are recorded without any setting;
* S3 object-level calls (PutObject, GetObject, HeadObject, DeleteObject, the multipart
  calls, DeleteObjects, ListObjects) are *data events*: recorded only by a trail whose
  event selectors include them, off by default and billed on top;
* a refused call is recorded too, with ``errorCode`` and ``errorMessage``;
* a call made from the console carries ``sessionCredentialFromConsole: "true"`` and the
  user agent ``console.amazonaws.com``.
"""

from __future__ import annotations

import json

import pytest
from s3lab import BUCKET, make_bucket, record_data_events, s3

from simulator.engine import Engine, MemoryStore
from simulator.engine.audit import list_events

SSE = "x-amz-server-side-encryption"


@pytest.fixture
def lab() -> Engine:
    engine = Engine(store=MemoryStore(), seed=20261207)
    make_bucket(engine)
    return engine


def names(engine: Engine, source: str = "s3.amazonaws.com") -> list[str]:
    return [e["eventName"] for e in list_events(engine) if e["eventSource"] == source]


def test_data_events_are_off_until_the_trail_records_them(lab: Engine) -> None:
    """Off by default: object calls leave no event, and their steps carry none."""
    assert not lab.audit.s3_data_events()
    put = s3(lab, "PUT", key="k.txt", body=b"hello")
    get = s3(lab, "GET", key="k.txt")
    s3(lab, "HEAD", key="k.txt")
    s3(lab, "DELETE", key="k.txt")
    assert put.status == get.status == 200
    assert all(step.event is None for step in [*put.trace, *get.trace])
    assert not [e for e in list_events(lab) if e["eventCategory"] == "Data"]
    # Management events are recorded all the same.
    assert names(lab) == ["CreateBucket", "PutBucketEncryption"]


def test_kms_calls_are_recorded_without_a_trail_setting(lab: Engine) -> None:
    """s3-facts §5 [KMS-CT]: S3's GenerateDataKey and Decrypt show in CloudTrail."""
    s3(lab, "PUT", key="k.txt", headers={SSE: "aws:kms"}, body=b"hello")
    s3(lab, "GET", key="k.txt")
    kms = names(lab, "kms.amazonaws.com")
    assert "GenerateDataKey" in kms and "Decrypt" in kms
    assert "PutObject" not in names(lab) and "GetObject" not in names(lab)


def test_with_data_events_on_every_object_call_is_recorded(lab: Engine) -> None:
    """On: PutObject, GetObject (with the bytes sent back), HeadObject, DeleteObject."""
    record_data_events(lab)
    s3(lab, "PUT", key="k.txt", body=b"hello")
    get = s3(lab, "GET", key="k.txt")
    s3(lab, "HEAD", key="k.txt")
    s3(lab, "DELETE", key="k.txt")
    assert names(lab)[-4:] == ["PutObject", "GetObject", "HeadObject", "DeleteObject"]
    event = next(step.event for step in get.trace if step.event is not None)
    assert event["eventName"] == "GetObject" and event["eventCategory"] == "Data"
    assert event["readOnly"] is True and event["managementEvent"] is False
    assert event["additionalEventData"]["bytesTransferredOut"] == 5
    assert event["requestParameters"]["key"] == "k.txt"


def test_switching_data_events_is_itself_a_management_event(lab: Engine) -> None:
    """PutEventSelectors (cloudtrail.amazonaws.com), and the setting is kept in the store."""
    event = lab.audit.set_s3_data_events(True, principal=lab.default_principal)
    assert event["eventName"] == "PutEventSelectors"
    assert event["eventSource"] == "cloudtrail.amazonaws.com" and event["managementEvent"]
    selectors = event["requestParameters"]["eventSelectors"][0]
    assert selectors["dataResources"] == [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]
    # Another engine on the same store (the next web request) reads the setting back.
    again = Engine(store=lab.store, seed=1)
    assert again.audit.s3_data_events()
    off = again.audit.set_s3_data_events(False, principal=lab.default_principal)
    assert off["requestParameters"]["eventSelectors"][0]["dataResources"] == []
    s3(again, "PUT", key="after.txt", body=b"x")
    assert "PutObject" not in names(again)


def _deny(action: str, resource: str) -> bytes:
    statement = {"Effect": "Deny", "Principal": "*", "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}).encode()


def test_a_denied_object_call_is_recorded_with_its_error_when_data_events_are_on(
    lab: Engine,
) -> None:
    """A refused data event carries errorCode AccessDenied and S3's message (s3-facts §2)."""
    policy = _deny("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*")
    assert s3(lab, "PUT", query={"policy": ""}, body=policy).status == 204
    s3(lab, "PUT", key="k.txt", body=b"hello")
    assert s3(lab, "GET", key="k.txt").status == 403
    assert "GetObject" not in names(lab)  # off: not even the refusal

    record_data_events(lab)
    denied = s3(lab, "GET", key="k.txt")
    assert denied.status == 403
    event = list_events(lab)[-1]
    assert event["eventName"] == "GetObject"
    # The message is S3's own, as the response carries it.
    assert (event["errorCode"], event["errorMessage"]) == ("AccessDenied", denied.error_message)
    assert "explicit deny" in event["errorMessage"]
    error_step = next(step for step in denied.trace if step.kind == "error")
    assert error_step.event is not None and error_step.event["eventID"] == event["eventID"]


def test_a_denied_bucket_call_is_a_management_event_recorded_anyway(lab: Engine) -> None:
    policy = _deny("s3:GetEncryptionConfiguration", f"arn:aws:s3:::{BUCKET}")
    assert s3(lab, "PUT", query={"policy": ""}, body=policy).status == 204
    assert s3(lab, "GET", query={"encryption": ""}).status == 403
    event = list_events(lab)[-1]
    assert event["eventName"] == "GetBucketEncryption" and event["managementEvent"]
    assert event["errorCode"] == "AccessDenied"


def test_a_console_read_says_it_came_from_the_console(lab: Engine) -> None:
    key = lab.kms("CreateKey", {"Description": "k"})["KeyMetadata"]["KeyId"]
    lab.kms("DescribeKey", {"KeyId": key}, from_console=True)
    lab.kms("DescribeKey", {"KeyId": key})
    console, api = list_events(lab)[-2:]
    assert console["sessionCredentialFromConsole"] == "true"
    assert console["userAgent"] == "console.amazonaws.com"
    assert "sessionCredentialFromConsole" not in api and api["userAgent"] != "console.amazonaws.com"
