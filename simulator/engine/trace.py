"""The trace: the story of one request as a list of frozen step records.

A step is data, not prose (design §4). The engine says *what* happened; the web
templates say it in the learner's language, keyed by ``kind``. The same list drives
the animated diagram, the accessible step list, presenter mode, the JSON export and
the quiz explanations.

Stable step kinds (templates and external tests rely on them):

=========================  ========  ==========================================
kind                       actor     meaning
=========================  ========  ==========================================
request.sent               client    the HTTP request leaves the client
tls.transit                network   the bytes cross the network (TLS or not)
request.received           s3        S3 has the request and parses it
policy.evaluated           policy    a bucket, identity or key policy decision
sse.resolve                s3        which encryption applies and why
kms.generate_data_key      kms       KMS makes a data key (plaintext + wrapped)
kms.decrypt                kms       KMS unwraps a data key
kms.call                   kms       any other KMS API call
s3.root_key                s3        the S3-managed root key wraps/unwraps a key
s3.bucket_key              s3        an S3 Bucket Key is made, reused or opened
ssec.validate              s3        the SSE-C key is checked (MD5, salted HMAC)
sse.encrypt                s3        plaintext becomes ciphertext inside S3
sse.decrypt                s3        ciphertext becomes plaintext inside S3
cse.envelope               client    client-side envelope metadata
storage.write              storage   ciphertext and metadata are written
storage.read               storage   ciphertext and metadata are read
storage.delete             storage   an object or bucket is removed
bucket.config              s3        a bucket setting is read or changed
response.sent              s3        the HTTP response leaves S3
error                      s3/...    the request failed: ``outcome`` is the code
=========================  ========  ==========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

ACTORS = ("client", "network", "s3", "policy", "kms", "storage")
PREVIEW_BYTES = 32
_NO_DETAIL: Mapping[str, Any] = MappingProxyType({})

# Records are immutable named tuples rather than frozen dataclasses: a request makes a
# dozen of them, and a tuple is built several times faster (the 1 KiB PUT path).


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


class Step(NamedTuple):
    """One step of a trace (the fields are design §4's table)."""

    kind: str
    actor: str
    keys: tuple[KeyInPlay, ...] = ()
    payload: Payload | None = None
    headers: tuple[tuple[str, str], ...] | None = None
    decision: Mapping[str, Any] | None = None
    event: Mapping[str, Any] | None = None
    outcome: str = "ok"
    detail: Mapping[str, Any] = _NO_DETAIL

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "actor": self.actor,
            "keys": [k.to_dict() for k in self.keys],
            "payload": self.payload.to_dict() if self.payload else None,
            "headers": [list(h) for h in self.headers] if self.headers is not None else None,
            "decision": dict(self.decision) if self.decision is not None else None,
            "event": dict(self.event) if self.event is not None else None,
            "outcome": self.outcome,
            "detail": dict(self.detail),
        }


# What ``Step(...)`` does after binding its arguments, without binding them again.
_new_step = tuple.__new__


class Trace:
    """Collects the steps of one request, in order."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(
        self,
        kind: str,
        actor: str,
        *,
        keys: tuple[KeyInPlay, ...] = (),
        payload: Payload | None = None,
        headers: Mapping[str, str] | tuple[tuple[str, str], ...] | None = None,
        decision: Mapping[str, Any] | None = None,
        event: Mapping[str, Any] | None = None,
        outcome: str = "ok",
        **detail: Any,
    ) -> Step:
        if headers is not None and type(headers) is not tuple:
            # A tuple of pairs is kept as is; any mapping becomes one (an ABC check is slow).
            headers = tuple(headers.items())  # type: ignore[union-attr]
        step = _new_step(
            Step, (kind, actor, keys, payload, headers, decision, event, outcome, detail)
        )
        self.steps.append(step)
        return step

    def __len__(self) -> int:
        return len(self.steps)


def trace_to_json(steps: list[Step]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in steps]
