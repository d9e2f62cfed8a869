"""Conditional reads: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since.

[GET] https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html and [HEAD]
https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html: If-Match false →
412 Precondition Failed; If-None-Match false → 304 Not Modified; If-Modified-Since false
→ 304; If-Unmodified-Since false → 412. "If-Match condition evaluates to true, and
If-Unmodified-Since condition evaluates to false; then, S3 returns 200 OK"; "If-None-Match
condition evaluates to false, and If-Modified-Since condition evaluates to true; then, S3
returns 304 Not Modified". The 412 body is ``PreconditionFailed``, "At least one of the
pre-conditions you specified did not hold", with ``<Condition>``. s3transfer's ranged
multipart download sends ``If-Match`` with the first part's ETag on every part.
"""

from __future__ import annotations

import io

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from engine_client import EngineClient
from s3lab import BUCKET, MODES, Mode, make_bucket, s3

from simulator.engine import Engine, S3Response

KEY = "reports/q3.txt"
BODY = b"quarterly numbers\n" * 64
# The engine's FixedClock starts at 2026-11-01 09:00:00 UTC.
BEFORE = "Sat, 31 Oct 2026 09:00:00 GMT"
AFTER = "Mon, 02 Nov 2026 09:00:00 GMT"


@pytest.fixture
def stored(lab: Engine) -> str:
    """Puts the object; returns its ETag without quotes."""
    put = s3(lab, "PUT", key=KEY, body=BODY, headers={"x-amz-server-side-encryption": "AES256"})
    assert put.status == 200
    return put.headers["ETag"].strip('"')


def get(engine: Engine, method: str = "GET", **headers: str) -> S3Response:
    return s3(engine, method, key=KEY, headers=headers)


def condition_of(response: S3Response) -> str:
    body = response.read().decode()
    assert "<Code>PreconditionFailed</Code>" in body, body
    assert (
        "<Message>At least one of the pre-conditions you specified did not hold</Message>" in body
    )
    return body.split("<Condition>")[1].split("</Condition>")[0]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_match_compares_the_etag_with_or_without_quotes_in_a_list_or_star(
    lab: Engine, stored: str, method: str
) -> None:
    """[GET][HEAD] If-Match: the object only if its ETag is the one given (RFC 9110 §13.1.1:
    a list of entity tags, or ``*``)."""
    for value in (f'"{stored}"', stored, f'"0123", "{stored}"', "*", f'W/"{stored}"'):
        assert get(lab, method, **{"If-Match": value}).status == 200, value
    refused = get(lab, method, **{"If-Match": '"0123456789abcdef0123456789abcdef"'})
    assert refused.status == 412
    if method == "GET":
        assert condition_of(refused) == "If-Match"
    else:
        assert refused.read() == b""  # HEAD errors have no body


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_on_the_current_etag_is_304_without_a_body(
    lab: Engine, stored: str, method: str
) -> None:
    """[GET][HEAD] If-None-Match false → 304 Not Modified: no body, the validators."""
    response = get(lab, method, **{"If-None-Match": f'"{stored}"'})
    assert response.status == 304
    assert response.read() == b""
    assert response.headers["ETag"] == f'"{stored}"'
    assert response.headers["Last-Modified"] == "Sun, 01 Nov 2026 09:00:00 GMT"
    assert "Content-Length" not in response.headers
    assert get(lab, method, **{"If-None-Match": "*"}).status == 304
    assert get(lab, method, **{"If-None-Match": '"other"'}).status == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"If-Modified-Since": BEFORE}, 200),
        ({"If-Modified-Since": AFTER}, 304),
        # Last-Modified itself: not modified *since* that second.
        ({"If-Modified-Since": "Sun, 01 Nov 2026 09:00:00 GMT"}, 304),
        ({"If-Unmodified-Since": AFTER}, 200),
        ({"If-Unmodified-Since": BEFORE}, 412),
        # RFC 850 and asctime dates are HTTP-dates too (RFC 9110 §5.6.7).
        ({"If-Unmodified-Since": "Saturday, 31-Oct-26 09:00:00 GMT"}, 412),
        ({"If-Modified-Since": "Mon Nov  2 09:00:00 2026"}, 304),
        # An invalid date is ignored (RFC 9110 §13.1.3, §13.1.4).
        ({"If-Modified-Since": "yesterday"}, 200),
        ({"If-Unmodified-Since": "not a date"}, 200),
    ],
)
def test_dates_are_http_dates_compared_to_the_second(
    lab: Engine, stored: str, headers: dict[str, str], status: int
) -> None:
    """[GET] If-Modified-Since false → 304; If-Unmodified-Since false → 412."""
    assert get(lab, **headers).status == status
    assert get(lab, "HEAD", **headers).status == status


def test_if_match_that_holds_outranks_a_failing_if_unmodified_since(
    lab: Engine, stored: str
) -> None:
    """[GET] "If-Match true and If-Unmodified-Since false → 200 OK and the data"."""
    response = get(lab, **{"If-Match": stored, "If-Unmodified-Since": BEFORE})
    assert response.status == 200
    assert response.read() == BODY
    failed = get(lab, **{"If-Match": '"other"', "If-Unmodified-Since": AFTER})
    assert condition_of(failed) == "If-Match"


