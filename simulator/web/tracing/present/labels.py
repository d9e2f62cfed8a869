"""Short labels in the learner's language: actors, key forms and roles, payload forms."""

from __future__ import annotations

from http import HTTPStatus

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

ACTORS = ("client", "network", "s3", "policy", "kms", "storage")


_ACTOR_LABEL_TABLE: dict[str, Promise] = {
    "client": _lazy("Client"),
    "network": _lazy("Network"),
    "s3": _lazy("Amazon S3"),
    "policy": _lazy("Policy"),
    "kms": _lazy("AWS KMS"),
    "storage": _lazy("Storage"),
}


def actor_label(actor: str) -> str:
    return str(_ACTOR_LABEL_TABLE.get(actor, actor))


_KEY_FORM_LABEL_TABLE: dict[str, Promise] = {
    "plaintext": _lazy("plaintext"),
    "wrapped": _lazy("wrapped"),
    "hmac": _lazy("salted HMAC only"),
    "reference": _lazy("reference only"),
    "discarded": _lazy("discarded"),
}


def key_form_label(form: str) -> str:
    return str(_KEY_FORM_LABEL_TABLE.get(form, form))


_KEY_NAMES: dict[str, Promise] = {
    "data key": _lazy("data key"),
    "encrypted data key": _lazy("encrypted data key"),
    "bucket key": _lazy("bucket key"),
    "customer key": _lazy("customer key (SSE-C)"),
    "KMS key": _lazy("KMS key"),
    "DSSE outer key": _lazy("DSSE outer key"),
    "object key": _lazy("object key"),
    "client key": _lazy("client-side key"),
}


_KEY_ROLES: dict[str, Promise] = {
    "data_key": _lazy("data key"),
    "root_key": _lazy("S3 root key"),
    "kms_key": _lazy("KMS key"),
    "customer_key": _lazy("customer key (SSE-C)"),
    "bucket_key": _lazy("bucket key"),
    "cse_key": _lazy("client-side key"),
    "dsse_s3_key": _lazy("DSSE outer key"),
}


def key_name_label(name: str, role: str) -> str:
    """The engine names keys in English; say them in the learner's language."""
    if name.startswith("S3 root key v"):
        return _("S3 root key v%(version)s") % {"version": name.rsplit("v", 1)[-1]}
    if name in _KEY_NAMES:
        return str(_KEY_NAMES[name])
    return str(_KEY_ROLES.get(role, name))


_PAYLOAD_FORM_LABEL_TABLE: dict[str, Promise] = {
    "plaintext": _lazy("plaintext"),
    "ciphertext": _lazy("ciphertext"),
    "cse": _lazy("client-side ciphertext"),
    "tls": _lazy("inside TLS"),
    "none": _lazy("no body"),
}


def payload_form_label(form: str) -> str:
    return str(_PAYLOAD_FORM_LABEL_TABLE.get(form, form))


_MODE_LABEL_TABLE: dict[str, Promise] = {
    "SSE-S3": _lazy("SSE-S3 (keys managed by S3)"),
    "SSE-KMS": _lazy("SSE-KMS (a key in AWS KMS)"),
    "DSSE-KMS": _lazy("DSSE-KMS (two layers: KMS and S3)"),
    "SSE-C": _lazy("SSE-C (a key you provide)"),
    "NONE": _lazy("no encryption"),
}


def mode_label(mode: str) -> str:
    return str(_MODE_LABEL_TABLE.get(mode, mode))


ALGORITHM_MODES = {"AES256": "SSE-S3", "aws:kms": "SSE-KMS", "aws:kms:dsse": "DSSE-KMS"}


def size_label(size: int) -> str:
    if size < 1024:
        return ngettext("%(n)d byte", "%(n)d bytes", size) % {"n": size}
    if size < 1024 * 1024:
        return _("%(n)s KiB") % {"n": f"{size / 1024:.1f}"}
    return _("%(n)s MiB") % {"n": f"{size / (1024 * 1024):.1f}"}


def hex_pairs(preview: str) -> str:
    """``68656c6c6f`` → ``68 65 6c 6c 6f``: bytes, as the Illustrated TLS shows them."""
    return " ".join(preview[i : i + 2] for i in range(0, len(preview), 2))


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def short_principal(principal: str) -> str:
    """``arn:aws:iam::111122223333:user/alice`` → ``alice``; ``*`` → anonymous."""
    if principal in ("", "*"):
        return _("anonymous")
    if ":user/" in principal:
        return principal.rsplit("/", 1)[-1]
    if principal.endswith(":root"):
        return _("account root")
    return principal.rsplit(":", 1)[-1]


_DECISION_LABEL_TABLE: dict[str, Promise] = {
    "Allow": _lazy("Allowed"),
    "ExplicitDeny": _lazy("Denied by an explicit Deny"),
    "ImplicitDeny": _lazy("Denied by default (implicit deny)"),
}


def decision_label(decision: str) -> str:
    return str(_DECISION_LABEL_TABLE.get(decision, decision))
