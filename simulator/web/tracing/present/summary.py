"""The four questions of the course (design §1), answered for one request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from simulator.engine import trace

from . import labels
from .steps import RequestFacts, policy_label

S = TypeVar("S", bound=trace.Step)
Steps = Sequence[trace.Step]

SSE = "x-amz-server-side-encryption"


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    detail: str = ""
    step: int = 0  # the step that shows it


def _find(steps: Steps, step_type: type[S]) -> tuple[int, S | None]:
    for n, step in enumerate(steps, 1):
        if isinstance(step, step_type):
            return n, step
    return 0, None


def _mode(steps: Steps) -> str:
    """The mode of the first encryption, else decryption, else resolution that succeeded."""
    for step_type in (trace.SseEncrypt, trace.SseDecrypt, trace.SseResolve):
        _n, step = _find(steps, step_type)
        if step is not None and not step.failed:
            return str(getattr(step, "mode", ""))
    return ""


def where(steps: Steps, req: RequestFacts) -> Answer:
    q = _("Where is the data encrypted?")
    transit = (
        _("In transit, TLS protected the request.")
        if req.secure
        else _("In transit there was no TLS: the request crossed the network in the clear.")
    )
    n_enc, enc = _find(steps, trace.SseEncrypt)
    n_dec, dec = _find(steps, trace.SseDecrypt)
    mode_enc = labels.mode_label(enc.mode if enc is not None else "")
    if req.cse:
        extra = _(" S3 then added %(mode)s on top.") % {"mode": mode_enc} if n_enc else ""
        return Answer(
            q,
            _("In the client, before upload (client-side encryption): S3 only ever saw ciphertext.")
            + extra,
            transit,
            1,
        )
    if n_enc:
        return Answer(
            q,
            _("Inside S3, after the bytes arrived: %(mode)s.") % {"mode": mode_enc},
            transit,
            n_enc,
        )
    if dec is not None:
        mode = labels.mode_label(dec.mode)
        return Answer(
            q,
            _(
                "At rest the object is encrypted with %(mode)s; S3 decrypted it "
                "to answer this request."
            )
            % {"mode": mode},
            transit,
            n_dec,
        )
    mode = _mode(steps)
    if mode:
        return Answer(
            q,
            _(
                "The object is stored with %(mode)s; no object bytes were "
                "decrypted or encrypted by this request."
            )
            % {"mode": labels.mode_label(mode)},
            transit,
        )
    return Answer(q, _("No object data was encrypted or decrypted by this request."), transit)


def who(steps: Steps, req: RequestFacts) -> Answer:
    q = _("Who holds the key?")
    mode = _mode(steps)
    kms_arn = ""
    for step in steps:
        for k in step.keys:
            if k.role == "kms_key" and k.key_id:
                kms_arn = k.key_id
    if req.cse:
        return Answer(
            q,
            _(
                "You do: the client-side key never leaves the client. S3 stores "
                "only the wrapped data key, as metadata it cannot use."
            ),
        )
    if mode == "SSE-S3":
        return Answer(
            q,
            _(
                "S3 does: each object gets its own data key, wrapped by an S3 root "
                "key that S3 keeps and rotates."
            ),
        )
    if mode == "SSE-KMS":
        return Answer(
            q,
            _(
                "AWS KMS does: the KMS key never leaves KMS; S3 keeps only the "
                "data key wrapped by it, and every use is audited."
            ),
            kms_arn,
        )
    if mode == "DSSE-KMS":
        return Answer(
            q,
            _(
                "Both KMS and S3: the inner layer's data key is wrapped by the KMS "
                "key, the outer layer's by an S3 root key."
            ),
            kms_arn,
        )
    if mode == "SSE-C":
        return Answer(
            q,
            _(
                "You do: the key travels with every request and S3 forgets it "
                "after use, keeping only a salted HMAC to recognise it."
            ),
        )
    return Answer(q, _("No key was used by this request."))


def headers_said(
    request_headers: list[list[str]], response_headers: list[list[str]], steps: Steps
) -> Answer:
    q = _("What do the headers say?")
    sent = [f"{n}: {v}" for n, v in request_headers if "server-side-encryption" in n.lower()]
    got = [f"{n}: {v}" for n, v in response_headers if "server-side-encryption" in n.lower()]
    if sent:
        answer = ngettext(
            "The request asked for encryption explicitly (%(n)d encryption header).",
            "The request asked for encryption explicitly (%(n)d encryption headers).",
            len(sent),
        ) % {"n": len(sent)}
    else:
        _n, resolve = _find(steps, trace.SseResolve)
        source = resolve.source if resolve is not None else ""
        if source == "bucket-default":
            answer = _(
                "The request sent no encryption header, so the bucket's default encryption decided."
            )
        else:
            answer = _("The request sent no encryption header.")
    if got:
        detail = _("The response confirms: %(headers)s") % {"headers": "; ".join(got)}
    else:
        detail = _("The response carries no encryption header.")
    return Answer(q, answer, detail)


def policy_said(steps: Steps) -> Answer:
    q = _("Did the policy allow it?")
    evaluated = [(n, s) for n, s in enumerate(steps, 1) if isinstance(s, trace.PolicyEvaluated)]
    if not evaluated:
        return Answer(q, _("No policy was evaluated for this request."))
    for n, step in evaluated:
        decision = step.decision or {}
        if decision.get("decision") != "Allow":
            return Answer(
                q,
                _("No — denied (%(decision)s).") % {"decision": decision.get("decision", "")},
                # AWS's message is quoted once, at the top of the page.
                _("Decided by the %(policy)s.")
                % {"policy": policy_label(decision.get("policy") or step.policy)},
                n,
            )
    n = evaluated[-1][0]
    return Answer(q, _("Yes — every policy check allowed it."), "", n)


def answers(
    steps: Steps,
    req: RequestFacts,
    request_headers: list[list[str]],
    response_headers: list[list[str]],
) -> list[Answer]:
    return [
        where(steps, req),
        who(steps, req),
        headers_said(request_headers, response_headers, steps),
        policy_said(steps),
    ]
