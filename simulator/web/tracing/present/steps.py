"""Typed trace steps as view data: a ``StepView`` per engine step.

The engine's step says *what* happened (design §4); for each step type one function
here (``_FACTS``, keyed by type) picks out the facts its sentence needs and labels them
in the learner's language. The sentence itself lives in
``templates/web/tracing/steps.html``, one partial per kind, named after the kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _lazy

from simulator.engine import trace, vocabulary

from . import labels

KINDS = trace.KINDS
STEPS_TEMPLATE = "web/tracing/steps.html"


def template_name(kind: str) -> str:
    """The partial of STEPS_TEMPLATE that says a kind's sentence: ``#kind-sse-encrypt``."""
    return f"{STEPS_TEMPLATE}#kind-{kind.replace('.', '-').replace('_', '-')}"


TEMPLATES = {kind: template_name(kind) for kind in KINDS}
CSE_PREFIXES = ("x-amz-meta-x-amz-key", "x-amz-meta-x-amz-3", "x-amz-meta-x-amz-c")

_KIND_TITLES: dict[str, Promise] = {
    "request.sent": _lazy("Request sent"),
    "tls.transit": _lazy("Across the network"),
    "request.received": _lazy("S3 receives the request"),
    "policy.evaluated": _lazy("Policy check"),
    "sse.resolve": _lazy("Which encryption applies"),
    "kms.generate_data_key": _lazy("KMS generates a data key"),
    "kms.decrypt": _lazy("KMS decrypts the data key"),
    "kms.call": _lazy("KMS call"),
    "s3.root_key": _lazy("S3 root key"),
    "s3.bucket_key": _lazy("S3 Bucket Key"),
    "ssec.validate": _lazy("SSE-C key check"),
    "sse.encrypt": _lazy("Encrypted inside S3"),
    "sse.decrypt": _lazy("Decrypted inside S3"),
    "cse.envelope": _lazy("Client-side envelope"),
    "storage.write": _lazy("Written to disk"),
    "storage.read": _lazy("Read from disk"),
    "storage.delete": _lazy("Deleted from disk"),
    "bucket.config": _lazy("Bucket setting"),
    "response.sent": _lazy("Response sent"),
    "error": _lazy("The request fails"),
}


def kind_title(kind: str) -> str:
    return str(_KIND_TITLES.get(kind, kind))


@dataclass(frozen=True, slots=True)
class KeyView:
    name: str
    role: str
    holder: str
    holder_label: str
    form: str
    form_label: str
    fingerprint: str
    key_id: str


@dataclass(frozen=True, slots=True)
class PayloadView:
    form: str
    form_label: str
    size: int
    size_label: str
    preview: str


@dataclass(slots=True)
class StepView:
    n: int
    kind: str
    actor: str
    actor_label: str
    title: str
    outcome: str
    template: str
    keys: list[KeyView]
    payload: PayloadView | None
    packet: str  # the form of the bytes at this step: plaintext | ciphertext | cse | tls | none
    f: dict[str, Any] = field(default_factory=dict)  # facts for the sentence
    has_event: bool = False
    has_decision: bool = False
    current: bool = False

    @property
    def failed(self) -> bool:
        return self.outcome != "ok"

    @property
    def slug(self) -> str:
        return self.kind.replace(".", "-").replace("_", "-")


@dataclass
class RequestFacts:
    """What the whole request tells every step: its body form, SSE-C, CSE."""

    method: str = ""
    path: str = "/"
    principal: str = ""
    secure: bool = True
    cse: bool = False
    headers: list[list[str]] = field(default_factory=list)
    sealed_mode: str = ""  # the mode S3 encrypted with (the last sse.encrypt step's)
    error_message: str = ""  # AWS's message, quoted once at the top of the page


def request_path(bucket: str, key: str, query: dict[str, Any] | None = None) -> str:
    from urllib.parse import quote

    path = "/"
    if bucket:
        path += bucket
        if key:
            path += "/" + quote(key, safe="/~!$&'()*+,;=:@")
    if query:
        parts = [
            quote(str(k), safe="-_.~") + (f"={quote(str(v), safe='-_.~')}" if v else "")
            for k, v in sorted(query.items())
        ]
        path += "?" + "&".join(parts)
    return path