def test_if_none_match_that_fails_outranks_a_holding_if_modified_since(
    lab: Engine, stored: str
) -> None:
    """[GET] "If-None-Match false and If-Modified-Since true → 304 Not Modified"."""
    assert get(lab, **{"If-None-Match": stored, "If-Modified-Since": BEFORE}).status == 304
    # If-None-Match that holds: If-Modified-Since is not looked at (RFC 9110 §13.1.3).
    assert get(lab, **{"If-None-Match": '"x"', "If-Modified-Since": AFTER}).status == 200


def test_a_412_comes_before_a_304(lab: Engine, stored: str) -> None:
    """RFC 9110 §13.2.2: If-Match/If-Unmodified-Since are evaluated before If-None-Match."""
    response = get(lab, **{"If-Match": '"other"', "If-None-Match": stored})
    assert response.status == 412


def test_conditions_on_a_missing_key_are_404(lab: Engine) -> None:
    assert get(lab, **{"If-Match": "*"}).status == 404


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
def test_a_304_and_a_412_decrypt_nothing_and_say_why_in_the_trace(lab: Engine, mode: Mode) -> None:
    """The trace of a conditional read: request, policy, the condition decision (a
    metadata-only ``storage.read`` whose ``decision`` names each header and its result),
    the response; no key is unwrapped and no byte decrypted for a 304 or a 412."""
    put = s3(lab, "PUT", key=KEY, body=BODY, headers=dict(mode.put_headers))
    etag = put.headers["ETag"]
    for headers, status in (({"If-None-Match": etag}, 304), ({"If-Match": '"x"'}, 412)):
        response = get(lab, **{**mode.get_headers, **headers})
        assert response.status == status
        kinds = [step.kind for step in response.trace]
        assert kinds[:4] == ["request.sent", "tls.transit", "request.received", "policy.evaluated"]
        assert "sse.decrypt" not in kinds
        assert not any(kind.startswith("kms.") for kind in kinds)
        decided = [s for s in response.trace if s.kind == "storage.read" and s.decision]
        assert len(decided) == 1
        assert decided[0].decision is not None
        assert decided[0].decision["status"] == status
        name = next(iter(headers))
        assert decided[0].decision["conditions"] == {name: False}
        assert kinds[-1] == "response.sent"
        if status == 412:
            assert kinds[-2] == "error"


def test_botocore_raises_its_errors_for_412_and_304(lab: Engine, stored: str) -> None:
    client = EngineClient(lab).client
    with pytest.raises(ClientError) as failed:
        client.get_object(Bucket=BUCKET, Key=KEY, IfMatch='"other"')
    error = failed.value.response["Error"]
    assert error["Code"] == "PreconditionFailed"
    assert error["Condition"] == "If-Match"
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    with pytest.raises(ClientError) as unchanged:
        client.head_object(Bucket=BUCKET, Key=KEY, IfNoneMatch=stored)
    assert unchanged.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    ok = client.get_object(Bucket=BUCKET, Key=KEY, IfMatch=stored)
    assert ok["Body"].read() == BODY


def test_s3transfer_ranged_download_sends_if_match_on_every_part(engine: Engine) -> None:
    """s3transfer (``download_fileobj``, the path of ``aws s3 cp``) splits a large object
    into ranged GETs: the first learns the ETag, every later part sends it in ``If-Match``."""
    make_bucket(engine)
    adapter = EngineClient(engine)
    client = adapter.client
    data = bytes(range(256)) * 4096 * 3  # 3 MiB
    config = TransferConfig(
        multipart_threshold=1024 * 1024, multipart_chunksize=1024 * 1024, use_threads=False
    )
    client.upload_fileobj(io.BytesIO(data), BUCKET, "big.bin", Config=config)
    etag = client.head_object(Bucket=BUCKET, Key="big.bin")["ETag"]
    adapter.sent.clear()
    out = io.BytesIO()
    client.download_fileobj(BUCKET, "big.bin", out, Config=config)
    assert out.getvalue() == data
    ranged = [r for r in adapter.sent if r.method == "GET"]
    assert len(ranged) == 3
    assert "If-Match" not in ranged[0].headers
    for request in ranged[1:]:
        assert request.headers["If-Match"] == etag
    assert [r.headers["Range"] for r in ranged] == [
        "bytes=0-1048575",
        "bytes=1048576-2097151",
        "bytes=2097152-",
    ]
    assert [r.status for r in adapter.responses if r.status != 200] == [206, 206, 206]


def test_a_download_whose_object_changed_between_parts_fails_with_412(engine: Engine) -> None:
    """The point of s3transfer's If-Match: a part of a newer object is never stitched
    onto an older one; S3 answers 412 and the download stops."""
    make_bucket(engine)
    adapter = EngineClient(engine)
    client = adapter.client
    client.put_object(Bucket=BUCKET, Key="big.bin", Body=b"a" * 2048)
    etag = client.head_object(Bucket=BUCKET, Key="big.bin")["ETag"]
    client.put_object(Bucket=BUCKET, Key="big.bin", Body=b"b" * 2048)
    with pytest.raises(ClientError) as failed:
        client.get_object(Bucket=BUCKET, Key="big.bin", Range="bytes=1024-2047", IfMatch=etag)
    assert failed.value.response["Error"]["Code"] == "PreconditionFailed"
