"""``S3Service.handle``: one request in, one response out, never an exception.

With one exception: the store's ``fatal_errors`` (a database failure) pass through
untouched, so that the caller's transaction rolls back instead of committing half a
request answered as 500 InternalError.

The pipeline of every request:

1. ids (``x-amz-request-id``, ``x-amz-id-2``) from the engine's entropy, and the first
   trace steps: ``request.sent``, ``tls.transit``, ``request.received``;
2. routing (405/501 for what S3 would not serve), bucket name and key checks, and the
   bucket owner condition (``prechecks.before_authorization``);
3. ``authorize`` — the one hook where bucket policies will be evaluated, before any SSE
   header validation (s3-facts §4: policies see the request as sent);
4. the request's other pre-checks (``prechecks.after_authorization``: ACLs, Object
   Lock, what the lab does not simulate), then the operation's handler, which raises
   ``S3Error`` (or lets ``KMSError`` and ``DecryptError`` through) on failure;
5. an ``error`` step for failures, then ``response.sent`` with the response headers.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from ..audit import AuditLog
from ..context import Account
from ..crypto import keyed_fingerprint, random_hex
from ..errors import DecryptError, KMSError, S3Error
from ..requests import Headers, S3Request, S3Response
from ..store import fatal_errors
from ..trace import PREVIEW_BYTES, Payload, Trace
from . import authorization, errors, prechecks
from .admission import Admission
from .buckets import audit as bucket_audit
from .context import Call, IAMForS3, KMSForS3, Reply
from .data_events import object_event
from .names import check_key, valid_bucket_name
from .root_keys import RootKeys
from .routes import Route, level_of
from .routing import find_route
from .xml import error_document


class S3Service:
    """Simulated Amazon S3 for one engine (one account, one Region)."""

    def __init__(
        self,
        account: Account,
        *,
        audit: AuditLog,
        kms: KMSForS3,
        iam: IAMForS3,
        admit: Admission | None = None,
    ) -> None:
        self.account = account
        self.audit = audit
        self.kms = kms
        self.iam = iam
        # A host's own limits on writes (``s3.admission``): the web lab's quotas.
        self.admit = admit
        self.root_keys = RootKeys(account)
        # What the store's type declares fatal (``store.fatal_errors``), read once.
        self._fatal = fatal_errors(account.store)

    # ------------------------------------------------------------------ handle

    def handle(self, request: S3Request) -> S3Response:
        fatal = self._fatal
        try:
            return self._handle(request, fatal)
        except fatal:
            # A database failure is the caller's to handle: its transaction rolls back.
            raise
        except Exception:
            body = error_document(
                "InternalError", errors.internal_error().message, {}, "", "0" * 16, ""
            )
            return S3Response(
                status=500,
                headers={"Content-Type": "application/xml"},
                body=b"" if request.method.upper() == "HEAD" else body,
                error_code="InternalError",
                error_message=errors.internal_error().message,
            )

    def _handle(
        self, request: S3Request, fatal: tuple[type[BaseException], ...] = ()
    ) -> S3Response:
        entropy = self.account.entropy
        headers = (
            request.headers if isinstance(request.headers, Headers) else Headers(request.headers)
        )
        trace = Trace()
        call = Call(
            service=self,
            request=request,
            headers=headers,
            trace=trace,
            request_id=random_hex(entropy, 8).upper(),
            host_id=base64.b64encode(entropy.random_bytes(48)).decode(),
        )
        self._trace_request(call)
        route: Route | None = None
        try:
            route = find_route(request, headers)
            call.operation = route.name
            trace.add(
                "request.received",
                "s3",
                operation=route.name,
                method=request.method.upper(),
                bucket=request.bucket,
                key=request.key,
            )
            self._check_names(request, route)
            # The bucket owner condition: is this the bucket the caller means?
            prechecks.before_authorization(call, route)
            admit = self.admit
            refused = admit(request, headers, route) if admit is not None else None
            if refused is not None:
                return self._respond(call, self._error(call, refused.error, reason=refused.reason))
            # Bucket policies and IAM, before any SSE header is validated: records its
            # own ``policy.evaluated`` steps and raises 403 AccessDenied.
            authorization.authorize(call, route)
            # Headers the operation refuses (ACLs, Object Lock) or the lab lacks (501).
            prechecks.after_authorization(call, route)
            reply = route.handler(call)
        except S3Error as error:
            event = _refused_event(call, route, error) if error.code == "AccessDenied" else None
            reply = self._error(call, error, event=event)
        except KMSError as error:
            reply = self._error(call, errors.from_kms(error), kms_code=error.code)
        except fatal:
            raise
        except DecryptError:
            # Stored bytes that fail authentication: the "disk" was tampered with.
            reply = self._error(call, errors.decrypt_failed())
        except Exception as exc:
            # The failure's class goes to the trace beside the stable reason, for whoever
            # debugs it; the caller sees S3's 500 only.
            reply = self._error(call, errors.internal_error(), exception=type(exc).__name__)
        return self._respond(call, reply)

    # ------------------------------------------------------------------ pieces

    def _trace_request(self, call: Call) -> None:
        request = call.request
        body = request.body
        if isinstance(body, bytes | bytearray):
            preview: bytes | None = bytes(body[:PREVIEW_BYTES])
            size = len(body)
        else:
            preview = None
            length = call.headers.get("Content-Length", "")
            size = int(length) if length.isdigit() else 0
        envelope = _cse_envelope(call.headers)
        # A client-side encrypted body is already ciphertext when it leaves the client.
        form = "ciphertext" if envelope else "plaintext"
        plain = Payload(form, size, preview.hex() if preview else "")
        call.trace.add(
            "request.sent",
            "client",
            payload=plain,
            headers=redacted_headers(call.headers, self.account.fingerprint_secret),
            method=request.method.upper(),
            bucket=request.bucket,
            key=request.key,
            query=dict(request.query),
            principal=request.principal,
            client_side_encrypted=bool(envelope),
        )
        if envelope:
            call.trace.add("cse.envelope", "client", payload=plain, envelope=envelope)
        secure = request.secure
        call.trace.add(
            "tls.transit",
            "network",
            payload=Payload("tls", size) if secure else plain,
            secure=secure,
            direction="request",
        )

    def _check_names(self, request: S3Request, route: Route) -> None:
        level = level_of(request)
        if (
            level != "service"
            and route.name != "CreateBucket"
            and not valid_bucket_name(request.bucket)
        ):
            # A bucket with an invalid name cannot exist.
            raise errors.no_such_bucket(request.bucket)
        if level == "object":
            check_key(request.key)

    def _error(
        self,
        call: Call,
        error: S3Error,
        *,
        reason: str = "",
        kms_code: str = "",
        exception: str = "",
        event: dict[str, Any] | None = None,
    ) -> Reply:
        """The ``error`` step and the error reply. ``reason`` overrides ``error.reason``
        (a host's admission refusal names its own)."""
        detail: dict[str, Any] = {"status": error.status, "message": error.message}
        if kms_code:
            detail["kms_code"] = kms_code
        if exception:
            detail["exception"] = exception
        call.trace.add(
            "error", "s3", outcome=error.code, reason=reason or error.reason, event=event, **detail
        )
        call.notes["error"] = error
        if call.request.method.upper() == "HEAD":
            # HEAD errors have no body (s3-facts §2).
            return Reply(error.status, {}, b"")
        resource = error.resource
        body = error_document(
            error.code, error.message, error.extra, resource, call.request_id, call.host_id
        )
        return Reply.xml(body, status=error.status)

    def _respond(self, call: Call, reply: Reply) -> S3Response:
        headers = reply.headers
        headers["x-amz-request-id"] = call.request_id
        headers["x-amz-id-2"] = call.host_id
        body = reply.body
        error = call.notes.get("error")
        if isinstance(body, bytes | bytearray):
            size = len(body)
            preview = bytes(body[:PREVIEW_BYTES]).hex()
        else:
            length = headers.get("Content-Length", "0")
            size = int(length) if length.isdigit() else 0
            preview = ""
        call.trace.add(
            "response.sent",
            "s3",
            headers=tuple(headers.items()),
            payload=Payload("plaintext", size, preview) if size else None,
            outcome=error.code if isinstance(error, S3Error) else "ok",
            status=reply.status,
            secure=call.request.secure,
        )
        return S3Response(
            status=reply.status,
            headers=headers,
            body=body,
            error_code=error.code if isinstance(error, S3Error) else None,
            trace=call.trace.steps,
            error_message=error.message if isinstance(error, S3Error) else None,
        )


# The SSE-C key travels in these headers. S3 uses it and forgets it; the trace keeps
# nothing of it that anyone could check a guess against: a valid key appears only as a
# fingerprint keyed with the engine's secret, anything else as a placeholder. The key's
# MD5 header is kept only beside a valid key (S3 echoes it back then); beside anything
# else it would be an unsalted hash of what someone typed (issue 8, "Secrets").
SECRET_HEADERS = frozenset(
    {
        "x-amz-server-side-encryption-customer-key",
        "x-amz-copy-source-server-side-encryption-customer-key",
    }
)
_KEY_MD5_HEADERS = {name + "-md5": name for name in SECRET_HEADERS}
_SENSITIVE_HEADERS = SECRET_HEADERS | frozenset(_KEY_MD5_HEADERS)
_CUSTOMER_KEY_BYTES = 32


def _customer_key(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.strip().encode("ascii"), validate=True)
    except (ValueError, UnicodeError):
        return None


def _key_placeholder(value: str, secret: bytes | None) -> str:
    material = _customer_key(value)
    if material is None:
        return "<SSE-C key, not kept: not valid base64>"
    if len(material) != _CUSTOMER_KEY_BYTES:
        return f"<SSE-C key, not kept: {len(material)} bytes, not 32>"
    if secret is None:
        return "<SSE-C key, not kept: 32 bytes>"
    return f"<SSE-C key, not kept: fingerprint {keyed_fingerprint(secret, material)}>"


def redacted_headers(
    headers: Mapping[str, str], secret: bytes | None = None
) -> tuple[tuple[str, str], ...]:
    """The request headers as sent, SSE-C keys replaced (see ``SECRET_HEADERS``).

    ``secret`` (the engine's ``fingerprint_secret``) lets a valid key show a keyed
    fingerprint; without it the placeholder says only that a 32-byte key was sent.
    """
    pairs = list(headers.pairs() if isinstance(headers, Headers) else headers.items())
    if isinstance(headers, Headers) and _SENSITIVE_HEADERS.isdisjoint(headers.get_lower()):
        return tuple(pairs)  # no SSE-C key and no key MD5: nothing to replace
    valid: set[str] = set()
    for name, value in pairs:
        material = _customer_key(value) if name.lower() in SECRET_HEADERS else None
        if material is not None and len(material) == _CUSTOMER_KEY_BYTES:
            valid.add(name.lower())
    out = []
    for name, value in pairs:
        lowered = name.lower()
        if lowered in SECRET_HEADERS:
            value = _key_placeholder(value, secret)
        elif lowered in _KEY_MD5_HEADERS and _KEY_MD5_HEADERS[lowered] not in valid:
            value = "<SSE-C key MD5, not kept: sent without a valid 256-bit key>"
        out.append((name, value))
    return tuple(out)


_CSE_MARKERS = {
    "x-amz-meta-x-amz-key-v2": "V2",
    "x-amz-meta-x-amz-key": "V1",
    "x-amz-meta-x-amz-3": "V3",
}


def _cse_envelope(headers: Headers) -> dict[str, str]:
    """The client-side encryption envelope a request carries as metadata, if any."""
    lowered = headers.get_lower()
    for marker, version in _CSE_MARKERS.items():
        if marker in lowered:
            return {
                "version": version,
                "wrap_algorithm": lowered.get("x-amz-meta-x-amz-wrap-alg")
                or lowered.get("x-amz-meta-x-amz-w", ""),
                "content_algorithm": lowered.get("x-amz-meta-x-amz-cek-alg")
                or lowered.get("x-amz-meta-x-amz-c", ""),
                "headers": ", ".join(n for n in lowered if n.startswith("x-amz-meta-x-amz-")),
            }
    return {}


# Bucket-level calls that CloudTrail counts as data events, beside every object-level one.
_BUCKET_DATA_EVENTS = frozenset({"DeleteObjects", "ListObjectsV2"})


def _refused_event(call: Call, route: Route | None, error: S3Error) -> dict[str, Any] | None:
    """CloudTrail records a denied call too, with its errorCode and errorMessage: a data
    event (filed only while the trail records data events) or a management event."""
    if route is None:
        return None
    refused = (error.code, error.message)
    if route.level == "object" or route.name in _BUCKET_DATA_EVENTS:
        return object_event(call, route.name, error=refused)
    return bucket_audit(call, route.name, error=refused)
