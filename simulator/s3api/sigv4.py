"""Signature Version 4 verification for the endpoint, as Amazon S3 and AWS KMS do it.

Two ways to sign (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html):
the ``Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`` header,
and query parameters (a presigned URL: ``X-Amz-Algorithm``, ``X-Amz-Credential``,
``X-Amz-Date``, ``X-Amz-Expires``, ``X-Amz-SignedHeaders``, ``X-Amz-Signature``). A request
with neither is anonymous: not an error, its principal is ``*``.

The canonical request, the string to sign and the signature come from botocore's own signer
(``S3SigV4Auth`` for S3, ``SigV4Auth`` for KMS) run over a request rebuilt from what arrived,
so the verifier computes exactly what a client signed. Every failure raises
:class:`SigV4Error` with the code, status, message and extra XML elements S3 answers with.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from simulator.engine import vocabulary

REGION = vocabulary.REGION
MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGN = timedelta(days=7)

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINAL = "aws4_request"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
# What S3 accepts in x-amz-content-sha256 besides a hex SHA-256. The two SigV4a (ECDSA)
# streaming forms are in S3's list and in its error message; the lab never accepts the
# ECDSA algorithm itself, so a request naming them fails at the Authorization header.
PAYLOAD_MARKERS = (
    UNSIGNED_PAYLOAD,
    STREAMING_UNSIGNED_TRAILER,
    STREAMING_SIGNED,
    STREAMING_SIGNED_TRAILER,
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
_MALFORMED = "The authorization header is malformed; "
_CREDENTIAL_SHAPE = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"'
_QUERY_PARAMETERS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)


@dataclass(frozen=True)
class _Refusal(Exception):
    status: int
    code: str
    message: str
    fields: tuple[tuple[str, str], ...] = ()


class SigV4Error(_Refusal):
    """A request S3 (or KMS) refuses before it reaches the service, in AWS's words.

    ``fields`` are the extra XML elements of S3's ``<Error>``, in S3's order. The KMS
    JSON protocol carries only the code and message.

    A frozen dataclass through its base: a frozen dataclass refuses every attribute on
    instances of its own class, ``__traceback__`` and ``__cause__`` included, which Python
    sets while an exception travels (``raise … from``, ``with`` blocks); on a subclass it
    refuses only the fields.
    """

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Signer:
    """What a verified request proves about who sent it and how its body is vouched for."""

    access_key_id: str | None
    presigned: bool
    payload: str
    signing_key: bytes | None
    seed_signature: str | None
    scope: str
    amz_date: str


def verify(
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    *,
    service: str,
    secret_for: Callable[[str], str | None],
    now: datetime,
    payload_hash: str | None = None,
) -> Signer:
    """Check a request's SigV4 signature; return who signed it, or raise :class:`SigV4Error`.

    ``path`` and ``query_string`` are raw, as sent (still percent-encoded). ``payload_hash``
    is the hex SHA-256 of the body for services whose clients sign the body without an
    ``x-amz-content-sha256`` header (KMS's JSON requests); S3 clients always send the header.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    query = _parse_query(query_string)
    names = {name for name, _ in query}
    authorization = lowered.get("authorization")
    presigned = bool(names & {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"})
    if authorization is not None and presigned:
        raise SigV4Error(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
            (("ArgumentName", "Authorization"), ("ArgumentValue", authorization)),
        )
    if authorization is not None:
        request = _parse_authorization(authorization, lowered, service, now)
    elif presigned:
        request = _parse_presigned(query, service, now)
    else:
        return Signer(
            access_key_id=None,
            presigned=False,
            payload=_anonymous_payload(lowered, service),
            signing_key=None,
            seed_signature=None,
            scope="",
            amz_date="",
        )
    payload = _payload(request, lowered, service, payload_hash)
    secret = secret_for(request.access_key_id)
    if secret is None:
        raise SigV4Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            (("AWSAccessKeyId", request.access_key_id),),
        )
    signing_key = signing_key_for(secret, request.date, REGION, service)
    # A presigned URL signs UNSIGNED-PAYLOAD unless its x-amz-content-sha256 was signed.
    signed_payload = (
        UNSIGNED_PAYLOAD
        if request.presigned and "x-amz-content-sha256" not in request.signed_headers
        else payload
    )
    canonical, string_to_sign, expected = _botocore_signature(
        method, path, query, lowered, request, service, secret, signed_payload
    )
    # Bytes: compare_digest refuses str with non-ASCII characters, which a client may send.
    if not hmac.compare_digest(expected.encode(), request.signature.encode()):
        raise SigV4Error(
            403,
            "SignatureDoesNotMatch",
            SIGNATURE_MISMATCH,
            (
                ("AWSAccessKeyId", request.access_key_id),
                ("StringToSign", string_to_sign),
                ("SignatureProvided", request.signature),
                ("StringToSignBytes", _bytes_of(string_to_sign)),
                ("CanonicalRequest", canonical),
                ("CanonicalRequestBytes", _bytes_of(canonical)),
            ),
        )
    if service == "s3":
        _refuse_unsigned_amz_headers(lowered, request.signed_headers)
    return Signer(
        access_key_id=request.access_key_id,
        presigned=request.presigned,
        payload=payload,
        signing_key=signing_key,
        seed_signature=request.signature,
        scope=f"{request.date}/{REGION}/{service}/{TERMINAL}",
        amz_date=request.amz_date,
    )


def signing_key_for(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived SigV4 signing key (kSigning) of one day, region and service.

    botocore derives the same key inside ``SigV4Auth.signature`` but never returns it; the
    chunk and trailer signatures of aws-chunked bodies need it, so it is derived here.
    """
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, TERMINAL):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def bytes_of(text: str) -> str:
    """Text as S3's ``...Bytes`` error elements show it: each byte in hex, space-separated."""
    return _bytes_of(text)


# --- Parsing what arrived ---------------------------------------------------------------


@dataclass(frozen=True)
class _Claimed:
    """What a request says about its signature, once its shape has been checked."""

    access_key_id: str
    date: str  # YYYYMMDD of the credential scope
    amz_date: str  # the request time, in ISO 8601 basic format
    signed_headers: tuple[str, ...]
    signature: str
    presigned: bool


def _parse_query(query_string: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query_string.split("&") if query_string else ():
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def _parse_authorization(
    authorization: str, headers: Mapping[str, str], service: str, now: datetime
) -> _Claimed:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        # SigV2 ("AWS AKID:sig") and SigV4a are not offered: S3 answers this in the Regions
        # that only take SigV4.
        raise SigV4Error(
            400,
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. "
            "Please use AWS4-HMAC-SHA256.",
        )
    components: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, value = part.strip().partition("=")
        if not equals:
            raise _malformed(f'the authorization component "{part.strip()}" is malformed.')
        components[name] = value
    if not {"Credential", "SignedHeaders", "Signature"} <= components.keys():
        raise _malformed(
            "the authorization header requires three components: "
            "Credential, SignedHeaders, and Signature."
        )
    access_key_id, date, region, credential_service, terminal = _credential_parts(
        components["Credential"], _MALFORMED
    )
    amz_date_text = headers.get("x-amz-date")
    when = _parse_request_time(amz_date_text, headers.get("date"))
    amz_date = when.strftime(AMZ_DATE_FORMAT)
    if date != amz_date[:8]:
        raise _malformed("Invalid credential date. Date is not the same as X-Amz-Date.")
    _check_scope(
        region,
        credential_service,
        terminal,
        service,
        _MALFORMED,
        400,
        "AuthorizationHeaderMalformed",
    )
    if abs(now - when) > MAX_SKEW:
        raise SigV4Error(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            (
                ("RequestTime", amz_date_text or headers.get("date", "")),
                ("ServerTime", _iso(now)),
                ("MaxAllowedSkewMilliseconds", str(int(MAX_SKEW.total_seconds() * 1000))),
            ),
        )
    return _Claimed(
        access_key_id=access_key_id,
        date=date,
        amz_date=amz_date,
        signed_headers=tuple(components["SignedHeaders"].split(";")),
        signature=components["Signature"],
        presigned=False,
    )


def _parse_presigned(query: list[tuple[str, str]], service: str, now: datetime) -> _Claimed:
    params = dict(query)
    if not all(name in params for name in _QUERY_PARAMETERS):
        raise _query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
            "and X-Amz-Expires parameters."
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _query_error(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    prefix = "Error parsing the X-Amz-Credential parameter; "
    access_key_id, date, region, credential_service, terminal = _credential_parts(
        params["X-Amz-Credential"], prefix, status=400, code="AuthorizationQueryParametersError"
    )
    amz_date = params["X-Amz-Date"]
    try:
        when = datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise _query_error(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
        ) from None
    if date != amz_date[:8]:
        raise _query_error(prefix + "Invalid credential date. Date is not the same as X-Amz-Date.")
    _check_scope(
        region,
        credential_service,
        terminal,
        service,
        prefix,
        400,
        "AuthorizationQueryParametersError",
    )
    expires_text = params["X-Amz-Expires"]
    try:
        expires = int(expires_text)
    except ValueError:
        raise _query_error("X-Amz-Expires should be a number") from None
    if expires < 0:
        raise _query_error("X-Amz-Expires must be non-negative")
    if expires > MAX_PRESIGN.total_seconds():
        limit = int(MAX_PRESIGN.total_seconds())
        raise _query_error(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given "
            f"X-Amz-Expires must be less than {limit} seconds"
        )
    expiry = when + timedelta(seconds=expires)
    if when - now > MAX_SKEW:
        raise SigV4Error(
            403,
            "AccessDenied",
            "Request is not yet valid",
            (
                # S3 shows the signing time here in epoch milliseconds.
                ("X-Amz-Date", str(int(when.timestamp() * 1000))),
                ("Expires", _iso(expiry)),
                ("ServerTime", _iso(now)),
            ),
        )
    if now > expiry:
        raise SigV4Error(
            403,
            "AccessDenied",
            "Request has expired",
            (("X-Amz-Expires", expires_text), ("Expires", _iso(expiry)), ("ServerTime", _iso(now))),
        )
    return _Claimed(
        access_key_id=access_key_id,
        date=date,
        amz_date=amz_date,
        signed_headers=tuple(params["X-Amz-SignedHeaders"].split(";")),
        signature=params["X-Amz-Signature"],
        presigned=True,
    )


def _credential_parts(
    credential: str,
    prefix: str,
    *,
    status: int = 400,
    code: str = "AuthorizationHeaderMalformed",
) -> tuple[str, str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5:
        raise SigV4Error(
            status, code, f"{prefix}the Credential is mal-formed; expecting {_CREDENTIAL_SHAPE}."
        )
    if not parts[0]:
        raise SigV4Error(
            status,
            code,
            f"{prefix}a non-empty Access Key (AKID) must be provided in the credential.",
        )
    return parts[0], parts[1], parts[2], parts[3], parts[4]


def _check_scope(
    region: str,
    credential_service: str,
    terminal: str,
    service: str,
    prefix: str,
    status: int,
    code: str,
) -> None:
    if region != REGION:
        raise SigV4Error(
            status,
            code,
            f"{prefix}the region '{region}' is wrong; expecting '{REGION}'",
            (("Region", REGION),),
        )
    if credential_service != service:
        raise SigV4Error(
            status,
            code,
            f'{prefix}incorrect service "{credential_service}". '
            f'This endpoint belongs to "{service}".',
        )
    if terminal != TERMINAL:
        raise SigV4Error(
            status,
            code,
            f'{prefix}incorrect terminal "{terminal}". This endpoint uses "{TERMINAL}".',
        )


def _parse_request_time(amz_date: str | None, date: str | None) -> datetime:
    """The request time from ``x-amz-date``, or else the HTTP ``Date`` header."""
    try:
        if amz_date is not None:
            return datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
        if date is not None:
            parsed = parsedate_to_datetime(date)
            # "-0000" (what botocore writes) parses as naive: it is UTC all the same.
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, TypeError):
        pass
    raise SigV4Error(
        403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
    )


def _payload(
    request: _Claimed, headers: Mapping[str, str], service: str, payload_hash: str | None
) -> str:
    """The payload line of the canonical request, checked as S3 checks x-amz-content-sha256."""
    declared = headers.get("x-amz-content-sha256")
    if declared is not None and service == "s3":
        _check_payload_value(declared)
        return declared
    if service == "s3":
        if request.presigned:
            return UNSIGNED_PAYLOAD
        raise SigV4Error(
            400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        )
    if declared is not None:
        return declared
    if payload_hash is None:
        raise ValueError(f"verify() needs payload_hash for {service!r} requests")
    return payload_hash


def _anonymous_payload(headers: Mapping[str, str], service: str) -> str:
    declared = headers.get("x-amz-content-sha256")
    if declared is None:
        return UNSIGNED_PAYLOAD
    if service == "s3":
        _check_payload_value(declared)
    return declared


def _check_payload_value(value: str) -> None:
    if value in PAYLOAD_MARKERS or _HEX_SHA256.fullmatch(value):
        return
    raise SigV4Error(
        400,
        "InvalidArgument",
        "x-amz-content-sha256 must be "
        + ", ".join(PAYLOAD_MARKERS[:-1])
        + f" or {PAYLOAD_MARKERS[-1]} or a valid sha256 value.",
        (("ArgumentName", "x-amz-content-sha256"), ("ArgumentValue", value)),
    )


def _refuse_unsigned_amz_headers(headers: Mapping[str, str], signed: tuple[str, ...]) -> None:
    """S3 refuses x-amz-* headers left out of the signature (x-amz-content-sha256 excepted)."""
    unsigned = sorted(
        name
        for name in headers
        if name.startswith("x-amz-") and name != "x-amz-content-sha256" and name not in signed
    )
    if unsigned:
        raise SigV4Error(
            403,
            "AccessDenied",
            "There were headers present in the request which were not signed",
            (("HeadersNotSigned", ", ".join(unsigned)),),
        )


# --- botocore computes the signature -----------------------------------------------------


def _botocore_signature(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: Mapping[str, str],
    request: _Claimed,
    service: str,
    secret: str,
    payload: str,
) -> tuple[str, str, str]:
    """(canonical request, string to sign, signature) as botocore computes them."""
    signed = HTTPHeaders()
    for name in request.signed_headers:
        if name == "x-amz-content-sha256" and not request.presigned:
            # botocore reads the payload line from this header when present: the value
            # checked above is the one S3 uses.
            signed[name] = payload
        else:
            signed[name] = headers.get(name, "")
    params = [
        (name, value)
        for name, value in query
        if not (request.presigned and name == "X-Amz-Signature")
    ]
    # A list of pairs keeps repeated names; botocore encodes and sorts them (RFC 3986).
    rebuilt = AWSRequest(
        method=method.upper(), url=f"http://endpoint{path}", headers=signed, params=params
    )
    rebuilt.context["timestamp"] = request.amz_date
    credentials = Credentials(request.access_key_id, secret)
    signer: Any = (S3SigV4Auth if service == "s3" else SigV4Auth)(credentials, service, REGION)
    # botocore's signer picks the headers to sign itself (it leaves out ``expect``,
    # ``user-agent`` and a few more, and adds ``host``); a verifier must sign exactly the
    # client's SignedHeaders list, so that one piece is replaced. Likewise the payload
    # line is the one the request declared (botocore would hash a body it holds).
    signer.headers_to_sign = lambda request: request.headers
    signer.payload = lambda request: payload
    canonical: str = signer.canonical_request(rebuilt)
    string_to_sign: str = signer.string_to_sign(rebuilt, canonical)
    signature: str = signer.signature(string_to_sign, rebuilt)
    return canonical, string_to_sign, signature


# --- Small helpers ----------------------------------------------------------------------


def _bytes_of(text: str) -> str:
    return " ".join(f"{byte:02x}" for byte in text.encode())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _malformed(detail: str) -> SigV4Error:
    return SigV4Error(400, "AuthorizationHeaderMalformed", _MALFORMED + detail)


def _query_error(message: str) -> SigV4Error:
    return SigV4Error(400, "AuthorizationQueryParametersError", message)
