"""Bucket policy presets from the course, written for one bucket (s3-facts §4)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from simulator.quiz import policies


@dataclass(frozen=True)
class Preset:
    code: str
    title: str | Promise
    explanation: str | Promise

    def document(self, bucket: str) -> str:
        return policies.document(self.code, bucket)


PRESETS = (
    Preset(
        "require-aes256",
        _("Deny uploads without x-amz-server-side-encryption: AES256"),
        _(
            "The course's policy: one statement denies a wrong header value, the other "
            "denies an upload with no header at all. The bucket's default encryption does "
            "not count: the policy sees only the request's headers."
        ),
    ),
    Preset(
        "require-kms",
        _("Deny uploads without aws:kms"),
        _("The same two statements, requiring SSE-KMS instead of SSE-S3."),
    ),
    Preset(
        "enforce-tls",
        _("Deny requests over plain HTTP"),
        _("Denies every S3 action when aws:SecureTransport is false: encryption in transit."),
    ),
    Preset(
        "forbid-ssec",
        _("Deny SSE-C uploads"),
        _(
            "Denies a PutObject that carries the SSE-C algorithm header "
            "(Null … customer-algorithm: false means the header is present)."
        ),
    ),
)

PRESETS_BY_CODE = {preset.code: preset for preset in PRESETS}
