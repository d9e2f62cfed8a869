"""Who may do what in S3: the request context, the bucket policy and IAM, on every request.

``authorize(call, route)`` runs after routing and before any SSE header is validated
(s3-facts §4: policies see the request as sent). It

1. builds the ``RequestContext`` from the request alone — never from the bucket's
   default encryption, so a header-less PUT is denied by the classic AES256 policy
   even in a bucket whose default is SSE-S3 (s3-facts §4);
2. evaluates the caller's identity policies (same account) and the bucket policy,
   combines them as IAM does (``iam.combine_s3``) and records a ``policy.evaluated``
   step; anything but Allow is 403 AccessDenied, with AWS's enhanced message for
   callers of the bucket owner's account and plain "Access Denied" for others [403];
3. for CopyObject and UploadPartCopy, checks ``s3:GetObject`` on the source as well;
4. refuses SSE-C writes to a bucket whose ``BlockedEncryptionTypes`` holds SSE-C [BLOCK]
   with its own explained step.

A route may name further actions (``Route.extra_actions``), each decided in turn on the
same resource with its own step: UpdateObjectEncryption needs ``s3:PutObject`` and
``s3:UpdateObjectEncryption`` [UOE]. Routes marked ``per_key`` (DeleteObjects) are not
decided here: the handler calls ``decide`` for each key it names, and a denied key
becomes an ``AccessDenied`` entry of the DeleteResult while the others are deleted.

UploadPart and CompleteMultipartUpload are ``s3:PutObject`` too and are evaluated with
their own headers, which carry no ``x-amz-server-side-encryption``: the classic
"deny unencrypted uploads" policies deny them, as AWS users have long reported
(boto/botocore#471, aws/aws-cli#1674).
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..clock import whole_second
from ..iam import SAME_ACCOUNT, Decision, combine_s3, denied_message, evaluate_documents
from ..iam.decisions import Verdict
from ..policy import ALLOW, EXPLICIT_DENY, PolicyError, RequestContext
from . import errors
from .context import Call
from .headers import CUSTOMER
from .model import BLOCK_SSE_C, bucket_arn, object_arn
from .routes import COPY_SOURCE, Route, level_of

KMS_KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
# Request headers whose value S3 puts in the request context under ``s3:<header>``
# (lower-case names; the key id is turned into an ARN first).
CONTEXT_HEADERS = frozenset(
    {
        "x-amz-server-side-encryption",
        "x-amz-server-side-encryption-customer-algorithm",
        "x-amz-acl",
        "x-amz-copy-source",
        "x-amz-metadata-directive",
        "x-amz-storage-class",
        KMS_KEY_ID,
    }
)
CONTEXT_QUERY = ("prefix", "delimiter", "max-keys")
SIGNATURE_VERSIONS = {"SigV4": "AWS4-HMAC-SHA256", "SigV2": "AWS"}
# The bucket owner's root user may always manage the bucket policy, whatever it says, and
# only the owner's account may manage it at all (S3 API reference, DeleteBucketPolicy).
BUCKET_POLICY_ACTIONS = frozenset({"s3:GetBucketPolicy", "s3:PutBucketPolicy",
                                   "s3:DeleteBucketPolicy"})  # fmt: skip
# Writes that [BLOCK] names: SSE-C Put, Copy and multipart writes are refused.
SSE_C_WRITES = frozenset({"PutObject", "CopyObject", "CreateMultipartUpload"})


def _kms_key_arn(call: Call, value: str) -> str:
    """The key-id header as a key ARN, the form the condition key is compared in.

    NOTE: s3-facts §4 says S3 compares ``s3:x-amz-server-side-encryption-aws-kms-key-id``
    as a key ARN. The lab turns a bare key id into its ARN and resolves an alias of this
    account (without a KMS call, so nothing is audited); anything else — an unknown
    alias, a malformed id, another account's ARN — is compared as sent.
    """
    region, account = call.account.region, call.account.account_id
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[5].startswith("alias/") and parts[4] == account:
            value = parts[5]
        else:
            return value
    if value.startswith("alias/"):
        alias = call.account.store.get("kms_alias", value)
        target = alias.get("TargetKeyId") if alias else None
        return f"arn:aws:kms:{region}:{account}:key/{target}" if target else value
    if len(value) == 36 and value.count("-") == 4:
        return f"arn:aws:kms:{region}:{account}:key/{value}"
    return value


def request_keys(call: Call, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The condition keys of a request, from the request alone (s3-facts §4).

    ``headers``: the request headers with lower-case names, if the caller has them.
    """
    request = call.request
    if headers is None:
        headers = call.headers.get_lower()  # one plain dict: this runs on every request
    now = whole_second(call.now())
    keys: dict[str, Any] = {
        "aws:SecureTransport": "true" if request.secure else "false",
        "aws:SourceIp": request.source_ip,
        "aws:UserAgent": request.user_agent,
        # Whole seconds, in ISO 8601 (UTC) and since the epoch.
        "aws:CurrentTime": now.text + "Z",
        "aws:EpochTime": now.epoch,
    }
    signature = SIGNATURE_VERSIONS.get(request.signature_version)
    if signature is not None and request.principal != "*":
        keys["s3:signatureversion"] = signature
    # Walk the headers sent (usually a handful) rather than look up every known name.
    for name, value in headers.items():
        if name in CONTEXT_HEADERS:
            keys["s3:" + name] = _kms_key_arn(call, value) if name == KMS_KEY_ID else value
        elif name == "referer":
            keys["aws:Referer"] = value
    if request.query:
        for name in CONTEXT_QUERY:
            if name in request.query:
                keys["s3:" + name] = request.query[name]
    tagging = headers.get("x-amz-tagging")
    if tagging is not None:
        tags = parse_qsl(tagging, keep_blank_values=True)
        for tag, value in tags:
            keys["s3:RequestObjectTag/" + tag] = value
        keys["s3:RequestObjectTagKeys"] = [tag for tag, _ in tags]
    # NOTE: objects in the lab carry no tags, so s3:ExistingObjectTag/<key> never appears.
    return keys


