"""The same file in every mode: one upload per mode, in a bucket of its own, at once.

A run makes a new bucket ``compare-<n>`` in the learner's sandbox (their other buckets
are never touched), lets SSE-C be written to it (new buckets block SSE-C since April
2026, s3-facts §3), and puts the file there six times, once per column of ``MODES``:

- SSE-S3 (``x-amz-server-side-encryption: AES256``);
- SSE-KMS under the comparison's customer managed key, without a Bucket Key, so the
  ``GenerateDataKey`` call shows;
- SSE-KMS under the same key with a Bucket Key;
- DSSE-KMS under the same key (Bucket Keys are not supported with DSSE, s3-facts §5);
- SSE-C with a fresh 256-bit key from the operating system, over HTTPS (the key is
  never kept: the stored trace carries the engine's placeholder);
- CSE: the engine's S3 Encryption Client encrypts the file first (V3 format, the data
  key from KMS ``GenerateDataKey`` under the same key: ``kms+context``), and the PUT
  carries ciphertext and the envelope as metadata, with no SSE header.

Everything happens in one locked transaction (``sandboxes.locked_engine``): a
request that S3 refuses (a quota reached, a disabled key) raises ``RunFailed`` and
nothing of the run is kept — no bucket, no object, no trace, no KMS key.

A new run deletes the buckets of runs older than the newest ``KEEP_RUNS`` (``prune``):
their traces stay, and a run's page is drawn from its traces alone.

A run is found again by its traces: the uploads are kept with the action
``UPLOAD_ACTION`` and the key ``<mode slug>/<file name>``, so the latest run is the
bucket of the latest such trace (``latest_bucket``).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from simulator.engine import Engine, KMSError, S3Request, S3Response, cse, readmodel, trace
from simulator.engine import vocabulary as v

from .. import quotas, sandboxes
from ..models import Sandbox, TraceRecord

BUCKET_PREFIX = "compare-"
SETUP_ACTION = "compare_setup"
UPLOAD_ACTION = "compare"
KEY_ALIAS = "alias/compare-modes"
# The buckets of the newest runs stay for the learner to open; older runs' buckets go
# when a new run starts (``prune``), so six copies of each file do not pile up.
KEEP_RUNS = 3
# Six copies are stored: a larger file belongs in the bucket page's upload form.
MAX_BYTES = 5 * 1024 * 1024
SAMPLE_NAME = "sample.txt"
# The same words in both languages, so a class sees the same bytes whatever its language.
SAMPLE_BODY = (
    "S3 Encryption Lab sample file / S3 暗号化ラボのサンプルファイル\n"
    "Where is the data encrypted, and who holds the key?\n"
    "データはどこで暗号化され、誰がキーを持っているのか？\n"
).encode()


@dataclass(frozen=True)
class Mode:
    slug: str  # the column's id and the object key's first part
    label: str  # the mode's name as AWS writes it (never translated)
    variant: Any  # what makes this column differ from another of the same mode
    kind: str  # the engine's mode name: SSE-S3 | SSE-KMS | DSSE-KMS | SSE-C | CSE
    bucket_key: bool = False


MODES: tuple[Mode, ...] = (
    Mode("sse-s3", "SSE-S3", _("S3 managed keys"), v.SSE_S3),
    Mode("sse-kms", "SSE-KMS", _("customer managed key, no Bucket Key"), v.SSE_KMS),
    Mode(
        "sse-kms-bucket-key",
        "SSE-KMS",
        _("customer managed key, with a Bucket Key"),
        v.SSE_KMS,
        bucket_key=True,
    ),
    Mode("dsse-kms", "DSSE-KMS", _("customer managed key"), v.DSSE_KMS),
    Mode("sse-c", "SSE-C", _("your key, sent with the request"), v.SSE_C),
    Mode("cse", "CSE", _("encrypted by the client, KMS wrap"), v.CSE),
)
BY_SLUG = {mode.slug: mode for mode in MODES}


class RunFailed(Exception):
    """A request of the run did not succeed; nothing of the run was kept."""

    def __init__(self, mode: str, status: int, code: str, message: str, reason: str = "") -> None:
        super().__init__(f"{mode}: {status} {code}")
        self.mode = mode
        self.status = status
        self.code = code
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Done:
    bucket: str
    traces: dict[str, str]  # mode slug → trace id


def _account() -> str:
    return str(getattr(settings, "LAB_ACCOUNT_ID", v.ACCOUNT_ID))


def principal() -> str:
    """The comparison is alice's: the sandbox's own user, as on the bucket pages."""
    return v.user_arn(v.ALICE, _account())


def object_name(filename: str) -> str:
    """A safe object name from an uploaded file's name: its last part, letters, digits,
    ``.-_`` and spaces only, at most 100 characters; ``file`` if nothing is left."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")[:100]
    return name or "file"


