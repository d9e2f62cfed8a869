"""Short labels in the learner's language: actors, key forms and roles, payload forms."""

from __future__ import annotations

from http import HTTPStatus

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .cache import per_language

ACTORS = ("client", "network", "s3", "policy", "kms", "storage")


@per_language
def _actor_label_table() -> dict[str, str]:
    return {
        "client": _("Client"),
        "network": _("Network"),
        "s3": _("Amazon S3"),
        "policy": _("Policy"),
        "kms": _("AWS KMS"),
        "storage": _("Storage"),
    }


def actor_label(actor: str) -> str:
    return _actor_label_table().get(actor, actor)


@per_language
def _key_form_label_table() -> dict[str, str]:
    return {
        "plaintext": _("plaintext"),
        "wrapped": _("wrapped"),
        "hmac": _("salted HMAC only"),
        "reference": _("reference only"),
        "discarded": _("discarded"),
    }


def key_form_label(form: str) -> str:
    return _key_form_label_table().get(form, form)


@per_language
def _key_names() -> dict[str, str]:
    return {
        "data key": _("data key"),
        "encrypted data key": _("encrypted data key"),
        "bucket key": _("bucket key"),
        "customer key": _("customer key (SSE-C)"),
        "KMS key": _("KMS key"),
        "DSSE outer key": _("DSSE outer key"),
        "object key": _("object key"),
        "client key": _("client-side key"),
    }


@per_language
def _key_roles() -> dict[str, str]:
    return {
        "data_key": _("data key"),
        "root_key": _("S3 root key"),
        "kms_key": _("KMS key"),
        "customer_key": _("customer key (SSE-C)"),
        "bucket_key": _("bucket key"),
        "cse_key": _("client-side key"),
        "dsse_s3_key": _("DSSE outer key"),
    }


def key_name_label(name: str, role: str) -> str:
    """The engine names keys in English; say them in the learner's language."""
    if name.startswith("S3 root key v"):
        return _("S3 root key v%(version)s") % {"version": name.rsplit("v", 1)[-1]}
    by_name = _key_names()
    if name in by_name:
        return by_name[name]
    by_role = _key_roles()
    return by_role.get(role, name)


@per_language
def _payload_form_label_table() -> dict[str, str]:
    return {
        "plaintext": _("plaintext"),
        "ciphertext": _("ciphertext"),
        "cse": _("client-side ciphertext"),
        "tls": _("inside TLS"),
        "none": _("no body"),
    }


def payload_form_label(form: str) -> str:
    return _payload_form_label_table().get(form, form)


@per_language
def _mode_label_table() -> dict[str, str]:
    return {
        "SSE-S3": _("SSE-S3 (keys managed by S3)"),
        "SSE-KMS": _("SSE-KMS (a key in AWS KMS)"),
        "DSSE-KMS": _("DSSE-KMS (two layers: KMS and S3)"),
        "SSE-C": _("SSE-C (a key you provide)"),
        "NONE": _("no encryption"),
    }


def mode_label(mode: str) -> str:
    return _mode_label_table().get(mode, mode)


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


@per_language
def _decision_label_table() -> dict[str, str]:
    return {
        "Allow": _("Allowed"),
        "ExplicitDeny": _("Denied by an explicit Deny"),
        "ImplicitDeny": _("Denied by default (implicit deny)"),
    }


def decision_label(decision: str) -> str:
    return _decision_label_table().get(decision, decision)