def _bucket_verdict(call: Call, bucket: str, ctx: RequestContext) -> Verdict | None:
    """The bucket policy's verdict; None when the bucket has none (or does not exist)."""
    record = call.account.store.get("bucket", bucket) if bucket else None
    encoded = record.get("policy_b64") if record else None
    if not encoded:
        return None
    try:
        doc = call.iam.policies.parse_b64(encoded, kind="resource", bucket=bucket)
    except (binascii.Error, UnicodeDecodeError, PolicyError):
        # NOTE: only a policy stored before PutBucketPolicy parsed policies can get here;
        # the lab ignores it (with a note in the trace) rather than lock the bucket.
        return Verdict("bucket", "ImplicitDeny", note="bucket_policy_unreadable")
    return evaluate_documents("bucket", [(bucket, doc)], ctx)


def decide(
    call: Call, action: str, bucket: str, key: str, keys: dict[str, Any] | None = None
) -> Decision:
    """Evaluate ``action`` on a bucket (``key`` "") or an object and trace the decision."""
    principal = call.principal
    # ListAllMyBuckets names no bucket: IAM matches it against Resource "*".
    resource = (object_arn(bucket, key) if key else bucket_arn(bucket)) if bucket else "*"
    ctx = RequestContext(
        action=action,
        resource=resource,
        principal=principal,
        keys=request_keys(call) if keys is None else keys,
    )
    iam = call.iam
    scope = iam.scope(principal)
    identity = iam.identity_verdict(principal, ctx, scope)
    policy = _bucket_verdict(call, bucket, ctx)
    decision, deciding, reason = combine_s3(scope, principal, identity, policy)
    if (
        decision != ALLOW
        and action in BUCKET_POLICY_ACTIONS
        and identity is not None
        and identity.note == "account_root"
    ):
        # So that a bucket owner cannot lock themselves out of their own bucket.
        decision, deciding, reason = ALLOW, identity.policy, "root_manages_bucket_policy"
    message = ""
    if decision != ALLOW:
        # Enhanced messages only for requests from the bucket owner's account [403].
        if scope == SAME_ACCOUNT:
            message = denied_message(principal, action, f'"{resource}"', reason)
        else:
            message = "Access Denied"
    verdicts = [v for v in (identity, policy) if v is not None]
    result = Decision(
        decision,
        deciding,
        reason,
        ctx,
        verdicts,
        message,
        {"service": "s3", "scope": scope, "operation": call.operation},
    )
    call.trace.add(
        "policy.evaluated",
        "policy",
        decision=result,
        outcome="ok" if decision == ALLOW else "AccessDenied",
        action=action,
        resource=resource,
        policy=deciding,
    )
    return result


