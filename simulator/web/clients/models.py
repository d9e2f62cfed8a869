"""What the lab keeps for real clients: each sandbox's access keys and its client settings.

An access key belongs to one IAM user of one sandbox, as on AWS. Its secret is kept
wrapped (``keys.wrap_secret``) by a key derived from the sandbox's deployment key and
the access key id, so the database never holds a working secret, and a wrapped secret
copied to another row (another id, another sandbox) does not open.
"""

from __future__ import annotations

from django.db import models

ACTIVE = "Active"
INACTIVE = "Inactive"
STATUSES = ((ACTIVE, ACTIVE), (INACTIVE, INACTIVE))


class AccessKey(models.Model):
    sandbox = models.ForeignKey("web.Sandbox", on_delete=models.CASCADE, related_name="access_keys")
    user_name = models.CharField(max_length=64)
    # AKIA + 16 characters of AWS's alphabet (A-Z, 2-7): unique across every sandbox,
    # since a signed request names only the key id.
    access_key_id = models.CharField(max_length=20, unique=True)
    # The secret as a Fernet token under the key's own wrapping key (never in clear).
    wrapped_secret = models.TextField()
    status = models.CharField(max_length=8, choices=STATUSES, default=ACTIVE)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("user_name", "created")
        indexes = (models.Index(fields=["sandbox", "user_name"], name="access_key_user"),)

    def __str__(self) -> str:
        return f"{self.user_name}:{self.access_key_id}"

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


class ClientSettings(models.Model):
    """A sandbox's settings for real clients (no row: the defaults)."""

    sandbox = models.OneToOneField(
        "web.Sandbox", on_delete=models.CASCADE, primary_key=True, related_name="client_settings"
    )
    # NOTE: AWS refuses SSE-C over plain HTTP; a learner may allow it here for practice,
    # and the endpoint's trace then says that AWS would refuse the request.
    ssec_over_http = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"client settings of {self.sandbox_id}"