def request_facts(steps: Sequence[trace.Step], headers: list[Any] | None = None) -> RequestFacts:
    facts = RequestFacts()
    first = steps[0] if steps else None
    sent = first if isinstance(first, trace.RequestSent) else None
    pairs: Any = sent.headers if sent is not None and sent.headers is not None else (headers or [])
    if sent is not None:
        facts.method = sent.method
        facts.path = request_path(sent.bucket, sent.key, dict(sent.query or {}))
        facts.principal = sent.principal
    for step in steps[:3]:
        if isinstance(step, trace.TlsTransit):
            facts.secure = step.secure
    facts.cse = any(str(p[0]).lower().startswith(CSE_PREFIXES) for p in pairs)
    for step in steps:
        if isinstance(step, trace.SseEncrypt):
            facts.sealed_mode = step.mode
        elif isinstance(step, trace.Error):
            facts.error_message = step.message
    facts.headers = [[str(name), str(value)] for name, value in pairs]
    return facts


def _key_view(k: trace.KeyInPlay) -> KeyView:
    return KeyView(
        name=labels.key_name_label(k.name, k.role),
        role=k.role,
        holder=k.holder,
        holder_label=labels.actor_label(k.holder),
        form=k.form,
        form_label=labels.key_form_label(k.form),
        fingerprint=k.fingerprint,
        key_id=k.key_id,
    )


def _context_text(context: Mapping[str, Any] | None) -> str:
    if not context:
        return ""
    return json.dumps(dict(context), ensure_ascii=False, sort_keys=True)


def _size(step: trace.Step) -> int:
    return step.payload.size if step.payload is not None else 0


# --- each kind's facts, for its sentence ---------------------------------------------
# One function per step type; ``step_views`` looks it up by the step's type.

Facts = dict[str, Any]
FactsOf = TypeVar("FactsOf", bound=Callable[..., Facts])
_FACTS: dict[type[trace.Step], Callable[[Any, RequestFacts], Facts]] = {}


def _facts_of(*types: type[trace.Step]) -> Callable[[FactsOf], FactsOf]:
    """Register the decorated function as the facts of ``types``' steps."""

    def register(fn: FactsOf) -> FactsOf:
        for step_type in types:
            _FACTS[step_type] = fn
        return fn

    return register


@_facts_of(trace.RequestSent)
def _request_sent(step: trace.RequestSent, req: RequestFacts) -> Facts:
    names = [name.lower() for name, _value in step.headers or ()]
    return {
        "who": labels.short_principal(req.principal),
        "method": req.method,
        "path": req.path,
        "secure": req.secure,
        "size": labels.size_label(_size(step)),
        "has_body": bool(_size(step)),
        "sse_headers": [n for n in names if "server-side-encryption" in n],
        "ssec": any(n in vocabulary.SECRET_HEADERS for n in names),
        "cse": req.cse,
    }


@_facts_of(trace.TlsTransit)
def _tls_transit(step: trace.TlsTransit, req: RequestFacts) -> Facts:
    return {
        "secure": step.secure,
        "size": labels.size_label(_size(step)),
        "response": step.direction == "response",
    }


@_facts_of(trace.RequestReceived)
def _request_received(step: trace.RequestReceived, req: RequestFacts) -> Facts:
    return {"operation": step.operation, "path": req.path, "secure": req.secure}


@_facts_of(trace.PolicyEvaluated)
def _policy_evaluated(step: trace.PolicyEvaluated, req: RequestFacts) -> Facts:
    decision = step.decision or {}
    verdict = str(decision.get("decision", ""))
    return {
        "decision": verdict,
        "allowed": verdict == "Allow",
        "decision_label": labels.decision_label(verdict),
        "explicit": verdict == "ExplicitDeny",
        "policy_label": policy_label(
            decision.get("policy") or decision.get("policy_kind") or step.policy
        ),
        "action": decision.get("action") or step.action,
    }


