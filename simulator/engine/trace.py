"""The trace: the story of one request as a list of typed, frozen steps.

A step is data, not prose (design §4). The engine says *what* happened; the web
templates say it in the learner's language, keyed by ``kind``. The same list drives
the animated diagram, the accessible step list, presenter mode, the JSON export and
the quiz explanations.

Every step carries design §4's fields (``kind``, ``actor``, ``keys``, ``payload``,
``headers``, ``decision``, ``event``, ``outcome``); each kind is its own frozen type
with the facts that kind has besides. ``STEP_TYPES`` (kind → type) is the one list of
kinds: the web's views and templates are named after it. The engine records a step
with ``Trace.add(kind, actor, ..., **fields)``; a field the kind does not have is an
error.

A kind's own field is ``None`` when the engine did not say it (a ``storage.read`` of a
listing has no ``blob_id``); ``to_dict()`` leaves such fields out of ``detail``.

JSON: ``to_json(step)`` is the step as plain data, version ``"v": 1``, with the kind's
fields in ``detail``; ``from_json`` reads it back (``from_json(to_json(s)) == s``), and
also reads a step stored before the version was written. ``schemas/trace-v1.schema.json``
describes the trace export built from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

ACTORS = ("client", "network", "s3", "policy", "kms", "storage")
PREVIEW_BYTES = 32
VERSION = 1


class KeyInPlay(NamedTuple):
    """A key present at a step: what it is, who holds it, and in which form.

    ``form`` is ``plaintext`` (usable key material, in memory only), ``wrapped``
    (encrypted under another key), ``hmac`` (only a salted HMAC is kept — SSE-C),
    ``reference`` (named by id, material stays inside KMS) or ``discarded``.
    """

    name: str
    role: str  # data_key | root_key | kms_key | customer_key | bucket_key | cse_key | dsse_s3_key
    holder: str  # client | s3 | kms | storage
    form: str
    fingerprint: str = ""
    key_id: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "role": self.role,
            "holder": self.holder,
            "form": self.form,
            "fingerprint": self.fingerprint,
            "key_id": self.key_id,
        }


class Payload(NamedTuple):
    """The data at a step. ``form``: plaintext | ciphertext | tls | none."""

    form: str
    size: int
    preview: str = ""  # hex of the first bytes

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form, "size": self.size, "preview": self.preview}


def payload(form: str, data: bytes | None = None, size: int | None = None) -> Payload:
    if data is None:
        return Payload(form, size or 0, "")
    return Payload(form, len(data) if size is None else size, data[:PREVIEW_BYTES].hex())


Headers = tuple[tuple[str, str], ...]
Context = Mapping[str, str]


@dataclass(frozen=True)
class Step:
    """What every step has (design §4's table); a kind's type adds its own facts."""

    kind: ClassVar[str]
    actor: str
    keys: tuple[KeyInPlay, ...] = ()
    payload: Payload | None = None
    headers: Headers | None = None
    decision: Mapping[str, Any] | None = None
    event: Mapping[str, Any] | None = None
    outcome: str = "ok"

    @property
    def failed(self) -> bool:
        return self.outcome != "ok"

    @property
    def detail(self) -> dict[str, Any]:
        """The kind's own facts that the engine told (``None`` ones left out)."""
        return {
            name: getattr(self, name)
            for name in _DETAIL_FIELDS[type(self)]
            if getattr(self, name) is not None
        }

    def to_dict(self) -> dict[str, Any]:
        """The step as plain data: design §4's fields, and ``detail`` for the kind's own."""
        return {
            "kind": self.kind,
            "actor": self.actor,
            "keys": [k.to_dict() for k in self.keys],
            "payload": self.payload.to_dict() if self.payload else None,
            "headers": [list(h) for h in self.headers] if self.headers is not None else None,
            "decision": dict(self.decision) if self.decision is not None else None,
            "event": dict(self.event) if self.event is not None else None,
            "outcome": self.outcome,
            "detail": self.detail,
        }


# --- the kinds -----------------------------------------------------------------------
# One type per kind, in the order a request tells them. A field's default is ``None``
# when a call site may leave it out.


@dataclass(frozen=True)
class RequestSent(Step):
    """The HTTP request leaves the client (actor ``client``)."""

    kind: ClassVar[str] = "request.sent"
    method: str = ""
    bucket: str = ""
    key: str = ""
    query: Mapping[str, str] | None = None
    principal: str = ""
    client_side_encrypted: bool = False


@dataclass(frozen=True)
class TlsTransit(Step):
    """The bytes cross the network, over TLS or not (actor ``network``)."""

    kind: ClassVar[str] = "tls.transit"
    secure: bool = True
    direction: str = "request"


@dataclass(frozen=True)
class RequestReceived(Step):
    """S3 has the request and names its operation (actor ``s3``)."""

    kind: ClassVar[str] = "request.received"
    operation: str = ""
    method: str = ""
    bucket: str = ""
    key: str = ""


@dataclass(frozen=True)
class PolicyEvaluated(Step):
    """A bucket, identity or key policy decision; ``decision`` holds it (actor ``policy``)."""

    kind: ClassVar[str] = "policy.evaluated"
    action: str = ""
    resource: str | None = None
    policy: str | None = None


@dataclass(frozen=True)
class SseResolve(Step):
    """Which server-side encryption applies and why (actor ``s3``)."""

    kind: ClassVar[str] = "sse.resolve"
    mode: str = ""
    source: str = ""  # header | bucket-default | object
    bucket_default: str | None = None
    kms_key_ref: str | None = None
    bucket_key: bool | None = None
    context: Context | None = None
    operation: str | None = None  # read | rewrap
    from_mode: str | None = None


@dataclass(frozen=True)
class KmsGenerateDataKey(Step):
    """KMS makes a data key, plaintext and wrapped (actor ``kms``)."""

    kind: ClassVar[str] = "kms.generate_data_key"
    key_arn: str | None = None
    key_ref: str | None = None  # the key as named, when it could not be resolved
    key_material_id: str | None = None
    encryption_context: Context | None = None
    via_service: str | None = None
    message: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class KmsDecrypt(Step):
    """KMS unwraps a data key (actor ``kms``)."""

    kind: ClassVar[str] = "kms.decrypt"
    key_arn: str | None = None
    key_material_id: str | None = None
    encryption_context: Context | None = None
    via_service: str | None = None
    message: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class KmsCall(Step):
    """Any other KMS API call (actor ``kms``)."""

    kind: ClassVar[str] = "kms.call"
    operation: str | None = None
    key_id: str | None = None
    key_arn: str | None = None
    encryption_context: Context | None = None
    via_service: str | None = None
    message: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class S3RootKey(Step):
    """The S3-managed root key wraps or unwraps a key (actor ``s3``)."""

    kind: ClassVar[str] = "s3.root_key"
    operation: str = ""  # wrap | unwrap
    version: str = ""


@dataclass(frozen=True)
class S3BucketKey(Step):
    """An S3 Bucket Key is made, reused or opened (actor ``s3``)."""

    kind: ClassVar[str] = "s3.bucket_key"
    cached: bool = False
    key_arn: str = ""


@dataclass(frozen=True)
class SsecValidate(Step):
    """The SSE-C key is checked: its MD5, or the stored salted HMAC (actor ``s3``)."""

    kind: ClassVar[str] = "ssec.validate"
    check: str = ""  # md5 | hmac


@dataclass(frozen=True)
class SseEncrypt(Step):
    """Plaintext becomes ciphertext inside S3 (actor ``s3``)."""

    kind: ClassVar[str] = "sse.encrypt"
    mode: str = ""
    plaintext_size: int | None = None
    part_number: int | None = None
    role: str | None = None  # copy-target


@dataclass(frozen=True)
class SseDecrypt(Step):
    """Ciphertext becomes plaintext inside S3 (actor ``s3``)."""

    kind: ClassVar[str] = "sse.decrypt"
    mode: str = ""
    role: str | None = None  # copy-source, with the source's bucket and key
    bucket: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class CseEnvelope(Step):
    """The client-side envelope metadata sent with the object (actor ``client``)."""

    kind: ClassVar[str] = "cse.envelope"
    envelope: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class StorageWrite(Step):
    """Ciphertext and metadata are written (actor ``storage``)."""

    kind: ClassVar[str] = "storage.write"
    blob_id: str | None = None
    record: Mapping[str, Any] | None = None
    mode: str | None = None
    upload_id: str | None = None
    part_number: int | None = None
    parts: int | None = None
    size: int | None = None
    etag: str | None = None
    data_rewritten: bool | None = None
    from_mode: str | None = None
    to_mode: str | None = None


@dataclass(frozen=True)
class StorageRead(Step):
    """Ciphertext and metadata are read (actor ``storage``)."""

    kind: ClassVar[str] = "storage.read"
    blob_id: str | None = None
    upload_id: str | None = None
    parts: int | None = None
    metadata_only: bool | None = None
    listing: bool | None = None
    count: int | None = None


@dataclass(frozen=True)
class StorageDelete(Step):
    """An object, an upload or a bucket is removed (actor ``storage``)."""

    kind: ClassVar[str] = "storage.delete"
    bucket: str | None = None
    key: str | None = None
    blob_id: str | None = None
    existed: bool | None = None
    upload_id: str | None = None
    deleted: int | None = None
    errors: int | None = None
    quiet: bool | None = None


@dataclass(frozen=True)
class BucketConfig(Step):
    """A bucket setting is read or changed (actor ``s3``)."""

    kind: ClassVar[str] = "bucket.config"
    setting: str = ""  # bucket | encryption | policy
    change: str = ""  # created | exists | put | read | reset | delete
    default_encryption: str | None = None
    algorithm: str | None = None
    kms_key_id: str | None = None
    bucket_key: bool | None = None
    blocked: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.blocked is not None and type(self.blocked) is not tuple:
            object.__setattr__(self, "blocked", tuple(self.blocked))


@dataclass(frozen=True)
class ResponseSent(Step):
    """The HTTP response leaves S3 (actor ``s3``)."""

    kind: ClassVar[str] = "response.sent"
    status: int = 0
    secure: bool = True


@dataclass(frozen=True)
class Error(Step):
    """The request failed: ``outcome`` is the S3 error code, ``reason`` why (snake_case)."""

    kind: ClassVar[str] = "error"
    status: int = 0
    message: str = ""
    reason: str = ""
    kms_code: str | None = None
    exception: str | None = None


STEP_TYPES: Mapping[str, type[Step]] = {
    t.kind: t
    for t in (
        RequestSent,
        TlsTransit,
        RequestReceived,
        PolicyEvaluated,
        SseResolve,
        KmsGenerateDataKey,
        KmsDecrypt,
        KmsCall,
        S3RootKey,
        S3BucketKey,
        SsecValidate,
        SseEncrypt,
        SseDecrypt,
        CseEnvelope,
        StorageWrite,
        StorageRead,
        StorageDelete,
        BucketConfig,
        ResponseSent,
        Error,
    )
}
KINDS: tuple[str, ...] = tuple(STEP_TYPES)

_COMMON = frozenset(f.name for f in dataclasses.fields(Step))
# Each type's own fields, in declaration order (``detail``'s order).
_DETAIL_FIELDS: dict[type[Step], tuple[str, ...]] = {
    t: tuple(f.name for f in dataclasses.fields(t) if f.name not in _COMMON)
    for t in STEP_TYPES.values()
}
# What ``Trace.add`` takes besides the actor: design §4's fields and the kind's own.
_ADD_FIELDS = {t: frozenset(names) | (_COMMON - {"actor"}) for t, names in _DETAIL_FIELDS.items()}


def detail_fields(step_type: type[Step]) -> tuple[str, ...]:
    """The names of a kind's own fields (what its ``detail`` may hold)."""
    return _DETAIL_FIELDS[step_type]


_new = object.__new__
_set_attribute = object.__setattr__


class Trace:
    """Collects the steps of one request, in order."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(self, kind: str, actor: str, /, **fields: Any) -> Step:
        """Record a step of ``kind`` (its type in ``STEP_TYPES``) done by ``actor``.

        ``fields`` are design §4's (``keys``, ``payload``, ``headers`` as a mapping or
        pairs, ``decision``, ``event``, ``outcome``) and the kind's own; any other is a
        TypeError. A field left out has its type's default.
        """
        step_type = STEP_TYPES.get(kind)
        if step_type is None:
            raise ValueError(f"unknown trace step kind {kind!r}")
        allowed = _ADD_FIELDS[step_type]
        if not fields.keys() <= allowed:
            raise TypeError(
                f"{kind} steps have no field {', '.join(sorted(fields.keys() - allowed))}"
            )
        headers = fields.get("headers")
        if headers is not None and type(headers) is not tuple:
            fields["headers"] = tuple(headers.items())
        fields["actor"] = actor
        step: Step
        if step_type is BucketConfig:  # its __post_init__ makes ``blocked`` a tuple
            step = step_type(**fields)
        else:
            # Not the frozen __init__, which sets each of up to 18 fields through
            # object.__setattr__: ``fields`` (a fresh dict) becomes the step's attributes,
            # and a field left out reads its default from the class, where a dataclass
            # keeps it. Nine steps per 1 KiB PUT: about 6 % of it (bench/engine.py).
            step = _new(step_type)
            _set_attribute(step, "__dict__", fields)
        self.steps.append(step)
        return step

    def __len__(self) -> int:
        return len(self.steps)


# --- JSON ----------------------------------------------------------------------------


def to_json(step: Step) -> dict[str, Any]:
    """``step`` as JSON-ready data, version 1: ``{"v": 1, "kind": ..., "detail": {...}}``."""
    return {"v": VERSION, **step.to_dict()}


def _tuple_fields(step_type: type[Step]) -> frozenset[str]:
    return frozenset(
        f.name
        for f in dataclasses.fields(step_type)
        if f.name not in _COMMON and str(f.type).startswith("tuple")
    )


_TUPLE_FIELDS = {t: _tuple_fields(t) for t in STEP_TYPES.values()}


def from_json(data: Mapping[str, Any]) -> Step:
    """The step that ``to_json`` wrote (or a stored step without ``v``: version 1).

    Raises ``ValueError`` for another version, an unknown kind or a field the kind
    does not have.
    """
    version = data.get("v", VERSION)
    if version != VERSION:
        raise ValueError(f"trace step version {version!r} is not {VERSION}")
    kind = data.get("kind")
    step_type = STEP_TYPES.get(kind) if isinstance(kind, str) else None
    if step_type is None:
        raise ValueError(f"unknown trace step kind {kind!r}")
    detail = dict(data.get("detail") or {})
    unknown = set(detail) - set(_DETAIL_FIELDS[step_type])
    if unknown:
        raise ValueError(f"{kind} steps have no field {', '.join(sorted(unknown))}")
    for name in _TUPLE_FIELDS[step_type] & set(detail):
        if isinstance(detail[name], list):
            detail[name] = tuple(detail[name])
    raw_payload = data.get("payload")
    raw_headers = data.get("headers")
    return step_type(
        str(data.get("actor", "")),
        tuple(KeyInPlay(**k) for k in data.get("keys") or ()),
        Payload(**raw_payload) if raw_payload else None,
        tuple((str(n), str(v)) for n, v in raw_headers) if raw_headers is not None else None,
        data.get("decision"),
        data.get("event"),
        str(data.get("outcome", "ok")),
        **detail,
    )


def trace_to_json(steps: list[Step]) -> list[dict[str, Any]]:
    """The steps as stored and exported (``to_dict``; ``to_json`` adds the version)."""
    return [s.to_dict() for s in steps]
