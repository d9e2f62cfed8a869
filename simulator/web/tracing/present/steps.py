"""Trace steps as view data: one ``StepView`` per engine step, computed once per request.

The engine's step says *what* happened (design §4); this module picks out the facts a
sentence needs and labels them in the learner's language. The sentence itself lives in
``templates/web/tracing/steps.html``, one partial per step ``kind``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from simulator.engine.crypto import fingerprint

from . import labels
from .cache import per_language
from .redact import MASK, is_secret, mask_headers

# The kinds of simulator.engine.trace's table, each with its own sentence template.
KINDS = (
    "request.sent",
    "tls.transit",
    "request.received",
    "policy.evaluated",
    "sse.resolve",
    "kms.generate_data_key",
    "kms.decrypt",
    "kms.call",
    "s3.root_key",
    "s3.bucket_key",
    "ssec.validate",
    "sse.encrypt",
    "sse.decrypt",
    "cse.envelope",
    "storage.write",
    "storage.read",
    "storage.delete",
    "bucket.config",
    "response.sent",
    "error",
)
STEPS_TEMPLATE = "web/tracing/steps.html"
# Each kind's sentence: a partial of STEPS_TEMPLATE named after the kind.
_TEMPLATES = {
    kind: f"{STEPS_TEMPLATE}#kind-{kind.replace('.', '-').replace('_', '-')}" for kind in KINDS
}
_UNKNOWN = f"{STEPS_TEMPLATE}#kind-unknown"
CSE_PREFIXES = ("x-amz-meta-x-amz-key", "x-amz-meta-x-amz-3", "x-amz-meta-x-amz-c")
CUSTOMER_KEY = "x-amz-server-side-encryption-customer-key"


@per_language
def _kind_title_table() -> dict[str, str]:
    return {
        "request.sent": _("Request sent"),
        "tls.transit": _("Across the network"),
        "request.received": _("S3 receives the request"),
        "policy.evaluated": _("Policy check"),
        "sse.resolve": _("Which encryption applies"),
        "kms.generate_data_key": _("KMS generates a data key"),
        "kms.decrypt": _("KMS decrypts the data key"),
        "kms.call": _("KMS call"),
        "s3.root_key": _("S3 root key"),
        "s3.bucket_key": _("S3 Bucket Key"),
        "ssec.validate": _("SSE-C key check"),
        "sse.encrypt": _("Encrypted inside S3"),
        "sse.decrypt": _("Decrypted inside S3"),
        "cse.envelope": _("Client-side envelope"),
        "storage.write": _("Written to disk"),
        "storage.read": _("Read from disk"),
        "storage.delete": _("Deleted from disk"),
        "bucket.config": _("Bucket setting"),
        "response.sent": _("Response sent"),
        "error": _("The request fails"),
    }


def kind_title(kind: str) -> str:
    return _kind_title_table().get(kind, kind)


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
    derived: bool = False  # shown by the lab from the request, not reported by the engine


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
    ssec_fingerprint: str = ""
    headers: list[list[str]] = field(default_factory=list)


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


def request_facts(steps: list[dict[str, Any]], headers: list[Any] | None = None) -> RequestFacts:
    facts = RequestFacts()
    first = steps[0] if steps else {}
    detail = first.get("detail") or {}
    sent = first.get("headers") if first.get("kind") == "request.sent" else None
    pairs = sent if sent is not None else (headers or [])
    facts.method = str(detail.get("method", ""))
    facts.path = request_path(
        str(detail.get("bucket", "")), str(detail.get("key", "")), detail.get("query") or {}
    )
    facts.principal = str(detail.get("principal", ""))
    for step in steps[:3]:
        if step.get("kind") == "tls.transit":
            facts.secure = bool((step.get("detail") or {}).get("secure", True))
    lower = {str(p[0]).lower(): str(p[1]) for p in pairs}
    facts.cse = any(name.startswith(CSE_PREFIXES) for name in lower)
    key = lower.get(CUSTOMER_KEY, "")
    if key and key != MASK:
        try:
            facts.ssec_fingerprint = fingerprint(base64.b64decode(key, validate=True))
        except (binascii.Error, ValueError):
            facts.ssec_fingerprint = ""
    facts.headers = mask_headers(pairs)
    return facts


def _key_view(k: dict[str, Any]) -> KeyView:
    holder = str(k.get("holder", ""))
    form = str(k.get("form", ""))
    return KeyView(
        name=labels.key_name_label(str(k.get("name", "")), str(k.get("role", ""))),
        role=str(k.get("role", "")),
        holder=holder,
        holder_label=labels.actor_label(holder),
        form=form,
        form_label=labels.key_form_label(form),
        fingerprint=str(k.get("fingerprint", "")),
        key_id=str(k.get("key_id", "")),
    )


def _keys(raw: list[dict[str, Any]], seen: dict[Any, KeyView]) -> list[KeyView]:
    """The keys' views; ``seen`` shares them across the steps of one request."""
    out = []
    for k in raw or ():
        if not isinstance(k, dict):
            out.append(_key_view(k))
            continue
        try:
            memo_key: Any = tuple(k.items())
            view = seen.get(memo_key)
        except TypeError:  # an unhashable value: no sharing
            out.append(_key_view(k))
            continue
        if view is None:
            view = seen[memo_key] = _key_view(k)
        out.append(view)
    return out