def next_bucket(engine: Engine) -> str:
    """``compare-<n>`` with the next free number (read under the run's lock)."""
    pattern = re.compile(re.escape(BUCKET_PREFIX) + r"(\d+)$")
    numbers = [0]
    for name in readmodel.bucket_names(engine, BUCKET_PREFIX):
        match = pattern.match(name)
        if match:
            numbers.append(int(match.group(1)))
    return f"{BUCKET_PREFIX}{max(numbers) + 1}"


def _number(name: str) -> int | None:
    match = re.fullmatch(re.escape(BUCKET_PREFIX) + r"(\d+)", name)
    return int(match.group(1)) if match else None


def prune(engine: Engine, keep: int) -> list[str]:
    """Delete the buckets of all runs but the newest ``keep`` (objects first); the names
    deleted. A bucket holding anything but a run's own uploads (``<mode>/<file>``), or one
    S3 will not delete (versioning keeps its versions), is the learner's and stays. The
    runs' traces stay too: a run's page is drawn from them."""
    numbered = {
        name: number
        for name in readmodel.bucket_names(engine, BUCKET_PREFIX)
        if (number := _number(name)) is not None
    }
    runs = sorted(numbered, key=numbered.__getitem__)
    deleted = []
    for name in runs[: max(len(runs) - keep, 0)]:
        items = readmodel.objects_at_rest(engine, name)
        if any(mode_of(item.key) is None for item in items):
            continue
        for item in items:
            _close(engine.s3(S3Request("DELETE", name, item.key, principal=principal())))
        response = engine.s3(S3Request("DELETE", name, principal=principal()))
        _close(response)
        if response.status == 204:
            deleted.append(name)
    return deleted


def comparison_key(engine: Engine) -> str:
    """The ARN of the comparison's customer managed key (``KEY_ALIAS``), made on first use."""
    for alias in readmodel.kms_aliases(engine):
        if alias.name == KEY_ALIAS and alias.target_key_id:
            return str(readmodel.kms_key(engine, alias.target_key_id).arn)
    created = engine.kms(
        "CreateKey", {"Description": "Comparison of the encryption modes"}, principal=principal()
    )
    arn = str(created["KeyMetadata"]["Arn"])
    engine.kms(
        "CreateAlias",
        {"AliasName": KEY_ALIAS, "TargetKeyId": created["KeyMetadata"]["KeyId"]},
        principal=principal(),
    )
    return arn


def new_customer_key() -> bytes:
    """A fresh 256-bit SSE-C key from the operating system, used for one upload and
    forgotten: the page shows only its MD5 (from the trace)."""
    return secrets.token_bytes(32)