@_facts_of(trace.SseResolve)
def _sse_resolve(step: trace.SseResolve, req: RequestFacts) -> Facts:
    default = step.bucket_default or ""
    return {
        "mode": labels.mode_label(step.mode),
        "source": step.source,
        "default": labels.mode_label(labels.ALGORITHM_MODES.get(default, default)),
        "kms_key": step.kms_key_ref or "",
        "kms_mode": step.mode in ("SSE-KMS", "DSSE-KMS"),
        "bucket_key": bool(step.bucket_key),
        "context": _context_text(step.context),
        "from_mode": labels.mode_label(step.from_mode) if step.from_mode else "",
    }


def _kms(
    step: trace.KmsGenerateDataKey | trace.KmsDecrypt | trace.KmsCall,
    req: RequestFacts,
    key: str,
    operation: str,
) -> Facts:
    return {
        "key": key,
        "context": _context_text(step.encryption_context),
        # The page quotes AWS's message once, at the top: a step repeats only another one.
        "message": "" if step.message == req.error_message else step.message or "",
        "operation": operation,
        "client": (step.via_service or "s3").split(".")[0] != "s3",
    }


@_facts_of(trace.KmsGenerateDataKey)
def _kms_generate_data_key(step: trace.KmsGenerateDataKey, req: RequestFacts) -> Facts:
    # A key KMS could not resolve is named as the caller named it.
    return _kms(step, req, step.key_arn or step.key_ref or "", "")


@_facts_of(trace.KmsDecrypt)
def _kms_decrypt(step: trace.KmsDecrypt, req: RequestFacts) -> Facts:
    return _kms(step, req, step.key_arn or "", "")


@_facts_of(trace.KmsCall)
def _kms_call(step: trace.KmsCall, req: RequestFacts) -> Facts:
    return _kms(step, req, step.key_arn or step.key_id or "", step.operation or "")


@_facts_of(trace.S3RootKey)
def _s3_root_key(step: trace.S3RootKey, req: RequestFacts) -> Facts:
    return {"wrap": step.operation == "wrap", "version": step.version.lstrip("0") or "1"}


@_facts_of(trace.S3BucketKey)
def _s3_bucket_key(step: trace.S3BucketKey, req: RequestFacts) -> Facts:
    return {"cached": step.cached, "key": step.key_arn}


@_facts_of(trace.SsecValidate)
def _ssec_validate(step: trace.SsecValidate, req: RequestFacts) -> Facts:
    return {"hmac": step.check == "hmac"}


@_facts_of(trace.SseEncrypt)
def _sse_encrypt(step: trace.SseEncrypt, req: RequestFacts) -> Facts:
    plain = step.plaintext_size if step.plaintext_size is not None else _size(step)
    return {
        "mode": labels.mode_label(step.mode),
        "size": labels.size_label(_size(step)),
        "plain_size": labels.size_label(plain),
        "copy": step.role or "",
        "source": "/",
        "cse": req.cse,
    }


@_facts_of(trace.SseDecrypt)
def _sse_decrypt(step: trace.SseDecrypt, req: RequestFacts) -> Facts:
    return {
        "mode": labels.mode_label(step.mode),
        "size": labels.size_label(_size(step)),
        "plain_size": labels.size_label(_size(step)),
        "copy": step.role or "",
        "source": request_path(step.bucket or "", step.key or ""),
    }


@_facts_of(trace.CseEnvelope)
def _cse_envelope(step: trace.CseEnvelope, req: RequestFacts) -> Facts:
    return {}


@_facts_of(trace.StorageWrite)
def _storage_write(step: trace.StorageWrite, req: RequestFacts) -> Facts:
    return {"size": labels.size_label(_size(step)), "ssec": req.sealed_mode == "SSE-C"}


@_facts_of(trace.StorageRead)
def _storage_read(step: trace.StorageRead, req: RequestFacts) -> Facts:
    return {
        "size": labels.size_label(_size(step)),
        "metadata_only": bool(step.metadata_only),
        "listing": bool(step.listing),
        "count": step.count or 0,
    }


@_facts_of(trace.StorageDelete)
def _storage_delete(step: trace.StorageDelete, req: RequestFacts) -> Facts:
    return {
        "what": step.key or step.bucket or "",
        "bucket": bool(step.bucket) and not step.key,
        "existed": step.existed is not False,
        "deleted": step.deleted,
    }