def _context_text(context: Any) -> str:
    if not isinstance(context, dict) or not context:
        return ""
    return json.dumps(context, ensure_ascii=False, sort_keys=True)


class _Labels:
    """The labels of one request, each looked up once: ``label(labels.mode_label, mode)``.

    A long trace repeats its actors, kinds, sizes, modes and verdicts, and every label
    looks the language up, which costs more than the label itself.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[Callable[[Any], str], Any], str] = {}

    def __call__(self, of: Callable[[Any], str], value: Any) -> str:
        try:
            found = self._known.get((of, value))
        except TypeError:  # an unhashable value, from an odd stored step
            return of(value)
        if found is None:
            found = self._known[(of, value)] = of(value)
        return found


def _facts(step: dict[str, Any], req: RequestFacts, label: _Labels) -> dict[str, Any]:
    """The few facts each kind's sentence needs, labelled; ``detail`` stays available."""

    def size_label(n: int) -> str:
        return label(labels.size_label, n)

    def mode_label(mode: str) -> str:
        return label(labels.mode_label, mode)

    kind = step.get("kind", "")
    d: dict[str, Any] = dict(step.get("detail") or {})
    payload = step.get("payload") or {}
    f: dict[str, Any] = {"d": d}
    if kind == "request.sent":
        f["who"] = labels.short_principal(req.principal)
        f["method"] = req.method
        f["path"] = req.path
        f["secure"] = req.secure
        f["size"] = size_label(int(payload.get("size", 0) or 0))
        f["has_body"] = bool(payload.get("size"))
        names = [str(h[0]).lower() for h in (step.get("headers") or [])]
        f["sse_headers"] = [n for n in names if "server-side-encryption" in n]
        f["ssec"] = any(is_secret(n) for n in names)
        f["cse"] = req.cse
    elif kind == "tls.transit":
        f["secure"] = bool(d.get("secure", True))
        f["size"] = size_label(int(payload.get("size", 0) or 0))
        f["response"] = d.get("direction") == "response"
    elif kind == "request.received":
        f["operation"] = d.get("operation", "")
        f["path"] = req.path
    elif kind == "policy.evaluated":
        decision = step.get("decision") or {}
        f["decision"] = decision.get("decision", "")
        f["allowed"] = decision.get("decision") == "Allow"
        f["decision_label"] = label(labels.decision_label, str(decision.get("decision", "")))
        f["explicit"] = decision.get("decision") == "ExplicitDeny"
        f["policy_label"] = label(
            policy_label, decision.get("policy") or decision.get("policy_kind") or d.get("policy")
        )
        f["action"] = decision.get("action") or d.get("action", "")
    elif kind == "sse.resolve":
        mode = str(d.get("mode", ""))
        f["mode"] = mode_label(mode)
        f["source"] = d.get("source", "")
        f["default"] = mode_label(
            labels.ALGORITHM_MODES.get(
                str(d.get("bucket_default", "")), str(d.get("bucket_default", ""))
            )
        )
        f["kms_key"] = d.get("kms_key_ref", "")
        f["kms_mode"] = mode in ("SSE-KMS", "DSSE-KMS")
        f["bucket_key"] = bool(d.get("bucket_key"))
        f["context"] = _context_text(d.get("context"))
        f["from_mode"] = mode_label(str(d["from_mode"])) if d.get("from_mode") else ""
    elif kind in ("kms.generate_data_key", "kms.decrypt", "kms.call"):
        f["key"] = d.get("key_arn") or d.get("key_ref") or d.get("key_id") or ""
        f["context"] = _context_text(d.get("encryption_context"))
        f["message"] = d.get("message", "")
        f["operation"] = d.get("operation") or d.get("action") or ""
        f["client"] = str(d.get("via_service", "s3")).split(".")[0] not in ("s3",)
    elif kind == "s3.root_key":
        f["wrap"] = d.get("operation") == "wrap"
        f["version"] = str(d.get("version", "")).lstrip("0") or "1"
    elif kind == "s3.bucket_key":
        f["cached"] = bool(d.get("cached"))
        f["key"] = d.get("key_arn", "")
    elif kind == "ssec.validate":
        f["hmac"] = d.get("check") == "hmac"
    elif kind in ("sse.encrypt", "sse.decrypt"):
        f["mode"] = mode_label(str(d.get("mode", "")))
        f["size"] = size_label(int(payload.get("size", 0) or 0))
        f["plain_size"] = size_label(int(d.get("plaintext_size", payload.get("size", 0)) or 0))
        f["copy"] = d.get("role", "")
        f["source"] = request_path(str(d.get("bucket", "")), str(d.get("key", "")))
    elif kind == "storage.write":
        record = d.get("record") or {}
        f["size"] = size_label(int(payload.get("size", 0) or 0))
        f["mode"] = mode_label(str(record.get("mode") or d.get("mode") or ""))
    elif kind == "storage.read":
        f["size"] = size_label(int(payload.get("size", 0) or 0))
        f["metadata_only"] = bool(d.get("metadata_only"))
        f["listing"] = bool(d.get("listing"))
        f["count"] = int(d.get("count", 0) or 0)
    elif kind == "storage.delete":
        f["what"] = d.get("key") or d.get("bucket") or ""
        f["bucket"] = bool(d.get("bucket")) and not d.get("key")
        f["existed"] = d.get("existed", True)
        f["deleted"] = d.get("deleted")
    elif kind == "bucket.config":
        f["setting"] = d.get("setting", "")
        f["change"] = d.get("change", "")
        algorithm = str(d.get("algorithm") or d.get("default_encryption") or "")
        f["algorithm"] = mode_label(labels.ALGORITHM_MODES.get(algorithm, algorithm))
        f["kms_key"] = d.get("kms_key_id", "")
        f["bucket_key"] = bool(d.get("bucket_key"))
        blocked = [b for b in (d.get("blocked") or []) if b != "NONE"]
        f["ssec_blocked"] = "SSE-C" in blocked
        f["blocked_known"] = "blocked" in d
    elif kind == "response.sent":
        status = int(d.get("status", 0) or 0)
        f["status"] = status
        f["phrase"] = labels.status_phrase(status)
        f["size"] = size_label(int(payload.get("size", 0) or 0))
        f["has_body"] = bool(payload.get("size"))
        f["secure"] = bool(d.get("secure", True))
    elif kind == "error":
        f["status"] = d.get("status", "")
        f["code"] = step.get("outcome", "")
        f["message"] = d.get("message", "")
    return f