def allow_ssec_xml() -> bytes:
    """SSE-S3 as the default and SSE-C not blocked (``NONE``), as PutBucketEncryption takes it."""
    return (
        b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
        b"<BucketKeyEnabled>false</BucketKeyEnabled>"
        b"<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType>"
        b"</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    )


def upload_request(
    mode: Mode,
    engine: Engine,
    bucket: str,
    name: str,
    body: bytes,
    content_type: str,
    key_arn: str,
) -> S3Request:
    """The PutObject a client sends for ``mode`` (for CSE, after encrypting ``body``)."""
    headers: dict[str, str] = {"Content-Type": content_type or "binary/octet-stream"}
    if mode.kind == v.CSE:
        body, envelope = cse.encrypt(body, cse.KMSWrap(engine, key_arn, principal=principal()))
        headers.update(envelope)
    elif mode.kind == v.SSE_C:
        headers.update(v.sse_headers(v.SSE_C, customer_key=new_customer_key()))
    else:
        headers.update(
            v.sse_headers(mode.kind, kms_key=key_arn, bucket_key=mode.bucket_key)
            if mode.kind != v.SSE_S3
            else v.sse_headers(v.SSE_S3)
        )
    headers["Content-Length"] = str(len(body))
    return S3Request(
        "PUT",
        bucket,
        f"{mode.slug}/{name}",
        headers=headers,
        body=body,
        secure=True,
        principal=principal(),
    )


def _close(response: S3Response) -> None:
    if not isinstance(response.body, bytes | bytearray):
        response.body.close()  # nothing here reads a large body


def _send(
    sandbox: Sandbox, engine: Engine, action: str, mode: str, request: S3Request
) -> TraceRecord:
    quotas.make_room_for_trace(sandbox)
    response = engine.s3(request)
    _close(response)
    if response.status >= 300:
        reason = next((s.reason for s in response.trace if isinstance(s, trace.Error)), "")
        raise RunFailed(
            mode, response.status, response.error_code or "", response.error_message or "", reason
        )
    return sandboxes.keep_trace(sandbox, engine, action, request, response)


def run(sandbox: Sandbox, filename: str, body: bytes, content_type: str = "") -> Done:
    """Upload ``body`` in every mode in a new bucket; all of it is kept, or none.

    Raises ``RunFailed`` (a refused request, a KMS error) with nothing kept.
    """
    name = object_name(filename)
    traces: dict[str, str] = {}
    with sandboxes.locked_engine(sandbox) as engine:
        bucket = next_bucket(engine)
        prune(engine, KEEP_RUNS - 1)
        _send(sandbox, engine, SETUP_ACTION, "", S3Request("PUT", bucket, principal=principal()))
        _send(
            sandbox,
            engine,
            SETUP_ACTION,
            "",
            S3Request(
                "PUT",
                bucket,
                query={"encryption": ""},
                body=allow_ssec_xml(),
                principal=principal(),
            ),
        )
        try:
            key_arn = comparison_key(engine)
            for mode in MODES:
                request = upload_request(mode, engine, bucket, name, body, content_type, key_arn)
                kept = _send(sandbox, engine, UPLOAD_ACTION, mode.slug, request)
                traces[mode.slug] = str(kept.pk)
        except KMSError as error:
            raise RunFailed("KMS", error.status, error.code, error.message) from error
        Sandbox.objects.filter(pk=sandbox.pk).update(updated=timezone.now())
    return Done(bucket, traces)


# --------------------------------------------------------------------------- finding runs


def mode_of(key: str) -> Mode | None:
    return BY_SLUG.get(key.split("/", 1)[0])


def latest_bucket(sandbox: Sandbox) -> str:
    """The bucket of the learner's latest run, or ``""``."""
    latest = (
        TraceRecord.objects.filter(sandbox=sandbox, action=UPLOAD_ACTION)
        .order_by("-created")
        .values_list("bucket", flat=True)
        .first()
    )
    return latest or ""


def run_traces(sandbox: Sandbox, bucket: str) -> dict[str, TraceRecord]:
    """A run's kept uploads by mode slug (the latest per mode; a trace the quota removed
    is missing)."""
    found: dict[str, TraceRecord] = {}
    records = TraceRecord.objects.filter(
        sandbox=sandbox, action=UPLOAD_ACTION, bucket=bucket
    ).order_by("-created")
    for record in records:
        mode = mode_of(record.key)
        if mode is not None and mode.slug not in found:
            found[mode.slug] = record
    return found


def run_ids(sandbox: Sandbox, bucket: str) -> dict[str, str]:
    """``run_traces`` as trace ids only (no steps read): what names a run's rendering."""
    found: dict[str, str] = {}
    for pk, key in (
        TraceRecord.objects.filter(sandbox=sandbox, action=UPLOAD_ACTION, bucket=bucket)
        .order_by("-created")
        .values_list("pk", "key")
    ):
        mode = mode_of(key)
        if mode is not None and mode.slug not in found:
            found[mode.slug] = str(pk)
    return found


def run_buckets(sandbox: Sandbox, limit: int = 10) -> list[str]:
    """The buckets of the learner's recent runs, newest first."""
    seen: list[str] = []
    for bucket in (
        TraceRecord.objects.filter(sandbox=sandbox, action=UPLOAD_ACTION)
        .order_by("-created")
        .values_list("bucket", flat=True)[: limit * len(MODES)]
    ):
        if bucket not in seen:
            seen.append(bucket)
    return seen[:limit]


def headers_of(pairs: Any) -> Mapping[str, str]:
    return {str(p[0]).lower(): str(p[1]) for p in pairs or [] if len(p) == 2}