@_facts_of(trace.BucketConfig)
def _bucket_config(step: trace.BucketConfig, req: RequestFacts) -> Facts:
    algorithm = step.algorithm or step.default_encryption or ""
    blocked = [b for b in step.blocked or () if b != "NONE"]
    return {
        "setting": step.setting,
        "change": step.change,
        "algorithm": labels.mode_label(labels.ALGORITHM_MODES.get(algorithm, algorithm)),
        "kms_key": step.kms_key_id or "",
        "bucket_key": bool(step.bucket_key),
        "ssec_blocked": "SSE-C" in blocked,
        "blocked_known": step.blocked is not None,
    }


@_facts_of(trace.ResponseSent)
def _response_sent(step: trace.ResponseSent, req: RequestFacts) -> Facts:
    return {
        "status": step.status,
        "phrase": labels.status_phrase(step.status),
        "size": labels.size_label(_size(step)),
        "has_body": bool(_size(step)),
        "secure": step.secure,
    }


@_facts_of(trace.Error)
def _error(step: trace.Error, req: RequestFacts) -> Facts:
    return {"status": step.status, "code": step.outcome}


_POLICY_LABELS: dict[str, Promise] = {
    "bucket": _lazy("bucket policy"),
    "identity": _lazy("identity (IAM) policy"),
    "key": _lazy("KMS key policy"),
    "bucket_encryption": _lazy("bucket encryption setting (BlockedEncryptionTypes)"),
    "resource": _lazy("resource policy"),
}


def policy_label(policy: Any) -> str:
    return str(_POLICY_LABELS.get(str(policy), _lazy("policies")))


_NO_BYTES = (trace.KmsGenerateDataKey, trace.KmsDecrypt, trace.KmsCall, trace.PolicyEvaluated)


def step_views(
    steps: Sequence[trace.Step],
    req: RequestFacts,
    only: int | None = None,
    window: tuple[int, int] | None = None,
) -> list[StepView]:
    """Every step's view (or, with ``only``, steps 1..only with a view for the last alone).

    The packet's form is carried from step to step, so the diagram shows what the bytes
    are at a step that has no payload of its own.
    """
    views: list[StepView] = []
    body_form = "none"
    last = "none"
    limit = len(steps) if only is None else min(only, len(steps))
    for index in range(limit):
        step = steps[index]
        kind = step.kind
        payload = step.payload
        pview = None
        if payload:
            form = payload.form
            if kind == "request.sent" and req.cse and form == "plaintext":
                form = "cse"
            pview = PayloadView(
                form,
                labels.payload_form_label(form),
                payload.size,
                labels.size_label(payload.size),
                labels.hex_pairs(payload.preview),
            )
        if kind == "request.sent":
            body_form = pview.form if pview and pview.size else "none"
            packet = body_form
        elif pview is not None:
            packet = pview.form if pview.size or pview.form == "tls" else "none"
            if kind == "tls.transit" and body_form == "none":
                packet = "tls"
        elif kind == "request.received":
            packet = body_form
        elif kind in ("response.sent", "error"):
            packet = "none"
        else:
            packet = last
        last = packet
        if isinstance(step, _NO_BYTES):
            # Only keys and decisions travel there; the object's bytes wait in S3.
            packet = "none"
        if only is not None and index < limit - 1:
            continue
        if window is not None and not window[0] <= index < window[1]:
            continue
        keys = [_key_view(k) for k in step.keys]
        views.append(
            StepView(
                n=index + 1,
                kind=kind,
                actor=step.actor,
                actor_label=labels.actor_label(step.actor),
                title=kind_title(kind),
                outcome=step.outcome,
                template=TEMPLATES[kind],
                keys=keys,
                payload=pview,
                packet=packet,
                f=_FACTS[type(step)](step, req),
                has_event=bool(step.event),
                has_decision=bool(step.decision),
            )
        )
    return views


_missing = set(trace.STEP_TYPES.values()) - set(_FACTS)
assert not _missing, f"no facts for {_missing}"