@per_language
def _policy_label_table() -> dict[str, str]:
    return {
        "bucket": _("bucket policy"),
        "identity": _("identity (IAM) policy"),
        "key": _("KMS key policy"),
        "bucket_encryption": _("bucket encryption setting (BlockedEncryptionTypes)"),
        "resource": _("resource policy"),
    }


def policy_label(policy: Any) -> str:
    return _policy_label_table().get(str(policy), _("policies"))


def build_steps(
    steps: list[dict[str, Any]],
    req: RequestFacts,
    only: int | None = None,
    window: tuple[int, int] | None = None,
) -> list[StepView]:
    """Every step's view (or, with ``only``, steps 1..only with facts for the last alone).

    The packet's form is carried from step to step, so the diagram shows what the bytes
    are at a step that has no payload of its own.
    """
    views: list[StepView] = []
    body_form = "none"
    last = "none"
    limit = len(steps) if only is None else min(only, len(steps))
    # A long trace repeats its keys, payloads and labels: make each view once.
    key_views: dict[Any, KeyView] = {}
    payload_views: dict[tuple[str, int, str], PayloadView] = {}
    label = _Labels()
    for index in range(limit):
        step = steps[index]
        kind = str(step.get("kind", ""))
        payload = step.get("payload")
        pview = None
        if payload:
            form = str(payload.get("form", "none"))
            size = int(payload.get("size", 0) or 0)
            if kind == "request.sent" and req.cse and form == "plaintext":
                form = "cse"
            preview = str(payload.get("preview", ""))
            pview = payload_views.get((form, size, preview))
            if pview is None:
                pview = payload_views[(form, size, preview)] = PayloadView(
                    form,
                    labels.payload_form_label(form),
                    size,
                    labels.size_label(size),
                    labels.hex_pairs(preview),
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
        if kind.startswith("kms.") or kind == "policy.evaluated":
            # Only keys and decisions travel there; the object's bytes wait in S3.
            packet = "none"
        if only is not None and index < limit - 1:
            continue
        if window is not None and not window[0] <= index < window[1]:
            continue
        keys = _keys(step.get("keys") or [], key_views)
        if kind == "request.sent" and req.ssec_fingerprint:
            keys.append(
                KeyView(
                    labels.key_name_label("customer key", "customer_key"),
                    "customer_key",
                    "client",
                    labels.actor_label("client"),
                    "plaintext",
                    labels.key_form_label("plaintext"),
                    req.ssec_fingerprint,
                    "",
                    derived=True,
                )
            )
        actor = str(step.get("actor", ""))
        views.append(
            StepView(
                n=index + 1,
                kind=kind,
                actor=actor,
                actor_label=label(labels.actor_label, actor),
                title=label(kind_title, kind),
                outcome=str(step.get("outcome", "ok")),
                template=_TEMPLATES.get(kind, _UNKNOWN),
                keys=keys,
                payload=pview,
                packet=packet,
                f=_facts(step, req, label),
                has_event=bool(step.get("event")),
                has_decision=bool(step.get("decision")),
            )
        )
    return views