def _copy_source(value: str) -> tuple[str, str]:
    """(bucket, key) of an ``x-amz-copy-source`` header (URL-encoded, leading / optional)."""
    path = unquote(value.split("?", 1)[0]).lstrip("/")
    bucket, _, key = path.partition("/")
    return bucket, key


def _check_blocked_ssec(call: Call, route: Route, headers: Mapping[str, str]) -> None:
    """SSE-C writes to a bucket that blocks SSE-C: 403 AccessDenied, explained [BLOCK].

    Only over TLS: without it the handler answers SSE-C's own 400 first, as before.
    """
    if not call.request.secure or not any(name.startswith(CUSTOMER) for name in headers):
        return
    record = call.account.store.get("bucket", call.bucket)
    blocked = record["encryption"].get("blocked", []) if record else []
    if BLOCK_SSE_C not in blocked:
        return
    ctx = RequestContext(
        action=route.action,
        resource=object_arn(call.bucket, call.key),
        principal=call.principal,
        keys={"s3:x-amz-server-side-encryption-customer-algorithm": call.header(
            "x-amz-server-side-encryption-customer-algorithm") or ""},
    )  # fmt: skip
    result = Decision(
        EXPLICIT_DENY,
        "bucket_encryption",
        "encryption_type_blocked",
        ctx,
        (),
        "Access Denied",
        {"service": "s3", "setting": "BlockedEncryptionTypes", "blocked": list(blocked),
         "encryption_type": BLOCK_SSE_C, "operation": route.name},
    )  # fmt: skip
    call.trace.add(
        "policy.evaluated",
        "policy",
        decision=result,
        outcome="AccessDenied",
        action=route.action,
        resource=ctx.resource,
        policy="bucket_encryption",
    )
    # NOTE: [BLOCK] gives the status and code, not the message; S3's generic one stays.
    raise errors.ssec_blocked()


def authorize(call: Call, route: Route) -> None:
    """The hook ``S3Service.authorize`` calls: raises 403 AccessDenied, or returns."""
    if route.per_key:
        # DeleteObjects: S3 decides s3:DeleteObject for each key it names, and reports a
        # denied key in the DeleteResult rather than failing the request (API_DeleteObjects).
        return
    request = call.request
    level = level_of(request)
    headers = call.headers.get_lower()
    keys = request_keys(call, headers)
    bucket = "" if level == "service" else request.bucket
    key = request.key if level == "object" else ""
    for action in (route.action, *route.extra_actions):
        decision = decide(call, action, bucket, key, keys)
        if not decision.allowed:
            raise errors.access_denied(decision.message, reason="policy_denied")
    if route.action in BUCKET_POLICY_ACTIONS and call.iam.scope(call.principal) != (SAME_ACCOUNT):
        # Allowed, but not of the bucket owner's account: 405, as the API reference says.
        raise errors.method_not_allowed(request.method.upper(), "BUCKET")
    source = call.headers.get(COPY_SOURCE) if route.header == COPY_SOURCE else None
    if source is not None:
        # CopyObject also reads the source: s3:GetObject on it, under its bucket's policy.
        source_bucket, source_key = _copy_source(source)
        if source_bucket and source_key:
            read = decide(call, "s3:GetObject", source_bucket, source_key, keys)
            if not read.allowed:
                raise errors.access_denied(read.message, reason="copy_source_denied")
    if route.name in SSE_C_WRITES:
        _check_blocked_ssec(call, route, headers)
